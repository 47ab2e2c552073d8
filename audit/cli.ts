import { printableQueries } from "./athena/run";
import { parseArguments, USAGE, UsageError } from "./options";
import { renderText } from "./render-text";
import { EXIT_FAILURE, EXIT_USAGE, exitCodeFor, runAudit, SourceError } from "./run";

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`audit: ${error.message}\nRun with --help for usage.\n`);
    return EXIT_USAGE;
  }
  if (options === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.printSql && options.logs.kind === "athena") {
    process.stdout.write(printableQueries(options, options.logs));
    return 0;
  }
  try {
    const report = await runAudit(options, { stderr: process.stderr, stderrIsTerminal: process.stderr.isTTY === true });
    process.stdout.write(options.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : `${renderText(report)}\n`);
    return exitCodeFor(report);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    process.stderr.write(`audit: ${error.message}\n`);
    return EXIT_FAILURE;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`audit: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
