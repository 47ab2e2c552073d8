"use strict";
/**
 * `npm test` only: keeps ts-node's transpiled output on disk, so that each of the suite's Node.js processes (mocha's
 * workers, and every CLI the tests start: key-audit, diff, check) stops re-transpiling the same unchanged files.
 * Measured here: `node -r ts-node/register/transpile-only audit/cli.ts --help` spends 1.1 s of its 1.4 s of CPU in
 * TypeScript's emitter, and the suite starts well over a hundred such processes (docs/benchmarks.md, "Test suite").
 *
 * tests/support/suite.ts loads this file into every process it starts (NODE_OPTIONS=--require) and names the folder
 * in KMS_AUDIT_TRANSPILE_CACHE; without that variable the file does nothing. It wraps the `compile` method of every
 * service `require("ts-node").register()` creates (ts-node's require hook calls `service.compile(code, fileName)` at
 * each load: TypeStrong/ts-node src/index.ts, registerExtension), so the code that runs is byte for byte what
 * ts-node produced for that exact input:
 * - the key is a SHA-256 of the ts-node and TypeScript versions, the service's options and compiler options, the
 *   file's path and its full text, so an edited file, a changed tsconfig or an upgrade is a miss, never stale;
 * - only successful compilations are stored (a syntax error is raised by ts-node afresh each time);
 * - output for `module: node16/nodenext` depends on the nearest package.json's "type", which is not in the key, so
 *   those services are left alone;
 * - stack traces keep pointing at TypeScript lines: ts-node appends an inline source map to its output, and a
 *   cached file's output is handed to source-map-support, which ts-node otherwise serves from its memory.
 * Files are written to a temporary name and renamed, so parallel processes never read half a file.
 */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const cacheDir = process.env.KMS_AUDIT_TRANSPILE_CACHE;

/** What a cached file's output is, by path, for source-map-support (ts-node keeps its own in memory). */
const served = new Map();

function sha256(text) {
    return crypto.createHash("sha256").update(text).digest("hex");
}

function readCached(file) {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

function store(file, output) {
    const temporary = `${file}.${process.pid}.tmp`;
    try {
        fs.writeFileSync(temporary, output);
        fs.renameSync(temporary, file);
    } catch {
        // A full or read-only disk costs speed only: the output was compiled and is used either way.
        fs.rmSync(temporary, { force: true });
    }
}

function cacheCompilation(tsNode, service) {
    const compilerOptions = service.config.options;
    const moduleKind = service.ts.ModuleKind;
    if ([moduleKind.Node16, moduleKind.NodeNext].includes(compilerOptions.module)) {
        return;
    }
    const salt = JSON.stringify([tsNode.VERSION, service.ts.version, service.options, compilerOptions]);
    const compile = service.compile.bind(service);
    service.compile = (code, fileName, lineOffset) => {
        if (lineOffset) {
            return compile(code, fileName, lineOffset);
        }
        const file = path.join(cacheDir, `${sha256(`${salt}\0${fileName}\0${code}`)}.js`);
        let output = readCached(file);
        if (output === undefined) {
            output = compile(code, fileName);
            store(file, output);
        } else {
            served.set(path.normalize(fileName), output);
        }
        return output;
    };
    installSourceMaps();
}

let sourceMapsInstalled = false;

/** After ts-node's own installation, so that this handler is asked first; "" passes the question on. */
function installSourceMaps() {
    if (!sourceMapsInstalled) {
        sourceMapsInstalled = true;
        const tsNodeDir = path.dirname(require.resolve("ts-node"));
        require(require.resolve("@cspotcode/source-map-support", { paths: [tsNodeDir] })).install({
            retrieveFile: (file) => served.get(path.normalize(file)) ?? "",
        });
    }
}

/** Wraps `register` on ts-node's exports, before anything calls it. */
function wrapRegister(tsNode) {
    const register = tsNode.register;
    const wrapped = new WeakSet();
    tsNode.register = function registerCachingOutput(...args) {
        const service = register.apply(this, args);
        if (!wrapped.has(service)) {
            wrapped.add(service);
            cacheCompilation(tsNode, service);
        }
        return service;
    };
}

/**
 * ts-node is wrapped when something loads it (`-r ts-node/register/...` or `require("ts-node")`), not before: a
 * process that never uses it (npm, tsc, a pack, the published pack installed outside this repository) loads
 * nothing from here. `Module._load` returns a module's exports; `register` is looked up on them only after that.
 */
function wrapTsNodeWhenLoaded() {
    const Module = require("module");
    let tsNodeEntry;
    try {
        tsNodeEntry = require.resolve("ts-node", { paths: [path.join(__dirname, "..", "..")] });
    } catch {
        return; // no ts-node installed here: nothing to wrap, and nothing may break for it
    }
    const load = Module._load;
    function loadWatchingForTsNode(...args) {
        const exported = load.apply(this, args);
        // ts-node's own files load while its entry is already cached, half built: wait for the entry itself.
        const tsNode = require.cache[tsNodeEntry];
        if (tsNode?.loaded && tsNode.exports === exported && typeof exported.register === "function") {
            if (Module._load === loadWatchingForTsNode) {
                Module._load = load;
            }
            wrapRegister(exported);
        }
        return exported;
    }
    Module._load = loadWatchingForTsNode;
}

if (cacheDir) {
    fs.mkdirSync(cacheDir, { recursive: true });
    wrapTsNodeWhenLoaded();
}
