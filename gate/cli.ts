#!/usr/bin/env node
import * as fs from "fs";
import * as path from "path";
import { parseArgs, usage, CliOptions } from "./args";
import { exitCodes, GateError } from "./errors";
import { GateResult, runGate } from "./index";
import { jsonReport, textReport } from "./report";
import { sarifReport } from "./sarif";

function toolVersion(): string {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).version;
}

function render(result: GateResult, options: CliOptions): string {
    switch (options.format) {
        case "json":
            return JSON.stringify(jsonReport(result), null, 2) + "\n";
        case "sarif":
            return JSON.stringify(sarifReport(result, toolVersion()), null, 2) + "\n";
        case "text":
            return textReport(result, options.out === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR);
    }
}

async function main(argv: string[]): Promise<number> {
    let options: CliOptions;
    try {
        options = parseArgs(argv, process.cwd());
        if (options.help) {
            process.stdout.write(usage);
            return exitCodes.passed;
        }
        const result = await runGate(options.gate);
        const report = render(result, options);
        if (options.out) {
            fs.writeFileSync(options.out, report);
            process.stderr.write(`kms-audit gate: ${result.exitCode === 0 ? "passed" : "FAILED"}; ${options.format} report written to ${options.out}\n`);
        } else {
            process.stdout.write(report);
        }
        return result.exitCode;
    } catch (e) {
        if (e instanceof GateError) {
            process.stderr.write(`kms-audit gate: error: ${e.message}\n`);
            return exitCodes.usageOrConfigError;
        }
        process.stderr.write(`kms-audit gate: internal error: ${(e as Error)?.stack ?? e}\n`);
        return exitCodes.usageOrConfigError;
    }
}

main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
});
