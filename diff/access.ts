/**
 * Principal-level access changes: each document is evaluated before and after, per principal, per action (wildcards
 * and NotAction expanded from the action catalogue) and per resource, and the decisions compared.
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

export type AccessChangeKind =
    | "gained"
    | "lost"
    | "conditions-widened"
    | "conditions-narrowed"
    | "deny-removed"
    | "deny-added";

/** One principal's access to one action on one resource, changed between base and head. */
export interface AccessChange extends Classification {
    document: string;
    principal: string;
    action: string;
    resource: string;
    before: SideDecision;
    after: SideDecision;
    /**
     * Lost only: the principal's account root is still allowed the action by the same document, so the account's
     * IAM policies can still grant it (the key policy's IAM delegation). The direct grant is what was lost.
     */
    accountStillDelegates: string | null;
}

/** The root of the account an IAM role or user ARN belongs to. */
function accountRootOf(principal: string): string | undefined {
    const match = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)\//.exec(principal);
    return match ? `arn:${match[1]}:iam::${match[2]}:root` : undefined;
}

function isAllowed(d: SideDecision): boolean {
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

async function universeOf(docs: StackDocument[], catalogue: ActionCatalogue): Promise<Universe> {
    const all = docs.flatMap(statements);
    const principals = new Set<string>();
    const services = new Set<string>();
    const literalActions = new Set<string>();
    const resources = new Set<string>();
    let anyOtherAction = false;
    const identity = docs.some((d) => d.kind === "identity");
    for (const doc of docs) {
        if (doc.kind === "identity") {
            doc.holders.forEach((h) => principals.add(h));
        } else if (doc.homeService) {
            services.add(doc.homeService);
        }
    }
    for (const s of all) {
        if (!identity) {
            [...(s.principals ?? []), ...(s.notPrincipals ?? [])]
                .filter((p) => !isWildcardPrincipal(p))
                .forEach((p) => principals.add(p));
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
        resourcePatterns([...s.resources, ...s.notResources], docs[0]).forEach((r) => resources.add(r));
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
                .forEach((a) => literalActions.add(a));
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

function decide(doc: StackDocument | undefined, principal: string, action: string, resource: string): SideDecision {
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

function sameSet(a: string[], b: string[]): boolean {
    return a.length === b.length && a.every((x, i) => x === b[i]);
}

function missingFrom(sets: string[][], other: string[][]): string[][] {
    return sets.filter((s) => !other.some((o) => sameSet(o, s)));
}

/** What one side added to or took from the other: condition sets of grants and of denies. */
export interface DecisionDelta {
    addedAllows: string[][];
    removedAllows: string[][];
    addedDenies: string[][];
    removedDenies: string[][];
}

export interface Classification {
    kind: AccessChangeKind;
    broadening: boolean;
    /**
     * The conditions that qualify the change, for a reader: a gained grant's conditions (now), a lost grant's (before),
     * the grants added or denies removed when conditions widen, the denies added or removed for deny changes.
     */
    conditions: string[][];
    /** Denies that still qualify a gained or widened grant (`unless ...`). */
    unless: string[][];
    /** Widened: the Deny condition sets that no longer qualify the grant. */
    lifted: string[][];
}

/** How access changed for one (principal, action, resource), or undefined when it did not. */
export function classify(before: SideDecision, after: SideDecision): Classification | undefined {
    const wasAllowed = isAllowed(before);
    const isAllowedNow = isAllowed(after);
    const delta: DecisionDelta = {
        addedAllows: missingFrom(after.allowWhen, before.allowWhen),
        removedAllows: missingFrom(before.allowWhen, after.allowWhen),
        addedDenies: missingFrom(after.denyWhen, before.denyWhen),
        removedDenies: missingFrom(before.denyWhen, after.denyWhen),
    };
    if (!wasAllowed && isAllowedNow) {
        return { kind: "gained", broadening: true, conditions: after.allowWhen, unless: after.denyWhen, lifted: [] };
    }
    if (wasAllowed && !isAllowedNow) {
        return { kind: "lost", broadening: false, conditions: before.allowWhen, unless: [], lifted: [] };
    }
    if (wasAllowed) {
        if (delta.addedAllows.length > 0 || delta.removedDenies.length > 0) {
            return {
                kind: "conditions-widened",
                broadening: true,
                conditions: delta.addedAllows,
                unless: after.denyWhen,
                lifted: delta.removedDenies,
            };
        }
        if (delta.removedAllows.length > 0 || delta.addedDenies.length > 0) {
            return {
                kind: "conditions-narrowed",
                broadening: false,
                conditions: [...delta.removedAllows, ...delta.addedDenies],
                unless: [],
                lifted: [],
            };
        }
        return undefined;
    }
    // Denied or not granted on both sides: what matters is the Deny, which also binds grants made elsewhere.
    if (delta.removedDenies.length > 0) {
        return { kind: "deny-removed", broadening: true, conditions: delta.removedDenies, unless: [], lifted: [] };
    }
    if (delta.addedDenies.length > 0) {
        return { kind: "deny-added", broadening: false, conditions: delta.addedDenies, unless: [], lifted: [] };
    }
    return undefined;
}

/** Every access change of every document present on either side. */
export async function accessChanges(
    base: StackDocument[],
    head: StackDocument[],
    catalogue: ActionCatalogue,
): Promise<AccessChange[]> {
    const baseById = new Map(base.map((d) => [d.id, d]));
    const headById = new Map(head.map((d) => [d.id, d]));
    const changes: AccessChange[] = [];
    for (const id of [...new Set([...baseById.keys(), ...headById.keys()])]) {
        const b = baseById.get(id);
        const h = headById.get(id);
        const present = [b, h].filter((d): d is StackDocument => d !== undefined);
        const universe = await universeOf(present, catalogue);
        for (const principal of universe.principals) {
            for (const action of universe.actions) {
                for (const resource of universe.resources) {
                    if (action !== ANY_OTHER_ACTION && !catalogue.actsOn(action, resource)) {
                        continue;
                    }
                    const before = decide(b, principal, action, resource);
                    const after = decide(h, principal, action, resource);
                    const change = classify(before, after);
                    if (change) {
                        const root = change.kind === "lost" ? accountRootOf(principal) : undefined;
                        const delegates = root !== undefined && isAllowed(decide(h, root, action, resource));
                        const accountStillDelegates = delegates ? root : null;
                        changes.push({
                            document: id,
                            principal,
                            action,
                            resource,
                            ...change,
                            before,
                            after,
                            accountStillDelegates,
                        });
                    }
                }
            }
        }
    }
    return changes;
}

/** Access changes of one principal on one resource with the same kind and conditions, as one row of actions. */
export interface AccessChangeGroup {
    document: string;
    principal: string;
    resource: string;
    kind: AccessChangeKind;
    broadening: boolean;
    actions: string[];
    conditions: string[][];
    unless: string[][];
    lifted: string[][];
    accountStillDelegates: string | null;
}

export function groupAccessChanges(changes: AccessChange[]): AccessChangeGroup[] {
    const groups = new Map<string, AccessChangeGroup>();
    for (const c of changes) {
        const key = JSON.stringify([
            c.document,
            c.principal,
            c.resource,
            c.kind,
            c.conditions,
            c.unless,
            c.lifted,
            c.accountStillDelegates,
        ]);
        const group = groups.get(key);
        if (group) {
            group.actions.push(c.action);
        } else {
            const {
                document,
                principal,
                resource,
                kind,
                broadening,
                conditions,
                unless,
                lifted,
                accountStillDelegates,
            } = c;
            groups.set(key, {
                document,
                principal,
                resource,
                kind,
                broadening,
                actions: [c.action],
                conditions,
                unless,
                lifted,
                accountStillDelegates,
            });
        }
    }
    return [...groups.values()];
}
