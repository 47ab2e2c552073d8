import { AccountContext, PolicyDocument, PolicyStatement, serviceHost } from "./document";

/** How a bucket is encrypted, which decides what its policy demands of uploads. */
export type UploadEncryptionRule =
    /** Every PutObject must name SSE-KMS and this exact key; anything else is refused. */
    | { kind: "require-kms-key-headers"; keyArn: string }
    /**
     * Uploads may omit the headers (the bucket default applies, which is this key) but may never name another
     * algorithm or key. For buckets written by AWS services that do not send the key-id header themselves.
     */
    | { kind: "forbid-other-kms-keys"; keyArn: string }
    /** An SSE-S3 bucket (the access-log target, which cannot be SSE-KMS): no upload rule beyond the default. */
    | { kind: "s3-managed" };

export interface SecureBucketPolicyInputs {
    bucketArn: string;
    encryption: UploadEncryptionRule;
    /** Extra statements the bucket's role needs (CloudTrail or log delivery), placed after the guards. */
    additionalStatements?: PolicyStatement[];
}

function denyInsecureTransport(bucketArn: string): PolicyStatement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

function uploadEncryptionStatements(bucketArn: string, rule: UploadEncryptionRule): PolicyStatement[] {
    const objects = `${bucketArn}/*`;
    switch (rule.kind) {
        case "require-kms-key-headers":
            // A missing header makes StringNotEquals true, so these also refuse uploads that name no encryption.
            return [
                {
                    Sid: "DenyUploadsWithoutSseKms",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:PutObject",
                    Resource: objects,
                    Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"] } },
                },
                {
                    Sid: "DenyUploadsWithAnotherKey",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:PutObject",
                    Resource: objects,
                    Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": rule.keyArn } },
                },
            ];
        case "forbid-other-kms-keys":
            return [
                {
                    Sid: "DenyUploadsWithAnotherAlgorithm",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:PutObject",
                    Resource: objects,
                    Condition: {
                        StringNotEquals: { "s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"] },
                        Null: { "s3:x-amz-server-side-encryption": "false" },
                    },
                },
                {
                    Sid: "DenyUploadsWithAnotherKey",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:PutObject",
                    Resource: objects,
                    Condition: {
                        StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": rule.keyArn },
                        Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
                    },
                },
            ];
        case "s3-managed":
            return [];
    }
}

/**
 * The policy every bucket of the baseline carries: TLS only, uploads encrypted as the bucket demands, then the
 * bucket's own service grants.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
 */
export function buildSecureBucketPolicy(inputs: SecureBucketPolicyInputs): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            denyInsecureTransport(inputs.bucketArn),
            ...uploadEncryptionStatements(inputs.bucketArn, inputs.encryption),
            ...(inputs.additionalStatements ?? []),
        ],
    };
}

/**
 * CloudTrail's delivery grants: check the ACL, and write under `AWSLogs/<account>/` with the owner in full control,
 * for this trail only (`aws:SourceArn` stops a trail in another account using the bucket: the confused deputy).
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 */
export function cloudTrailDeliveryStatements(account: AccountContext, bucketArn: string, trailArn: string): PolicyStatement[] {
    const cloudtrail = { Service: serviceHost(account, "cloudtrail") };
    return [
        {
            Sid: "CloudTrailAclCheck",
            Effect: "Allow",
            Principal: cloudtrail,
            Action: "s3:GetBucketAcl",
            Resource: bucketArn,
            Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
        {
            Sid: "CloudTrailWrite",
            Effect: "Allow",
            Principal: cloudtrail,
            Action: "s3:PutObject",
            Resource: `${bucketArn}/AWSLogs/${account.accountId}/*`,
            Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn } },
        },
    ];
}

/**
 * S3 server access log delivery into the access-log bucket, only from the named source buckets of this account.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 */
export function accessLogDeliveryStatements(account: AccountContext, bucketArn: string, sourceBucketArns: string[]): PolicyStatement[] {
    return [
        {
            Sid: "S3ServerAccessLogDelivery",
            Effect: "Allow",
            Principal: { Service: serviceHost(account, "logging.s3") },
            Action: "s3:PutObject",
            Resource: `${bucketArn}/*`,
            Condition: {
                ArnLike: { "aws:SourceArn": sourceBucketArns },
                StringEquals: { "aws:SourceAccount": account.accountId },
            },
        },
    ];
}
