/**
 * The AWS type tokens and KMS action groups the pack matches, in one place (the shared vocabulary module is to
 * supply them). Every token is the `__pulumiType` of its class in @pulumi/aws 7.48 (tests/policy-pack/catalog.test.ts
 * checks them against the installed package); lists are `as const` so that a rule's `types` keep their literal tokens
 * (lib/providerTypes.ts maps each to its property names).
 */
export const KEY = "aws:kms/key:Key";
export const KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";
export const REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey";
export const EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey";
export const REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey";
export const GRANT = "aws:kms/grant:Grant";

/**
 * Every KMS key type @pulumi/aws 7.48 offers (kms/key.js, replicaKey.js, externalKey.js, replicaExternalKey.js
 * `__pulumiType`). All have a key policy, the lockout safety switch and a deletion window; only `Key` can
 * rotate automatically: keys with imported key material cannot, and a multi-Region replica follows the
 * setting of its primary key (https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html).
 */
export const KEY_TYPES = [KEY, REPLICA_KEY, EXTERNAL_KEY, REPLICA_EXTERNAL_KEY] as const;
/** Resources that carry a key policy document. */
export const KEY_POLICY_TYPES = [...KEY_TYPES, KEY_POLICY] as const;

export const BUCKET = "aws:s3/bucket:Bucket";
export const BUCKET_V2 = "aws:s3/bucketV2:BucketV2";
export const BUCKET_TYPES = [BUCKET, BUCKET_V2] as const;
export const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
export const SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2";
export const SSE_TYPES = [SSE, SSE_V2] as const;
export const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
export const OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
export const ACL = "aws:s3/bucketAcl:BucketAcl";
export const ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2";
export const ACL_TYPES = [ACL, ACL_V2] as const;
export const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
export const VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2";
export const VERSIONING_TYPES = [VERSIONING, VERSIONING_V2] as const;
export const LOGGING = "aws:s3/bucketLogging:BucketLogging";
export const LOGGING_V2 = "aws:s3/bucketLoggingV2:BucketLoggingV2";
export const LOGGING_TYPES = [LOGGING, LOGGING_V2] as const;
export const TRAIL = "aws:cloudtrail/trail:Trail";
export const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";

export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const TOPIC = "aws:sns/topic:Topic";
export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const RDS_CLUSTER = "aws:rds/cluster:Cluster";
export const EBS_ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault";
export const VOLUME = "aws:ebs/volume:Volume";
export const INSTANCE = "aws:ec2/instance:Instance";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** The key's cryptographic operations (a key administrator should not also hold these). */
export const CRYPTO_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:Sign",
    "kms:Verify",
    "kms:GenerateMac",
    "kms:VerifyMac",
    "kms:DeriveSharedSecret",
];
/** The actions that administer a key: its policy, deletion, state, aliases, tags and rotation. */
export const ADMIN_ACTIONS = [
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:UpdateKeyDescription",
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:UpdateAlias",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
];

/** Whether `type` is one of `types` (an `includes` that takes any string: `as const` lists reject one). */
export function isOneOf<T extends string>(types: readonly T[], type: string): type is T {
    return (types as readonly string[]).includes(type);
}
