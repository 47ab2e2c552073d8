/**
 * Machine-readable catalogue of every rule (for SARIF rule metadata and the README table), and the waiver
 * contract for tools that read the engine's diagnostics. Loads no Pulumi runtime code.
 */
import type { RuleMetadata } from "./lib/rule";
import { allRules } from "./rules";

export { WAIVED_MESSAGE_PREFIX, STACK_WAIVER_TARGET, parseWaivedMessage } from "./lib/waivers";
export type { WaivedMessage } from "./lib/waivers";

export interface CatalogEntry extends Omit<RuleMetadata, "config"> {
    kind: "resource" | "stack";
    /** Resource type tokens a resource rule applies to; empty for stack rules. */
    types: string[];
    /** Config keys with their default values (every rule also takes `waivers`, default []). */
    config: Record<string, { default: unknown; description: string }>;
}

export const ruleCatalog: readonly CatalogEntry[] = allRules.map((rule) => ({
    kind: rule.kind,
    name: rule.name,
    description: rule.description,
    severity: rule.severity,
    controls: rule.controls,
    remediationSteps: rule.remediationSteps,
    url: rule.url,
    enforcementLevel: rule.enforcementLevel,
    remediable: rule.remediable,
    types: rule.kind === "resource" ? [...rule.types] : [],
    config: Object.fromEntries(
        Object.entries(rule.config).map(([key, spec]) => [
            key,
            { default: spec.default, description: spec.description ?? "" },
        ]),
    ),
}));
