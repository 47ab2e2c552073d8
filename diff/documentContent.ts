/**
 * Reads one IAM policy document, from a property value (JSON text or an object, maybe secret or unknown), into
 * statements with everything a diff needs (Sid, NotPrincipal, NotResource, conditions as written). Validity is
 * judged by the policy pack's own parser, so the pack and the diff agree on what is malformed. Finding the
 * documents a stack holds is diff/documents.ts's job.
 */
import { createHash } from "crypto";
import { specialSigKey, specialSecretSig } from "@pulumi/pulumi/runtime/rpc";
import { parsePolicyDocument } from "../policy-pack/lib/policyDocument";
import { isRecord, isUnknown } from "../policy-pack/lib/values";

/** Condition operator -> condition key -> values, as written (values as text, the way IAM compares them). */
export type Conditions = Record<string, Record<string, string[]>>;

export interface DocumentStatement {
    sid?: string;
    effect: "Allow" | "Deny";
    /** Principals the statement names (`*` for everyone); undefined when it has none (identity policies). */
    principals?: string[];
    /** `NotPrincipal`: the statement applies to everyone except these. */
    notPrincipals?: string[];
    actions: string[];
    notActions: string[];
    resources: string[];
    notResources: string[];
    conditions: Conditions;
}

export type DocumentContent =
    | { state: "parsed"; statements: DocumentStatement[]; document: Record<string, unknown> }
    /** A secret document: only a digest of it is kept, to tell whether it changed. */
    | { state: "secret"; digest: string }
    | { state: "unknown" }
    | { state: "malformed"; error: string };

/** Principal forms that mean the same: a bare account ID is that account's root (IAM user guide, Principal). */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
function normalisePrincipal(value: string): string {
    return /^\d{12}$/.test(value) ? `arn:aws:iam::${value}:root` : value;
}

function stringList(value: unknown): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function principalList(value: unknown): string[] | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (value === "*") {
        return ["*"];
    }
    if (!isRecord(value)) {
        return stringList(value);
    }
    return Object.values(value)
        .flatMap((v) => stringList(v))
        .map(normalisePrincipal);
}

function conditionsOf(value: unknown): Conditions {
    const result: Conditions = {};
    if (!isRecord(value)) {
        return result;
    }
    for (const [operator, keys] of Object.entries(value)) {
        if (isRecord(keys)) {
            result[operator] = Object.fromEntries(Object.entries(keys).map(([key, v]) => [key, stringList(v)]));
        }
    }
    return result;
}

function statementOf(
    raw: Record<string, unknown>,
    effect: "Allow" | "Deny",
    actions: string[],
    notActions: string[],
): DocumentStatement {
    return {
        sid: typeof raw.Sid === "string" && raw.Sid !== "" ? raw.Sid : undefined,
        effect,
        principals: raw.NotPrincipal !== undefined ? undefined : principalList(raw.Principal),
        notPrincipals: raw.NotPrincipal !== undefined ? principalList(raw.NotPrincipal) : undefined,
        actions,
        notActions,
        resources: stringList(raw.Resource),
        notResources: stringList(raw.NotResource),
        conditions: conditionsOf(raw.Condition),
    };
}

export function isSecret(value: unknown): boolean {
    return isRecord(value) && value[specialSigKey] === specialSecretSig;
}

/** Reads a property value as a document: JSON text or an object with a Statement. */
export function readDocument(value: unknown): DocumentContent | undefined {
    if (isSecret(value)) {
        const inner = (value as Record<string, unknown>).value;
        return looksLikeDocument(inner)
            ? { state: "secret", digest: createHash("sha256").update(JSON.stringify(inner)).digest("hex") }
            : undefined;
    }
    if (isUnknown(value)) {
        return undefined;
    }
    if (!looksLikeDocument(value)) {
        return undefined;
    }
    const parsed = parsePolicyDocument(value);
    if (parsed.kind === "malformed") {
        return { state: "malformed", error: parsed.error };
    }
    if (parsed.kind !== "parsed") {
        return { state: "unknown" };
    }
    const document =
        typeof value === "string" ? (JSON.parse(value) as Record<string, unknown>) : (value as Record<string, unknown>);
    const raw = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    const statements = parsed.statements.map((s, i) =>
        statementOf(raw[i] as Record<string, unknown>, s.effect, s.actions, s.notActions),
    );
    return { state: "parsed", statements, document };
}

/** A document, as JSON text or as an object: has a Statement. The `[secret]` placeholder of a checkpoint is not. */
function looksLikeDocument(value: unknown): boolean {
    if (typeof value === "string") {
        const trimmed = value.trim();
        if (!trimmed.startsWith("{") || !trimmed.includes("Statement")) {
            return false;
        }
        try {
            const parsed: unknown = JSON.parse(trimmed);
            return isRecord(parsed) && "Statement" in parsed;
        } catch {
            return false;
        }
    }
    return isRecord(value) && "Statement" in value;
}
