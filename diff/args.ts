import * as path from "path";
import { oneOf, parseFlags } from "../core/cli";
import { asGateError, parseTimeoutSeconds } from "../gate/args";
import { parseTransformSpec } from "../gate/transforms";
import { DiffError } from "./errors";
import type { DiffOptions } from "./index";
import type { FailOn } from "./report";

export type Format = "text" | "json" | "markdown";

export interface CliOptions {
    diff: DiffOptions;
    format: Format;
    out?: string;
    /** Also write the JSON report here (one run gives a workflow both the comment and the verdict). */
    jsonOut?: string;
    failOn: FailOn;
    help: boolean;
}

export const usage = `Usage: npm run diff -- --stack <name> --base <git-ref> [options]
       npm run diff -- --stack <name> --base-state <export.json> [options]

Compares what the stack's program registers in the working tree with the same stack at a git ref (program and
stack file as committed there) or with a deployed stack (\`pulumi stack export\`), offline under the gate's mocks
with values known, and reports resource, policy-statement, principal-level access and policy-pack finding
changes with a verdict: broadening, narrowing or none.
Exit 0: passes --fail-on; 1: the verdict fails --fail-on; 2: usage, config or program error.

  --stack <name>                 the stack (Pulumi.<name>.yaml) on both sides
  --base <git-ref>               compare with the program and stack file at this branch, tag or commit
  --base-state <file>            compare with a \`pulumi stack export\` file instead
  --format text|json|markdown    output format (default: text; markdown for a pull-request comment)
  --out <file>                   write the report to a file instead of stdout
  --json-out <file>              also write the JSON report to this file (any --format)
  --fail-on broadening|any|never exit 1 on a broadening verdict, on any change, or never (default: never)
  --policy-pack <dir>            policy pack folder, used for both sides (default: this repository's policy-pack)
  --policy-config <file>         pack config (default: <policy-pack>/config/<stack>.json when it exists)
  --timeout <seconds>            deadline for each program run, the pack's start and each pack call (as npm run check)
  --transform <module>[#<name>]  what-if aid: apply the module's transformations to the working-tree side
  --project-dir <dir>            folder with Pulumi.yaml (default: current directory)
  --help                         show this text

Relative paths are taken from the directory you ran the command in (under \`npm run\`, npm's INIT_CWD).
`;

const flags = {
    stack: { type: "string" },
    base: { type: "string" },
    "base-state": { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    "json-out": { type: "string" },
    "fail-on": { type: "string" },
    "policy-pack": { type: "string" },
    "policy-config": { type: "string" },
    timeout: { type: "string" },
    transform: { type: "string", multiple: true },
    "project-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
} as const;

export function parseArgs(argv: string[], cwd: string): CliOptions {
    try {
        return readOptions(argv, cwd);
    } catch (error) {
        throw asGateError(error);
    }
}

function readOptions(argv: string[], cwd: string): CliOptions {
    const values = parseFlags({ name: "kms-audit diff", usage, flags }, argv);
    const resolve = (file: string | undefined): string | undefined =>
        file === undefined ? undefined : path.resolve(cwd, file);
    if (values.base !== undefined && values["base-state"] !== undefined) {
        throw new DiffError("--base and --base-state exclude each other, and each may be given once");
    }
    const base: DiffOptions["base"] | undefined =
        values.base !== undefined
            ? { kind: "ref", ref: values.base }
            : values["base-state"] !== undefined
              ? { kind: "state", file: path.resolve(cwd, values["base-state"]) }
              : undefined;
    const format = values.format === undefined ? "text" : oneOf("format", values.format, ["text", "json", "markdown"]);
    const failOn =
        values["fail-on"] === undefined ? "never" : oneOf("fail-on", values["fail-on"], ["broadening", "any", "never"]);
    const rest: Partial<DiffOptions> = {
        transforms: (values.transform ?? []).map((spec) => parseTransformSpec(spec, cwd)),
    };
    const policyPack = resolve(values["policy-pack"]);
    if (policyPack !== undefined) rest.policyPack = policyPack;
    const policyConfig = resolve(values["policy-config"]);
    if (policyConfig !== undefined) rest.policyConfig = policyConfig;
    // The gate's own limits, so the two commands accept the same values.
    if (values.timeout !== undefined) rest.timeoutMs = parseTimeoutSeconds(values.timeout);
    const stack = values.stack;
    const out = resolve(values.out);
    const jsonOut = resolve(values["json-out"]);
    const help = values.help === true;
    if (help) {
        return {
            diff: { stack: stack ?? "", base: base ?? { kind: "ref", ref: "HEAD" } },
            format,
            out,
            jsonOut,
            failOn,
            help,
        };
    }
    if (!stack) {
        throw new DiffError(`--stack <name> is required\n\n${usage}`);
    }
    if (!base) {
        throw new DiffError(`one of --base <git-ref> or --base-state <file> is required\n\n${usage}`);
    }
    const projectDir = resolve(values["project-dir"]) ?? cwd;
    return { diff: { ...rest, stack, base, projectDir }, format, out, jsonOut, failOn, help };
}
