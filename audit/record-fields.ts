/**
 * Reads what the report shows from one CloudTrail record: the event summary, the request parameters that explain a
 * change, the encryption context a service used a key for, and how an upload was encrypted. Log files are untrusted,
 * so every field goes through audit/record.ts's narrowing helpers.
 * Field reference:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
import { canonicalKeyRef } from "./keys";
import { Principal } from "./principal";
import { CloudTrailRecord, field, text, textField } from "./record";
import { AuditEvent, EncryptionAppliedBy, UploadEncryption } from "./report";

const DETAIL_PARAMETERS = [
    "aliasName",
    "targetKeyId",
    "granteePrincipal",
    "retiringPrincipal",
    "operations",
    "grantId",
    "pendingWindowInDays",
    "policyName",
    "rotationPeriodInDays",
    "name",
    "trailName",
    "s3BucketName",
    "kmsKeyId",
    "isMultiRegionTrail",
    "includeGlobalServiceEvents",
    "enableLogFileValidation",
    "bucketName",
    "key",
];
const SELECTOR_PARAMETERS = ["eventSelectors", "advancedEventSelectors", "insightSelectors"];
const MAX_DETAIL_LENGTH = 500;

export function detailsOf(record: CloudTrailRecord): Record<string, string> {
    const details: Record<string, string> = {};
    const params = record.requestParameters;
    for (const name of DETAIL_PARAMETERS) {
        const value = field(params, name);
        if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
            details[name] = String(value);
        } else if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
            details[name] = value.join(",");
        }
    }
    for (const name of SELECTOR_PARAMETERS) {
        const value = field(params, name);
        if (value !== undefined && value !== null) details[name] = JSON.stringify(value).slice(0, MAX_DETAIL_LENGTH);
    }
    const deletionDate = textField(record.responseElements, "deletionDate");
    if (deletionDate !== undefined) details.deletionDate = deletionDate;
    return details;
}

/** One record as a report event, about `target` (a key, trail or object), read from `file`. */
export function auditEventOf(
    record: CloudTrailRecord,
    principal: Principal,
    time: string,
    target: string | null,
    file: string,
): AuditEvent {
    return {
        time,
        eventName: text(record.eventName) ?? "",
        eventSource: text(record.eventSource) ?? "",
        principal: principal.label,
        principalType: principal.type,
        via: principal.via ?? null,
        sourceIPAddress: text(record.sourceIPAddress) ?? null,
        region: text(record.awsRegion) ?? null,
        account: text(record.recipientAccountId) ?? null,
        errorCode: text(record.errorCode) ?? null,
        errorMessage: text(record.errorMessage) ?? null,
        target,
        details: detailsOf(record),
        eventId: text(record.eventID) ?? null,
        file,
    };
}

/** The trail ARN or bucket ARN a service named in the encryption context, when it used the key for one. */
export function contextOf(record: CloudTrailRecord): string | null {
    const context = field(record.requestParameters, "encryptionContext");
    const trailArn = textField(context, "aws:cloudtrail:arn");
    if (trailArn !== undefined) return trailArn;
    const s3Arn = textField(context, "aws:s3:arn");
    if (s3Arn === undefined) return null;
    const slash = s3Arn.indexOf("/");
    return slash === -1 ? s3Arn : s3Arn.slice(0, slash);
}

export function uploadEncryption(record: CloudTrailRecord): {
    encryption: UploadEncryption;
    appliedBy: EncryptionAppliedBy;
} {
    const applied = textField(record.additionalEventData, "SSEApplied");
    const header =
        textField(record.responseElements, "x-amz-server-side-encryption") ??
        textField(record.requestParameters, "x-amz-server-side-encryption");
    const appliedBy: EncryptionAppliedBy =
        applied === undefined
            ? header === undefined
                ? "not recorded"
                : "request"
            : applied.startsWith("Default_")
              ? "bucket default"
              : "request";
    const kind = applied?.replace(/^Default_/, "");
    if (header === "aws:kms:dsse" || kind === "DSSE_KMS") return { encryption: "DSSE-KMS", appliedBy };
    if (header === "aws:kms" || kind === "SSE_KMS") return { encryption: "SSE-KMS", appliedBy };
    if (header === "AES256" || kind === "SSE_S3") return { encryption: "SSE-S3", appliedBy };
    if (kind === "SSE_C" || textField(record.requestParameters, "x-amz-server-side-encryption-customer-algorithm")) {
        return { encryption: "SSE-C", appliedBy };
    }
    return { encryption: "not recorded", appliedBy };
}

export function uploadKmsKey(record: CloudTrailRecord): string | null {
    const name = "x-amz-server-side-encryption-aws-kms-key-id";
    const reference = textField(record.responseElements, name) ?? textField(record.requestParameters, name);
    if (reference === undefined) return null;
    return canonicalKeyRef(reference, record) ?? reference;
}
