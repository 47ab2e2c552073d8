/**
 * The one way a kms-audit command-line tool reads its flags, reports a usage error and exits.
 *
 * Every command (`check`, `diff`, `key-audit`, `bench`) declares its flags in one table for Node's own
 * `util.parseArgs` (https://nodejs.org/docs/latest-v20.x/api/util.html#utilparseargsconfig) and runs its `main`
 * through `runCommand`, so usage errors read alike, go to stderr without a stack trace and exit with the same code.
 */
import { isAbsolute } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * Exit codes, documented once for users in docs/architecture.md ("Exit codes"). Each tool uses the subset it needs.
 * - ok: the command did what was asked and found nothing that fails it.
 * - failed: the verdict is negative: mandatory policy findings (check), a change beyond `--fail-on` (diff).
 * - usage: the input was wrong: flags, files, stack config, the program itself; nothing was evaluated.
 * - incomplete: a report was written but some input could not be read (key-audit); the report lists what.
 */
export const exitCodes = { ok: 0, failed: 1, usage: 2, incomplete: 3 } as const;
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** Bad input from the user (a flag, a file, a config value): printed without a stack trace, exit code 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

type FlagTable = NonNullable<ParseArgsConfig["options"]>;

export interface CommandSpec<Flags extends FlagTable> {
    /** The name shown before every message, e.g. "kms-audit check". */
    name: string;
    /** The full --help text. */
    usage: string;
    flags: Flags;
}

/** What util.parseArgs yields for a flag table: strings, booleans, or lists of them when `multiple`. */
export type ParsedFlags<Flags extends FlagTable> = ReturnType<
    typeof parseArgs<{ options: Flags; strict: true }>
>["values"];

/**
 * Parses argv against the command's flag table. Unknown flags, missing or empty values, values given to switches
 * and positional arguments are usage errors naming the argument and the allowed flags. A value flag given twice
 * without `multiple` is an error rather than "the last one wins", so a pasted command line cannot silently override
 * itself. util.parseArgs runs non-strict and yields tokens; the checks are made here so every tool words them alike.
 */
export function parseFlags<Flags extends FlagTable>(
    spec: CommandSpec<Flags>,
    argv: readonly string[],
): ParsedFlags<Flags> {
    const allowed = Object.keys(spec.flags)
        .map((flag) => `--${flag}`)
        .join(", ");
    const { values, tokens } = parseArgs({
        args: [...argv],
        options: spec.flags,
        strict: false,
        allowPositionals: true,
        tokens: true,
    });
    const unknownArgument = (argument: string) => `unknown argument ${JSON.stringify(argument)}; allowed: ${allowed}`;
    const missingValue = (flag: string) => `${flag} needs a value`;
    const seen = new Set<string>();
    for (const token of tokens) {
        if (token.kind !== "option") {
            throw new UsageError(unknownArgument(token.kind === "positional" ? token.value : "--"));
        }
        const declared = Object.hasOwn(spec.flags, token.name) ? spec.flags[token.name] : undefined;
        if (declared === undefined) {
            throw new UsageError(unknownArgument(token.rawName));
        }
        if (declared.type === "boolean") {
            if (token.inlineValue === true) throw new UsageError(`${token.rawName} takes no value`);
            continue;
        }
        // util.parseArgs takes the next argument as the value even when it looks like a flag; `--stack --update`
        // is far more likely a forgotten value than a stack named "--update" (give `--stack=--update` for that).
        if (token.value === undefined || token.value === "" || (!token.inlineValue && token.value.startsWith("-"))) {
            throw new UsageError(missingValue(token.rawName));
        }
        if (declared.multiple !== true && seen.has(token.name)) {
            throw new UsageError(`--${token.name} given more than once; give it once`);
        }
        seen.add(token.name);
    }
    return values as ParsedFlags<Flags>;
}

/** Requires a value to be one of a closed set; the error names the flag, the value and what is allowed. */
export function oneOf<const Allowed extends readonly string[]>(
    flag: string,
    value: string,
    allowed: Allowed,
): Allowed[number] {
    if (!(allowed as readonly string[]).includes(value)) {
        throw new UsageError(`--${flag} ${JSON.stringify(value)} is not supported; allowed: ${allowed.join(", ")}`);
    }
    return value;
}

/** A whole number in [min, max]; the error names the flag and the range. */
export function wholeNumber(flag: string, value: string, min: number, max: number): number {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
        throw new UsageError(
            `--${flag} ${JSON.stringify(value)} is not allowed; allowed: a whole number from ${min} to ${max}`,
        );
    }
    return parsed;
}

/**
 * The directory the user ran the command in, which relative paths are taken from. `npm run` changes the working
 * directory to the package root and records the original one in INIT_CWD
 * (https://docs.npmjs.com/cli/v10/commands/npm-run-script#description); a relative INIT_CWD is not trusted.
 */
export function userDirectory(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
    return env.INIT_CWD && isAbsolute(env.INIT_CWD) ? env.INIT_CWD : cwd;
}

/**
 * Runs a command's main and sets the exit code. A UsageError prints `name: message` and exits 2; anything else is an
 * internal error (a bug in kms-audit, not the user's input) printed with its stack so it can be reported.
 */
export function runCommand(name: string, main: () => Promise<number>): void {
    main().then(
        (code) => {
            process.exitCode = code;
        },
        (error: unknown) => {
            if (error instanceof UsageError) {
                process.stderr.write(`${name}: error: ${error.message}\nRun with --help for usage.\n`);
                process.exitCode = exitCodes.usage;
                return;
            }
            const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
            process.stderr.write(`${name}: internal error (please report it): ${detail}\n`);
            process.exitCode = exitCodes.usage;
        },
    );
}
