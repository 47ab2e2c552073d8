// Over 350 lines on purpose: one job (rules into CrossGuard policies) whose parts share the reporter and config.
/**
 * Turns rules into CrossGuard policies: config defaults, waivers, resource identity in messages, and a
 * guard so that no rule ever throws into the engine (an unexpected failure becomes a finding).
 *
 * Each resource rule is its own policy. All stack rules run inside ONE stack policy (`STACK_RULES_POLICY`) on
 * one StackGraph, because @pulumi/policy 1.21 deserializes every resource of the AnalyzeStack request again for
 * each stack policy it serves (node_modules/@pulumi/policy/server.js, makeAnalyzeStackRpcFun: the loop over
 * `policies` calls deserializeProperties and getProviderResource for every resource inside each iteration).
 * Each finding still carries its rule's name, description, severity and configured level: the server's
 * reportViolation accepts an object whose `name`, `enforcementLevel` and `severity` override the policy's
 * (server.js, makeReportViolationFun). The cost and the config shape are in docs/benchmarks.md.
 */
import type {
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { resolveConfig, ConfigError } from "./config";
import { StackGraph } from "./graph";
import type { PlainResource, ResourceRule, Rule, RuleConfig, RuleMetadata, StackRule } from "./rule";
import { describeValue, isRecord, plainProps } from "./values";
import { formatWaivedMessage, judgeWaivers, parseWaivers, todayUtc, waiversSchema, FindingSubject } from "./waivers";

/** Tags carry every control ID so findings can be filtered by framework (e.g. `FSBP:KMS.4`). */
function controlTags(rule: RuleMetadata): string[] {
    const c = rule.controls;
    return [
        ...(c.cis ?? []).map((id) => `CIS-3.0:${id}`),
        ...(c.fsbp ?? []).map((id) => `FSBP:${id}`),
        ...(c.checkov ?? []).map((id) => `Checkov:${id}`),
    ];
}

function primaryFramework(rule: RuleMetadata): PolicyComplianceFramework | undefined {
    if (rule.controls.cis?.length) {
        return {
            name: "CIS AWS Foundations Benchmark",
            version: "3.0.0",
            reference: rule.controls.cis.join(", "),
            specification: "",
        };
    }
    if (rule.controls.fsbp?.length) {
        return {
            name: "AWS Foundational Security Best Practices",
            version: "1.0.0",
            reference: rule.controls.fsbp.join(", "),
            specification: "",
        };
    }
    return undefined;
}

function shortType(type: string): string {
    return type.split(":").pop() ?? type;
}

/** Names the resource, says what is wrong, then the fix. */
function findingMessage(resource: PlainResource | undefined, problem: string, fix: string): string {
    const subject = resource ? `${shortType(resource.type)} "${resource.name}"` : "The stack";
    return `${subject}: ${problem} Fix: ${fix}`;
}

/**
 * A violation that names its own rule and level. Waived findings are reported at `advisory` so they stay
 * visible without blocking, and stack rules, which share one policy, name their rule and its level this way.
 * @pulumi/policy 1.21 accepts an object in place of the message for this (pulumi/pulumi-policy#424, not yet in
 * its public typings; server.js makeReportViolationFun uses `enforcementLevel` from the object, else the
 * policy's); tests drive the real server and fail if that ever stops carrying the level through.
 */
interface LevelledViolation {
    name: string;
    description: string;
    message: string;
    urn?: string;
    /** Undefined: the level the server computed for the policy (its config, `all`, or its default). */
    enforcementLevel?: EnforcementLevel;
    severity: string;
}

type ViolationSink = (violation: string | LevelledViolation, urn?: string) => void;

function levelledSink(report: ReportViolation): ViolationSink {
    return report as unknown as ViolationSink;
}

class Reporter {
    private readonly waivers;
    private readonly today = todayUtc();

    constructor(
        private readonly rule: Rule,
        config: RuleConfig,
        private readonly report: ViolationSink,
    ) {
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
            this.report(waived);
        } else if (verdict.kind === "rejected") {
            this.report(`${message} ${verdict.note}`, resource?.urn);
        } else {
            this.report(message, resource?.urn);
        }
    }

    /** A rule that fails on an unexpected shape must not pass silently or crash the engine's run. */
    crash(resource: PlainResource | undefined, error: unknown): void {
        const detail = error instanceof Error ? error.message : describeValue(error);
        this.report(
            findingMessage(
                resource,
                `could not be evaluated by rule "${this.rule.name}" (${detail}).`,
                "check the property shapes against the provider schema; if they are valid, report a pack defect.",
            ),
            resource?.urn,
        );
    }
}

function configFor(
    rule: Rule,
    given: Record<string, unknown>,
    report: (message: string) => void,
): RuleConfig | undefined {
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

/**
 * A resource rule's config for the current request, resolved again only when it changed. The server hands each
 * call a fresh object, but one whose values are those of the config it last received (server.js,
 * makeGetConfigFun), so "same keys, same values" means the same config, and Analyze resolves it once per rule
 * rather than once per resource and rule. A config error is reported on every call, as before.
 */
class ResolvedConfigCache {
    private given?: Record<string, unknown>;
    private config?: RuleConfig;

    constructor(private readonly rule: Rule) {}

    get(given: Record<string, unknown>, report: (message: string) => void): RuleConfig | undefined {
        if (this.config !== undefined && this.given !== undefined && sameEntries(this.given, given)) {
            return this.config;
        }
        const config = configFor(this.rule, given, report);
        this.given = config === undefined ? undefined : given;
        this.config = config;
        return config;
    }
}

function sameEntries(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
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

/**
 * Tells the server a rule does not apply to a resource, as `args.notApplicable(reason)` does, without building a
 * new Error each time. That call throws a new @pulumi/policy NotApplicableError (with a stack trace) which the
 * server only tests with `instanceof` and reads `reason` from (node_modules/@pulumi/policy/server.js,
 * makeAnalyzeRpcFun and makeRemediateRpcFun). Multi-type rules hear about every resource of every other type,
 * and building those errors was about a quarter of the pack's Analyze CPU (docs/benchmarks.md, profile notes).
 * So the first error per rule is kept (captured without a stack trace) and thrown again for later resources.
 * The throw itself is cheap once the runner's debugger is off (lib/runnerDebugger.ts, which index.ts calls).
 */
class NotApplicableSignal {
    private error?: unknown;

    constructor(private readonly reason: string) {}

    raise(args: ResourceValidationArgs): never {
        if (this.error === undefined) {
            const limit = Error.stackTraceLimit;
            Error.stackTraceLimit = 0;
            try {
                args.notApplicable(this.reason);
            } catch (e) {
                this.error = e;
            } finally {
                Error.stackTraceLimit = limit;
            }
        }
        throw this.error;
    }
}

function resourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
    const plain = (args: ResourceValidationArgs): PlainResource => ({
        type: args.type,
        name: args.name,
        urn: args.urn,
        props: plainProps(args.props),
    });
    const notApplicable = new NotApplicableSignal(`applies to ${rule.types.join(", ")}`);
    const configs = new ResolvedConfigCache(rule);
    const validate = (args: ResourceValidationArgs, report: ReportViolation): void => {
        if (!rule.types.includes(args.type)) {
            notApplicable.raise(args);
        }
        const config = configs.get(args.getConfig<Record<string, unknown>>(), report);
        if (!config) {
            return;
        }
        // Most resources pass: the reporter (waivers parsed, today's date) is made only for a finding.
        let reporter: Reporter | undefined;
        const reporterNow = () => (reporter ??= new Reporter(rule, config, levelledSink(report)));
        const resource = plain(args);
        try {
            for (const p of rule.check(resource, config)) {
                reporterNow().finding(resource, p.problem, p.fix);
            }
        } catch (e) {
            reporterNow().crash(resource, e);
        }
    };
    const policy: ResourceValidationPolicy = { ...metadata(rule), validateResource: validate };
    const remediate = rule.remediate;
    if (remediate) {
        policy.remediateResource = (args: ResourceValidationArgs) => {
            if (!rule.types.includes(args.type)) {
                notApplicable.raise(args);
            }
            const config = configFor(rule, args.getConfig<Record<string, unknown>>(), () => undefined);
            const resource = plain(args);
            if (
                !config ||
                judgeWaivers(
                    parseWaivers(config.waivers as unknown[]),
                    { urn: resource.urn, name: resource.name },
                    todayUtc(),
                ).kind === "waived"
            ) {
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

/** The one stack policy that runs every stack rule; its config holds one entry per rule. */
export const STACK_RULES_POLICY = "stack-rules";

/** The shared policy's own default level; a stack rule whose default differs reports its own level. */
const STACK_RULES_DEFAULT_LEVEL: EnforcementLevel = "mandatory";

const ruleLevels: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

const severityOrder: Severity[] = ["low", "medium", "high", "critical"];

/** One rule's entry in the shared policy's config: its level, its own settings and its waivers. */
function ruleEntrySchema(rule: StackRule): PolicyConfigJSONSchema {
    return {
        type: "object",
        description: `${rule.description} Level: enforcementLevel (default: the ${STACK_RULES_POLICY} policy's level).`,
        additionalProperties: false,
        properties: {
            enforcementLevel: { type: "string", enum: ruleLevels },
            ...rule.config,
            waivers: waiversSchema,
        },
    };
}

/**
 * A stack rule's level for this run: its entry's `enforcementLevel`, else its own default when that differs from
 * the shared policy's, else undefined (the server then applies the policy's level, which honours `all` and the
 * policy's own entry). Stack rules cannot remediate, so `remediate` reports as `mandatory`, as the server does
 * for stack policies.
 */
function ruleLevel(rule: StackRule, given: EnforcementLevel | undefined): EnforcementLevel | undefined {
    const level = given ?? (rule.enforcementLevel === STACK_RULES_DEFAULT_LEVEL ? undefined : rule.enforcementLevel);
    return level === "remediate" ? "mandatory" : level;
}

function isRuleLevel(value: unknown): value is EnforcementLevel {
    return (ruleLevels as unknown[]).includes(value);
}

function stackRulesPolicy(rules: readonly StackRule[]): StackValidationPolicy {
    const names = rules.map((r) => r.name);
    const validateStack = (args: StackValidationArgs, report: ReportViolation): void => {
        const given = args.getConfig<Record<string, unknown>>();
        const unknownRules = Object.keys(given).filter((k) => !names.includes(k));
        if (unknownRules.length > 0) {
            report(
                `config of policy "${STACK_RULES_POLICY}" names unknown rule(s) ${unknownRules.join(", ")}; ` +
                    `allowed: ${names.join(", ")}. Fix: correct the policy pack config file.`,
            );
        }
        const sink = levelledSink(report);
        let graph: StackGraph | undefined;
        for (const rule of rules) {
            const entry = given[rule.name] ?? {};
            const { enforcementLevel, ...settings } = isRecord(entry) ? entry : {};
            const valid = isRecord(entry) && (enforcementLevel === undefined || isRuleLevel(enforcementLevel));
            // An invalid level must never reach the server: it fails to encode the whole response.
            const level = valid ? ruleLevel(rule, enforcementLevel) : undefined;
            const ruleReport = (message: string | LevelledViolation, urn?: string): void =>
                sink(
                    typeof message === "string"
                        ? {
                              name: rule.name,
                              description: rule.description,
                              message: `${rule.description}\n${message}`,
                              urn,
                              enforcementLevel: level,
                              severity: rule.severity,
                          }
                        : message,
                );
            if (!valid) {
                ruleReport(
                    `config for rule "${rule.name}" must be an object with an optional enforcementLevel ` +
                        `(${ruleLevels.join(", ")}), got ${JSON.stringify(entry)}. ` +
                        "Fix: correct the policy pack config file.",
                );
                continue;
            }
            if (enforcementLevel === "disabled") {
                continue;
            }
            const config = configFor(rule, settings, ruleReport);
            if (!config) {
                continue;
            }
            const reporter = new Reporter(rule, config, ruleReport);
            try {
                graph ??= new StackGraph(args.resources);
                for (const p of rule.check(graph, config)) {
                    reporter.finding(p.resource, p.problem, p.fix);
                }
            } catch (e) {
                reporter.crash(undefined, e);
            }
        }
    };
    const severities = rules.map((r) => severityOrder.indexOf(r.severity ?? "low"));
    return {
        name: STACK_RULES_POLICY,
        description:
            `Rules that link resources across the stack, run on one index of it: ${names.join(", ")}. ` +
            "Each finding names its rule.",
        enforcementLevel: STACK_RULES_DEFAULT_LEVEL,
        severity: severityOrder[Math.max(0, ...severities)],
        tags: [...new Set(rules.flatMap(controlTags))],
        remediationSteps: rules.map((r) => `${r.name}: ${r.remediationSteps}`).join("\n"),
        configSchema: { properties: Object.fromEntries(rules.map((r) => [r.name, ruleEntrySchema(r)])) },
        validateStack,
    };
}

/** The pack's policies: one per resource rule, in the rules' order, then the one policy for all stack rules. */
export function toPolicies(rules: readonly Rule[]): (ResourceValidationPolicy | StackValidationPolicy)[] {
    const resourceRules = rules.filter((r): r is ResourceRule => r.kind === "resource");
    const stackRules = rules.filter((r): r is StackRule => r.kind === "stack");
    const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = resourceRules.map(resourcePolicy);
    if (stackRules.length > 0) {
        policies.push(stackRulesPolicy(stackRules));
    }
    return policies;
}
