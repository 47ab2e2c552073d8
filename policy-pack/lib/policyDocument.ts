/**
 * IAM-style policy documents (KMS key policies, S3 bucket policies): parsing that never throws, and the
 * judgements rules need (is a principal public, do conditions really confine it, which actions apply).
 */
import { globToRegExp, isRecord, isUnknown } from "./values";

export interface Statement {
    effect: "Allow" | "Deny";
    /** Principal strings, `*` for everyone; `NotPrincipal` is folded into `*` (it grants everyone else). */
    principals: string[];
    actions: string[];
    notActions: string[];
    resources: string[];
    /** operator -> condition key (lower case) -> values; unknown values are kept as sentinels. */
    conditions: Map<string, Map<string, unknown[]>>;
}

export type ParsedDocument =
    | { kind: "parsed"; statements: Statement[] }
    | { kind: "unknown" }
    | { kind: "absent" }
    | { kind: "malformed"; error: string };

export function parsePolicyDocument(value: unknown): ParsedDocument {
    if (value === undefined || value === null || value === "") {
        return { kind: "absent" };
    }
    if (isUnknown(value)) {
        return { kind: "unknown" };
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
        return `has Effect ${JSON.stringify(raw.Effect)} (allowed: "Allow" or "Deny")`;
    }
    const principals = raw.NotPrincipal !== undefined ? ["*"] : principalList(raw.Principal);
    if (principals === undefined) {
        return "has a Principal that is neither \"*\" nor an object of principal lists";
    }
    const conditions = parseConditions(raw.Condition);
    if (conditions === undefined) {
        return "has a Condition that is not an object of operator -> key -> values";
    }
    const actions = stringList(raw.Action);
    const notActions = stringList(raw.NotAction);
    const resources = stringList(raw.Resource);
    if (actions === undefined || notActions === undefined || resources === undefined) {
        return "has an Action, NotAction or Resource that is not a string or list of strings";
    }
    return { effect: raw.Effect, principals, actions, notActions, resources, conditions };
}

function stringList(value: unknown): string[] | undefined {
    if (value === undefined) {
        return [];
    }
    const list = Array.isArray(value) ? value : [value];
    return list.every(v => typeof v === "string") ? list as string[] : undefined;
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
        result.push(...list);
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

/** Condition keys that, with a concrete value and a confining operator, restrict who can use a grant. */
const CONFINING_KEYS = new Set([
    "kms:calleraccount", "kms:viaservice", "aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid",
    "aws:sourceorgpaths", "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount",
    "aws:principalarn", "aws:sourcevpce", "aws:sourcevpc",
]);

/**
 * Operators that confine: exact or ARN matches. `...IfExists` passes when the key is absent, `Not...` and
 * `Null` select the complement, and `ForAllValues:` is true for an empty key, so none of them confine.
 */
function isConfiningOperator(operator: string): boolean {
    const base = operator.replace(/^ForAnyValue:/, "");
    return ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"].includes(base);
}

/**
 * A concrete value identifies someone: not empty and not made of wildcards only; for ARN values the
 * account field must not be a wildcard either. An unknown value (preview) comes from another resource's
 * output (an ARN or account ID), never from a literal wildcard, so it counts as concrete.
 */
function isConcreteValue(value: unknown): boolean {
    if (isUnknown(value)) {
        return true;
    }
    if (typeof value !== "string" || /^[*?]*$/.test(value)) {
        return false;
    }
    const arnParts = value.split(":");
    return !(value.startsWith("arn:") && arnParts.length > 4 && /^[*?]+$/.test(arnParts[4]));
}

/** Describes the first confining condition of a statement, or undefined when nothing confines it. */
export function confiningCondition(statement: Statement): string | undefined {
    for (const [operator, keys] of statement.conditions) {
        if (!isConfiningOperator(operator)) {
            continue;
        }
        for (const [key, values] of keys) {
            if (CONFINING_KEYS.has(key) && values.length > 0 && values.every(isConcreteValue)) {
                return `${operator} ${key}`;
            }
        }
    }
    return undefined;
}

export function actionMatches(pattern: string, action: string): boolean {
    return globToRegExp(pattern).test(action);
}

/** Whether the statement's actions include `action` (honouring wildcards and NotAction). */
export function statementCovers(statement: Statement, action: string): boolean {
    if (statement.notActions.length > 0) {
        return !statement.notActions.some(p => actionMatches(p, action));
    }
    return statement.actions.some(p => actionMatches(p, action));
}

/** Condition value equality for booleans written as strings or booleans. */
export function conditionValueIs(values: unknown[] | undefined, expected: string): boolean {
    return values !== undefined && values.length > 0 &&
        values.every(v => String(v).toLowerCase() === expected);
}
