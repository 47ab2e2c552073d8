/**
 * Each type a resource rule applies to, mapped to its input properties (its `...Args` interface in @pulumi/aws),
 * so that the property names a rule reads or remediates are checked at compile time (lib/rule.ts, PropsOf).
 * Only `import type`: erased from the compiled pack, which must start without loading the provider
 * (docs/benchmarks.md; biome/no-pulumi-aws-values.grit rejects value imports, and
 * tests/policy-pack/catalog.test.ts checks that loading the pack loads nothing of @pulumi/aws).
 */
import type { TrailArgs } from "@pulumi/aws/cloudtrail/trail";
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
import type { AccountPublicAccessBlockArgs } from "@pulumi/aws/s3/accountPublicAccessBlock";
import type { BucketArgs } from "@pulumi/aws/s3/bucket";
import type { BucketPolicyArgs } from "@pulumi/aws/s3/bucketPolicy";
import type { BucketPublicAccessBlockArgs } from "@pulumi/aws/s3/bucketPublicAccessBlock";
import type { BucketV2Args } from "@pulumi/aws/s3/bucketV2";
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
    PUBLIC_ACCESS_BLOCK,
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    POLICY,
    TRAIL,
    LOG_GROUP,
    TOPIC,
    RDS_INSTANCE,
    RDS_CLUSTER,
    EBS_ENCRYPTION_BY_DEFAULT,
    VOLUME,
    INSTANCE,
    LAUNCH_TEMPLATE,
} from "./types";

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

/** A type token a resource rule may name: one whose argument types the pack knows. */
export type RuleType = keyof ArgsByType;
