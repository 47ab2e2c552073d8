/**
 * Reads one IAM policy document, from a property value (JSON text or an object, maybe secret or unknown), into
 * statements with everything a diff needs (Sid, NotPrincipal, NotResource, conditions as written: the statement
 * types and the parser are vocabulary/policyDocument.ts's). Validity is judged by the parser the pack uses, so the
 * pack and the diff agree on what is malformed. Finding the
 * documents a stack holds is diff/documents.ts's job.
 */
import { createHash } from "crypto";
import { specialSigKey, specialSecretSig } from "@pulumi/pulumi/runtime/rpc";
import { DocumentStatement, parsePolicyDocument, statementAsWritten } from "../vocabulary/policyDocument";
import { isRecord, isUnknown } from "../vocabulary/pulumiValues";

export type DocumentContent =
    | { state: "parsed"; statements: DocumentStatement[]; document: Record<string, unknown> }
    /** A secret document: only a digest of it is kept, to tell whether it changed. */
    | { state: "secret"; digest: string }
    | { state: "unknown" }
    | { state: "malformed"; error: string };

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
        statementAsWritten(raw[i] as Record<string, unknown>, s.effect, s.actions, s.notActions),
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
