import { SSE_KMS_ALGORITHMS } from "../../vocabulary/s3Encryption";
import { PolicyDocument, PolicyStatement } from "../../vocabulary/policyDocument";
import { AccountContext, serviceHost } from "./document";

/** How a bucket is encrypted, which decides what its policy demands of uploads. */
export type UploadEncryptionRule =
    /**
     * SSE-KMS under this key. Uploads may name no encryption (the bucket default, this key, applies) or name SSE-KMS
     * with this key's ARN; naming another algorithm, another key, SSE-C, or SSE-KMS without a key id is refused.
     * `unpolicedPrefixes` (object key prefixes) are exempt, for writers whose encryption headers are not documented.
     */
    | { kind: "this-kms-key"; keyArn: string; unpolicedPrefixes?: string[] }
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

/**
 * The algorithms that use a KMS key (vocabulary/s3Encryption.ts); both take the key from the key-id header, or use
 * `aws/s3` without it.
 */
const KMS_ALGORITHMS = [...SSE_KMS_ALGORITHMS];

/**
 * The upload denies of an SSE-KMS bucket. Since January 2023 S3 encrypts every new object with the bucket's default
 * encryption, and a multipart UploadPart is authorised as s3:PutObject without the encryption headers, so an upload
 * that names nothing must pass: each deny applies only when its header is present (`Null: false`).
 *
 * - Key-id form: only the key ARN is accepted. PutObject takes a key id, ARN or alias in the header; S3's guide says
 *   the policy condition must name the key ARN. Whether S3 resolves an id or alias before comparing is not
 *   documented: compared as sent, they differ from the ARN and are refused; resolved, only this key could pass.
 *   Either way no other key gets through (an alias resolves in the requester's account, another reason to refuse).
 * - `aws:kms` (or `aws:kms:dsse`) without a key id makes S3 use the AWS managed key `aws/s3`, not this key.
 * - SSE-C names no `x-amz-server-side-encryption` at all; its own algorithm header is refused.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (x-amz-server-side-encryption-aws-kms-key-id)
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys
 */
function uploadEncryptionStatements(bucketArn: string, rule: UploadEncryptionRule): PolicyStatement[] {
    if (rule.kind === "s3-managed") {
        return [];
    }
    const exempt = rule.unpolicedPrefixes ?? [];
    // NotResource: every object except the exempt prefixes (a Resource list cannot say "all but").
    const spared = exempt.map((prefix) => `${bucketArn}/${prefix}*`);
    const objects = exempt.length === 0 ? { Resource: `${bucketArn}/*` } : { NotResource: spared };
    const deny = (Sid: string, Condition: PolicyStatement["Condition"]): PolicyStatement => ({
        Sid,
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        ...objects,
        Condition,
    });
    const algorithm = "s3:x-amz-server-side-encryption";
    const keyId = "s3:x-amz-server-side-encryption-aws-kms-key-id";
    const customerAlgorithm = "s3:x-amz-server-side-encryption-customer-algorithm";
    return [
        deny("DenyUploadsWithAnotherAlgorithm", {
            StringNotEquals: { [algorithm]: KMS_ALGORITHMS },
            Null: { [algorithm]: "false" },
        }),
        deny("DenyUploadsWithCustomerProvidedKeys", { Null: { [customerAlgorithm]: "false" } }),
        deny("DenyUploadsWithAnotherKey", { StringNotEquals: { [keyId]: rule.keyArn }, Null: { [keyId]: "false" } }),
        deny("DenyKmsUploadsWithoutKeyId", {
            StringEquals: { [algorithm]: KMS_ALGORITHMS },
            Null: { [keyId]: "true" },
        }),
    ];
}

/** Who may write a log bucket's objects: the one delivering service, identified by the resources it acts for. */
export interface LogBucketGuardInputs {
    bucketArn: string;
    /** `aws:SourceArn` values of the only writers (this trail; or the buckets whose access logs land here). */
    writerSourceArns: string[];
    /** The only principals that may change the bucket's settings; must include the deployment. */
    settingCustodians: string[];
    /** The only principals that may delete objects or versions or loosen their Object Lock; may be empty (nobody). */
    removalCustodians: string[];
}

/** A Deny's condition sparing `principals`; with none to spare, no condition (the Deny binds everyone). */
function exceptPrincipals(principals: string[]): Pick<PolicyStatement, "Condition"> {
    return principals.length === 0 ? {} : { Condition: { ArnNotLike: { "aws:PrincipalArn": principals } } };
}

/** Object-level actions that remove or unprotect a stored version (Object Lock retention and legal holds). */
export const LOG_OBJECT_REMOVAL_ACTIONS = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:BypassGovernanceRetention",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
] as const;

/** Bucket settings whose change would weaken the record: policy, lifecycle, versioning, Object Lock and more. */
export const LOG_BUCKET_SETTING_ACTIONS = [
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketLogging",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
    "s3:PutReplicationConfiguration",
    "s3:DeleteBucket",
] as const;

/**
 * Tamper resistance for a bucket that holds an audit record. An Allow only for the delivering service does not stop
 * same-account principals whose IAM policies grant S3 rights, so these are Denies for everyone:
 * - object writes (including replication into the bucket) unless the request comes from the delivering service
 *   for one of `writerSourceArns` (IAM principals carry no aws:SourceArn, so a missing key is denied too);
 * - deleting objects or versions, and loosening Object Lock, except by the removal custodians (possibly nobody);
 * - changing the bucket's settings except by the setting custodians (the deployment must be among them, or it is
 *   locked out of its own bucket; the account's root user can still replace a bucket policy that denies everyone).
 * Exempt principals are named with aws:PrincipalArn and ArnNotLike, as AWS recommends instead of NotPrincipal.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcearn
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html (root can always replace the policy)
 */
export function logBucketGuardStatements(inputs: LogBucketGuardInputs): PolicyStatement[] {
    if (inputs.settingCustodians.length === 0) {
        throw new Error("logBucketGuardStatements: settingCustodians must name the deployment, or it locks itself out");
    }
    return [
        {
            Sid: "DenyObjectWritesExceptDelivery",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:PutObject", "s3:ReplicateObject", "s3:ReplicateDelete"],
            Resource: `${inputs.bucketArn}/*`,
            Condition: { ArnNotLike: { "aws:SourceArn": inputs.writerSourceArns } },
        },
        {
            Sid: "DenyObjectRemovalExceptCustodians",
            Effect: "Deny",
            Principal: "*",
            Action: [...LOG_OBJECT_REMOVAL_ACTIONS],
            Resource: `${inputs.bucketArn}/*`,
            ...exceptPrincipals(inputs.removalCustodians),
        },
        {
            Sid: "DenySettingChangesExceptCustodians",
            Effect: "Deny",
            Principal: "*",
            Action: [...LOG_BUCKET_SETTING_ACTIONS],
            Resource: inputs.bucketArn,
            ...exceptPrincipals(inputs.settingCustodians),
        },
    ];
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
export function cloudTrailDeliveryStatements(
    account: AccountContext,
    bucketArn: string,
    trailArn: string,
): PolicyStatement[] {
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
export function accessLogDeliveryStatements(
    account: AccountContext,
    bucketArn: string,
    sourceBucketArns: string[],
): PolicyStatement[] {
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
