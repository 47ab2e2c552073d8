/**
 * Decides what one version of a policy document allows one principal to do with one action on one resource, and
 * which principals, actions and resources a document speaks about (wildcards and NotAction expanded from the
 * action catalogue). diff/access.ts compares the decisions of base and head.
 *
 * Evaluation follows the IAM policy evaluation logic within one document
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an explicit Deny
 * that applies wins over any Allow; otherwise an applicable Allow grants; otherwise the request is implicitly denied.
 * Conditions are not evaluated (no request context exists offline): a conditioned statement is recorded with its
 * conditions, so a conditioned grant is still a grant, shown with the conditions that qualify it, and a conditioned
 * Deny is a guard that narrows the grants it applies to.
 */
import { ActionCatalogue } from "./catalogue";
import type { DocumentStatement } from "../vocabulary/policyDocument";
import { StackDocument } from "./documents";
import { conditionLines } from "./statements";
import { glob } from "../policy-pack/lib/glob";
import { actionMatches, isWildcardPrincipal } from "../policy-pack/lib/policyDocument";

/** The principal that stands for anyone a document does not name: other accounts, anonymous callers. */
export const ANYONE_ELSE = "*";
/** The action that stands for every action of services not expanded (an identity policy's `Action: "*"`). */
export const ANY_OTHER_ACTION = "*";

/** One (principal, action, resource) as one side's document decides it. */
export interface SideDecision {
    /** Condition sets of the Allow statements that apply; `[]` is an unconditional grant. */
    allowWhen: string[][];
    /** Condition sets of the Deny statements that apply; `[]` is an unconditional deny. */
    denyWhen: string[][];
}

export function isAllowed(d: SideDecision): boolean {
    return d.allowWhen.length > 0 && !d.denyWhen.some((c) => c.length === 0);
}

function appliesToPrincipal(s: DocumentStatement, doc: StackDocument, principal: string): boolean {
    if (doc.kind === "identity") {
        return true;
    }
    // `*` and an any-account ARN (`arn:aws:iam::*:root`) match every caller, the pack's judgement of public.
    if (s.notPrincipals !== undefined) {
        return !s.notPrincipals.some((p) => p === principal || isWildcardPrincipal(p));
    }
    return (s.principals ?? []).some((p) => p === principal || isWildcardPrincipal(p));
}

function coversAction(s: DocumentStatement, action: string): boolean {
    if (action === ANY_OTHER_ACTION) {
        return s.notActions.length > 0 ? !s.notActions.includes("*") : s.actions.some((a) => a === "*" || a === "*:*");
    }
    if (s.notActions.length > 0) {
        return !s.notActions.some((p) => actionMatches(p, action));
    }
    return s.actions.some((p) => actionMatches(p, action));
}

/** A resource policy's `*` (and a trust policy's missing Resource) means the resource that holds the policy. */
function resourcePatterns(list: string[], doc: StackDocument): string[] {
    return doc.kind === "identity" ? list : list.map((r) => (r === "*" ? (doc.governs ?? r) : r));
}

function matchesResource(pattern: string, resource: string): boolean {
    return pattern === "*" || pattern === resource || glob(pattern).test(resource);
}

function coversResource(s: DocumentStatement, doc: StackDocument, resource: string): boolean {
    if (s.notResources.length > 0) {
        return !resourcePatterns(s.notResources, doc).some((p) => matchesResource(p, resource));
    }
    if (s.resources.length === 0) {
        return doc.kind !== "identity";
    }
    return resourcePatterns(s.resources, doc).some((p) => matchesResource(p, resource));
}

function statements(doc: StackDocument | undefined): DocumentStatement[] {
    return doc?.content.state === "parsed" ? doc.content.statements : [];
}

function serviceOf(action: string): string | undefined {
    const [prefix, name] = action.split(":");
    return name === undefined || prefix.includes("*") || prefix.includes("?") ? undefined : prefix.toLowerCase();
}

/** The principals, actions and resources a pair of document versions speaks about. */
interface Universe {
    principals: string[];
    actions: string[];
    resources: string[];
}

export async function universeOf(docs: StackDocument[], catalogue: ActionCatalogue): Promise<Universe> {
    const all = docs.flatMap(statements);
    const principals = new Set<string>();
    const services = new Set<string>();
    const literalActions = new Set<string>();
    const resources = new Set<string>();
    let anyOtherAction = false;
    const identity = docs.some((d) => d.kind === "identity");
    for (const doc of docs) {
        if (doc.kind === "identity") {
            doc.holders.forEach((h) => {
                principals.add(h);
            });
        } else if (doc.homeService) {
            services.add(doc.homeService);
        }
    }
    for (const s of all) {
        if (!identity) {
            [...(s.principals ?? []), ...(s.notPrincipals ?? [])]
                .filter((p) => !isWildcardPrincipal(p))
                .forEach((p) => {
                    principals.add(p);
                });
        }
        for (const pattern of [...s.actions, ...s.notActions]) {
            const service = serviceOf(pattern);
            if (service) {
                services.add(service);
            } else if (identity && (pattern === "*" || pattern === "*:*")) {
                anyOtherAction = true;
            }
        }
        // An identity policy's NotAction reaches every service it does not name.
        if (identity && s.notActions.length > 0) {
            anyOtherAction = true;
        }
        // Both versions are of the same property of the same resource, so either one's `governs` reads `*`.
        resourcePatterns([...s.resources, ...s.notResources], docs[0]).forEach((r) => {
            resources.add(r);
        });
    }
    for (const doc of docs) {
        if (doc.kind !== "identity" && doc.governs) {
            resources.add(doc.governs);
        }
    }
    const actions: string[] = [];
    for (const service of [...services].sort()) {
        const known = await catalogue.service(service);
        if (known) {
            actions.push(...known.actions);
        } else {
            // A service the catalogue does not know: its actions are kept as written.
            all.flatMap((s) => [...s.actions, ...s.notActions])
                .filter((a) => serviceOf(a) === service)
                .forEach((a) => {
                    literalActions.add(a);
                });
        }
    }
    actions.push(...literalActions);
    if (anyOtherAction) {
        actions.push(ANY_OTHER_ACTION);
    }
    // Anyone else comes last, after the principals the documents name.
    principals.delete(ANYONE_ELSE);
    const anyoneElse = identity ? [] : [ANYONE_ELSE];
    return { principals: [...[...principals].sort(), ...anyoneElse], actions, resources: [...resources].sort() };
}

/** Canonical text of a statement's conditions, so identical condition sets compare equal. */
function conditionSet(s: DocumentStatement): string[] {
    return conditionLines(s.conditions).sort();
}

export function decide(
    doc: StackDocument | undefined,
    principal: string,
    action: string,
    resource: string,
): SideDecision {
    const decision: SideDecision = { allowWhen: [], denyWhen: [] };
    if (!doc) {
        return decision;
    }
    if (doc.kind === "identity" && !doc.holders.includes(principal)) {
        return decision;
    }
    for (const s of statements(doc)) {
        if (appliesToPrincipal(s, doc, principal) && coversAction(s, action) && coversResource(s, doc, resource)) {
            const set = conditionSet(s);
            const target = s.effect === "Deny" ? decision.denyWhen : decision.allowWhen;
            if (!target.some((c) => sameSet(c, set))) {
                target.push(set);
            }
        }
    }
    return decision;
}

export function sameSet(a: string[], b: string[]): boolean {
    return a.length === b.length && a.every((x, i) => x === b[i]);
}
