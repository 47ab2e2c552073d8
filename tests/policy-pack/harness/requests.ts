/**
 * Turns plain resource descriptions into the protobuf requests the Pulumi engine sends to an analyzer:
 * properties serialized as the engine does (unknowns as the sentinel string, secrets wrapped in the
 * secret signature), options, parent, dependencies and property dependencies (by URN).
 */
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** The engine's wire encoding of an unknown (computed) value. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function secret(value: unknown): Record<string, unknown> {
    return { [SIG_KEY]: SECRET_SIG, value };
}

export interface ResourceSpec {
    type: string;
    name: string;
    props: Record<string, unknown>;
    /** property -> names (or URNs) of resources in the same stack that the property's value came from */
    deps?: Record<string, string[]>;
    parent?: string;
}

export const PROJECT = "kms-audit";
export const STACK = "test";

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
}

function fillCommon<T extends pb.AnalyzeRequest | pb.AnalyzerResource>(
    message: T,
    spec: ResourceSpec,
    resolve: (nameOrUrn: string) => string,
): T {
    message.setType(spec.type);
    message.setName(spec.name);
    message.setUrn(urnOf(spec.type, spec.name));
    // The engine omits properties that have no value; JSON drops `undefined` the same way.
    message.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(spec.props))));
    const options = new pb.AnalyzerResourceOptions();
    if (spec.parent) {
        options.setParent(resolve(spec.parent));
    }
    message.setOptions(options);
    return message;
}

export function analyzeRequest(spec: ResourceSpec): pb.AnalyzeRequest {
    return fillCommon(new pb.AnalyzeRequest(), spec, (n) => n);
}

/** All names in `deps` and `parent` must be resources of the same list (or full URNs). */
export function analyzeStackRequest(specs: ResourceSpec[]): pb.AnalyzeStackRequest {
    const urnByName = new Map(specs.map((s) => [s.name, urnOf(s.type, s.name)]));
    const resolve = (n: string) =>
        n.startsWith("urn:")
            ? n
            : (urnByName.get(n) ??
              (() => {
                  throw new Error(`test stack has no resource named "${n}"`);
              })());
    const resources = specs.map((spec) => {
        const r = fillCommon(new pb.AnalyzerResource(), spec, resolve);
        const all = new Set<string>();
        for (const [property, names] of Object.entries(spec.deps ?? {})) {
            const d = new pb.AnalyzerPropertyDependencies();
            d.setUrnsList(names.map(resolve));
            names.forEach((n) => all.add(resolve(n)));
            r.getPropertydependenciesMap().set(property, d);
        }
        if (spec.parent) {
            r.setParent(resolve(spec.parent));
        }
        r.setDependenciesList([...all]);
        return r;
    });
    const request = new pb.AnalyzeStackRequest();
    request.setResourcesList(resources);
    return request;
}

export interface Diagnostic {
    policyName: string;
    message: string;
    enforcementLevel: "advisory" | "mandatory" | "disabled" | "remediate";
    urn: string;
}

export interface Analysis {
    diagnostics: Diagnostic[];
    notApplicable: { policyName: string; reason: string }[];
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

export function readAnalysis(response: pb.AnalyzeResponse): Analysis {
    return {
        diagnostics: response.getDiagnosticsList().map((d) => ({
            policyName: d.getPolicyname(),
            message: d.getMessage(),
            enforcementLevel: LEVELS[d.getEnforcementlevel()],
            urn: d.getUrn(),
        })),
        notApplicable: response
            .getNotApplicableList()
            .map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
    };
}

export interface Remediation {
    policyName: string;
    properties: Record<string, unknown> | undefined;
}

export function readRemediations(response: pb.RemediateResponse): Remediation[] {
    return response.getRemediationsList().map((r) => ({
        policyName: r.getPolicyname(),
        properties: r.getProperties()?.toJavaScript() as Record<string, unknown> | undefined,
    }));
}
