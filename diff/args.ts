import * as path from "path";
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
`;

const valueFlags = [
    "--stack",
    "--base",
    "--base-state",
    "--format",
    "--out",
    "--json-out",
    "--fail-on",
    "--policy-pack",
    "--timeout",
    "--policy-config",
    "--transform",
    "--project-dir",
];

export function parseArgs(argv: string[], cwd: string): CliOptions {
    let stack: string | undefined;
    let base: DiffOptions["base"] | undefined;
    let format: Format = "text";
    let failOn: FailOn = "never";
    let out: string | undefined;
    let jsonOut: string | undefined;
    let help = false;
    const rest: Partial<DiffOptions> = { transforms: [] };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
        const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
        let value: string | undefined;
        if (valueFlags.includes(flag)) {
            value = inline ?? argv[++i];
            if (value === undefined || (inline === undefined && value.startsWith("--"))) {
                throw new DiffError(`${flag} needs a value\n\n${usage}`);
            }
        } else if (inline !== undefined) {
            throw new DiffError(`${flag} takes no value\n\n${usage}`);
        }
        switch (flag) {
            case "--stack":
                stack = value;
                break;
            case "--base":
            case "--base-state":
                if (base) {
                    throw new DiffError("--base and --base-state exclude each other, and each may be given once");
                }
                base =
                    flag === "--base"
                        ? { kind: "ref", ref: value! }
                        : { kind: "state", file: path.resolve(cwd, value!) };
                break;
            case "--format":
                if (value !== "text" && value !== "json" && value !== "markdown") {
                    throw new DiffError(
                        `--format ${JSON.stringify(value)} is not supported; allowed: text, json, markdown`,
                    );
                }
                format = value;
                break;
            case "--fail-on":
                if (value !== "broadening" && value !== "any" && value !== "never") {
                    throw new DiffError(
                        `--fail-on ${JSON.stringify(value)} is not supported; allowed: broadening, any, never`,
                    );
                }
                failOn = value;
                break;
            case "--out":
                out = path.resolve(cwd, value!);
                break;
            case "--json-out":
                jsonOut = path.resolve(cwd, value!);
                break;
            case "--policy-pack":
                rest.policyPack = path.resolve(cwd, value!);
                break;
            case "--policy-config":
                rest.policyConfig = path.resolve(cwd, value!);
                break;
            case "--timeout": {
                // The gate's own limits, so the two commands accept the same values.
                const seconds = Number(value);
                if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
                    throw new DiffError(
                        `--timeout ${JSON.stringify(value)}: expected a number of seconds between 0 and 86400`,
                    );
                }
                rest.timeoutMs = Math.round(seconds * 1000);
                break;
            }
            case "--transform":
                rest.transforms!.push(parseTransformSpec(value!, cwd));
                break;
            case "--project-dir":
                rest.projectDir = path.resolve(cwd, value!);
                break;
            case "--help":
            case "-h":
                help = true;
                break;
            default:
                throw new DiffError(`unknown argument ${JSON.stringify(arg)}\n\n${usage}`);
        }
    }
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
    return { diff: { ...rest, stack, base, projectDir: rest.projectDir ?? cwd }, format, out, jsonOut, failOn, help };
}
