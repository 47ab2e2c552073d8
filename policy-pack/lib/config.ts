/**
 * Rule configuration: defaults from each rule's schema, and a clear error for values of the wrong kind.
 * The Pulumi CLI validates `--policy-pack-config` against the same schemas; this guards the cases it does
 * not see (a pack driven directly over gRPC, or no config at all, where defaults must still apply).
 */
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { RuleConfig } from "./rule";

export class ConfigError extends Error {}

export function resolveConfig(
    ruleName: string,
    schema: Record<string, PolicyConfigJSONSchema>,
    given: Record<string, unknown>,
): RuleConfig {
    const resolved: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(schema)) {
        const value = given[key] === undefined ? spec.default : given[key];
        checkValue(ruleName, key, spec, value);
        resolved[key] = value;
    }
    const unexpected = Object.keys(given).filter((k) => !(k in schema));
    if (unexpected.length > 0) {
        throw new ConfigError(
            `config for rule "${ruleName}" has unknown key(s) ${unexpected.join(", ")}; ` +
                `allowed keys: enforcementLevel, ${Object.keys(schema).join(", ")}`,
        );
    }
    return resolved;
}

function checkValue(ruleName: string, key: string, spec: PolicyConfigJSONSchema, value: unknown): void {
    const where = `config key "${key}" of rule "${ruleName}"`;
    switch (spec.type) {
        case "boolean":
            if (typeof value !== "boolean") {
                throw new ConfigError(`${where} must be true or false, got ${JSON.stringify(value)}`);
            }
            return;
        case "integer":
        case "number": {
            const ok = typeof value === "number" && (spec.type === "number" || Number.isInteger(value));
            const low = spec.minimum ?? -Infinity;
            const high = spec.maximum ?? Infinity;
            if (!ok || (value as number) < low || (value as number) > high) {
                throw new ConfigError(
                    `${where} must be an ${spec.type} from ${low} to ${high}, ` + `got ${JSON.stringify(value)}`,
                );
            }
            return;
        }
        case "array":
            if (!Array.isArray(value)) {
                throw new ConfigError(`${where} must be a list, got ${JSON.stringify(value)}`);
            }
            return;
        default:
            return;
    }
}
