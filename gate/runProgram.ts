import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MockAccount, defaultMockAccount } from "./awsMocks";
import { CapturedResource } from "./capture";
import { GateError } from "./errors";
import { StackSettings } from "./project";
import { ProgramJob, ProgramResult } from "./programHost";
import { TransformSpec } from "./transforms";

export interface ProgramRunOptions {
    preview: boolean;
    transforms?: TransformSpec[];
    account?: MockAccount;
}

/** The tsconfig.json that governs the program: the nearest one above its entry, as an editor would find it. */
function programTsconfig(entry: string): string | undefined {
    for (let dir = path.extname(entry) ? path.dirname(entry) : entry; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "tsconfig.json");
        if (fs.existsSync(candidate)) {
            return candidate;
        }
        if (path.dirname(dir) === dir) {
            return undefined;
        }
    }
}

/** Variables that would make the child believe it runs under a real engine, or compile differently. */
function childEnvironment(entry: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (!/^(PULUMI_|TS_NODE_)/.test(key) && key !== "NODE_OPTIONS") {
            env[key] = value;
        }
    }
    const tsconfig = programTsconfig(entry);
    if (tsconfig) {
        env.TS_NODE_PROJECT = tsconfig;
    }
    return env;
}

/** The mocked caller identity lives in the stack's `aws:region`, like the real provider's. */
function accountFor(settings: StackSettings, account: MockAccount | undefined): MockAccount {
    const base = account ?? defaultMockAccount;
    return { ...base, region: settings.config["aws:region"] ?? base.region };
}

/**
 * Runs the stack's program in its own Node.js process under mocks (ts-node, transpile only) and returns every
 * resource it registered. A program or config error becomes a GateError carrying the program's own message.
 */
export async function captureStack(settings: StackSettings, options: ProgramRunOptions): Promise<CapturedResource[]> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-audit-gate-"));
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
        const args = ["-r", require.resolve("ts-node/register/transpile-only"), host, jobFile];
        const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
            const child = spawn(process.execPath, args, { cwd: settings.projectDir, env: childEnvironment(settings.entry) });
            let output = "";
            child.stdout.on("data", (chunk) => (output += chunk));
            child.stderr.on("data", (chunk) => (output += chunk));
            child.on("error", reject);
            child.on("close", (exitCode) => resolve({ code: exitCode, output }));
        });
        const stackFile = `Pulumi.${settings.stack}.yaml`;
        if (!fs.existsSync(job.resultFile)) {
            throw new GateError(`program ${settings.entry} (stack ${settings.stack}) exited with code ${code} before finishing:\n${output.trim()}`);
        }
        const result: ProgramResult = JSON.parse(fs.readFileSync(job.resultFile, "utf8"));
        if (!result.ok) {
            throw new GateError(`program ${settings.entry} failed with the config of ${stackFile}:\n${result.message}`);
        }
        return result.resources;
    } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
    }
}
