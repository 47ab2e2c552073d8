/**
 * The stack program under the gate's mocks and nothing else: no policy pack, no report. What `npm run check` is
 * compared with (issue 14: the gate per stack within 1.5x of the program alone). Same project loading, same host,
 * same mocks as the gate (gate/project.ts, gate/runProgram.ts); prints how many resources the program registered.
 *
 *   npm run bench:program -- --stack <name> [--project-dir <dir>]
 */
import * as path from "path";
import { exitCodes, parseFlags, runCommand, UsageError, userDirectory } from "../core/cli";
import { loadStackSettings } from "../gate/project";
import { runStackProgram } from "../gate/runProgram";

const spec = {
    name: "bench:program",
    usage: "usage: npm run bench:program -- --stack <name> [--project-dir <dir>]",
    flags: { stack: { type: "string" }, "project-dir": { type: "string" }, help: { type: "boolean" } },
} as const;

async function main(argv: string[]): Promise<number> {
    const flags = parseFlags(spec, argv);
    if (flags.help) {
        process.stdout.write(`${spec.usage}\n`);
        return exitCodes.ok;
    }
    if (flags.stack === undefined) {
        throw new UsageError(`--stack <name> is required. ${spec.usage}`);
    }
    const projectDir = path.resolve(userDirectory(), flags["project-dir"] ?? ".");
    // A missing stack file or a failing program is a GateError (a UsageError): named, exit 2, no stack trace.
    const settings = loadStackSettings(projectDir, flags.stack);
    const run = await runStackProgram(settings, { preview: true });
    process.stdout.write(`${run.resources.length} resources registered by ${settings.project} (${flags.stack})\n`);
    return exitCodes.ok;
}

runCommand("bench:program", () => main(process.argv.slice(2)));
