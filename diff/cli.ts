#!/usr/bin/env node
import * as fs from "fs";
import { parseArgs, usage, CliOptions } from "./args";
import { diffExitCodes } from "./errors";
import { GateError } from "../gate";
import { removeAllMaterialised } from "./gitTree";
import { DiffResult, runDiff } from "./index";
import { exitCodeFor, jsonReport, markdownReport, textReport } from "./report";

function render(result: DiffResult, options: CliOptions): string {
    switch (options.format) {
        case "json":
            return JSON.stringify(jsonReport(result, options.failOn), null, 2) + "\n";
        case "markdown":
            return markdownReport(result, options.failOn);
        case "text":
            return textReport(
                result,
                options.failOn,
                options.out === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR,
            );
    }
}

async function main(argv: string[]): Promise<number> {
    try {
        const options = parseArgs(argv, process.cwd());
        if (options.help) {
            process.stdout.write(usage);
            return diffExitCodes.passed;
        }
        const result = await runDiff(options.diff);
        const report = render(result, options);
        const code = exitCodeFor(result, options.failOn);
        if (options.jsonOut) {
            fs.writeFileSync(options.jsonOut, JSON.stringify(jsonReport(result, options.failOn), null, 2) + "\n");
        }
        if (options.out) {
            fs.writeFileSync(options.out, report);
            process.stderr.write(
                `kms-audit diff: verdict ${result.verdict.kind}; ${options.format} report written to ${options.out}\n`,
            );
        } else {
            process.stdout.write(report);
        }
        return code;
    } catch (e) {
        if (e instanceof GateError) {
            process.stderr.write(`kms-audit diff: error: ${e.message}\n`);
            return diffExitCodes.usageOrConfigError;
        }
        process.stderr.write(`kms-audit diff: internal error: ${(e as Error)?.stack ?? e}\n`);
        return diffExitCodes.usageOrConfigError;
    }
}

// An interrupted diff still removes the base tree it wrote to a temporary folder.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
        removeAllMaterialised();
        process.exit(signal === "SIGINT" ? 130 : 143);
    });
}

main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
});
