#!/usr/bin/env node
import * as fs from "fs";
import { parseArgs, usage, CliOptions } from "./args";
import { exitCodes, runCommand, userDirectory } from "../core/cli";
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

// An interrupted diff still removes the base tree it wrote to a temporary folder.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
        removeAllMaterialised();
        process.exit(signal === "SIGINT" ? 130 : 143);
    });
}

runCommand("kms-audit diff", () => main(process.argv.slice(2)));
