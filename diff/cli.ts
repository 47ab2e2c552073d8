#!/usr/bin/env node
import * as fs from "fs";
import { parseArgs, usage, CliOptions } from "./args";
import { exitCodes, runCommand, userDirectory } from "../core/cli";
import { stopAllChildren } from "../gate/processes";
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
    // Relative paths are the user's: under `npm run`, npm's INIT_CWD (core/cli.ts userDirectory), as for the gate.
    const options = parseArgs(argv, userDirectory());
    if (options.help) {
        process.stdout.write(usage);
        return exitCodes.ok;
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
}

/**
 * SIGTERM/SIGINT: remove the base tree written to a temporary folder, stop the packs and program hosts the two gate
 * runs started, then exit 2 as the gate does (the run reached no verdict).
 */
function onSignal(signal: NodeJS.Signals): void {
    process.stderr.write(`kms-audit diff: error: interrupted by ${signal}; no verdict\n`);
    removeAllMaterialised();
    void stopAllChildren(1000).finally(() => process.exit(exitCodes.usage));
}
process.once("SIGTERM", onSignal);
process.once("SIGINT", onSignal);

runCommand("kms-audit diff", () => main(process.argv.slice(2)).finally(() => stopAllChildren()));
