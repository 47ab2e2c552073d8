"use strict";
/**
 * Node.js module hooks (module.register) that compile a TypeScript ES-module program with ts-node, as Pulumi's
 * automatic ESM mode does (pulumi/pulumi sdk/nodejs/cmd/run/run.ts registers ./hooks.js with ts-node options).
 * The service is created from the options given at registration (initialize), so the program's tsconfig and the
 * gate's transpile-only choice apply, not whatever TS_NODE_* the environment holds. Plain JavaScript: this file runs
 * in Node's loader thread, where the gate's ts-node registration does not exist.
 */
const tsn = require("ts-node");

let hooks;

exports.initialize = async function initialize(options) {
    hooks = tsn.createEsmHooks(tsn.register(options));
};

exports.resolve = function resolve(specifier, context, nextResolve) {
    return hooks.resolve(specifier, context, nextResolve);
};

exports.load = function load(url, context, nextLoad) {
    return hooks.load(url, context, nextLoad);
};
