/**
 * Turns a rule into a CrossGuard policy: config defaults, waivers, resource identity in messages, and a
 * guard so that no rule ever throws into the engine (an unexpected failure becomes a finding).
 */
import type {
    Policy, PolicyComplianceFramework, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy,
    StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import { resolveConfig, ConfigError } from "./config";
import { StackGraph } from "./graph";
import type { PlainResource, ResourceRule, Rule, RuleConfig, RuleMetadata, StackRule } from "./rule";
import { describeValue, plainProps } from "./values";
import {
    formatWaivedMessage, judgeWaivers, parseWaivers, todayUtc, waiversSchema, FindingSubject,
} from "./waivers";

/** Tags carry every control ID so findings can be filtered by framework (e.g. `FSBP:KMS.4`). */
export function controlTags(rule: RuleMetadata): string[] {
    const c = rule.controls;
    return [
        ...(c.cis ?? []).map(id => `CIS-3.0:${id}`),
        ...(c.fsbp ?? []).map(id => `FSBP:${id}`),
        ...(c.checkov ?? []).map(id => `Checkov:${id}`),
    ];
}

function primaryFramework(rule: RuleMetadata): PolicyComplianceFramework | undefined {
    if (rule.controls.cis?.length) {
        return { name: "CIS AWS Foundations Benchmark", version: "3.0.0",
            reference: rule.controls.cis.join(", "), specification: "" };
    }
    if (rule.controls.fsbp?.length) {
        return { name: "AWS Foundational Security Best Practices", version: "1.0.0",
            reference: rule.controls.fsbp.join(", "), specification: "" };
    }
    return undefined;
}

function shortType(type: string): string {
    return type.split(":").pop() ?? type;
}

/** Names the resource, says what is wrong, then the fix. */
export function findingMessage(resource: PlainResource | undefined, problem: string, fix: string): string {
    const subject = resource ? `${shortType(resource.type)} "${resource.name}"` : "The stack";
    return `${subject}: ${problem} Fix: ${fix}`;
}

/**
 * Waived findings are reported at `advisory` so they stay visible without blocking. @pulumi/policy 1.21
 * accepts an object in place of the message for this (pulumi/pulumi-policy#424, not yet in its public
 * typings); tests drive the real server and fail if that ever stops carrying the level through.
 */
interface LevelledViolation {
    name: string;
    description: string;
    message: string;
    urn?: string;
    enforcementLevel: "advisory";
    severity: string;
}

class Reporter {
    private readonly waivers;
    private readonly today = todayUtc();

    constructor(private readonly rule: Rule, config: RuleConfig, private readonly report: ReportViolation) {
        this.waivers = parseWaivers(config.waivers as unknown[]);
    }

    finding(resource: PlainResource | undefined, problem: string, fix: string): void {
        const message = findingMessage(resource, problem, fix);
        const subject: FindingSubject = resource ? { urn: resource.urn, name: resource.name } : {};
        const verdict = judgeWaivers(this.waivers, subject, this.today);
        if (verdict.kind === "waived") {
            const waived: LevelledViolation = {
                name: this.rule.name,
                description: this.rule.description,
                message: formatWaivedMessage(message, verdict.waiver),
                urn: resource?.urn,
                enforcementLevel: "advisory",
                severity: this.rule.severity,
            };
            (this.report as unknown as (v: LevelledViolation) => void)(waived);
        } else if (verdict.kind === "rejected") {
            this.report(`${message} ${verdict.note}`, resource?.urn);
        } else {
            this.report(message, resource?.urn);
        }
    }

    /** A rule that fails on an unexpected shape must not pass silently or crash the engine's run. */
    crash(resource: PlainResource | undefined, error: unknown): void {
        const detail = error instanceof Error ? error.message : describeValue(error);
        this.report(findingMessage(resource,
            `could not be evaluated by rule "${this.rule.name}" (${detail}).`,
            "check the property shapes against the provider schema; if they are valid, report a pack defect."),
            resource?.urn);
    }
}

function configFor(rule: Rule, given: Record<string, unknown>, report: ReportViolation): RuleConfig | undefined {
    try {
        return resolveConfig(rule.name, { ...rule.config, waivers: waiversSchema }, given);
    } catch (e) {
        if (e instanceof ConfigError) {
            report(`${e.message}. Fix: correct the policy pack config file.`);
            return undefined;
        }
        throw e;
    }
}

function metadata(rule: Rule): Policy {
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcementLevel,
        severity: rule.severity,
        framework: primaryFramework(rule),
        tags: controlTags(rule),
        remediationSteps: rule.remediationSteps,
        url: rule.url,
        configSchema: { properties: { ...rule.config, waivers: waiversSchema } },
    };
}

function resourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
    const plain = (args: ResourceValidationArgs): PlainResource =>
        ({ type: args.type, name: args.name, urn: args.urn, props: plainProps(args.props) });
    const validate = (args: ResourceValidationArgs, report: ReportViolation): void => {
        if (!rule.types.includes(args.type)) {
            args.notApplicable(`applies to ${rule.types.join(", ")}`);
        }
        const config = configFor(rule, args.getConfig<Record<string, unknown>>(), report);
        if (!config) {
            return;
        }
        const reporter = new Reporter(rule, config, report);
        const resource = plain(args);
        try {
            for (const p of rule.check(resource, config)) {
                reporter.finding(resource, p.problem, p.fix);
            }
        } catch (e) {
            reporter.crash(resource, e);
        }
    };
    const policy: ResourceValidationPolicy = { ...metadata(rule), validateResource: validate };
    const remediate = rule.remediate;
    if (remediate) {
        policy.remediateResource = (args: ResourceValidationArgs) => {
            if (!rule.types.includes(args.type)) {
                args.notApplicable(`applies to ${rule.types.join(", ")}`);
            }
            const config = configFor(rule, args.getConfig<Record<string, unknown>>(), () => undefined);
            const resource = plain(args);
            if (!config || judgeWaivers(parseWaivers(config.waivers as unknown[]),
                { urn: resource.urn, name: resource.name }, todayUtc()).kind === "waived") {
                return undefined; // a waived resource is left as its author wrote it
            }
            try {
                const patch = remediate(resource, config);
                return patch ? { ...resource.props, ...patch } : undefined;
            } catch {
                return undefined; // validation reports the same resource as a finding
            }
        };
    }
    if (rule.types.length === 1) {
        // Lets the server skip other types without calling in (and report them not applicable).
        (validate as unknown as { __pulumiType: string }).__pulumiType = rule.types[0];
    }
    return policy;
}

function stackPolicy(rule: StackRule): StackValidationPolicy {
    return {
        ...metadata(rule),
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const config = configFor(rule, args.getConfig<Record<string, unknown>>(), report);
            if (!config) {
                return;
            }
            const reporter = new Reporter(rule, config, report);
            try {
                for (const p of rule.check(new StackGraph(args.resources), config)) {
                    reporter.finding(p.resource, p.problem, p.fix);
                }
            } catch (e) {
                reporter.crash(undefined, e);
            }
        },
    };
}

export function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
    return rule.kind === "resource" ? resourcePolicy(rule) : stackPolicy(rule);
}
