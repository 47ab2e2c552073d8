/**
 * Principal-level access changes: each document is evaluated before and after (diff/accessEvaluation.ts), per
 * principal, per action and per resource, the decisions compared and classified, and the changes grouped into rows.
 */
import { ANY_OTHER_ACTION, decide, isAllowed, sameSet, SideDecision, universeOf } from "./accessEvaluation";
import { ActionCatalogue } from "./catalogue";
import { StackDocument } from "./documents";

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
