/**
 * Child-process entry: runs one stack's program under mocks and writes the captured registrations to a file.
 * One process per run keeps the Pulumi runtime's global state (config, mocks, stack resource) clean.
 *
 * The program is loaded and awaited as Pulumi's Node.js language runtime does it (pulumi/pulumi
 * sdk/nodejs/cmd/run/run.ts and sdk/nodejs/cmd/run/index.ts):
 * - TypeScript through ts-node with `<project>/tsconfig.json` when it exists, otherwise ts-node's `skipProject` and
 *   Pulumi's default compiler options, so a project without tsconfig.json runs;
 * - `"type": "module"` packages through the SDK's ts-node ESM hooks (`module.register`) and a dynamic `import()` of
 *   the entry file (index.js, index.mjs, index.ts or index.mts for a folder), a default export taking precedence;
 * - CommonJS packages through `require`; an exported function is called and its result awaited;
 * - the run ends when Node.js's event loop is empty, not when the program's promise settles: `beforeExit` handlers
 *   may still register resources (e.g. `bucket.onObjectCreated` adds its BucketNotification there);
 * - any uncaught exception or unhandled promise rejection fails the run, as it fails `pulumi preview`.
 * One job over 350 lines, the host: each step above is a few functions, kept in the one file the child loads.
 */
import * as fs from "fs";
import { register as registerModuleHooks } from "module";
import * as path from "path";
import * as url from "url";
import { inspect } from "util";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, CapturedResource } from "./capture";
import { DataSourceUse, MockAccount } from "./awsMocks";
import { StackSettings } from "./project";
import { loadTransformations, TransformSpec } from "./transforms";

export interface ProgramJob {
    settings: StackSettings;
    preview: boolean;
    account: MockAccount;
    transforms: TransformSpec[];
    resultFile: string;
}

export type ProgramResult =
    | { ok: true; resources: CapturedResource[]; dataSources: DataSourceUse[] }
    | { ok: false; message: string };

let finished = false;

function finish(file: string, result: ProgramResult): void {
    if (finished) {
        return;
    }
    finished = true;
    fs.writeFileSync(file, JSON.stringify(result));
    process.exit(0);
}

/** Stack frames in the user's own files (not the SDK, not the gate): where to look, without the internal noise. */
function userFrames(stack: string, projectDir: string): string[] {
    return stack
        .split("\n")
        .filter((line) => /^\s+at /.test(line) && line.includes(projectDir) && !line.includes("node_modules"))
        .slice(0, 3)
        .map((line) => line.replace(projectDir + path.sep, "").trim());
}

/** Errors whose message says everything: the SDK's RunError and ResourceError, and the gate's own. */
function carriesOwnMessage(error: Error): boolean {
    const e: unknown = error;
    return pulumi.RunError.isInstance(e) || pulumi.ResourceError.isInstance(e) || error.name === "GateError";
}

/**
 * The program's failure in the user's terms. RunError, ResourceError, TSError and SyntaxError carry everything
 * in their message (run.ts prints no stack for them); other errors get their own file positions only.
 */
export function describeProgramError(error: unknown, projectDir: string): string {
    if (process.env.KMS_AUDIT_GATE_DEBUG === "1" && error instanceof Error) {
        return error.stack ?? error.message;
    }
    if (!(error instanceof Error)) {
        return `the program threw a non-Error value: ${inspect(error, { depth: 3, breakLength: 120 })}`;
    }
    if (carriesOwnMessage(error)) {
        return error.message;
    }
    if (error.name === "TSError" || error instanceof SyntaxError) {
        const where = error instanceof SyntaxError ? userFrames(error.stack ?? "", projectDir) : [];
        return [`${error.name}: ${error.message}`, ...where.map((f) => `    ${f}`)].join("\n");
    }
    const frames = userFrames(error.stack ?? "", projectDir);
    const code = (error as { code?: unknown }).code;
    // run.ts's reportModuleLoadFailure gives the same advice when a module cannot be loaded.
    const hint =
        code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND"
            ? [`  (its dependencies are not installed? run \`npm install\` in ${projectDir})`]
            : [];
    return [
        `${error.name}: ${error.message.split("\nRequire stack:")[0]}`,
        ...hint,
        ...frames.map((f) => `    ${f}`),
    ].join("\n");
}

interface PackageInfo {
    root: string;
    manifest: Record<string, unknown>;
}

/** The nearest package.json above the program, as run.ts's npmPackageRootFromProgramPath finds it. */
function programPackage(program: string): PackageInfo {
    for (let dir = fs.existsSync(program) && fs.statSync(program).isDirectory() ? program : path.dirname(program); ; ) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) {
            try {
                return { root: dir, manifest: JSON.parse(fs.readFileSync(file, "utf8")) };
            } catch (e) {
                const message = `${file}: is not valid JSON: ${(e as Error).message}`;
                throw Object.assign(new Error(message), { name: "GateError" });
            }
        }
        const parent = path.dirname(dir);
        if (parent === dir) {
            return { root: path.dirname(program), manifest: {} };
        }
        dir = parent;
    }
}

/** Without `main` in Pulumi.yaml, run.ts takes package.json `exports` (string or `"."`), then `main`. */
function entryFromPackage(program: string, pkg: PackageInfo): string {
    const exportsField = pkg.manifest.exports;
    let entry: unknown;
    if (typeof exportsField === "string") {
        entry = exportsField;
    } else if (typeof exportsField === "object" && exportsField !== null) {
        const main = (exportsField as Record<string, unknown>)["."];
        entry =
            typeof main === "object" && main !== null
                ? ((main as Record<string, unknown>).default ??
                  (main as Record<string, unknown>).require ??
                  (main as Record<string, unknown>).import)
                : main;
    } else {
        entry = pkg.manifest.main;
    }
    if (typeof entry === "string") {
        const candidate = path.join(pkg.root, entry);
        if (fs.existsSync(candidate)) {
            return candidate;
        }
    }
    return program;
}

/** Compiler options of tsconfig.json, read with the program's TypeScript as the SDK's tsutils does. */
function tsconfigCompilerOptions(file: string): Record<string, unknown> {
    try {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const ts: typeof import("typescript") = require("typescript");
        const parsed = ts.parseConfigFileTextToJson(file, fs.readFileSync(file, "utf8"));
        return (parsed.config?.compilerOptions ?? {}) as Record<string, unknown>;
    } catch {
        return {};
    }
}

/** What ts-node keeps on `process` for the service `-r ts-node/register` created (ts-node's REGISTER_INSTANCE). */
interface TsNodeService {
    enabled(enabled?: boolean): boolean;
}

/**
 * The host's own ts-node service (which compiled the gate's modules, all loaded by now) stands down, so that the
 * program's files are compiled once, by the program's service: compiled twice, their stack traces would point at
 * the first compilation's output instead of the user's lines.
 */
function retireHostTypeScript(): void {
    const instances = process as unknown as Record<symbol, TsNodeService | undefined>;
    instances[Symbol.for("ts-node.register.instance")]?.enabled(false);
}

/** Registers TypeScript for the program as run.ts does, limited to the project folder (the gate has its own). */
function registerTypeScript(projectDir: string, isModule: boolean): void {
    retireHostTypeScript();
    const tsconfig = path.join(projectDir, "tsconfig.json");
    const skipProject = !fs.existsSync(tsconfig);
    const fromFile = skipProject ? {} : tsconfigCompilerOptions(tsconfig);
    const options = {
        // Pulumi type-checks unless told otherwise; the gate judges resources, not types, and stays fast.
        transpileOnly: true,
        project: tsconfig,
        skipProject,
        scope: true,
        scopeDir: projectDir,
        compilerOptions: {},
    };
    if (isModule) {
        options.compilerOptions = {
            target: "ES2022",
            module: "nodenext",
            moduleResolution: "nodenext",
            sourceMap: true,
            ...fromFile,
        };
        registerModuleHooks(url.pathToFileURL(path.join(__dirname, "esmHooks.js")).href, { data: options });
    } else {
        // run.ts uses nodenext for TypeScript >= 4.7; for a CommonJS package that emits CommonJS, as here.
        options.compilerOptions = {
            target: "ES2020",
            module: "commonjs",
            moduleResolution: "node",
            sourceMap: true,
            ...fromFile,
        };
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        require("ts-node").register(options);
    }
}

/** The entry file `node <folder>` would run in an ES module package (run.ts, following Node's run_main). */
function esmEntryFile(program: string): string {
    const real = fs.realpathSync(program);
    if (!fs.statSync(real).isDirectory()) {
        return real;
    }
    for (const index of ["index.js", "index.mjs", "index.ts", "index.mts"]) {
        if (fs.existsSync(path.join(real, index))) {
            return path.join(real, index);
        }
    }
    throw Object.assign(new Error(`no entry point found in ${real} (index.js, index.mjs, index.ts or index.mts)`), {
        name: "GateError",
    });
}

/**
 * Where @pulumi/pulumi takes a stack only to keep it: `Resource.callsites` (resource.js; the source position and
 * stack trace sent with each registration, taken with Error.stackTraceLimit raised to Infinity) and
 * `debuggablePromise` (runtime/debuggable.js; the stack printed if the promise is still pending at exit). Matched by
 * module and function, in whichever copy of the SDK the program loads.
 */
const sdkBookkeepingCaptures = [
    { module: path.join("@pulumi", "pulumi", "resource.js"), functionName: "callsites" },
    { module: path.join("@pulumi", "pulumi", "runtime", "debuggable.js"), functionName: "debuggablePromise" },
];

function isSdkBookkeepingCapture(frames: readonly NodeJS.CallSite[]): boolean {
    const top = frames[0];
    if (top === undefined) {
        return false;
    }
    const functionName = top.getFunctionName();
    const file = top.getFileName() ?? "";
    return sdkBookkeepingCaptures.some((c) => c.functionName === functionName && file.endsWith(c.module));
}

/** A stack as V8 formats it when no `Error.prepareStackTrace` is installed. */
function v8StackText(error: Error, frames: readonly NodeJS.CallSite[]): string {
    return [Error.prototype.toString.call(error), ...frames.map((frame) => `    at ${frame}`)].join("\n");
}

/**
 * Under ts-node every stack is formatted by source-map-support's prepareStackTrace, which maps each frame to its
 * TypeScript line. A program run takes a few thousand stacks in the SDK's bookkeeping (above) and mapping them was
 * about a third of the run's CPU. Under the gate nothing reads them: the mock monitor ignores source positions
 * (findings name resources by URN), and the pending-promise report is printed only on a successful exit, whose
 * output the gate does not show. So those are formatted as V8 does by default; every other stack, such as a program
 * error the gate reports, keeps its source-mapped TypeScript lines.
 */
function plainSdkBookkeepingStacks(): void {
    const mapped = Error.prepareStackTrace;
    if (mapped === undefined) {
        return;
    }
    Error.prepareStackTrace = (error, frames) =>
        isSdkBookkeepingCapture(frames) ? v8StackText(error, frames) : mapped(error, frames);
}

// TypeScript would turn `import()` into `require()` under CommonJS output; run.ts avoids that the same way.
const dynamicImport = new Function("specifier", "return import(specifier)") as (s: string) => Promise<unknown>;

/** Loads the program and returns what it exported (awaited, an exported function called), as run.ts does. */
async function loadProgram(settings: StackSettings): Promise<unknown> {
    const pkg = programPackage(settings.entry);
    const program = settings.mainGiven ? settings.entry : entryFromPackage(settings.entry, pkg);
    if (!fs.existsSync(program)) {
        throw Object.assign(new Error(`the program's entry ${program} does not exist`), { name: "GateError" });
    }
    const isModule = pkg.manifest.type === "module";
    if (settings.typescript) {
        registerTypeScript(settings.projectDir, isModule);
    }
    plainSdkBookkeepingStacks();
    let exported: unknown;
    if (isModule) {
        const module = (await dynamicImport(url.pathToFileURL(esmEntryFile(program)).href)) as Record<string, unknown>;
        if (Object.getOwnPropertyDescriptor(module, "default") !== undefined) {
            if (Object.keys(module).length !== 1) {
                throw Object.assign(
                    new Error(
                        "expected entrypoint module to have either a default export or named " + "exports but not both",
                    ),
                    { name: "GateError" },
                );
            }
            exported = module.default;
        } else {
            exported = module;
        }
    } else {
        const isFolder = fs.statSync(program).isDirectory();
        exported = require(isFolder && !program.endsWith(path.sep) ? program + path.sep : program);
    }
    return exported instanceof Function ? exported() : exported;
}

async function main(jobFile: string): Promise<void> {
    const job: ProgramJob = JSON.parse(fs.readFileSync(jobFile, "utf8"));
    const { settings } = job;
    const fail = (error: unknown) =>
        finish(job.resultFile, { ok: false, message: describeProgramError(error, settings.projectDir) });
    process.on("unhandledRejection", fail);
    process.on("uncaughtException", fail);

    const registered: CapturedResource[] = [];
    const dataSources: DataSourceUse[] = [];
    let done = false;
    let rounds = 0;
    let seen = -1;
    // The run is over when the event loop is empty twice in a row with no new registration in between: the first
    // `beforeExit` lets the program's own handlers run (and register), as the SDK's does (cmd/run/index.ts).
    process.on("beforeExit", () => {
        if (finished) {
            return;
        }
        if (rounds === 0 || registered.length !== seen) {
            rounds++;
            seen = registered.length;
            setImmediate(() => undefined);
            return;
        }
        if (!done) {
            fail(
                Object.assign(
                    new Error(
                        "the program stopped with work outstanding: " +
                            "its exports or a resource's inputs wait on a promise " +
                            `that never settles (${registered.length} resources were registered)`,
                    ),
                    { name: "GateError" },
                ),
            );
            return;
        }
        finish(job.resultFile, { ok: true, resources: registered, dataSources });
    });

    try {
        const transformations = job.transforms.flatMap(loadTransformations);
        await captureProgram(() => loadProgram(settings), {
            project: settings.project,
            stack: settings.stack,
            preview: job.preview,
            config: settings.config,
            secretKeys: settings.secretKeys,
            account: job.account,
            rootStack: true,
            transformations,
            onResource: (r) => registered.push(r),
            onDataSource: (use) => dataSources.push(use),
        });
        done = true;
    } catch (error) {
        fail(error);
    }
}

void main(process.argv[2]);
