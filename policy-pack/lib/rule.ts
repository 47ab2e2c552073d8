/**
 * The shape every rule in this pack has: metadata beside small pure logic over plain properties, declared with
 * `resourceRule` or `stackRule` (defaults in one place, config and property names typed). `toPolicy`
 * (lib/toPolicy.ts) turns a rule into a CrossGuard policy.
 */
import type { EnforcementLevel, Severity } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { StackGraph } from "./graph";
import type { ArgsByType, RuleType, StackType, StateByType } from "./providerTypes";
import type { Props } from "./values";
import { describeValue } from "./values";

/** Audit framework control IDs a rule answers to. */
export interface ControlIds {
    cis?: string[]; // CIS AWS Foundations Benchmark v3.0
    fsbp?: string[]; // AWS Security Hub Foundational Security Best Practices
    checkov?: string[];
}

export interface RuleMetadata {
    name: string;
    description: string;
    severity: Severity;
    controls: ControlIds;
    remediationSteps: string;
    url: string;
    enforcementLevel: EnforcementLevel;
    /** Rule-specific settings with their defaults; every rule also accepts `waivers` (lib/waivers.ts). */
    config: Record<string, PolicyConfigJSONSchema>;
    /** Whether `remediate` is a meaningful level for this rule. */
    remediable: boolean;
}

/** A resource as rules see it: plain properties, unknowns visible as sentinels (lib/values.ts). */
export interface PlainResource<P extends Props = Props> {
    type: string;
    name: string;
    urn: string;
    props: P;
}

/** What is wrong and how to fix it; the wrapper adds which resource. */
export interface Problem {
    problem: string;
    fix: string;
}

export interface StackProblem extends Problem {
    /** The resource the finding is about; undefined for a finding about the stack as a whole. */
    resource?: PlainResource;
}

export type RuleConfig = Record<string, unknown>;

export interface ResourceRule extends RuleMetadata {
    kind: "resource";
    /** Type tokens the rule applies to (e.g. `aws:kms/key:Key`). */
    types: readonly string[];
    check(resource: PlainResource, config: RuleConfig): Problem[];
    /** Returns the properties to change, or undefined when nothing safe and unambiguous can be done. */
    remediate?(resource: PlainResource, config: RuleConfig): Record<string, unknown> | undefined;
}

export interface StackRule extends RuleMetadata {
    kind: "stack";
    check(graph: StackGraph, config: RuleConfig): StackProblem[];
}

export type Rule = ResourceRule | StackRule;

/** A rule's settings, declared as the JSON schemas the Pulumi CLI validates `--policy-pack-config` against. */
export type ConfigSchema = Record<string, PolicyConfigJSONSchema>;

/**
 * The value a setting has by the time `check` runs: lib/config.ts (resolveConfig) has applied the default and
 * rejected a boolean, integer or number of the wrong kind and anything but a list for an array, so those are
 * typed; an array's items and any other kind are not checked there and stay `unknown`.
 */
type SettingValue<S> = S extends { type: "boolean" }
    ? boolean
    : S extends { type: "integer" | "number" }
      ? number
      : S extends { type: "array" }
        ? readonly unknown[]
        : unknown;

/** A rule's resolved config, typed from its schema. */
export type ConfigOf<S extends ConfigSchema> = { readonly [K in keyof S]: SettingValue<S[K]> };

/** Every member's keys (`keyof` of a union keeps only the keys all members share). */
type KeysOfEach<T> = T extends unknown ? keyof T : never;

/**
 * A resource's properties as a rule may read them: only the names the provider's arguments have, each value still
 * `unknown` (a literal, an unknown sentinel at preview, or a malformed value) and read through lib/values.ts.
 */
export type PropsOf<T extends RuleType> = { readonly [K in KeysOfEach<ArgsByType[T]>]?: unknown };

/** A resource of one of the types `T`, with property names checked against the provider's arguments. */
export type TypedResource<T extends RuleType> = PlainResource<PropsOf<T>>;

/** A stack resource's properties as a stack rule may read them: the names of the provider's inputs and outputs. */
export type StackPropsOf<T extends StackType> = { readonly [K in KeysOfEach<StateByType[T]>]?: unknown };

/** A stack resource of one of the types `T`, with property names checked against the provider's state. */
export type StackResource<T extends StackType> = PlainResource<StackPropsOf<T>>;

/** The stack's resources of `types`, typed by them (a typed view of `graph.ofTypes`; no copy, no cast). */
export function resourcesOf<T extends StackType>(graph: StackGraph, types: readonly T[]): StackResource<T>[] {
    return graph.ofTypes(types);
}

/** The metadata a rule states; the rest has a default (see `defaults`). */
type Stated = Omit<RuleMetadata, "enforcementLevel" | "controls" | "config" | "remediable">;

/** The defaults every rule starts from: mandatory, no control IDs, no settings. */
interface Defaultable<S extends ConfigSchema> {
    enforcementLevel?: EnforcementLevel;
    controls?: ControlIds;
    config?: S;
}

export interface ResourceRuleSpec<T extends RuleType, S extends ConfigSchema> extends Stated, Defaultable<S> {
    /** Type tokens the rule applies to, from lib/types.ts (literal tokens: they select the property names). */
    types: readonly T[];
    check(resource: TypedResource<T>, config: ConfigOf<S>): Problem[];
    /**
     * The properties to change, or undefined when nothing safe and unambiguous can be done. A rule that has it is
     * `remediable` (may be run at the `remediate` level).
     */
    remediate?(resource: TypedResource<T>, config: ConfigOf<S>): { [K in keyof PropsOf<T>]?: unknown } | undefined;
}

export interface StackRuleSpec<S extends ConfigSchema> extends Stated, Defaultable<S> {
    check(graph: StackGraph, config: ConfigOf<S>): StackProblem[];
}

function defaults(): Pick<RuleMetadata, "enforcementLevel" | "controls" | "config"> {
    return { enforcementLevel: "mandatory", controls: {}, config: {} };
}

/**
 * Declares a resource rule. Its `check` and `remediate` see the config typed from the rule's own schema and the
 * resource's properties typed from its `types`; lib/toPolicy.ts hands them the config only after resolveConfig
 * has validated it against that schema, which is what makes the typed view true at run time.
 */
export function resourceRule<T extends RuleType, S extends ConfigSchema = Record<never, never>>(
    spec: ResourceRuleSpec<T, S>,
): ResourceRule {
    return { kind: "resource", ...defaults(), ...spec, remediable: spec.remediate !== undefined };
}

/** Declares a stack rule: stack rules cannot remediate (the engine only remediates resource by resource). */
export function stackRule<S extends ConfigSchema = Record<never, never>>(spec: StackRuleSpec<S>): StackRule {
    return { kind: "stack", ...defaults(), ...spec, remediable: false };
}

export function problem(problem: string, fix: string): Problem {
    return { problem, fix };
}

/**
 * Runs a stack rule's judgement resource by resource, so that one resource the rule cannot read (an odd
 * value, a pathological document) becomes a finding on that resource only, and every other resource of the
 * stack is still judged. The judgement itself stays a pure function of the resource (and the graph).
 */
export function eachResource<R extends PlainResource>(
    resources: readonly R[],
    judge: (resource: R) => Problem[],
): StackProblem[] {
    const problems: StackProblem[] = [];
    for (const resource of resources) {
        let found: Problem[];
        try {
            found = judge(resource);
        } catch (e) {
            found = [unreadable(e)];
        }
        for (const p of found) {
            problems.push({ resource, ...p });
        }
    }
    return problems;
}

/** The finding for a resource a rule could not read; names the cause without a stack trace. */
export function unreadable(error: unknown): Problem {
    const detail = error instanceof Error ? error.message : describeValue(error);
    return problem(
        `could not be evaluated (${detail}).`,
        "check the property shapes against the provider schema; if they are valid, report a pack defect.",
    );
}
