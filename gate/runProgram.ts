import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataSourceUse, MockAccount, defaultMockAccount } from "./awsMocks";
import { CapturedResource } from "./capture";
import { GateError } from "./errors";
import { StackSettings } from "./project";
import { stopChild, track } from "./processes";
import type { ProgramJob, ProgramResult } from "./programHost";
import { TransformSpec } from "./transforms";

export interface ProgramRunOptions {
    preview: boolean;
    transforms?: TransformSpec[];
    account?: MockAccount;
    /** Deadline for the whole program run (default 300 s). */
    timeoutMs?: number;
}

/**
 * The host itself is gate code compiled with this repository's tsconfig; the program gets its own ts-node
 * registration inside the host (programHost.ts), so nothing of the caller's ts-node or Pulumi setup may leak in.
 */
function childEnvironment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (!/^(PULUMI_|TS_NODE_)/.test(key) && key !== "NODE_OPTIONS") {
            env[key] = value;
        }
    }
    // Full stack traces of program errors, for debugging the gate itself (docs/gate.md).
    if (process.env.KMS_AUDIT_GATE_DEBUG) {
        env.KMS_AUDIT_GATE_DEBUG = process.env.KMS_AUDIT_GATE_DEBUG;
    }
    env.TS_NODE_PROJECT = path.join(__dirname, "..", "tsconfig.json");
    return env;
}

/**
 * `npm test` preloads a cache of ts-node's output into its processes (tests/support/transpileCache.js, named by
 * tests/support/suite.ts in KMS_AUDIT_TRANSPILE_HOOK) so that its hundreds of program runs stop re-transpiling the
 * same files. NODE_OPTIONS, which carries it elsewhere, is not passed to the host, so it is passed here by name. The
 * cache changes no output (its key is the file's full text and the compiler options); outside the suite the variable
 * is unset and nothing is added.
 */
function suitePreload(): string[] {
    const hook = process.env.KMS_AUDIT_TRANSPILE_HOOK;
    return hook ? ["-r", hook] : [];
}

/** The mocked caller identity lives in the stack's `aws:region`, like the real provider's. */
function accountFor(settings: StackSettings, account: MockAccount | undefined): MockAccount {
    const base = account ?? defaultMockAccount;
    return { ...base, region: settings.config["aws:region"] ?? base.region };
}

/** What a program run under mocks yields: the registrations, and the data sources it called. */
export interface ProgramRun {
    resources: CapturedResource[];
    dataSources: DataSourceUse[];
}

export const defaultProgramTimeoutMs = 300_000;

/** The last `limit` characters of a stream, so that a program printing without end cannot exhaust memory. */
function tail(limit: number): { add(chunk: Buffer): void; text(): string } {
    let text = "";
    return {
        add(chunk) {
            text = (text + chunk.toString()).slice(-limit);
        },
        text: () => text,
    };
}

/**
 * Runs the stack's program in its own Node.js process under mocks and returns every resource it registered and the
 * data sources it called. A program or config error becomes a GateError carrying the program's own message; a
 * program still running after `timeoutMs` is stopped (exit 2).
 */
export async function runStackProgram(settings: StackSettings, options: ProgramRunOptions): Promise<ProgramRun> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-audit-gate-"));
    const timeoutMs = options.timeoutMs ?? defaultProgramTimeoutMs;
    try {
        const job: ProgramJob = {
            settings,
            preview: options.preview,
            account: accountFor(settings, options.account),
            transforms: options.transforms ?? [],
            resultFile: path.join(workDir, "result.json"),
        };
        const jobFile = path.join(workDir, "job.json");
        fs.writeFileSync(jobFile, JSON.stringify(job));
        const host = path.join(__dirname, `programHost${path.extname(__filename)}`);
        const args = [...suitePreload(), "-r", require.resolve("ts-node/register/transpile-only"), host, jobFile];
        const output = tail(20_000);
        const { code, timedOut } = await new Promise<{ code: number | null; timedOut: boolean }>((resolve, reject) => {
            const child = track(spawn(process.execPath, args, { cwd: settings.projectDir, env: childEnvironment() }));
            child.stdout!.on("data", output.add);
            child.stderr!.on("data", output.add);
            let timedOut = false;
            const timer = setTimeout(() => {
                timedOut = true;
                void stopChild(child);
            }, timeoutMs);
            child.on("error", (e) => {
                clearTimeout(timer);
                reject(new GateError(`cannot start the program host (${process.execPath}): ${e.message}`));
            });
            child.on("close", (exitCode) => {
                clearTimeout(timer);
                resolve({ code: exitCode, timedOut });
            });
        });
        const stackFile = `Pulumi.${settings.stack}.yaml`;
        const printed = output.text().trim();
        if (timedOut) {
            throw new GateError(
                `program ${settings.entry} (stack ${settings.stack}) did not finish within ` +
                    `${timeoutMs / 1000} s and was stopped: something keeps it running (a timer, a server, a promise ` +
                    `loop); use --timeout to allow longer.${printed ? `\nits output:\n${printed}` : ""}`,
            );
        }
        if (!fs.existsSync(job.resultFile)) {
            const what = `program ${settings.entry} (stack ${settings.stack})`;
            throw new GateError(`${what} exited with code ${code} before finishing:\n${printed}`);
        }
        const result: ProgramResult = JSON.parse(fs.readFileSync(job.resultFile, "utf8"));
        if (!result.ok) {
            throw new GateError(
                `program ${settings.entry} (stack ${settings.stack}, config ${stackFile}) failed:\n${result.message}`,
            );
        }
        return { resources: result.resources, dataSources: result.dataSources };
    } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
    }
}

/** The registrations only; see runStackProgram for the data sources the program called. */
export async function captureStack(settings: StackSettings, options: ProgramRunOptions): Promise<CapturedResource[]> {
    return (await runStackProgram(settings, options)).resources;
}
