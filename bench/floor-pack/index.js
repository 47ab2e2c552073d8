"use strict";
/**
 * The floor the kms-audit pack is measured against (bench/throughput.ts, docs/benchmarks.md): the least any
 * CrossGuard pack pays in @pulumi/policy 1.21 for the same requests. Plain JavaScript, so it starts without a
 * build, and resolves @pulumi/policy from the project's node_modules like the real pack.
 *
 * - one resource policy with no type filter: the server deserializes every Analyze request's properties once
 *   (server.js, makeAnalyzeRpcFun) and the policy reads one property;
 * - one stack policy: the server deserializes every resource of the AnalyzeStack request once
 *   (server.js, makeAnalyzeStackRpcFun) and the policy walks the list once, reading one property of each.
 * Neither reports anything, so the floor includes no finding encoding.
 */
const { PolicyPack } = require("@pulumi/policy");

/** Touches a value so that the read cannot be optimised away; never true for real property bags. */
let _sink = 0;

new PolicyPack("bench-floor", {
    enforcementLevel: "mandatory",
    policies: [
        {
            name: "floor-one-property",
            description: "Reads one property of every resource (benchmark floor).",
            validateResource: (args) => {
                _sink ^= args.props.id === null ? 1 : 0;
            },
        },
        {
            name: "floor-stack-walk",
            description: "Walks every resource of the stack once (benchmark floor).",
            validateStack: (args) => {
                for (const resource of args.resources) {
                    _sink ^= resource.props.id === null ? 1 : 0;
                }
            },
        },
    ],
});
