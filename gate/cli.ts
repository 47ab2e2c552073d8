#!/usr/bin/env node
import * as fs from "fs";
import * as path from "path";
import { exitCodes, runCommand } from "../core/cli";
import { invocationDirectory, parseArgs, usage, CliOptions } from "./args";
import { GateResult, runGate } from "./index";
import { jsonReport, textReport } from "./report";
import { stopAllChildren } from "./processes";
import { sarifReport } from "./sarif";

function toolVersion(): string {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).version;
}

function useColour(options: CliOptions): boolean {
    return options.out === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

function render(result: GateResult, options: CliOptions): string {
    switch (options.format) {
        case "json":
            return JSON.stringify(jsonReport(result), null, 2) + "\n";
        case "sarif":
            return JSON.stringify(sarifReport(result, toolVersion(), invocationDirectory()), null, 2) + "\n";
        case "text":
            return textReport(result, useColour(options), invocationDirectory());
    }
}

async function main(argv: string[]): Promise<number> {
    const options = parseArgs(argv, invocationDirectory());
    if (options.help) {
        process.stdout.write(usage);
        return exitCodes.ok;
    }
    const result = await runGate(options.gate);
    const report = render(result, options);
    if (options.out) {
        fs.writeFileSync(options.out, report);
        process.stderr.write(
            `kms-audit gate: ${result.exitCode === 0 ? "passed" : "FAILED"}; ` +
                `${options.format} report written to ${options.out}\n`,
        );
    } else {
        process.stdout.write(report);
    }
    return result.exitCode;
}

/** SIGTERM/SIGINT: stop the packs and program hosts this run started, then exit 2 (the run reached no verdict). */
function onSignal(signal: NodeJS.Signals): void {
    process.stderr.write(`kms-audit gate: error: interrupted by ${signal}; no verdict\n`);
    void stopAllChildren(1000).finally(() => process.exit(exitCodes.usage));
}
process.once("SIGTERM", onSignal);
process.once("SIGINT", onSignal);

// The packs and program hosts this run started are stopped before the exit code is set, whatever the outcome.
runCommand("kms-audit gate", () => main(process.argv.slice(2)).finally(() => stopAllChildren()));
