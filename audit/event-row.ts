/**
 * The event row: the one shape in which `--events` lists a CloudTrail record, and on which every search filter
 * (audit/filters.ts) is defined. Each field says which CloudTrail field it comes from, so the same row can be
 * selected in SQL over the Athena CloudTrail table (columns as in
 * https://docs.aws.amazon.com/athena/latest/ug/cloudtrail-logs.html).
 * Record fields:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
import { S3_EVENT_SOURCE, UPLOAD_EVENTS } from "./events";
import { canonicalKeyRef, keyRefsOf } from "./keys";
import { describePrincipal } from "./principal";
import { CloudTrailRecord, field, text, textField } from "./record";

/** CloudTrail writes eventTime as ISO 8601 UTC to the second ("2024-05-01T09:00:00Z"); fractions are tolerated. */
export const EVENT_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z$/;

/** Milliseconds since the epoch for a well-formed eventTime, or undefined (Date.parse alone accepts "1" or "May 1"). */
export function eventTimeMs(value: unknown): number | undefined {
    if (typeof value !== "string" || !EVENT_TIME.test(value)) return undefined;
    const ms = Date.parse(value);
    // Date.parse rolls 2024-02-30 over to March; a date that does not round-trip is not a real date.
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value.slice(0, 10)) return undefined;
    return ms;
}

/** How an upload's KMS data key call was found (or why it was not). */
export type KmsLinkStatus = "tied" | "bucket key" | "not found";

export interface KmsLink {
    status: KmsLinkStatus;
    /** The GenerateDataKey call that served the upload, when one was tied to it. */
    eventId: string | null;
    time: string | null;
    file: string | null;
    note: string;
}

export interface EventRow {
    /** eventTime, checked against EVENT_TIME. */
    time: string;
    /** Readable principal: the role and session for assumed roles (audit/principal.ts). */
    principal: string;
    /** userIdentity.type. */
    principalType: string;
    /** userIdentity.arn: the user, root, or STS session ARN. */
    principalArn: string | null;
    /** userIdentity.sessionContext.sessionIssuer.arn: the role behind an assumed-role session. */
    roleArn: string | null;
    /** The session name: the last part of an assumed-role ARN. */
    session: string | null;
    /** userIdentity.userName, or sessionIssuer.userName (the role name) for a session. */
    userName: string | null;
    /** userIdentity.invokedBy, or a service host name as sourceIPAddress: the service that called for the principal. */
    invokedBy: string | null;
    eventSource: string;
    eventName: string;
    /** KMS keys the call named (resources, request parameters), or the SSE-KMS key an upload recorded. */
    keys: string[];
    /** S3 bucket: requestParameters.bucketName, or the bucket in the aws:s3:arn encryption context. */
    bucket: string | null;
    /** S3 object key: requestParameters.key, or the object in the aws:s3:arn encryption context. */
    objectKey: string | null;
    /** The object, bucket or trail the call was about, as an ARN or name. */
    resource: string | null;
    /** requestParameters.encryptionContext, string values only. */
    encryptionContext: Record<string, string>;
    sourceIPAddress: string | null;
    userAgent: string | null;
    errorCode: string | null;
    errorMessage: string | null;
    region: string | null;
    account: string | null;
    eventId: string | null;
    /** The log file the record came from. */
    file: string;
    /**
     * For an SSE-KMS upload, whether S3 reported using an S3 Bucket Key (the
     * x-amz-server-side-encryption-bucket-key-enabled header in responseElements or requestParameters); else null.
     */
    bucketKey: boolean | null;
    /** For an upload: the KMS call that served it; null for other events. Set when the listing is finished. */
    kmsCall: KmsLink | null;
}

/** Every field of the row, in the order it is built: for mirroring the row elsewhere (SQL SELECT lists). */
export const EVENT_ROW_FIELDS = [
    "time",
    "principal",
    "principalType",
    "principalArn",
    "roleArn",
    "session",
    "userName",
    "invokedBy",
    "eventSource",
    "eventName",
    "keys",
    "bucket",
    "objectKey",
    "resource",
    "encryptionContext",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "region",
    "account",
    "eventId",
    "file",
    "bucketKey",
    "kmsCall",
] as const satisfies ReadonlyArray<keyof EventRow>;

const SERVICE_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;
const KMS_KEY_HEADER = "x-amz-server-side-encryption-aws-kms-key-id";
/**
 * PutObject response header:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_ResponseSyntax
 */
const BUCKET_KEY_HEADER = "x-amz-server-side-encryption-bucket-key-enabled";

function bucketKeyOf(record: CloudTrailRecord): boolean | null {
    const value =
        field(record.responseElements, BUCKET_KEY_HEADER) ?? field(record.requestParameters, BUCKET_KEY_HEADER);
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    return null;
}

function encryptionContextOf(record: CloudTrailRecord): Record<string, string> {
    const context = field(record.requestParameters, "encryptionContext");
    const pairs: Record<string, string> = {};
    if (context === null || typeof context !== "object" || Array.isArray(context)) return pairs;
    for (const [name, value] of Object.entries(context as Record<string, unknown>)) {
        if (typeof value === "string") pairs[name] = value;
    }
    return pairs;
}

/** An S3 bucket or object ARN: group 1 the bucket, group 2 the object key (absent for a bucket). */
export const S3_ARN = /^arn:aws[a-z-]*:s3:::([^/]+)(?:\/(.*))?$/;

/** Bucket and key from an S3 ARN (arn:aws:s3:::bucket or arn:aws:s3:::bucket/key). */
export function parseS3Arn(arn: string): { bucket: string; objectKey: string | null } | undefined {
    const match = S3_ARN.exec(arn);
    if (match === null) return undefined;
    return { bucket: match[1], objectKey: match[2] === undefined || match[2] === "" ? null : match[2] };
}

function s3Target(
    record: CloudTrailRecord,
    context: Record<string, string>,
): { bucket: string | null; objectKey: string | null } {
    if (text(record.eventSource) === S3_EVENT_SOURCE) {
        return {
            bucket: textField(record.requestParameters, "bucketName") ?? null,
            objectKey: textField(record.requestParameters, "key") ?? null,
        };
    }
    const fromContext = context["aws:s3:arn"] === undefined ? undefined : parseS3Arn(context["aws:s3:arn"]);
    return fromContext === undefined ? { bucket: null, objectKey: null } : fromContext;
}

function uploadKey(record: CloudTrailRecord): string | undefined {
    const reference =
        textField(record.responseElements, KMS_KEY_HEADER) ?? textField(record.requestParameters, KMS_KEY_HEADER);
    if (reference === undefined) return undefined;
    return canonicalKeyRef(reference, record) ?? reference;
}

function resourceOf(
    record: CloudTrailRecord,
    bucket: string | null,
    objectKey: string | null,
    keys: string[],
): string | null {
    if (bucket !== null) return objectKey === null ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${objectKey}`;
    const trail = textField(record.requestParameters, "name") ?? textField(record.requestParameters, "trailName");
    if (trail !== undefined) return trail;
    return keys[0] ?? null;
}

/** Builds the event row of a record whose eventTime was already checked. */
export function eventRowOf(record: CloudTrailRecord, time: string, file: string): EventRow {
    const identity = record.userIdentity ?? {};
    const principal = describePrincipal(record);
    const principalArn = text(identity.arn) ?? null;
    const roleArn = text(identity.sessionContext?.sessionIssuer?.arn) ?? null;
    const type = text(identity.type) ?? "Unknown";
    const session =
        type === "AssumedRole" && principalArn !== null ? principalArn.split("/").slice(2).join("/") || null : null;
    const invokedBy =
        text(identity.invokedBy) ??
        (SERVICE_HOST.test(text(record.sourceIPAddress) ?? "") ? text(record.sourceIPAddress) : undefined);
    const context = encryptionContextOf(record);
    const { bucket, objectKey } = s3Target(record, context);
    const eventName = text(record.eventName) ?? "";
    const keys = text(record.eventSource) === S3_EVENT_SOURCE ? [] : keyRefsOf(record);
    const isUpload = text(record.eventSource) === S3_EVENT_SOURCE && UPLOAD_EVENTS.has(eventName);
    if (isUpload) {
        const key = uploadKey(record);
        if (key !== undefined) keys.push(key);
    }
    return {
        time,
        principal: principal.label,
        principalType: type,
        principalArn,
        roleArn,
        session,
        userName: text(identity.userName) ?? text(identity.sessionContext?.sessionIssuer?.userName) ?? null,
        invokedBy: invokedBy ?? null,
        eventSource: text(record.eventSource) ?? "",
        eventName,
        keys,
        bucket,
        objectKey,
        resource: resourceOf(record, bucket, objectKey, keys),
        encryptionContext: context,
        sourceIPAddress: text(record.sourceIPAddress) ?? null,
        userAgent: text(record.userAgent) ?? null,
        errorCode: text(record.errorCode) ?? null,
        errorMessage: text(record.errorMessage) ?? null,
        region: text(record.awsRegion) ?? null,
        account: text(record.recipientAccountId) ?? null,
        eventId: text(record.eventID) ?? null,
        file,
        bucketKey: isUpload && keys.length > 0 ? bucketKeyOf(record) : null,
        kmsCall: null,
    };
}
