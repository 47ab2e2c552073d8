import { spawn } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { PassThrough } from "stream";
import { parseArguments } from "../../audit/options";
import { AuditReport } from "../../audit/report";
import { runAudit } from "../../audit/run";

export const REPO = path.resolve(__dirname, "..", "..");

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs the real CLI the way `npm run key-audit` does, without blocking this process (s3rver may run in it). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "audit/cli.ts", ...args], {
            cwd: REPO,
            env: { ...process.env, ...env },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** Runs the audit in this process, as the CLI would with the same arguments; returns the report and stderr. */
export async function audit(args: string[]): Promise<{ report: AuditReport; stderr: string }> {
    const options = parseArguments(args);
    if (options === undefined) throw new Error("--help given");
    const stderr = new PassThrough();
    let text = "";
    stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const report = await runAudit(options, { stderr, stderrIsTerminal: false });
    return { report, stderr: text };
}

export function temporaryDirectory(label: string): { dir: string; remove: () => void } {
    const dir = mkdtempSync(path.join(tmpdir(), `kms-audit-${label}-`));
    return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
