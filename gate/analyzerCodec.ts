/**
 * The Analyzer protocol's messages, built and read the way the Pulumi engine does: pure functions from the gate's
 * engine types to the generated protobuf classes and back, with no process or network in sight, so each can be
 * tested alone (tests/gate/analyzerCodec.test.ts). Messages: pulumi/pulumi proto/pulumi/analyzer.proto; the engine
 * side: pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import {
    EnforcementLevel,
    EngineProvider,
    EngineResource,
    JsonObject,
    PackInfo,
    PolicyConfigEntry,
    PolicyDiagnostic,
    PolicyInfo,
    Severity,
} from "./engineTypes";

const levelFromProto: Record<number, EnforcementLevel> = {
    [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
    [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
};
const levelToProto: Record<EnforcementLevel, analyzerpb.EnforcementLevel> = {
    advisory: analyzerpb.EnforcementLevel.ADVISORY,
    mandatory: analyzerpb.EnforcementLevel.MANDATORY,
    remediate: analyzerpb.EnforcementLevel.REMEDIATE,
    disabled: analyzerpb.EnforcementLevel.DISABLED,
};
const severityFromProto: Record<number, Severity | undefined> = {
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

/** Keys starting with `__` are the engine's own bookkeeping; it strips them before analysis. */
function withoutInternalKeys(props: JsonObject): JsonObject {
    return Object.fromEntries(Object.entries(props).filter(([key]) => !key.startsWith("__")));
}

function toStruct(props: JsonObject): Struct {
    return Struct.fromJavaScript(withoutInternalKeys(props));
}

function resourceOptions(r: EngineResource, withParent: boolean): analyzerpb.AnalyzerResourceOptions {
    const opts = new analyzerpb.AnalyzerResourceOptions();
    opts.setProtect(r.protect);
    opts.setIgnorechangesList(r.ignoreChanges);
    opts.setAdditionalsecretoutputsList(r.additionalSecretOutputs);
    opts.setAliasesList(r.aliases);
    opts.setDeletebeforereplacedefined(r.deleteBeforeReplace !== undefined);
    opts.setDeletebeforereplace(r.deleteBeforeReplace === true);
    opts.setCustomtimeouts(new analyzerpb.AnalyzerResourceOptions.CustomTimeouts());
    if (withParent && r.parent) {
        opts.setParent(r.parent);
    }
    return opts;
}

function providerMessage(p: EngineProvider): analyzerpb.AnalyzerProviderResource {
    const msg = new analyzerpb.AnalyzerProviderResource();
    msg.setUrn(p.urn);
    msg.setType(p.type);
    msg.setName(p.name);
    msg.setProperties(toStruct(p.inputs));
    return msg;
}

/** AnalyzeRequest as the engine builds it in its step generator: the resource's inputs and options. */
export function analyzeRequest(r: EngineResource): analyzerpb.AnalyzeRequest {
    const req = new analyzerpb.AnalyzeRequest();
    req.setUrn(r.urn);
    req.setType(r.type);
    req.setName(r.name);
    req.setProperties(toStruct(r.inputs));
    req.setOptions(resourceOptions(r, true));
    if (r.provider) {
        req.setProvider(providerMessage(r.provider));
    }
    return req;
}

/** One AnalyzeStack entry: the resource's final state, parent and (non-empty) property dependencies. */
export function stackResourceMessage(r: EngineResource): analyzerpb.AnalyzerResource {
    const msg = new analyzerpb.AnalyzerResource();
    msg.setUrn(r.urn);
    msg.setType(r.type);
    msg.setName(r.name);
    msg.setProperties(toStruct(r.outputs));
    msg.setOptions(resourceOptions(r, false));
    if (r.provider) {
        msg.setProvider(providerMessage(r.provider));
    }
    msg.setParent(r.parent ?? "");
    msg.setDependenciesList(r.dependencies);
    const deps = msg.getPropertydependenciesMap();
    for (const [key, urns] of Object.entries(r.propertyDependencies)) {
        if (urns.length > 0) {
            const pd = new analyzerpb.AnalyzerPropertyDependencies();
            pd.setUrnsList(urns);
            deps.set(key, pd);
        }
    }
    return msg;
}

export function diagnosticsFrom(resp: analyzerpb.AnalyzeResponse, packVersion: string): PolicyDiagnostic[] {
    return resp.getDiagnosticsList().map((d) => {
        const level = levelFromProto[d.getEnforcementlevel()];
        return {
            policy: d.getPolicyname(),
            policyPack: d.getPolicypackname(),
            policyPackVersion: packVersion || d.getPolicypackversion(),
            description: d.getDescription(),
            message: d.getMessage(),
            // A remediate-level violation that is still reported means the fix did not take: the engine blocks.
            level: level === "remediate" || level === "disabled" ? "mandatory" : level,
            urn: d.getUrn(),
            severity: severityFromProto[d.getSeverity()],
        };
    });
}

function policyInfoFrom(p: analyzerpb.PolicyInfo): PolicyInfo {
    const schema = p.getConfigschema();
    const framework = p.getFramework();
    const kind = p.getPolicyType();
    return {
        name: p.getName(),
        displayName: p.getDisplayname() || undefined,
        description: p.getDescription(),
        kind:
            kind === analyzerpb.PolicyType.POLICY_TYPE_RESOURCE
                ? "resource"
                : kind === analyzerpb.PolicyType.POLICY_TYPE_STACK
                  ? "stack"
                  : "unknown",
        enforcementLevel: levelFromProto[p.getEnforcementlevel()],
        severity: severityFromProto[p.getSeverity()],
        configSchema: schema
            ? { properties: schema.getProperties()?.toJavaScript() ?? {}, required: schema.getRequiredList() }
            : undefined,
        framework: framework
            ? {
                  name: framework.getName() || undefined,
                  version: framework.getVersion() || undefined,
                  reference: framework.getReference() || undefined,
                  specification: framework.getSpecification() || undefined,
              }
            : undefined,
        tags: p.getTagsList(),
        remediationSteps: p.getRemediationSteps() || undefined,
        url: p.getUrl() || undefined,
    };
}

export function packInfoFrom(resp: analyzerpb.AnalyzerInfo, manifestVersion: string | undefined): PackInfo {
    const initialConfig: Record<string, PolicyConfigEntry> = {};
    resp.getInitialconfigMap().forEach((value: analyzerpb.PolicyConfig, key: string) => {
        initialConfig[key] = {
            enforcementLevel: levelFromProto[value.getEnforcementlevel()],
            properties: value.getProperties()?.toJavaScript(),
        };
    });
    return {
        name: resp.getName(),
        // As in the engine: the version in PulumiPolicy.yaml wins over the one the pack reports.
        version: manifestVersion ?? resp.getVersion(),
        displayName: resp.getDisplayname() || undefined,
        policies: resp.getPoliciesList().map(policyInfoFrom),
        initialConfig,
    };
}

/** ConfigureAnalyzer: each policy's level (advisory when the entry names none) and its properties. */
export function configureRequest(config: Record<string, PolicyConfigEntry>): analyzerpb.ConfigureAnalyzerRequest {
    const req = new analyzerpb.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    for (const [name, entry] of Object.entries(config)) {
        const pc = new analyzerpb.PolicyConfig();
        pc.setEnforcementlevel(levelToProto[entry.enforcementLevel ?? "advisory"]);
        pc.setProperties(Struct.fromJavaScript(entry.properties ?? {}));
        map.set(name, pc);
    }
    return req;
}

/** ConfigureStack: the stack's identity, whether this is a preview, and its config. */
export function stackConfigureRequest(stack: {
    project: string;
    stack: string;
    dryRun: boolean;
    config?: Record<string, string>;
}): analyzerpb.AnalyzerStackConfigureRequest {
    const req = new analyzerpb.AnalyzerStackConfigureRequest();
    req.setProject(stack.project);
    req.setStack(stack.stack);
    req.setDryRun(stack.dryRun);
    const map = req.getConfigMap();
    for (const [key, value] of Object.entries(stack.config ?? {})) {
        map.set(key, value);
    }
    return req;
}

/** AnalyzeStack: every resource's final state at once. */
export function analyzeStackRequest(resources: EngineResource[]): analyzerpb.AnalyzeStackRequest {
    const req = new analyzerpb.AnalyzeStackRequest();
    req.setResourcesList(resources.map(stackResourceMessage));
    return req;
}

/** A remediation a pack proposed for a resource (policies at enforcement level `remediate`). */
export interface PackRemediation {
    policy: string;
    properties?: JsonObject;
    diagnostic?: string;
}

export function remediationsFrom(resp: analyzerpb.RemediateResponse): PackRemediation[] {
    return resp.getRemediationsList().map((r) => ({
        policy: r.getPolicyname(),
        properties: r.getProperties()?.toJavaScript(),
        diagnostic: r.getDiagnostic() || undefined,
    }));
}
