/**
 * IAM-style policy documents (KMS key policies, S3 bucket policies): parsing that never throws, and the
 * judgements rules need (is a principal public, do conditions really confine it, which actions apply).
 */
import { glob, globCoversPrefix } from "./glob";
import { describeValue, isRecord, isUnknown } from "./values";

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

/** A principal that matches any caller: `*`, `{"AWS": "*"}`, or an account wildcard. */
export function isWildcardPrincipal(principal: string): boolean {
    return principal === "*" || /^arn:aws[a-z-]*:iam::\*:/.test(principal);
}

type ValueKind = "account" | "orgId" | "orgPaths" | "arn" | "id";

/**
 * Condition keys that, with a concrete value and a confining operator, restrict who can use what a wildcard
 * principal is granted (the S3 definition of a non-public policy, section "The meaning of public", lists the
 * same kind of fixed values:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
 * `kms:ViaService` is deliberately absent: it names a service, and any account can call through that
 * service (AWS's own managed-key policies pair it with kms:CallerAccount).
 */
const CONFINING_KEYS = new Map<string, ValueKind>([
    ["kms:calleraccount", "account"],
    ["aws:sourceaccount", "account"],
    ["aws:principalaccount", "account"],
    ["aws:sourceowner", "account"],
    ["aws:sourcearn", "arn"],
    ["aws:principalarn", "arn"],
    ["aws:sourceorgid", "orgId"],
    ["aws:principalorgid", "orgId"],
    ["aws:sourceorgpaths", "orgPaths"],
    ["aws:principalorgpaths", "orgPaths"],
    ["aws:sourcevpce", "id"],
    ["aws:sourcevpc", "id"],
]);

/**
 * Operators that confine: exact or ARN matches. `...IfExists` passes when the key is absent, `Not...` and
 * `Null` select the complement, and `ForAllValues:` is true for an empty key, so none of them confine.
 */
function isConfiningOperator(operator: string): boolean {
    const base = operator.replace(/^ForAnyValue:/, "");
    return ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"].includes(base);
}

const hasWildcardOrVariable = (text: string): boolean => /[*?]|\$\{/.test(text);

/**
 * A concrete value names one account, organization, source or network: no wildcards (`o-*`) and no policy
 * variables (`${aws:PrincipalAccount}` compares the caller with itself). ARNs need a literal 12-digit
 * account (other fields may use wildcards, the account still confines); ARNs without an account field
 * (S3) must be wholly literal. Organization paths need a literal organization ID as their first step. An
 * unknown value (preview) comes from another resource's output (an ARN or an ID), never from a literal
 * wildcard, so it counts as concrete.
 */
function isConcreteValue(kind: ValueKind, value: unknown): boolean {
    if (isUnknown(value)) {
        return true;
    }
    if (typeof value !== "string" || value === "") {
        return false;
    }
    switch (kind) {
        case "account":
            return /^\d{12}$/.test(value);
        case "orgId":
            return /^o-[a-z0-9]{10,32}$/.test(value);
        case "orgPaths": {
            const [organization] = value.split("/");
            return /^o-[a-z0-9]{10,32}$/.test(organization) && !value.includes("${");
        }
        case "arn": {
            const parts = value.split(":");
            if (parts.length < 6 || parts[0] !== "arn") {
                return false;
            }
            return parts[4] === "" ? !hasWildcardOrVariable(value) : /^\d{12}$/.test(parts[4]);
        }
        default:
            return !hasWildcardOrVariable(value);
    }
}

/** Describes the first confining condition of a statement, or undefined when nothing confines it. */
export function confiningCondition(statement: Statement): string | undefined {
    for (const [operator, keys] of statement.conditions) {
        if (!isConfiningOperator(operator)) {
            continue;
        }
        for (const [key, values] of keys) {
            const kind = CONFINING_KEYS.get(key);
            if (kind !== undefined && values.length > 0 && values.every((v) => isConcreteValue(kind, v))) {
                return `${operator} ${key}`;
            }
        }
    }
    return undefined;
}

export function actionMatches(pattern: string, action: string): boolean {
    return glob(pattern).test(action);
}

/** Whether the statement's actions include `action` (honouring wildcards and NotAction). */
export function statementCovers(statement: Statement, action: string): boolean {
    if (statement.notActions.length > 0) {
        return !statement.notActions.some((p) => actionMatches(p, action));
    }
    return statement.actions.some((p) => actionMatches(p, action));
}

/**
 * Whether the statement applies to every action of a service (`s3`): an Action such as `*` or `s3:*`, or a
 * NotAction none of whose patterns could name an action of that service. A NotAction pattern with a
 * wildcard in its service part is taken to exclude some (the conservative reading).
 */
export function coversEveryActionOf(statement: Statement, service: string): boolean {
    if (statement.notActions.length > 0) {
        return statement.notActions.every((p) => {
            const colon = p.indexOf(":");
            const servicePart = colon === -1 ? p : p.slice(0, colon);
            return !/[*?]/.test(servicePart) && servicePart.toLowerCase() !== service;
        });
    }
    return statement.actions.some((p) => globCoversPrefix(glob(p), `${service}:`));
}

export function conditionValueIs(values: unknown[] | undefined, expected: string): boolean {
    return (
        values !== undefined &&
        values.length > 0 &&
        values.every((v) => (typeof v === "string" || typeof v === "boolean") && String(v).toLowerCase() === expected)
    );
}
