/**
 * Statement-level changes of each policy document, as rows a reviewer reads (effect, principals, actions,
 * resources, conditions), in the manner of `cdk diff`'s IAM statement table.
 */
import type { Conditions, DocumentStatement } from "../vocabulary/policyDocument";
import { StackDocument } from "./documents";

export interface StatementRow {
    sid: string | null;
    effect: "Allow" | "Deny";
    /** `*`, principal ARNs, service principals; `NOT <principal>` for NotPrincipal; `(none)` when absent. */
    principals: string[];
    /** Actions as written; `NOT <action>` for NotAction. */
    actions: string[];
    /** Resources as written; `NOT <resource>` for NotResource; `(none)` when absent (trust policies). */
    resources: string[];
    /** `<operator> <key> <values>` per condition. */
    conditions: string[];
}

export interface StatementChange {
    document: string;
    urn: string;
    resourceType: string;
    resourceName: string;
    path: string;
    change: "added" | "removed" | "changed";
    before: StatementRow | null;
    after: StatementRow | null;
}

/** Documents that could not be read as statements on one side (secret, malformed, or unknown). */
export interface UnreadableDocument {
    document: string;
    urn: string;
    path: string;
    side: "base" | "head";
    reason: string;
}

export function conditionLines(conditions: Conditions): string[] {
    return Object.entries(conditions).flatMap(([operator, keys]) =>
        Object.entries(keys).map(
            ([key, values]) => `${operator} ${key} ${values.length === 1 ? values[0] : `[${values.join(", ")}]`}`,
        ),
    );
}

export function statementRow(s: DocumentStatement): StatementRow {
    const principals =
        s.notPrincipals !== undefined
            ? s.notPrincipals.map((p) => `NOT ${p}`)
            : s.principals === undefined
              ? ["(none)"]
              : s.principals;
    const resources =
        s.notResources.length > 0
            ? s.notResources.map((r) => `NOT ${r}`)
            : s.resources.length > 0
              ? s.resources
              : ["(none)"];
    return {
        sid: s.sid ?? null,
        effect: s.effect,
        principals,
        actions: s.notActions.length > 0 ? s.notActions.map((a) => `NOT ${a}`) : s.actions,
        resources,
        conditions: conditionLines(s.conditions),
    };
}

function rowKey(row: StatementRow): string {
    const { sid: _sid, ...content } = row;
    const sorted = Object.fromEntries(
        Object.entries(content).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v]),
    );
    return JSON.stringify(sorted);
}

/**
 * Pairs the statements of two versions of a document: by Sid where both sides have it once, then identical content;
 * what is left is added or removed. A Sid kept with new content is a change.
 */
export function diffStatements(
    before: DocumentStatement[],
    after: DocumentStatement[],
): { change: StatementChange["change"]; before: StatementRow | null; after: StatementRow | null }[] {
    const left = before.map(statementRow);
    const right = after.map(statementRow);
    const result: { change: StatementChange["change"]; before: StatementRow | null; after: StatementRow | null }[] = [];
    const uniqueSids = (rows: StatementRow[]) => {
        const counts = new Map<string, number>();
        rows.forEach((r) => {
            if (r.sid) counts.set(r.sid, (counts.get(r.sid) ?? 0) + 1);
        });
        return new Set([...counts].filter(([, n]) => n === 1).map(([sid]) => sid));
    };
    const leftSids = uniqueSids(left);
    const rightSids = uniqueSids(right);
    const usedLeft = new Set<number>();
    const usedRight = new Set<number>();
    right.forEach((r, j) => {
        if (r.sid && rightSids.has(r.sid) && leftSids.has(r.sid)) {
            const i = left.findIndex((l) => l.sid === r.sid);
            usedLeft.add(i);
            usedRight.add(j);
            if (rowKey(left[i]) !== rowKey(r)) {
                result.push({ change: "changed", before: left[i], after: r });
            }
        }
    });
    right.forEach((r, j) => {
        if (usedRight.has(j)) {
            return;
        }
        const i = left.findIndex((l, k) => !usedLeft.has(k) && rowKey(l) === rowKey(r));
        if (i >= 0) {
            usedLeft.add(i);
            usedRight.add(j);
        }
    });
    left.forEach((l, i) => {
        if (!usedLeft.has(i)) result.push({ change: "removed", before: l, after: null });
    });
    right.forEach((r, j) => {
        if (!usedRight.has(j)) result.push({ change: "added", before: null, after: r });
    });
    return result;
}

function parsedStatements(doc: StackDocument | undefined): DocumentStatement[] {
    return doc?.content.state === "parsed" ? doc.content.statements : [];
}

function unreadableReason(doc: StackDocument): string | undefined {
    switch (doc.content.state) {
        case "secret":
            return "the document is a secret; its statements cannot be shown or compared";
        case "unknown":
            return "the document is not known until the provider computes it";
        case "malformed":
            return `the document is malformed: ${doc.content.error}`;
        default:
            return undefined;
    }
}

/** Statement changes of every document on either side, and the documents that could not be read. */
export function statementChanges(
    base: StackDocument[],
    head: StackDocument[],
): { changes: StatementChange[]; unreadable: UnreadableDocument[] } {
    const baseById = new Map(base.map((d) => [d.id, d]));
    const headById = new Map(head.map((d) => [d.id, d]));
    const ids = [...new Set([...baseById.keys(), ...headById.keys()])];
    const changes: StatementChange[] = [];
    const unreadable: UnreadableDocument[] = [];
    for (const id of ids) {
        const b = baseById.get(id);
        const h = headById.get(id);
        const doc = (h ?? b)!;
        for (const [side, d] of [
            ["base", b],
            ["head", h],
        ] as const) {
            const reason = d && unreadableReason(d);
            // A secret document that is the same secret on both sides is no change worth reporting.
            const unchangedSecret =
                b?.content.state === "secret" && h?.content.state === "secret" && b.content.digest === h.content.digest;
            if (reason && !unchangedSecret) {
                unreadable.push({ document: id, urn: d.urn, path: d.path, side, reason });
            }
        }
        for (const row of diffStatements(parsedStatements(b), parsedStatements(h))) {
            changes.push({
                document: id,
                urn: doc.urn,
                resourceType: doc.type,
                resourceName: doc.name,
                path: doc.path,
                ...row,
            });
        }
    }
    return { changes, unreadable };
}
