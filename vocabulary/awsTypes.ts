/**
 * Pulumi AWS type tokens, `aws:<module>/<member>:<Type>`: the one place the project spells them outside tests.
 *
 * A resource token is the `__pulumiType` of the @pulumi/aws class (node_modules/@pulumi/aws/kms/key.js declares
 * `static __pulumiType` as `aws:kms/key:Key`); a data-source token is the name the provider's function passes to
 * `pulumi.runtime.invoke` (e.g. @pulumi/aws/getRegion.js). The provider's declaration files leave `__pulumiType` out
 * (it is `@internal`), so no type-only check can see it: tests/vocabulary/awsTypes.test.ts compares every token
 * here with the installed provider (@pulumi/aws 7.48.0) instead. Plain strings, so that the policy pack can match
 * types without loading @pulumi/aws (docs/benchmarks.md: the pack's start-up).
 */

// KMS
export const KMS_KEY = "aws:kms/key:Key";
export const KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";
export const KMS_REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey";
export const KMS_EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey";
export const KMS_REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey";
export const KMS_GRANT = "aws:kms/grant:Grant";
export const KMS_ALIAS = "aws:kms/alias:Alias";

// S3: the v7 resources and their deprecated V2 twins, which programs written for v6 still register.
export const S3_BUCKET = "aws:s3/bucket:Bucket";
export const S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2";
export const S3_BUCKET_ENCRYPTION =
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
export const S3_BUCKET_ENCRYPTION_V2 =
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2";
export const S3_BUCKET_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
export const S3_BUCKET_OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
export const S3_BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl";
export const S3_BUCKET_ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2";
export const S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const S3_BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
export const S3_BUCKET_VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2";
export const S3_BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging";
export const S3_BUCKET_LOGGING_V2 = "aws:s3/bucketLoggingV2:BucketLoggingV2";

// CloudTrail, CloudWatch, SNS, CloudFront
export const CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail";
export const CLOUDWATCH_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const CLOUDWATCH_LOG_METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";
export const CLOUDWATCH_METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const SNS_TOPIC = "aws:sns/topic:Topic";
export const CLOUDFRONT_DISTRIBUTION = "aws:cloudfront/distribution:Distribution";

// EBS, EC2, RDS
export const EBS_VOLUME = "aws:ebs/volume:Volume";
export const EBS_ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault";
export const EBS_DEFAULT_KMS_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey";
export const EC2_INSTANCE = "aws:ec2/instance:Instance";
export const EC2_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const EC2_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const RDS_CLUSTER = "aws:rds/cluster:Cluster";

// IAM
export const IAM_ROLE = "aws:iam/role:Role";
export const IAM_USER = "aws:iam/user:User";
export const IAM_GROUP = "aws:iam/group:Group";
export const IAM_POLICY = "aws:iam/policy:Policy";
export const IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
export const IAM_USER_POLICY = "aws:iam/userPolicy:UserPolicy";
export const IAM_GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy";
export const IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
export const IAM_USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment";
export const IAM_GROUP_POLICY_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment";
export const IAM_POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment";

// Other services the benchmarks' synthetic stacks register (resources no rule reads).
export const LAMBDA_FUNCTION = "aws:lambda/function:Function";
export const SQS_QUEUE = "aws:sqs/queue:Queue";
export const DYNAMODB_TABLE = "aws:dynamodb/table:Table";

/** Data sources (provider functions) the offline gate answers under mocks (gate/dataSources.ts). */
export const DATA_SOURCES = {
    getPolicyDocument: "aws:iam/getPolicyDocument:getPolicyDocument",
    getArn: "aws:index/getArn:getArn",
    getPartition: "aws:index/getPartition:getPartition",
    getRegion: "aws:index/getRegion:getRegion",
    getCallerIdentity: "aws:index/getCallerIdentity:getCallerIdentity",
    getServicePrincipal: "aws:index/getServicePrincipal:getServicePrincipal",
    getAvailabilityZones: "aws:index/getAvailabilityZones:getAvailabilityZones",
    getVpc: "aws:ec2/getVpc:getVpc",
    getSubnets: "aws:ec2/getSubnets:getSubnets",
    getAmi: "aws:ec2/getAmi:getAmi",
} as const;

/** The module of a token, which is the service's IAM prefix for nearly every module (`aws:kms/key:Key` -> `kms`). */
export function moduleOfType(type: string): string | undefined {
    return /^aws:([a-z0-9]+)\//.exec(type)?.[1];
}
