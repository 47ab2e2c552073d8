/** The shapes the gate hands to the policy pack: what the Pulumi engine knows about each resource. */
import type { JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";

/** A JSON object as google.protobuf.Struct carries it (policy config, config schemas). */
export type JsonObject = { [key: string]: JavaScriptValue };

/** A bag of resource properties (inputs, outputs, config): values are read only after narrowing. */
export type PropertyMap = Record<string, unknown>;
/**
 * A resource's inputs or outputs in the engine's wire format. `any` on purpose: the pack, the diff and the tests
 * read deep paths of a known resource type, like the `any` of @pulumi/policy's ResourceValidationArgs.props.
 */
// biome-ignore lint/suspicious/noExplicitAny: deep reads of known resource types, as @pulumi/policy props (above)
export type WireProperties = Record<string, any>;

/** A provider as the engine describes it next to a resource it manages. */
export interface EngineProvider {
    urn: string;
    type: string;
    name: string;
    /** Serialized (wire-format) provider inputs. */
    inputs: WireProperties;
}

/**
 * One resource of a deployment, in the engine's terms. Property bags are in Pulumi's wire format: unknown values
 * as the unknown sentinel, secrets as `{ "4dabf…": "1b47…", value }`, resource references as their signature
 * objects.
 */
export interface EngineResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    /** What `Analyze` sees: the inputs the program (or checkpoint) gives the provider. */
    inputs: WireProperties;
    /** What `AnalyzeStack` sees: the state after the operation (inputs plus computed outputs). */
    outputs: WireProperties;
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
    configSchema?: { properties: JsonObject; required: string[] };
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
    properties?: JsonObject;
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
