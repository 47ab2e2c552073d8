import { printableQueries } from "./athena/run";
import { exitCodes, runCommand } from "../core/cli";
import { parseArguments, USAGE } from "./options";
import { AuditReport } from "./report";
import { renderText } from "./render-text";
import { exitCodeFor, runAudit, SourceError } from "./run";

/** The output, as chunks: JSON Lines is one line per event, so a large listing is never one giant string. */
function* render(report: AuditReport, format: "text" | "json" | "jsonl"): Generator<string> {
    if (format === "json") {
        yield `${JSON.stringify(report, null, 2)}\n`;
    } else if (format === "jsonl") {
        for (const row of report.events?.shown ?? []) yield `${JSON.stringify(row)}\n`;
        const leftOut = report.events?.leftOut ?? 0;
        if (leftOut > 0) process.stderr.write(`audit: ${leftOut} more matching events left out by --max-events\n`);
    } else {
        yield `${renderText(report)}\n`;
    }
}

/** Writes to stdout honouring back-pressure, so a long listing piped into a slow reader is not buffered whole. */
async function write(chunks: Iterable<string>): Promise<void> {
    for (const chunk of chunks) {
        if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once("drain", resolve));
    }
}

async function main(argv: string[]): Promise<number> {
    const options = parseArguments(argv);
    if (options === undefined) {
        process.stdout.write(`${USAGE}\n`);
        return exitCodes.ok;
    }
    if (options.printSql && options.logs.kind === "athena") {
        process.stdout.write(printableQueries(options, options.logs));
        return exitCodes.ok;
    }
    try {
        const report = await runAudit(options, {
            stderr: process.stderr,
            stderrIsTerminal: process.stderr.isTTY === true,
        });
        await write(render(report, options.format));
        return exitCodeFor(report);
    } catch (error) {
        if (!(error instanceof SourceError)) throw error;
        process.stderr.write(`audit: ${error.message}\n`);
        return exitCodes.usage;
    }
}

// A reader that stops early (`| head`) closes the pipe: that ends the output, it is not a failure of the audit.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
});

runCommand("audit", () => main(process.argv.slice(2)));
