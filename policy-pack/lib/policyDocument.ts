/**
 * IAM-style policy documents (KMS key policies, S3 bucket policies): the judgements rules need (is a principal
 * public, do conditions really confine it, which actions apply). Parsing, which never throws, is the shared
 * vocabulary's (vocabulary/policyDocument.ts), re-exported here under the names the rules import.
 */
import { glob, globCoversPrefix } from "./glob";
import type { Statement } from "../../vocabulary/policyDocument";
import { isUnknown } from "./values";

export {
    BUCKET_POLICY_LIMIT,
    type DocumentLimit,
    KEY_POLICY_LIMIT,
    type ParsedDocument,
    parsePolicyDocument,
    type Statement,
} from "../../vocabulary/policyDocument";

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
