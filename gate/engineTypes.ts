/** The shapes the gate hands to the policy pack: what the Pulumi engine knows about each resource. */

/** A provider as the engine describes it next to a resource it manages. */
export interface EngineProvider {
    urn: string;
    type: string;
    name: string;
    /** Serialized (wire-format) provider inputs. */
    inputs: Record<string, any>;
}

/**
 * One resource of a deployment, in the engine's terms. Property bags are in Pulumi's wire format: unknown values
 * as the unknown sentinel, secrets as `{ "4dabf…": "1b47…", value }`, resource references as their signature objects.
 */
export interface EngineResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    /** What `Analyze` sees: the inputs the program (or checkpoint) gives the provider. */
    inputs: Record<string, any>;
    /** What `AnalyzeStack` sees: the state after the operation (inputs plus computed outputs). */
    outputs: Record<string, any>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    aliases: string[];
    deleteBeforeReplace?: boolean;
    provider?: EngineProvider;
}

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export const enforcementLevels: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export type Severity = "low" | "medium" | "high" | "critical";

/** What a pack says about one of its policies (GetAnalyzerInfo). */
export interface PolicyInfo {
    name: string;
    displayName?: string;
    description: string;
    kind: "resource" | "stack" | "unknown";
    enforcementLevel: EnforcementLevel;
    severity?: Severity;
    configSchema?: { properties: Record<string, any>; required: string[] };
    framework?: { name?: string; version?: string; reference?: string; specification?: string };
    tags: string[];
    remediationSteps?: string;
    url?: string;
}

export interface PackInfo {
    name: string;
    version: string;
    displayName?: string;
    policies: PolicyInfo[];
    /** Config the pack sets on itself (`new PolicyPack(name, args, initialConfig)`), normalized. */
    initialConfig: Record<string, PolicyConfigEntry>;
}

export interface PolicyConfigEntry {
    enforcementLevel?: EnforcementLevel;
    properties?: Record<string, any>;
}

/** One diagnostic a pack returned, as the engine reports it. */
export interface PolicyDiagnostic {
    policy: string;
    policyPack: string;
    policyPackVersion: string;
    description: string;
    message: string;
    level: Exclude<EnforcementLevel, "disabled">;
    urn: string;
    severity?: Severity;
}
