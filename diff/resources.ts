/**
 * Resource-level changes between two sides: created, deleted, updated with the property paths that changed.
 * Secret values are compared but never shown. Whether an update replaces the resource is the provider's decision
 * (its Diff call, which needs the provider plugin and, for some properties, the cloud); offline it is not known,
 * and the report says so instead of guessing.
 */
import { specialSigKey, specialSecretSig } from "@pulumi/pulumi/runtime/rpc";
import type { EngineResource } from "../gate";
import { readableValue } from "../gate/report";
import { isRecord } from "../vocabulary/pulumiValues";
import { readDocument } from "./documentContent";

export interface PropertyChange {
    /** `rules[0].applyServerSideEncryptionByDefault.sseAlgorithm`, `tags.Name`, `policy`. */
    path: string;
    change: "added" | "removed" | "changed";
    /** Readable values: secrets as `[secret]`; a policy document as `[policy document: see statement changes]`. */
    before: unknown;
    after: unknown;
}

export interface ResourceChange {
    urn: string;
    type: string;
    name: string;
    change: "create" | "delete" | "update";
    /** Changed input properties (updates only). */
    properties: PropertyChange[];
}

export const DOCUMENT_PLACEHOLDER = "[policy document: see statement changes]";
const SECRET_PLACEHOLDER = "[secret]";

function isSecret(value: unknown): boolean {
    return isRecord(value) && value[specialSigKey] === specialSecretSig;
}

/** Values compare by content; a document's JSON text compares as the parsed document, so spacing is no change. */
function normalised(value: unknown): unknown {
    if (typeof value === "string" && readDocument(value)) {
        try {
            return JSON.parse(value);
        } catch {
            return value;
        }
    }
    return value;
}

function equal(a: unknown, b: unknown): boolean {
    return JSON.stringify(canonical(normalised(a))) === JSON.stringify(canonical(normalised(b)));
}

function canonical(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(canonical);
    }
    if (isRecord(value)) {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((k) => [k, canonical(value[k])]),
        );
    }
    return value;
}

function shown(value: unknown): unknown {
    if (value === undefined) {
        return null;
    }
    if (isSecret(value)) {
        return SECRET_PLACEHOLDER;
    }
    return readDocument(value) ? DOCUMENT_PLACEHOLDER : readableValue(value);
}

function diffValues(before: unknown, after: unknown, path: string, out: PropertyChange[]): void {
    if (equal(before, after)) {
        return;
    }
    if (before === undefined || after === undefined) {
        out.push({
            path,
            change: before === undefined ? "added" : "removed",
            before: shown(before),
            after: shown(after),
        });
        return;
    }
    // Descend into plain objects and equally long lists; a secret or a document is one value.
    const descend = (v: unknown) => !isSecret(v) && !readDocument(v);
    if (isRecord(before) && isRecord(after) && descend(before) && descend(after)) {
        for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
            if (!key.startsWith("__")) {
                diffValues(before[key], after[key], path ? `${path}.${key}` : key, out);
            }
        }
        return;
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
        before.forEach((item, i) => {
            diffValues(item, after[i], `${path}[${i}]`, out);
        });
        return;
    }
    out.push({ path, change: "changed", before: shown(before), after: shown(after) });
}

export function propertyChanges(before: Record<string, unknown>, after: Record<string, unknown>): PropertyChange[] {
    const out: PropertyChange[] = [];
    diffValues(before, after, "", out);
    return out;
}

/** Resources matched by URN; the root stack resource carries no inputs and is left out. */
export function resourceChanges(base: EngineResource[], head: EngineResource[]): ResourceChange[] {
    const skip = (r: EngineResource) => r.type === "pulumi:pulumi:Stack";
    const baseByUrn = new Map(base.filter((r) => !skip(r)).map((r) => [r.urn, r]));
    const headByUrn = new Map(head.filter((r) => !skip(r)).map((r) => [r.urn, r]));
    const changes: ResourceChange[] = [];
    for (const r of head.filter((x) => !skip(x))) {
        const old = baseByUrn.get(r.urn);
        if (!old) {
            changes.push({ urn: r.urn, type: r.type, name: r.name, change: "create", properties: [] });
        } else {
            const properties = propertyChanges(old.inputs, r.inputs);
            if (properties.length > 0) {
                changes.push({ urn: r.urn, type: r.type, name: r.name, change: "update", properties });
            }
        }
    }
    for (const r of base.filter((x) => !skip(x))) {
        if (!headByUrn.has(r.urn)) {
            changes.push({ urn: r.urn, type: r.type, name: r.name, change: "delete", properties: [] });
        }
    }
    return changes;
}
