/**
 * Which CloudTrail events the audit reports, and how it reads their outcome.
 * KMS event names: https://docs.aws.amazon.com/kms/latest/developerguide/understanding-kms-entries.html
 * CloudTrail API: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Operations.html
 */
export const KMS_SOURCE = "kms.amazonaws.com";
export const CLOUDTRAIL_SOURCE = "cloudtrail.amazonaws.com";
export const S3_SOURCE = "s3.amazonaws.com";

/** Cryptographic operations that use the key material: what "who used the key" counts. */
export const KEY_USE_EVENTS: ReadonlySet<string> = new Set([
    "Encrypt",
    "Decrypt",
    "ReEncrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
]);

/** Changes to the key's state, policy, grants, rotation, material or aliases. */
export const KEY_LIFECYCLE_EVENTS: ReadonlySet<string> = new Set([
    "CreateKey",
    "DisableKey",
    "EnableKey",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "DeleteKey",
    "PutKeyPolicy",
    "CreateGrant",
    "RevokeGrant",
    "RetireGrant",
    "EnableKeyRotation",
    "DisableKeyRotation",
    "RotateKeyOnDemand",
    "ImportKeyMaterial",
    "DeleteImportedKeyMaterial",
    "CreateAlias",
    "UpdateAlias",
    "DeleteAlias",
    "ReplicateKey",
    "UpdatePrimaryRegion",
]);

/** Calls that stop, remove or narrow what the trail records; StartLogging is kept to show when a gap ended. */
export const TRAIL_CHANGE_EVENTS: ReadonlySet<string> = new Set([
    "StopLogging",
    "StartLogging",
    "DeleteTrail",
    "UpdateTrail",
    "PutEventSelectors",
    "PutInsightSelectors",
]);

/** Object writes; a multipart upload is counted once, at creation, where S3 records its encryption. */
export const UPLOAD_EVENTS: ReadonlySet<string> = new Set([
    "PutObject",
    "CopyObject",
    "CreateMultipartUpload",
    "InitiateMultipartUpload",
]);

/**
 * Error codes meaning "not authorised". Other errors (KMSInvalidStateException for a disabled or pending-deletion
 * key, IncorrectKeyException, InvalidCiphertextException, ...) are failed calls, reported apart from denials.
 */
export const DENIAL_CODES: ReadonlySet<string> = new Set([
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
]);
