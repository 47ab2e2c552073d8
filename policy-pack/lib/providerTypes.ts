/**
 * The provider's property names, for compile-time checks only (lib/rule.ts: PropsOf, StackPropsOf). A resource
 * rule sees a resource's inputs, a stack rule the stack's resources with their outputs
 * (node_modules/@pulumi/policy/policy.d.ts: `ResourceValidationArgs.props` "The inputs of the resource",
 * `PolicyResource.props` "The outputs of the resource"), so each type maps to its `...Args` interface in
 * @pulumi/aws for the one and its `...State` interface (inputs and outputs) for the other.
 * Only `import type`: erased from the compiled pack, which must start without loading the provider
 * (docs/benchmarks.md; lint/pack-no-aws-values.grit rejects value imports, and tests/ci/packImports.test.ts checks
 * that loading the pack loads nothing of @pulumi/aws).
 */
import type { TrailArgs, TrailState } from "@pulumi/aws/cloudtrail/trail";
import type { DistributionState } from "@pulumi/aws/cloudfront/distribution";
import type { LogGroupArgs } from "@pulumi/aws/cloudwatch/logGroup";
import type { EncryptionByDefaultArgs } from "@pulumi/aws/ebs/encryptionByDefault";
import type { VolumeArgs } from "@pulumi/aws/ebs/volume";
import type { InstanceArgs as Ec2InstanceArgs } from "@pulumi/aws/ec2/instance";
import type { LaunchTemplateArgs } from "@pulumi/aws/ec2/launchTemplate";
import type { ExternalKeyArgs } from "@pulumi/aws/kms/externalKey";
import type { GrantArgs } from "@pulumi/aws/kms/grant";
import type { KeyArgs } from "@pulumi/aws/kms/key";
import type { KeyPolicyArgs } from "@pulumi/aws/kms/keyPolicy";
import type { ReplicaExternalKeyArgs } from "@pulumi/aws/kms/replicaExternalKey";
import type { ReplicaKeyArgs } from "@pulumi/aws/kms/replicaKey";
import type { ClusterArgs } from "@pulumi/aws/rds/cluster";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type {
    AccountPublicAccessBlockArgs,
    AccountPublicAccessBlockState,
} from "@pulumi/aws/s3/accountPublicAccessBlock";
import type { BucketArgs, BucketState } from "@pulumi/aws/s3/bucket";
import type { BucketAclState } from "@pulumi/aws/s3/bucketAcl";
import type { BucketAclV2State } from "@pulumi/aws/s3/bucketAclV2";
import type { BucketLoggingState } from "@pulumi/aws/s3/bucketLogging";
import type { BucketLoggingV2State } from "@pulumi/aws/s3/bucketLoggingV2";
import type { BucketOwnershipControlsState } from "@pulumi/aws/s3/bucketOwnershipControls";
import type { BucketPolicyArgs, BucketPolicyState } from "@pulumi/aws/s3/bucketPolicy";
import type { BucketPublicAccessBlockArgs, BucketPublicAccessBlockState } from "@pulumi/aws/s3/bucketPublicAccessBlock";
// biome-ignore format: one specifier on one line would run past 120 columns
import type {
    BucketServerSideEncryptionConfigurationState,
} from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
// biome-ignore format: one specifier on one line would run past 120 columns
import type {
    BucketServerSideEncryptionConfigurationV2State,
} from "@pulumi/aws/s3/bucketServerSideEncryptionConfigurationV2";
import type { BucketV2Args, BucketV2State } from "@pulumi/aws/s3/bucketV2";
import type { BucketVersioningState } from "@pulumi/aws/s3/bucketVersioning";
import type { BucketVersioningV2State } from "@pulumi/aws/s3/bucketVersioningV2";
import type { TopicArgs } from "@pulumi/aws/sns/topic";

import type {
    KEY,
    KEY_POLICY,
    REPLICA_KEY,
    EXTERNAL_KEY,
    REPLICA_EXTERNAL_KEY,
    GRANT,
    BUCKET,
    BUCKET_V2,
    SSE,
    SSE_V2,
    PUBLIC_ACCESS_BLOCK,
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    OWNERSHIP_CONTROLS,
    ACL,
    ACL_V2,
    POLICY,
    VERSIONING,
    VERSIONING_V2,
    LOGGING,
    LOGGING_V2,
    TRAIL,
    DISTRIBUTION,
    LOG_GROUP,
    TOPIC,
    RDS_INSTANCE,
    RDS_CLUSTER,
    EBS_ENCRYPTION_BY_DEFAULT,
    VOLUME,
    INSTANCE,
    LAUNCH_TEMPLATE,
} from "./types";

/** Input properties of each type a resource rule applies to. */
export interface ArgsByType {
    [KEY]: KeyArgs;
    [KEY_POLICY]: KeyPolicyArgs;
    [REPLICA_KEY]: ReplicaKeyArgs;
    [EXTERNAL_KEY]: ExternalKeyArgs;
    [REPLICA_EXTERNAL_KEY]: ReplicaExternalKeyArgs;
    [GRANT]: GrantArgs;
    [BUCKET]: BucketArgs;
    [BUCKET_V2]: BucketV2Args;
    [PUBLIC_ACCESS_BLOCK]: BucketPublicAccessBlockArgs;
    [ACCOUNT_PUBLIC_ACCESS_BLOCK]: AccountPublicAccessBlockArgs;
    [POLICY]: BucketPolicyArgs;
    [TRAIL]: TrailArgs;
    [LOG_GROUP]: LogGroupArgs;
    [TOPIC]: TopicArgs;
    [RDS_INSTANCE]: RdsInstanceArgs;
    [RDS_CLUSTER]: ClusterArgs;
    [EBS_ENCRYPTION_BY_DEFAULT]: EncryptionByDefaultArgs;
    [VOLUME]: VolumeArgs;
    [INSTANCE]: Ec2InstanceArgs;
    [LAUNCH_TEMPLATE]: LaunchTemplateArgs;
}

/** Input and output properties of each type a stack rule reads. */
export interface StateByType {
    [BUCKET]: BucketState;
    [BUCKET_V2]: BucketV2State;
    [SSE]: BucketServerSideEncryptionConfigurationState;
    [SSE_V2]: BucketServerSideEncryptionConfigurationV2State;
    [PUBLIC_ACCESS_BLOCK]: BucketPublicAccessBlockState;
    [ACCOUNT_PUBLIC_ACCESS_BLOCK]: AccountPublicAccessBlockState;
    [OWNERSHIP_CONTROLS]: BucketOwnershipControlsState;
    [ACL]: BucketAclState;
    [ACL_V2]: BucketAclV2State;
    [POLICY]: BucketPolicyState;
    [VERSIONING]: BucketVersioningState;
    [VERSIONING_V2]: BucketVersioningV2State;
    [LOGGING]: BucketLoggingState;
    [LOGGING_V2]: BucketLoggingV2State;
    [TRAIL]: TrailState;
    [DISTRIBUTION]: DistributionState;
}

/** A type token a resource rule may name: one whose argument types the pack knows. */
export type RuleType = keyof ArgsByType;

/** A type token a stack rule may read resources of with typed properties. */
export type StackType = keyof StateByType;
