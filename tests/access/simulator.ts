import * as path from "path";
import type { Policy } from "@cloud-copilot/iam-policy";
import {
    anonymousPrincipal,
    runSimulation,
    type RequestAnalysis,
    type Simulation,
    type SimulationRequestPrincipal,
} from "@cloud-copilot/iam-simulate";

/** The three answers of IAM policy evaluation, in the simulator's words. */
export const OUTCOMES = ["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface NamedPolicy {
    /** Appears in `decidedBy` as `<name>:<Sid>`. */
    name: string;
    document: object;
}

export interface SimulatedRequest {
    /** An IAM principal ARN, a service principal such as `cloudtrail.amazonaws.com`, or "anonymous" (unsigned). */
    principal: string;
    action: string;
    resource: string;
    /** The account that owns the resource (S3 ARNs carry none). */
    resourceAccount: string;
    context: Record<string, string>;
    identityPolicies: NamedPolicy[];
    resourcePolicy?: NamedPolicy;
    /** The bucket's RestrictPublicBuckets setting, which the simulator applies only when told. */
    restrictPublicBuckets?: boolean;
}

export interface Decision {
    outcome: Outcome;
    /** `<policy name>:<Sid>` of each statement the outcome rests on; empty for an implicit deny. */
    decidedBy: string[];
}

export const ANONYMOUS = "anonymous";

/**
 * `runSimulation` validates policies, action, resource type and context keys, but drops context keys whose variable
 * part follows a ':' instead of a '/', which is exactly how KMS spells `kms:EncryptionContext:<context key>`. The
 * decision is therefore taken by the engine's own `authorize`, fed the whole context, after `runSimulation` has
 * validated everything else. The package's exports stop at its index, so the module is loaded by file path (the
 * package version is pinned exactly in package.json).
 */
const DROPPED_BY_VALIDATION = /^kms:EncryptionContext:/i;

interface CoreEngine {
    authorize(input: unknown): RequestAnalysis;
}
const dist = path.dirname(require.resolve("@cloud-copilot/iam-simulate"));
// The policy parser the engine itself depends on, so that parsed policies are the classes it expects.
const { loadPolicy } = require(require.resolve("@cloud-copilot/iam-policy", { paths: [dist] })) as {
    loadPolicy(document: unknown, metadata: { name: string }): Policy<{ name: string }>;
};
const core: CoreEngine = require(path.join(dist, "core_engine", "CoreSimulatorEngine.js"));
const { AwsRequestImpl } = require(path.join(dist, "request", "request.js")) as {
    AwsRequestImpl: new (...args: unknown[]) => unknown;
};
const { RequestContextImpl } = require(path.join(dist, "requestContext.js")) as {
    RequestContextImpl: new (values: Record<string, string>) => unknown;
};
const { DiscoveryContextKeyConstraints } = require(
    path.join(dist, "context_keys", "discoveryContextKeyConstraints.js"),
) as {
    DiscoveryContextKeyConstraints: new (constraints: unknown[]) => unknown;
};

/** A request the simulator refuses (bad policy, unknown action, wrong resource type, unknown context key). */
export class SimulationInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SimulationInputError";
    }
}

function principalOf(request: SimulatedRequest): SimulationRequestPrincipal {
    return request.principal === ANONYMOUS ? anonymousPrincipal : request.principal;
}

function asSimulation(request: SimulatedRequest): Simulation {
    return {
        request: {
            principal: principalOf(request),
            action: request.action,
            resource: { resource: request.resource, accountId: request.resourceAccount },
            contextVariables: request.context,
        },
        identityPolicies: request.identityPolicies.map((p) => ({ name: p.name, policy: p.document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: request.resourcePolicy?.document,
        additionalSettings: { s3: { blockPublicAccess: request.restrictPublicBuckets } },
    };
}

function summary(request: SimulatedRequest): string {
    return `${request.principal} ${request.action} on ${request.resource}`;
}

interface Validation {
    /** The public entry point's answer, from the context it kept. */
    result: Outcome;
    /** Context keys it dropped (only `kms:EncryptionContext:*` get this far). */
    droppedKeys: string[];
}

/** Validates the request with the package's public, checking entry point; throws what it rejects. */
async function validate(request: SimulatedRequest): Promise<Validation> {
    const result = await runSimulation(asSimulation(request), { simulationMode: "Strict" });
    if (result.resultType === "error") {
        throw new SimulationInputError(`the simulator rejects ${summary(request)}: ${JSON.stringify(result.errors)}`);
    }
    if (result.resultType === "wildcard") {
        throw new SimulationInputError(`${summary(request)}: name one concrete resource, not a pattern`);
    }
    const droppedKeys = result.result.ignoredContextKeys ?? [];
    const unknown = droppedKeys.filter((key) => !DROPPED_BY_VALIDATION.test(key));
    if (unknown.length > 0) {
        throw new SimulationInputError(
            `${summary(request)}: context key(s) ${unknown.join(", ")} do not apply to ${request.action} (check the spelling against the AWS service authorization reference)`,
        );
    }
    return { result: result.overallResult, droppedKeys };
}

function analyse(
    request: SimulatedRequest,
    policies: { identity: Policy<{ name: string }>[]; resource: Policy<{ name: string }> | undefined },
): RequestAnalysis {
    return core.authorize({
        request: new AwsRequestImpl(
            principalOf(request),
            { resource: request.resource, accountId: request.resourceAccount },
            request.action,
            new RequestContextImpl(request.context),
        ),
        sessionPolicy: undefined,
        identityPolicies: policies.identity,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: policies.resource,
        permissionBoundaries: undefined,
        vpcEndpointPolicies: undefined,
        simulationParameters: {
            simulationMode: "Strict",
            discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]),
        },
        serviceSettings: { s3: { blockPublicAccess: request.restrictPublicBuckets } },
    });
}

type AnalysedStatement = NonNullable<RequestAnalysis["resourceAnalysis"]>["allowStatements"][number];

function label(policyName: string, statement: AnalysedStatement): string {
    return `${policyName}:${statement.statement.sid() ?? `#${statement.statement.index()}`}`;
}

/**
 * The statements an outcome rests on. For an allow: the identity statements that allow (when identity policies
 * count) and the resource statements naming the principal; a statement that matches only at account level (the key
 * policy's root delegation) counts only when no statement names the principal itself.
 */
export function decidingStatements(analysis: RequestAnalysis, resourcePolicyName: string | undefined): string[] {
    const resourceName = resourcePolicyName ?? "resource";
    const identity = analysis.identityAnalysis;
    const resource = analysis.resourceAnalysis;
    if (analysis.result === "ExplicitlyDenied") {
        return [
            ...(identity?.denyStatements ?? []).map((s) => label(s.policyId, s)),
            ...(resource?.denyStatements ?? []).map((s) => label(resourceName, s)),
        ].sort();
    }
    if (analysis.result === "ImplicitlyDenied") {
        return [];
    }
    const resourceAllows = resource?.allowStatements ?? [];
    const direct = resourceAllows.filter((s) => s.principalMatch !== "AccountLevelMatch");
    const identityAllows = identity?.result === "Allowed" ? identity.allowStatements : [];
    const resourceDeciders = direct.length > 0 ? direct : identityAllows.length > 0 ? resourceAllows : [];
    return [
        ...identityAllows.map((s) => label(s.policyId, s)),
        ...resourceDeciders.map((s) => label(resourceName, s)),
    ].sort();
}

/** Evaluates one request as AWS would, from the given policies only. */
export async function simulate(request: SimulatedRequest): Promise<Decision> {
    if (request.principal === ANONYMOUS && request.identityPolicies.length > 0) {
        throw new SimulationInputError(`${summary(request)}: an anonymous request has no identity policies`);
    }
    const validation = await validate(request);
    const policies = {
        identity: request.identityPolicies.map((p) => loadPolicy(p.document, { name: p.name })),
        resource: request.resourcePolicy
            ? loadPolicy(request.resourcePolicy.document, { name: request.resourcePolicy.name })
            : undefined,
    };
    const analysis = analyse(request, policies);
    // With the same context, the public entry point must agree, or the internal call above has drifted from it.
    if (validation.droppedKeys.length === 0 && validation.result !== analysis.result) {
        throw new Error(
            `${summary(request)}: the engine's analysis says ${analysis.result} but runSimulation says ${validation.result}`,
        );
    }
    return { outcome: analysis.result, decidedBy: decidingStatements(analysis, request.resourcePolicy?.name) };
}
