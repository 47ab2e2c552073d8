/**
 * CloudTrail event names, sources and error codes: what the alarms watch (infra/components/monitoring.ts, whose
 * filter patterns are generated here) and what the key-usage audit reports (audit/), from one list per concern.
 *
 * Record fields (eventSource, eventName, errorCode):
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 * KMS event names: https://docs.aws.amazon.com/kms/latest/developerguide/understanding-kms-entries.html
 * CloudTrail API: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Operations.html
 */

import { KMS_CRYPTOGRAPHIC_ACTIONS } from "./kmsActions";

/** The `eventSource` of each service's records: the service's endpoint host. */
export const KMS_EVENT_SOURCE = "kms.amazonaws.com";
export const CLOUDTRAIL_EVENT_SOURCE = "cloudtrail.amazonaws.com";
export const S3_EVENT_SOURCE = "s3.amazonaws.com";

/**
 * Cryptographic operations that use the key material: what "who used the key" counts in the audit. Each API
 * call of KMS_CRYPTOGRAPHIC_ACTIONS is logged under its own name (one example page per operation, e.g.
 * https://docs.aws.amazon.com/kms/latest/developerguide/ct-generatemac.html); the two permissions ReEncryptFrom and
 * ReEncryptTo belong to one call, logged as ReEncrypt. Uses of asymmetric and HMAC keys are counted too.
 */
export const KEY_USE_EVENTS: readonly string[] = [
    ...new Set(
        KMS_CRYPTOGRAPHIC_ACTIONS.map((action) =>
            action.replace(/^kms:/, "").replace(/^ReEncrypt(From|To)$/, "ReEncrypt"),
        ),
    ),
];

/** A key disabled or scheduled for deletion: CIS AWS Foundations 4.7 (v3.0), alarmed. */
export const KEY_DISABLE_OR_DELETION_EVENTS: readonly string[] = ["DisableKey", "ScheduleKeyDeletion"];

/** A key policy replaced or automatic rotation turned off: alarmed (beyond CIS). */
export const KEY_POLICY_OR_ROTATION_EVENTS: readonly string[] = ["PutKeyPolicy", "DisableKeyRotation"];

/** Changes to a key's state, policy, grants, rotation, material or aliases: what the audit reports per key. */
export const KEY_LIFECYCLE_EVENTS: readonly string[] = [
    "CreateKey",
    ...KEY_DISABLE_OR_DELETION_EVENTS,
    "EnableKey",
    "CancelKeyDeletion",
    "DeleteKey",
    ...KEY_POLICY_OR_ROTATION_EVENTS,
    "CreateGrant",
    "RevokeGrant",
    "RetireGrant",
    "EnableKeyRotation",
    "RotateKeyOnDemand",
    "ImportKeyMaterial",
    "DeleteImportedKeyMaterial",
    "CreateAlias",
    "UpdateAlias",
    "DeleteAlias",
    "ReplicateKey",
    "UpdatePrimaryRegion",
];

/**
 * Calls that create, remove, stop or change what a trail records: CIS 4.5's five (CreateTrail, UpdateTrail,
 * DeleteTrail, StartLogging, StopLogging) and the event and Insights selectors, which narrow what is recorded
 * without touching the trail itself. Alarmed, and reported by the audit (StartLogging shows when a gap ended).
 */
export const TRAIL_CHANGE_EVENTS: readonly string[] = [
    "CreateTrail",
    "UpdateTrail",
    "DeleteTrail",
    "StartLogging",
    "StopLogging",
    "PutEventSelectors",
    "PutInsightSelectors",
];

/** Changes to a bucket's policy, ACL, CORS, lifecycle or replication: CIS 4.8, alarmed. */
export const BUCKET_POLICY_CHANGE_EVENTS: readonly string[] = [
    "PutBucketAcl",
    "PutBucketPolicy",
    "PutBucketCors",
    "PutBucketLifecycle",
    "PutBucketReplication",
    "DeleteBucketPolicy",
    "DeleteBucketCors",
    "DeleteBucketLifecycle",
    "DeleteBucketReplication",
];

/** Object writes; a multipart upload is counted once, at creation, where S3 records its encryption. */
export const UPLOAD_EVENTS: readonly string[] = [
    "PutObject",
    "CopyObject",
    "CreateMultipartUpload",
    "InitiateMultipartUpload",
];

/**
 * Error codes meaning "not authorised", as CIS 4.1 (unauthorized API calls) matches them: `AccessDenied` (S3),
 * `AccessDeniedException` (KMS and most JSON APIs), `UnauthorizedOperation` and `Client.UnauthorizedOperation`
 * (EC2). `*` stands for any text. Other errors (KMSInvalidStateException for a disabled or pending-deletion key,
 * IncorrectKeyException, ...) are failed calls, which the audit reports apart from denials.
 */
export const DENIAL_ERROR_CODE_PATTERNS: readonly string[] = ["AccessDenied*", "*UnauthorizedOperation"];

/** Whether a record's errorCode is a denial (matches one of DENIAL_ERROR_CODE_PATTERNS). */
export function isDenialErrorCode(code: string): boolean {
    return DENIAL_ERROR_CODE_PATTERNS.some((pattern) => {
        const [prefix, suffix] = pattern.split("*");
        return code.length >= prefix.length + suffix.length && code.startsWith(prefix) && code.endsWith(suffix);
    });
}

/** What a metric filter selects: records of one source (or any), whose `field` equals one of `values`. */
export interface CloudTrailFilter {
    eventSource?: string;
    field: "eventName" | "errorCode";
    /** Exact values, or with `*` wildcards (which CloudWatch Logs accepts in quoted string values). */
    values: readonly string[];
}

/** A bare word needs no quotes in a filter pattern; anything else (dots, wildcards) is double-quoted. */
function filterValue(value: string): string {
    if (value === "" || /["\\]/.test(value)) {
        throw new Error(`cannot put ${JSON.stringify(value)} into a CloudWatch Logs filter pattern`);
    }
    return /^[A-Za-z0-9]+$/.test(value) ? value : `"${value}"`;
}

/**
 * The CloudWatch Logs JSON filter pattern for a filter: `{ ($.eventName = A) || ($.eventName = B) }`, joined with
 * `($.eventSource = <source>) &&` when a source is named.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
export function cloudTrailFilterPattern(filter: CloudTrailFilter): string {
    if (filter.values.length === 0) {
        throw new Error(`a filter pattern on ${filter.field} needs at least one value`);
    }
    const anyValue = filter.values.map((value) => `($.${filter.field} = ${filterValue(value)})`).join(" || ");
    return filter.eventSource === undefined
        ? `{ ${anyValue} }`
        : `{ ($.eventSource = ${filter.eventSource}) && (${anyValue}) }`;
}
