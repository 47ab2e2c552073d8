/**
 * The search filters, defined once, as pure functions over the event row (audit/event-row.ts). Different filters
 * combine with AND; the values of one repeatable filter (--event, --encryption-context) combine as written below.
 * Each function states its rule in terms of row fields so that it can be mirrored in SQL.
 */
import { isDenialErrorCode, KMS_EVENT_SOURCE, CLOUDTRAIL_EVENT_SOURCE, TRAIL_CHANGE_EVENTS } from "./events";
import { EventRow, parseS3Arn } from "./event-row";
import { KeySelector, selectorMatches } from "./keys";

/** --object: an S3 object ARN (exact object), or a key or key prefix (any bucket, unless --bucket narrows it). */
export type ObjectFilter = { kind: "arn"; bucket: string; objectKey: string } | { kind: "prefix"; prefix: string };

export interface SearchFilters {
    /** --principal: an ARN or a name. */
    principal: string | null;
    /** --event, repeatable: any of these event names. */
    events: string[];
    object: ObjectFilter | null;
    /** --source-ip: sourceIPAddress exactly (an IP address, or a service name such as s3.amazonaws.com). */
    sourceIp: string | null;
    /** --error: errorCode exactly (AccessDenied, AccessDeniedException, KMSInvalidStateException...). */
    errorCode: string | null;
    /** --encryption-context key=value, repeatable: every pair must be in the call's encryption context. */
    encryptionContext: Array<{ key: string; value: string }>;
}

export const NO_FILTERS: SearchFilters = {
    principal: null,
    events: [],
    object: null,
    sourceIp: null,
    errorCode: null,
    encryptionContext: [],
};

export function hasFilters(filters: SearchFilters): boolean {
    return (
        filters.principal !== null ||
        filters.events.length > 0 ||
        filters.object !== null ||
        filters.sourceIp !== null ||
        filters.errorCode !== null ||
        filters.encryptionContext.length > 0
    );
}

/** Reads --object: "arn:aws:s3:::bucket/key" is one object; anything else is a key prefix (a whole key included). */
export function parseObjectFilter(value: string): ObjectFilter | undefined {
    if (value.startsWith("arn:")) {
        const parsed = parseS3Arn(value);
        if (parsed === undefined || parsed.objectKey === null) return undefined;
        return { kind: "arn", bucket: parsed.bucket, objectKey: parsed.objectKey };
    }
    return { kind: "prefix", prefix: value };
}

/**
 * --principal matches principalArn (a user, root or session ARN), roleArn (the role behind an assumed-role
 * session), userName (a user's or role's name), or invokedBy for a service acting for itself.
 */
export function principalMatches(row: EventRow, wanted: string): boolean {
    return (
        row.principalArn === wanted ||
        row.roleArn === wanted ||
        row.userName === wanted ||
        (row.principalType === "AWSService" && row.invokedBy === wanted)
    );
}

/** --object matches the row's bucket and object key (from the S3 request, or the aws:s3:arn encryption context). */
export function objectMatches(row: EventRow, wanted: ObjectFilter): boolean {
    if (row.objectKey === null) return false;
    if (wanted.kind === "arn") return row.bucket === wanted.bucket && row.objectKey === wanted.objectKey;
    return row.objectKey.startsWith(wanted.prefix);
}

/** --encryption-context: every pair given is present with that value. */
export function encryptionContextMatches(row: EventRow, pairs: Array<{ key: string; value: string }>): boolean {
    return pairs.every(({ key, value }) => row.encryptionContext[key] === value);
}

/** Whether a row passes every search filter given. */
export function matchesFilters(row: EventRow, filters: SearchFilters): boolean {
    if (filters.principal !== null && !principalMatches(row, filters.principal)) return false;
    if (filters.events.length > 0 && !filters.events.includes(row.eventName)) return false;
    if (filters.object !== null && !objectMatches(row, filters.object)) return false;
    if (filters.sourceIp !== null && row.sourceIPAddress !== filters.sourceIp) return false;
    if (filters.errorCode !== null && row.errorCode !== filters.errorCode) return false;
    if (filters.encryptionContext.length > 0 && !encryptionContextMatches(row, filters.encryptionContext)) return false;
    return true;
}

/** A denied KMS call that named no key: with --key it is still listed, since it may have been aimed at that key. */
export function isDeniedWithoutKey(row: EventRow): boolean {
    return (
        row.eventSource === KMS_EVENT_SOURCE &&
        row.keys.length === 0 &&
        row.errorCode !== null &&
        isDenialErrorCode(row.errorCode)
    );
}

/**
 * --key in the event listing keeps: calls that name the key (or an alias tied to it); denied KMS calls that name no
 * key; and trail changes, which the report always shows because they decide what the logs can contain.
 */
export function keyFilterKeeps(
    row: EventRow,
    selector: KeySelector,
    aliasesOf: (keyArn: string) => ReadonlySet<string>,
): boolean {
    if (row.keys.some((ref) => selectorMatches(selector, ref, aliasesOf(ref)))) return true;
    if (isDeniedWithoutKey(row)) return true;
    return row.eventSource === CLOUDTRAIL_EVENT_SOURCE && TRAIL_CHANGE_EVENTS.has(row.eventName);
}

/** The filters as the report's `filters` section shows them. */
export function describeFilters(filters: SearchFilters): {
    principal: string | null;
    events: string[];
    object: string | null;
    sourceIp: string | null;
    errorCode: string | null;
    encryptionContext: Record<string, string>;
} {
    const object =
        filters.object === null
            ? null
            : filters.object.kind === "arn"
              ? `arn:aws:s3:::${filters.object.bucket}/${filters.object.objectKey}`
              : filters.object.prefix;
    return {
        principal: filters.principal,
        events: [...filters.events],
        object,
        sourceIp: filters.sourceIp,
        errorCode: filters.errorCode,
        encryptionContext: Object.fromEntries(filters.encryptionContext.map(({ key, value }) => [key, value])),
    };
}
