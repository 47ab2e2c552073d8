import * as fs from "fs";
import Ajv from "ajv";
import { errorMessage, GateError, readErrorDetail } from "./errors";
import type { JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import { EnforcementLevel, enforcementLevels, JsonObject, PackInfo, PolicyConfigEntry } from "./engineTypes";

/** `all` sets the enforcement level of every policy, as in `pulumi preview --policy-pack-config`. */
export const allPolicies = "all";

function isEnforcementLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (enforcementLevels as readonly string[]).includes(value);
}

function levelError(file: string, policy: string, value: unknown): GateError {
    return new GateError(
        `${file}: ${policy}: enforcementLevel ${JSON.stringify(value)} is not valid; ` +
            `allowed: ${enforcementLevels.join(", ")}`,
    );
}

/**
 * Parses a policy pack config file the way the engine does: each key is a policy name (or `all`), each value either
 * an enforcement level or an object with an optional `enforcementLevel` and the policy's own properties.
 */
export function parsePolicyConfig(file: string, text: string): Record<string, PolicyConfigEntry> {
    if (text.trim() === "") {
        return {};
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new GateError(`${file}: is not valid JSON: ${errorMessage(e)}`);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        throw new GateError(`${file}: must be a JSON object of policy names to an enforcement level or an object`);
    }
    const result: Record<string, PolicyConfigEntry> = {};
    for (const [policy, value] of Object.entries(doc)) {
        if (typeof value === "string") {
            if (!isEnforcementLevel(value)) {
                throw levelError(file, policy, value);
            }
            result[policy] = { enforcementLevel: value };
        } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
            // `doc` came from JSON.parse, so every value in it is a JSON value.
            const { enforcementLevel, ...properties } = value as JsonObject;
            if (enforcementLevel !== undefined && !isEnforcementLevel(enforcementLevel)) {
                throw levelError(file, policy, enforcementLevel);
            }
            const entry: PolicyConfigEntry = {};
            if (enforcementLevel !== undefined) {
                entry.enforcementLevel = enforcementLevel;
            }
            if (Object.keys(properties).length > 0) {
                entry.properties = properties;
            }
            if (entry.enforcementLevel !== undefined || entry.properties !== undefined) {
                result[policy] = entry;
            }
        } else {
            throw new GateError(
                `${file}: ${policy}: ${JSON.stringify(value)} is not valid; must be an enforcement level or an object`,
            );
        }
    }
    return result;
}

export function loadPolicyConfig(file: string): Record<string, PolicyConfigEntry> {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new GateError(`${file}: cannot be read (${readErrorDetail(e)})`);
    }
    return parsePolicyConfig(file, text);
}

function applyConfig(
    result: Record<string, PolicyConfigEntry>,
    given: Record<string, PolicyConfigEntry>,
): Record<string, PolicyConfigEntry> {
    const all = given[allPolicies]?.enforcementLevel;
    if (all) {
        for (const name of Object.keys(result)) {
            result[name] = { ...result[name], enforcementLevel: all };
        }
    }
    for (const [name, entry] of Object.entries(given)) {
        const current = result[name] ?? {};
        result[name] = {
            enforcementLevel: entry.enforcementLevel ?? current.enforcementLevel,
            properties: entry.properties ? { ...current.properties, ...entry.properties } : current.properties,
        };
    }
    return result;
}

/**
 * Options the policy does not declare. A typo (`minDeletionWindowDay`) would otherwise leave the default in force
 * silently; the check runs whatever the policy's enforcement level, so a disabled or advisory policy's typo is caught
 * before it is turned up. A schema that explicitly allows additional properties is respected.
 */
function unknownOptions(info: PackInfo, given: Record<string, PolicyConfigEntry>): string[] {
    const problems: string[] = [];
    for (const [name, entry] of Object.entries(given)) {
        const policy = info.policies.find((p) => p.name === name);
        const options = Object.keys(entry.properties ?? {});
        if (options.length === 0 || (name === allPolicies && !policy)) {
            if (name === allPolicies && options.length > 0) {
                problems.push(
                    `${allPolicies}: only an enforcement level applies to all policies; found ${options.join(", ")}`,
                );
            }
            continue;
        }
        if (!policy) {
            continue;
        }
        const schema = policy.configSchema?.properties ?? {};
        if ((policy.configSchema as { additionalProperties?: unknown } | undefined)?.additionalProperties === true) {
            continue;
        }
        const allowed = Object.keys(schema);
        for (const option of options.filter((o) => !(o in schema))) {
            problems.push(
                `${name}: unknown option ${JSON.stringify(option)}; allowed: enforcementLevel` +
                    `${allowed.length > 0 ? `, ${allowed.join(", ")}` : " (this policy takes no options)"}`,
            );
        }
    }
    return problems;
}

/**
 * The config the engine sends in Configure: schema defaults of every policy, then the pack's initial config, then
 * the given file, then validation of each policy's properties against its schema. `source` names the file in errors.
 */
export function reconcilePolicyConfig(
    info: PackInfo,
    given: Record<string, PolicyConfigEntry>,
    source: string,
): Record<string, PolicyConfigEntry> {
    const result: Record<string, PolicyConfigEntry> = {};
    for (const policy of info.policies) {
        const defaults: Array<[string, JavaScriptValue]> = [];
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            // A schema from Struct.toJavaScript has no undefined values: `default` is set exactly when it is given.
            const isObject = typeof schema === "object" && schema !== null && !Array.isArray(schema);
            const given = isObject ? (schema as JsonObject).default : undefined;
            if (given !== undefined) defaults.push([key, given]);
        }
        result[policy.name] = {
            enforcementLevel: policy.enforcementLevel,
            properties: defaults.length > 0 ? Object.fromEntries(defaults) : undefined,
        };
    }
    applyConfig(result, info.initialConfig);
    applyConfig(result, given);

    const ajv = new Ajv({ allErrors: true, strict: false });
    const problems: string[] = [];
    for (const policy of info.policies) {
        if (!policy.configSchema) {
            continue;
        }
        const schema: Record<string, unknown> = { type: "object" };
        if (Object.keys(policy.configSchema.properties).length > 0) {
            schema.properties = policy.configSchema.properties;
        }
        if (policy.configSchema.required.length > 0) {
            schema.required = policy.configSchema.required;
        }
        const validate = ajv.compile(schema);
        if (!validate(result[policy.name]?.properties ?? {})) {
            for (const e of validate.errors ?? []) {
                const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") + " " : "";
                problems.push(`${policy.name}: ${where}${e.message}${allowedValuesOf(e.params)}`);
            }
        }
    }
    const known = new Set([allPolicies, ...info.policies.map((p) => p.name)]);
    for (const name of Object.keys(given)) {
        if (!known.has(name)) {
            problems.push(
                `${name}: no such policy in pack ${info.name}; ` +
                    `policies: ${info.policies.map((p) => p.name).join(", ")}`,
            );
        }
    }
    for (const problem of unknownOptions(info, given)) {
        problems.push(problem);
    }
    if (problems.length > 0) {
        throw new GateError(`${source}: invalid policy pack config:\n  - ${problems.join("\n  - ")}`);
    }
    return result;
}

/** Ajv's `enum` errors carry the allowed values in params.allowedValues; other errors have none to list. */
function allowedValuesOf(params: unknown): string {
    const allowed = (params as { allowedValues?: unknown } | undefined)?.allowedValues;
    return Array.isArray(allowed) ? ` (${allowed.join(", ")})` : "";
}
