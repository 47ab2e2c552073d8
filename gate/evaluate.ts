import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { parseWaivedMessage } from "../policy-pack/lib/waivers";
import { EngineResource, PolicyDiagnostic, PropertyMap } from "./engineTypes";
import { PackSession } from "./packSession";

/** One policy finding, as the gate reports it. */
export interface Finding {
    policy: string;
    policyPack: string;
    policyPackVersion: string;
    /** `mandatory` blocks (unless waived); `advisory` warns; `remediate` says the pack fixed the inputs itself. */
    level: "mandatory" | "advisory" | "remediate";
    /** The resource the finding is about; stack-wide findings are attributed to the root stack, as the engine does. */
    urn: string;
    resourceType: string;
    resourceName: string;
    message: string;
    description: string;
    severity?: string;
    /** From a resource policy (Analyze), a stack policy (AnalyzeStack), or a remediation (Remediate). */
    phase: "resource" | "stack" | "remediation";
    /** The pack waived it (its waiver contract: advisory, message prefixed `WAIVED: `); never blocks. */
    waived: boolean;
    waiver?: { reason: string; expires: string };
    /**
     * The policy could not run because it read a value unknown at preview; the engine downgrades this to advisory,
     * so the check was not made. Run with --update to make it.
     */
    notEvaluated: boolean;
}

export interface EvaluateOptions {
    /** Apply remediations to the inputs before Analyze (a deployment) or only report them (a checkpoint audit). */
    remediations: "apply" | "report" | "skip";
    /** Analyze calls in flight at once; the engine analyzes resources as they register, so several overlap. */
    concurrency?: number;
    /**
     * Find the policies that read a value the gate cannot show them and would otherwise pass silently: at `preview`,
     * policy documents unknown before deployment; for a `checkpoint`, secrets exported only as ciphertext (which
     * state.ts hands over as unknown). Each such policy is reported as not evaluated for that resource.
     */
    unreadable?: "preview" | "checkpoint";
}

/**
 * Properties that hold an IAM-style policy document. At a first preview they are usually unknown as a whole (built
 * from ARNs), and rules that judge documents can say nothing about them.
 */
const documentProperties = new Set(["policy", "assumeRolePolicy", "accessPolicies", "accessPolicy", "resourcePolicy"]);

/** What the probe puts where a value cannot be read: not JSON and no plausible value, so a reader reacts to it. */
const probeMarker = "kms-audit-gate probe: this value cannot be read";

function isSecret(value: unknown): value is Record<string, unknown> {
    return (
        typeof value === "object" &&
        value !== null &&
        (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
    );
}

function isUnreadableDocument(value: unknown): boolean {
    return value === unknownValue || (isSecret(value) && value.value === unknownValue);
}

/** A ciphertext-only secret from a checkpoint (state.ts), anywhere in the value; returns the probed copy. */
function probeSecrets(value: unknown, path: string, found: string[]): unknown {
    if (Array.isArray(value)) {
        return value.map((v, i) => probeSecrets(v, `${path}[${i}]`, found));
    }
    if (typeof value !== "object" || value === null) {
        return value;
    }
    if (isSecret(value) && value.value === unknownValue) {
        found.push(path);
        return { ...value, value: probeMarker };
    }
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
        result[key] = probeSecrets(entry, path ? `${path}.${key}` : key, found);
    }
    return result;
}

/** The properties with the unreadable parts replaced by the probe marker, and which property paths those were. */
export function probeProperties(
    props: PropertyMap,
    mode: "preview" | "checkpoint",
): { props: PropertyMap; paths: string[] } {
    const paths: string[] = [];
    if (mode === "checkpoint") {
        return { props: probeSecrets(props, "", paths) as PropertyMap, paths };
    }
    const probed: PropertyMap = { ...props };
    for (const [key, value] of Object.entries(props)) {
        if (documentProperties.has(key) && isUnreadableDocument(value)) {
            paths.push(key);
            probed[key] = isSecret(value) ? { ...value, value: probeMarker } : probeMarker;
        }
    }
    return { props: probed, paths };
}

function unreadableMessage(mode: "preview" | "checkpoint", paths: string[], subject: string): string {
    const which = paths.map((p) => `\`${p}\``).join(", ");
    return mode === "preview"
        ? `not evaluated: this policy reads ${which} of ${subject}, unknown at preview (built from values that exist ` +
              "only after deployment); run with --update to judge it."
        : `not evaluated: this policy reads ${which} of ${subject}, a secret exported only as ciphertext; export the ` +
              "stack with `pulumi stack export --show-secrets` to judge it.";
}

function diagnosticKey(d: PolicyDiagnostic): string {
    return `${d.policy}\u0000${d.urn}`;
}

const unknownAtPreview = /^can't run policy '.*' from policy pack '.*' during preview: /;

const stackPlaceholder: EngineResource = {
    urn: "",
    type: "pulumi:pulumi:Stack",
    name: "(stack)",
    custom: false,
    inputs: {},
    outputs: {},
    dependencies: [],
    propertyDependencies: {},
    protect: false,
    ignoreChanges: [],
    additionalSecretOutputs: [],
    aliases: [],
};

export function isBlocking(f: Finding): boolean {
    return f.level === "mandatory" && !f.waived;
}

function toFinding(d: PolicyDiagnostic, subject: EngineResource, phase: Finding["phase"]): Finding {
    // The pack's message is its description, then what it reported; the waiver mark leads the reported part.
    const reported = d.message.startsWith(`${d.description}\n`) ? d.message.slice(d.description.length + 1) : d.message;
    const waived = d.level === "advisory" ? parseWaivedMessage(reported) : undefined;
    return {
        policy: d.policy,
        policyPack: d.policyPack,
        policyPackVersion: d.policyPackVersion,
        level: d.level,
        urn: subject.urn,
        resourceType: subject.type,
        resourceName: subject.name,
        message: waived ? waived.finding : reported,
        description: d.description,
        severity: d.severity,
        phase,
        waived: waived !== undefined,
        waiver: waived ? { reason: waived.reason, expires: waived.expires } : undefined,
        notEvaluated: unknownAtPreview.test(d.message),
    };
}

/** Maps in batches of `size`; appends one by one (spreading a large array into push overflows the stack). */
async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = [];
    for (let i = 0; i < items.length; i += size) {
        for (const r of await Promise.all(items.slice(i, i + size).map(fn))) {
            results.push(r);
        }
    }
    return results;
}

/**
 * The policies that read a value the pack was not shown: diagnostics that appear only when the unreadable values
 * are replaced by the probe marker. The probe's own diagnostics are discarded.
 */
function unreadFindings(
    original: PolicyDiagnostic[],
    probed: PolicyDiagnostic[],
    message: (d: PolicyDiagnostic) => string,
    subjectOf: (d: PolicyDiagnostic) => EngineResource,
    phase: Finding["phase"],
): Finding[] {
    const seen = new Set(original.map(diagnosticKey));
    const result: Finding[] = [];
    for (const d of probed) {
        const key = diagnosticKey(d);
        if (seen.has(key)) {
            continue;
        }
        seen.add(key);
        const finding = toFinding({ ...d, level: "advisory" }, subjectOf(d), phase);
        result.push({ ...finding, message: message(d), waived: false, waiver: undefined, notEvaluated: true });
    }
    return result;
}

/**
 * Puts a deployment through the pack as the engine does: per resource, remediations then Analyze on its inputs;
 * then AnalyzeStack once on every resource's final state.
 */
export async function evaluate(
    session: PackSession,
    resources: EngineResource[],
    options: EvaluateOptions,
): Promise<Finding[]> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    // Stack-wide findings belong to the root stack; a checkpoint without one (or without any resource) still needs a
    // subject to name, so a placeholder stands in.
    const root =
        resources.find((r) => r.type === "pulumi:pulumi:Stack" && !r.parent) ?? resources[0] ?? stackPlaceholder;
    const findings: Finding[] = [];

    const analyzed = await inBatches(resources, options.concurrency ?? 32, async (resource) => {
        const own: Finding[] = [];
        let subject = resource;
        if (options.remediations !== "skip") {
            for (const r of await session.remediate(resource)) {
                const diagnostic: PolicyDiagnostic = {
                    policy: r.policy,
                    policyPack: session.info.name,
                    policyPackVersion: session.info.version,
                    description: "",
                    message: r.diagnostic ?? "remediated: the pack changed this resource's inputs",
                    level: r.diagnostic ? "advisory" : "remediate",
                    urn: resource.urn,
                };
                own.push(toFinding(diagnostic, resource, "remediation"));
                if (r.properties && options.remediations === "apply") {
                    subject = { ...subject, inputs: r.properties };
                }
            }
        }
        const diagnostics = await session.analyze(subject);
        for (const d of diagnostics) {
            own.push(toFinding(d, byUrn.get(d.urn) ?? resource, "resource"));
        }
        if (options.unreadable) {
            const probe = probeProperties(subject.inputs, options.unreadable);
            if (probe.paths.length > 0) {
                const probed = await session.analyze({ ...subject, inputs: probe.props });
                const mode = options.unreadable;
                const message = () => unreadableMessage(mode, probe.paths, resource.name);
                for (const f of unreadFindings(
                    diagnostics,
                    probed,
                    message,
                    (d) => byUrn.get(d.urn) ?? resource,
                    "resource",
                )) {
                    own.push(f);
                }
            }
        }
        // The provider would create the remediated resource, so its final state carries the fixed inputs too.
        const final =
            subject === resource ? resource : { ...resource, outputs: { ...resource.outputs, ...subject.inputs } };
        return { own, final };
    });
    for (const a of analyzed) {
        for (const f of a.own) {
            findings.push(f);
        }
    }
    const finals = analyzed.map((a) => a.final);
    const stackDiagnostics = await session.analyzeStack(finals);
    for (const d of stackDiagnostics) {
        findings.push(toFinding(d, byUrn.get(d.urn) ?? root, "stack"));
    }
    if (options.unreadable) {
        const mode = options.unreadable;
        const pathsByUrn = new Map<string, string[]>();
        const probedFinals = finals.map((r) => {
            const probe = probeProperties(r.outputs, mode);
            if (probe.paths.length === 0) {
                return r;
            }
            pathsByUrn.set(r.urn, probe.paths);
            return { ...r, outputs: probe.props };
        });
        if (pathsByUrn.size > 0) {
            const probed = await session.analyzeStack(probedFinals);
            const allPaths = [...new Set([...pathsByUrn.values()].flat())];
            const message = (d: PolicyDiagnostic) => {
                const own = pathsByUrn.get(d.urn);
                return own
                    ? unreadableMessage(mode, own, byUrn.get(d.urn)?.name ?? d.urn)
                    : unreadableMessage(mode, allPaths, `${pathsByUrn.size} resource(s) of the stack`);
            };
            const subjectOf = (d: PolicyDiagnostic) => byUrn.get(d.urn) ?? root;
            for (const f of unreadFindings(stackDiagnostics, probed, message, subjectOf, "stack")) {
                findings.push(f);
            }
        }
    }
    return findings;
}
