import * as path from "path";
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

const valueFlags = [
    "--stack", "--state", "--policy-pack", "--policy-config", "--format", "--out", "--transform", "--project-dir",
    "--timeout",
];

/**
 * The directory the user ran the command in. `npm run` changes the working directory to the package root and
 * records the original one in INIT_CWD (https://docs.npmjs.com/cli/v10/commands/npm-run-script#description), so
 * relative paths are taken from there.
 */
export function invocationDirectory(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
    return env.INIT_CWD && path.isAbsolute(env.INIT_CWD) ? env.INIT_CWD : cwd;
}

export function parseArgs(argv: string[], cwd: string): CliOptions {
    const gate: GateOptions = { transforms: [] };
    let format: Format = "text";
    let out: string | undefined;
    let help = false;
    let modeFlag: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        let value: string | undefined;
        if (valueFlags.includes(flag)) {
            value = inline ?? argv[++i];
            if (value === undefined || (inline === undefined && value.startsWith("--"))) {
                throw new GateError(`${flag} needs a value\n\n${usage}`);
            }
        } else if (inline !== undefined) {
            throw new GateError(`${flag} takes no value\n\n${usage}`);
        }
        switch (flag) {
            case "--stack":
                gate.stack = value;
                break;
            case "--state":
                gate.state = path.resolve(cwd, value!);
                break;
            case "--preview":
            case "--update":
                if (modeFlag && modeFlag !== flag) {
                    throw new GateError(`${modeFlag} and ${flag} exclude each other; give one`);
                }
                modeFlag = flag;
                gate.mode = flag === "--preview" ? "preview" : "update";
                break;
            case "--policy-pack":
                gate.policyPack = path.resolve(cwd, value!);
                break;
            case "--policy-config":
                gate.policyConfig = path.resolve(cwd, value!);
                break;
            case "--format":
                if (value !== "text" && value !== "json" && value !== "sarif") {
                    throw new GateError(`--format ${JSON.stringify(value)} is not supported; allowed: text, json, sarif`);
                }
                format = value;
                break;
            case "--out":
                out = path.resolve(cwd, value!);
                break;
            case "--timeout": {
                const seconds = Number(value);
                if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
                    throw new GateError(
                        `--timeout ${JSON.stringify(value)}: expected a number of seconds between 0 and 86400`);
                }
                gate.timeoutMs = Math.round(seconds * 1000);
                break;
            }
            case "--transform":
                gate.transforms!.push(parseTransformSpec(value!, cwd));
                break;
            case "--project-dir":
                gate.projectDir = path.resolve(cwd, value!);
                break;
            case "--help":
            case "-h":
                help = true;
                break;
            default:
                throw new GateError(`unknown argument ${JSON.stringify(arg)}\n\n${usage}`);
        }
    }
    if (!help && gate.projectDir === undefined && gate.stack) {
        gate.projectDir = cwd;
    }
    if (!help && !gate.stack && !gate.state) {
        throw new GateError(`either --stack <name> or --state <file> is required\n\n${usage}`);
    }
    if (gate.state && modeFlag) {
        throw new GateError(`${modeFlag} applies to running the program; --state audits a checkpoint as it is`);
    }
    return { gate, format, out, help };
}
