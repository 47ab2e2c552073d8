import * as path from "path";
import { oneOf, parseFlags, UsageError, userDirectory } from "../core/cli";
import { GateError } from "./errors";
import type { GateOptions } from "./index";
import { parseTransformSpec } from "./transforms";

export type Format = "text" | "json" | "sarif";

export interface CliOptions {
    gate: GateOptions;
    format: Format;
    out?: string;
    help: boolean;
}

export const usage = `Usage: npm run check -- --stack <name> [options]
       npm run check -- --state <export.json> [options]

Runs the stack's program under Pulumi mocks (no cloud, no Pulumi CLI) and evaluates the policy pack on the
resources, as \`pulumi preview --policy-pack\` would. Exit 0: no mandatory finding; 1: mandatory findings;
2: usage, config or program error.

  --stack <name>          read Pulumi.yaml and Pulumi.<name>.yaml and run the program
  --state <file>          audit a \`pulumi stack export\` file instead of running the program
  --preview               IDs and ARNs of new resources unknown, as on a first preview (default)
  --update                IDs and ARNs known, as after \`pulumi up\`
  --policy-pack <dir>     policy pack folder (default: this repository's policy-pack/)
  --policy-config <file>  pack config (default: <policy-pack>/config/<stack>.json when it exists)
  --format text|json|sarif  output format (default: text)
  --out <file>            write the report to a file instead of stdout
  --transform <module>[#<name>]  testing/what-if aid: apply the module's exported transformations
  --project-dir <dir>     folder with Pulumi.yaml (default: current directory)
  --timeout <seconds>     deadline for the program run, the pack's start and each pack call (default 300 s for the
                          program, 60 s per pack call, 300 s for AnalyzeStack)

Relative paths are taken from the directory you ran the command in (under \`npm run\`, npm's INIT_CWD).
  --help                  show this text
`;

const flags = {
    stack: { type: "string" },
    state: { type: "string" },
    preview: { type: "boolean" },
    update: { type: "boolean" },
    "policy-pack": { type: "string" },
    "policy-config": { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    transform: { type: "string", multiple: true },
    "project-dir": { type: "string" },
    timeout: { type: "string" },
    help: { type: "boolean", short: "h" },
} as const;

/** The directory relative paths are taken from (core/cli.ts userDirectory); kept under the gate's own name. */
export const invocationDirectory = userDirectory;

/** `--timeout` for the gate and the diff: seconds, fractions allowed, at most a day. */
export function parseTimeoutSeconds(value: string): number {
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
        throw new GateError(`--timeout ${JSON.stringify(value)}: expected a number of seconds between 0 and 86400`);
    }
    return Math.round(seconds * 1000);
}

/** Flag errors from core/cli.ts are reported as GateErrors, the one error type the gate's callers handle. */
export function asGateError(error: unknown): unknown {
    return error instanceof UsageError && !(error instanceof GateError) ? new GateError(error.message) : error;
}

export function parseArgs(argv: string[], cwd: string): CliOptions {
    try {
        return readOptions(argv, cwd);
    } catch (error) {
        throw asGateError(error);
    }
}

function readOptions(argv: string[], cwd: string): CliOptions {
    const values = parseFlags({ name: "kms-audit check", usage, flags }, argv);
    const resolve = (file: string | undefined): string | undefined =>
        file === undefined ? undefined : path.resolve(cwd, file);
    if (values.preview && values.update) {
        throw new GateError("--preview and --update exclude each other; give one");
    }
    const modeFlag = values.preview ? "--preview" : values.update ? "--update" : undefined;
    const gate: GateOptions = {
        stack: values.stack,
        state: resolve(values.state),
        policyPack: resolve(values["policy-pack"]),
        policyConfig: resolve(values["policy-config"]),
        projectDir: resolve(values["project-dir"]),
        transforms: (values.transform ?? []).map((spec) => parseTransformSpec(spec, cwd)),
    };
    if (modeFlag !== undefined) gate.mode = values.preview ? "preview" : "update";
    if (values.timeout !== undefined) gate.timeoutMs = parseTimeoutSeconds(values.timeout);
    const format = values.format === undefined ? "text" : oneOf("format", values.format, ["text", "json", "sarif"]);
    const help = values.help === true;
    if (!help && gate.projectDir === undefined && gate.stack) {
        gate.projectDir = cwd;
    }
    if (!help && !gate.stack && !gate.state) {
        throw new GateError(`either --stack <name> or --state <file> is required\n\n${usage}`);
    }
    if (gate.state && modeFlag) {
        throw new GateError(`${modeFlag} applies to running the program; --state audits a checkpoint as it is`);
    }
    return { gate, format, out: resolve(values.out), help };
}
