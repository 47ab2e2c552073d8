import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { errorMessage, GateError, readErrorDetail } from "./errors";

/** What the gate needs from `Pulumi.yaml` and `Pulumi.<stack>.yaml` to run a stack's program. */
export interface StackSettings {
    projectDir: string;
    project: string;
    stack: string;
    /** Absolute path of the program's entry module (the `main` of Pulumi.yaml, default the project folder). */
    entry: string;
    /** `main` was set in Pulumi.yaml; otherwise package.json's `exports` or `main` may name the entry (run.ts). */
    mainGiven?: boolean;
    /** `runtime.options.typescript` of Pulumi.yaml (default true): load .ts files through ts-node. */
    typescript?: boolean;
    /** Config as Pulumi hands it to a program: `"<namespace>:<key>" -> string`, structured values as JSON. */
    config: Record<string, string>;
    /** Keys whose values were `secure:` in the stack file; the program sees a placeholder, marked secret. */
    secretKeys: string[];
}

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new GateError(`${file}: cannot be read (${readErrorDetail(e)})`);
    }
    try {
        return yaml.load(text) ?? {};
    } catch (e) {
        throw new GateError(`${file}: is not valid YAML: ${errorMessage(e)}`);
    }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Keys without a namespace belong to the project, as in `pulumi config set`. */
function qualify(key: string, project: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** Pulumi passes scalars as their text and objects/arrays as JSON. */
function configText(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** The value a `secure:` entry stands for: the real one is encrypted for the stack's secrets provider. */
export function secretPlaceholder(key: string): string {
    return `secret-placeholder-for-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

function isSecureValue(value: unknown): boolean {
    return isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

/** Project-level defaults: `config: { key: value }` or `config: { key: { default: value, ... } }`. */
function projectDefaults(file: string, project: string, block: unknown): Record<string, string> {
    if (block === undefined || block === null) {
        return {};
    }
    if (!isPlainObject(block)) {
        throw new GateError(`${file}: config must be a mapping of keys to values or { default: ... } entries`);
    }
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(block)) {
        if (isPlainObject(value) && ("default" in value || "type" in value || "description" in value)) {
            if ("default" in value) {
                result[qualify(key, project)] = configText(value.default);
            }
        } else {
            result[qualify(key, project)] = configText(value);
        }
    }
    return result;
}

export function loadStackSettings(projectDir: string, stack: string): StackSettings {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
        throw new GateError(
            `--stack ${JSON.stringify(stack)}: a stack name may contain letters, digits, '-', '_' and '.'`,
        );
    }
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    const projectDoc = readYaml(projectFile);
    if (!isPlainObject(projectDoc) || typeof projectDoc.name !== "string" || projectDoc.name === "") {
        throw new GateError(`${projectFile}: name is required (the project name)`);
    }
    const project = projectDoc.name;
    const runtime = isPlainObject(projectDoc.runtime) ? projectDoc.runtime.name : projectDoc.runtime;
    if (runtime !== "nodejs") {
        throw new GateError(
            `${projectFile}: runtime is ${JSON.stringify(runtime)}; the offline gate runs nodejs programs only`,
        );
    }
    if (projectDoc.main !== undefined && typeof projectDoc.main !== "string") {
        throw new GateError(`${projectFile}: main must be a path to the program's folder or file`);
    }
    const entry = path.resolve(projectDir, (projectDoc.main as string | undefined) ?? ".");
    const runtimeOptions =
        isPlainObject(projectDoc.runtime) && isPlainObject(projectDoc.runtime.options)
            ? projectDoc.runtime.options
            : {};
    if (runtimeOptions.typescript !== undefined && typeof runtimeOptions.typescript !== "boolean") {
        throw new GateError(`${projectFile}: runtime.options.typescript must be true or false`);
    }
    const typescript = runtimeOptions.typescript !== false;

    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        const known = fs
            .readdirSync(projectDir)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => s !== undefined);
        throw new GateError(`${stackFile}: not found; stacks with a config file here: ${known.join(", ") || "(none)"}`);
    }
    const stackDoc = readYaml(stackFile);
    if (!isPlainObject(stackDoc)) {
        throw new GateError(`${stackFile}: must be a mapping with a config: section`);
    }
    const block = stackDoc.config ?? {};
    if (!isPlainObject(block)) {
        throw new GateError(`${stackFile}: config must be a mapping of "<namespace>:<key>" to values`);
    }

    const config = projectDefaults(projectFile, project, projectDoc.config);
    const secretKeys: string[] = [];
    for (const [rawKey, value] of Object.entries(block)) {
        const key = qualify(rawKey, project);
        if (isSecureValue(value)) {
            config[key] = secretPlaceholder(key);
            secretKeys.push(key);
        } else if (isPlainObject(value) && "secure" in value) {
            throw new GateError(
                `${stackFile}: ${rawKey}: a secure value must be { secure: <ciphertext> } and nothing else`,
            );
        } else {
            config[key] = configText(value);
        }
    }
    const mainGiven = projectDoc.main !== undefined;
    return { projectDir, project, stack, entry, mainGiven, typescript, config, secretKeys };
}
