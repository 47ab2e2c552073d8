import { parseWaivedMessage } from "../policy-pack/lib/waivers";
import { EngineResource, PolicyDiagnostic } from "./engineTypes";
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
}

const unknownAtPreview = /^can't run policy '.*' from policy pack '.*' during preview: /;

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

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = [];
    for (let i = 0; i < items.length; i += size) {
        results.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
    }
    return results;
}

/**
 * Puts a deployment through the pack as the engine does: per resource, remediations then Analyze on its inputs;
 * then AnalyzeStack once on every resource's final state.
 */
export async function evaluate(session: PackSession, resources: EngineResource[], options: EvaluateOptions): Promise<Finding[]> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const root = resources.find((r) => r.type === "pulumi:pulumi:Stack" && !r.parent) ?? resources[0];
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
        for (const d of await session.analyze(subject)) {
            own.push(toFinding(d, byUrn.get(d.urn) ?? resource, "resource"));
        }
        // The provider would create the remediated resource, so its final state carries the fixed inputs too.
        const final = subject === resource ? resource : { ...resource, outputs: { ...resource.outputs, ...subject.inputs } };
        return { own, final };
    });
    findings.push(...analyzed.flatMap((a) => a.own));
    for (const d of await session.analyzeStack(analyzed.map((a) => a.final))) {
        findings.push(toFinding(d, byUrn.get(d.urn) ?? root, "stack"));
    }
    return findings;
}
