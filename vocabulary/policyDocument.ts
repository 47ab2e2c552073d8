/**
 * IAM policy documents (KMS key policies, S3 bucket policies, role trust and permission policies), in the three
 * forms the rooms need, each defined once:
 * - PolicyDocument / PolicyStatement: a document as written and sent to AWS (infra/policies/ builds them);
 * - Statement, from parsePolicyDocument: a document as evaluated (the pack's rules judge it; the security diff uses
 *   the same parser, so both agree on what is malformed); the parser never throws;
 * - DocumentStatement, from statementAsWritten: a parsed statement as written, Sid and conditions kept (the diff).
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
import { describeValue, isRecord, isUnknown } from "./pulumiValues";

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow" | "Deny";
    /** Resource policies name a principal; identity policies must not. */
    Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
    Action: string | string[];
    /** Identity and resource policies name resources; role trust policies must not. */
    Resource?: string | string[];
    /** Every resource except these; used where a Deny must spare one prefix of a bucket. */
    NotResource?: string | string[];
    Condition?: ConditionBlock;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Id?: string;
    Statement: PolicyStatement[];
}

export interface Statement {
    effect: "Allow" | "Deny";
    /** Principal strings, `*` for everyone; `NotPrincipal` is folded into `*` (it grants everyone else). */
    principals: string[];
    /** The statement used `NotPrincipal`: it applies to everyone except the listed principals. */
    notPrincipal: boolean;
    actions: string[];
    notActions: string[];
    resources: string[];
    notResources: string[];
    /** operator -> condition key (lower case) -> values; unknown values are kept as sentinels. */
    conditions: Map<string, Map<string, unknown[]>>;
}

export type ParsedDocument =
    | { kind: "parsed"; statements: Statement[] }
    | { kind: "unknown" }
    | { kind: "absent" }
    | { kind: "malformed"; error: string };

/** What AWS accepts for a document, so that work on a document is bounded by what could ever be deployed. */
export interface DocumentLimit {
    /** e.g. "a KMS key policy" */
    what: string;
    bytes: number;
}

/**
 * "The policy size limit is 32 KiB (32768 bytes)"
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
 */
export const KEY_POLICY_LIMIT: DocumentLimit = { what: "a KMS key policy", bytes: 32_768 };
/**
 * "Bucket policies are limited to 20 KB in size"
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html
 * (read as 20,480 bytes, the generous reading)
 */
export const BUCKET_POLICY_LIMIT: DocumentLimit = { what: "an S3 bucket policy", bytes: 20_480 };

function sizeOf(value: unknown): number {
    if (typeof value === "string") {
        return Buffer.byteLength(value, "utf8");
    }
    try {
        return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
    } catch {
        return Infinity;
    }
}

export function parsePolicyDocument(value: unknown, limit?: DocumentLimit): ParsedDocument {
    if (value === undefined || value === null || value === "") {
        return { kind: "absent" };
    }
    if (isUnknown(value)) {
        return { kind: "unknown" };
    }
    if (limit !== undefined) {
        const size = sizeOf(value);
        if (size > limit.bytes) {
            const measured = Number.isFinite(size) ? `${size} bytes` : "not serializable";
            return {
                kind: "malformed",
                error: `it is ${measured}, more than the ${limit.bytes} bytes AWS accepts ` + `for ${limit.what}`,
            };
        }
    }
    let document: unknown = value;
    if (typeof value === "string") {
        try {
            document = JSON.parse(value);
        } catch (e) {
            return { kind: "malformed", error: `it is not valid JSON (${(e as Error).message})` };
        }
    }
    if (!isRecord(document)) {
        return { kind: "malformed", error: "it is not a JSON object" };
    }
    const rawStatements = document.Statement;
    const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
    if (rawStatements === undefined || list.length === 0) {
        return { kind: "malformed", error: "it has no Statement" };
    }
    const statements: Statement[] = [];
    for (const [index, raw] of list.entries()) {
        const parsed = parseStatement(raw);
        if (typeof parsed === "string") {
            return { kind: "malformed", error: `statement ${index + 1} ${parsed}` };
        }
        statements.push(parsed);
    }
    return { kind: "parsed", statements };
}

function parseStatement(raw: unknown): Statement | string {
    if (!isRecord(raw)) {
        return "is not an object";
    }
    if (raw.Effect !== "Allow" && raw.Effect !== "Deny") {
        return raw.Effect === undefined
            ? 'has no Effect (allowed: "Allow" or "Deny")'
            : `has Effect ${describeValue(raw.Effect)} (allowed: "Allow" or "Deny")`;
    }
    const notPrincipal = raw.NotPrincipal !== undefined;
    const principals = notPrincipal ? ["*"] : principalList(raw.Principal);
    if (principals === undefined) {
        return 'has a Principal that is neither "*" nor an object of principal lists';
    }
    const conditions = parseConditions(raw.Condition);
    if (conditions === undefined) {
        return "has a Condition that is not an object of operator -> key -> values";
    }
    const actions = stringList(raw.Action);
    const notActions = stringList(raw.NotAction);
    const resources = stringList(raw.Resource);
    const notResources = stringList(raw.NotResource);
    if (actions === undefined || notActions === undefined || resources === undefined || notResources === undefined) {
        return "has an Action, NotAction, Resource or NotResource that is not a string or list of strings";
    }
    return { effect: raw.Effect, principals, notPrincipal, actions, notActions, resources, notResources, conditions };
}

function stringList(value: unknown): string[] | undefined {
    if (value === undefined) {
        return [];
    }
    const list = Array.isArray(value) ? value : [value];
    return list.every((v) => typeof v === "string") ? (list as string[]) : undefined;
}

function principalList(value: unknown): string[] | undefined {
    if (value === undefined) {
        return [];
    }
    if (value === "*") {
        return ["*"];
    }
    if (!isRecord(value)) {
        return undefined;
    }
    const result: string[] = [];
    for (const entry of Object.values(value)) {
        const list = stringList(entry);
        if (list === undefined) {
            return undefined;
        }
        // A loop, not push(...list): spreading a list of 100k+ principals overflows the call stack.
        for (const principal of list) {
            result.push(principal);
        }
    }
    return result;
}

function parseConditions(value: unknown): Map<string, Map<string, unknown[]>> | undefined {
    const result = new Map<string, Map<string, unknown[]>>();
    if (value === undefined) {
        return result;
    }
    if (!isRecord(value)) {
        return undefined;
    }
    for (const [operator, keys] of Object.entries(value)) {
        if (!isRecord(keys)) {
            return undefined;
        }
        const byKey = new Map<string, unknown[]>();
        for (const [key, values] of Object.entries(keys)) {
            byKey.set(key.toLowerCase(), Array.isArray(values) ? values : [values]);
        }
        result.set(operator, byKey);
    }
    return result;
}

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

/** Principal forms that mean the same: a bare account ID is that account's root (IAM user guide, Principal). */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
function normalisePrincipal(value: string): string {
    return /^\d{12}$/.test(value) ? `arn:aws:iam::${value}:root` : value;
}

function writtenList(value: unknown): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function writtenPrincipals(value: unknown): string[] | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (value === "*") {
        return ["*"];
    }
    if (!isRecord(value)) {
        return writtenList(value);
    }
    return Object.values(value)
        .flatMap((v) => writtenList(v))
        .map(normalisePrincipal);
}

function writtenConditions(value: unknown): Conditions {
    const result: Conditions = {};
    if (!isRecord(value)) {
        return result;
    }
    for (const [operator, keys] of Object.entries(value)) {
        if (isRecord(keys)) {
            result[operator] = Object.fromEntries(Object.entries(keys).map(([key, v]) => [key, writtenList(v)]));
        }
    }
    return result;
}

/**
 * A statement as written, for showing and comparing it: the parser (parsePolicyDocument) has judged it valid and
 * read its effect and actions; the rest is taken from the raw statement.
 */
export function statementAsWritten(
    raw: Record<string, unknown>,
    effect: "Allow" | "Deny",
    actions: string[],
    notActions: string[],
): DocumentStatement {
    return {
        sid: typeof raw.Sid === "string" && raw.Sid !== "" ? raw.Sid : undefined,
        effect,
        principals: raw.NotPrincipal !== undefined ? undefined : writtenPrincipals(raw.Principal),
        notPrincipals: raw.NotPrincipal !== undefined ? writtenPrincipals(raw.NotPrincipal) : undefined,
        actions,
        notActions,
        resources: writtenList(raw.Resource),
        notResources: writtenList(raw.NotResource),
        conditions: writtenConditions(raw.Condition),
    };
}
