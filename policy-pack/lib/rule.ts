/**
 * The shape every rule in this pack has: metadata beside small pure logic over plain properties.
 * `toPolicy` (lib/toPolicy.ts) turns a rule into a CrossGuard policy.
 */
import type { EnforcementLevel, Severity } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { StackGraph } from "./graph";
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
export interface PlainResource {
    type: string;
    name: string;
    urn: string;
    props: Props;
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
    types: string[];
    check(resource: PlainResource, config: RuleConfig): Problem[];
    /** Returns the properties to change, or undefined when nothing safe and unambiguous can be done. */
    remediate?(resource: PlainResource, config: RuleConfig): Record<string, unknown> | undefined;
}

export interface StackRule extends RuleMetadata {
    kind: "stack";
    check(graph: StackGraph, config: RuleConfig): StackProblem[];
}

export type Rule = ResourceRule | StackRule;

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
