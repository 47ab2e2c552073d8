/**
 * `npm test` after the pack is compiled: the type check (`tsc --noEmit -p .`, the project's only one) and mocha
 * (parallel, .mocharc.json) at the same time, since neither needs the other's result and each alone leaves a core
 * idle for part of its run. Mocha's report streams through; the type checker's is printed after it. Exits 0 only
 * if both pass; otherwise with the first failing exit code (mocha's count of failures, or tsc's 1 or 2), or 2 when
 * a tool could not be started or ran past its deadline.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

const repo = path.resolve(__dirname, "..", "..");
/**
 * The type check keeps what it learnt between runs (tsc --incremental), so a second `npm test` re-checks only what
 * changed. Under node_modules so that it is never committed, and a fresh install starts from a full check.
 */
const typeCheckState = path.join("node_modules", ".cache", "kms-audit", "typecheck.tsbuildinfo");
/**
 * ts-node's output for each file, shared by every process of the run and kept between runs (transpileCache.js):
 * content-keyed, so an edited file is transpiled afresh. Files of temporary project copies are never asked for
 * again, so entries are dropped a week after they were written (one re-transpile a week for the rest).
 */
const transpileCache = path.join(repo, "node_modules", ".cache", "kms-audit", "transpile");
const transpileCacheMaxAgeMs = 7 * 24 * 60 * 60 * 1000;
/** Far above a normal run (under a minute); only a hung tool reaches it. */
const deadlineMs = 15 * 60 * 1000;

interface Outcome {
    name: string;
    code: number;
    output: string;
}

function suiteEnvironment(): NodeJS.ProcessEnv {
    const hook = path.join(__dirname, "transpileCache.js");
    return {
        ...process.env,
        KMS_AUDIT_TRANSPILE_CACHE: transpileCache,
        // gate/runProgram.ts passes no NODE_OPTIONS to its program host; it preloads this file by name instead.
        KMS_AUDIT_TRANSPILE_HOOK: hook,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${JSON.stringify(hook)}`].filter(Boolean).join(" "),
    };
}

function pruneTranspileCache(): void {
    const oldest = Date.now() - transpileCacheMaxAgeMs;
    for (const name of fs.existsSync(transpileCache) ? fs.readdirSync(transpileCache) : []) {
        const file = path.join(transpileCache, name);
        const written = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
        if (written !== undefined && written < oldest) {
            fs.rmSync(file, { force: true });
        }
    }
}

function run(
    name: string,
    script: string,
    args: string[],
    stream: boolean,
    env: NodeJS.ProcessEnv = process.env,
): Promise<Outcome> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [require.resolve(script, { paths: [repo] }), ...args], {
            cwd: repo,
            env,
            stdio: ["ignore", stream ? "inherit" : "pipe", stream ? "inherit" : "pipe"],
        });
        let output = "";
        child.stdout?.on("data", (chunk) => {
            output += chunk;
        });
        child.stderr?.on("data", (chunk) => {
            output += chunk;
        });
        const timer = setTimeout(() => {
            output += `\n${name}: still running after ${deadlineMs / 60000} minutes; stopped.\n`;
            child.kill("SIGKILL");
        }, deadlineMs);
        child.once("error", (e) => {
            clearTimeout(timer);
            resolve({ name, code: 2, output: `${name} could not be started: ${e.message}\n` });
        });
        child.once("close", (code, signal) => {
            clearTimeout(timer);
            resolve({ name, code: code ?? (signal ? 2 : 1), output });
        });
    });
}

async function main(): Promise<void> {
    pruneTranspileCache();
    const [typeCheck, tests] = await Promise.all([
        run(
            "tsc --noEmit -p .",
            "typescript/bin/tsc",
            ["--noEmit", "-p", ".", "--incremental", "--tsBuildInfoFile", typeCheckState],
            false,
        ),
        run("mocha", "mocha/bin/mocha.js", process.argv.slice(2), true, suiteEnvironment()),
    ]);
    process.stdout.write(
        typeCheck.code === 0
            ? `\n  type check (${typeCheck.name}): no errors\n`
            : `\n  type check (${typeCheck.name}) failed:\n${typeCheck.output}\n`,
    );
    process.exitCode = tests.code !== 0 ? tests.code : typeCheck.code;
}

void main();
