/**
 * The AWS type tokens and KMS action groups the pack matches, under the names the rules use, taken from the shared
 * vocabulary (vocabulary/awsTypes.ts, vocabulary/kmsActions.ts: the one place each is spelled, held to the installed
 * @pulumi/aws and the service authorization reference by tests/vocabulary/). Lists are `as const` so that a rule's
 * `types` keep their literal tokens (lib/providerTypes.ts maps each to its property names).
 */
import * as AWS from "../../vocabulary/awsTypes";
import { ADMINISTERS_KEY_ACTIONS, USES_KEY_ACTIONS } from "../../vocabulary/kmsActions";

export const KEY = AWS.KMS_KEY;
export const KEY_POLICY = AWS.KMS_KEY_POLICY;
export const REPLICA_KEY = AWS.KMS_REPLICA_KEY;
export const EXTERNAL_KEY = AWS.KMS_EXTERNAL_KEY;
export const REPLICA_EXTERNAL_KEY = AWS.KMS_REPLICA_EXTERNAL_KEY;
export const GRANT = AWS.KMS_GRANT;

/**
 * Every KMS key type @pulumi/aws 7.48 offers (kms/key.js, replicaKey.js, externalKey.js, replicaExternalKey.js
 * `__pulumiType`). All have a key policy, the lockout safety switch and a deletion window; only `Key` can
 * rotate automatically: keys with imported key material cannot, and a multi-Region replica follows the
 * setting of its primary key (https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html).
 */
export const KEY_TYPES = [KEY, REPLICA_KEY, EXTERNAL_KEY, REPLICA_EXTERNAL_KEY] as const;
/** Resources that carry a key policy document. */
export const KEY_POLICY_TYPES = [...KEY_TYPES, KEY_POLICY] as const;

export const BUCKET = AWS.S3_BUCKET;
export const BUCKET_V2 = AWS.S3_BUCKET_V2;
export const BUCKET_TYPES = [BUCKET, BUCKET_V2] as const;
export const SSE = AWS.S3_BUCKET_ENCRYPTION;
export const SSE_V2 = AWS.S3_BUCKET_ENCRYPTION_V2;
export const SSE_TYPES = [SSE, SSE_V2] as const;
export const PUBLIC_ACCESS_BLOCK = AWS.S3_BUCKET_PUBLIC_ACCESS_BLOCK;
export const ACCOUNT_PUBLIC_ACCESS_BLOCK = AWS.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK;
export const OWNERSHIP_CONTROLS = AWS.S3_BUCKET_OWNERSHIP_CONTROLS;
export const ACL = AWS.S3_BUCKET_ACL;
export const ACL_V2 = AWS.S3_BUCKET_ACL_V2;
export const ACL_TYPES = [ACL, ACL_V2] as const;
export const POLICY = AWS.S3_BUCKET_POLICY;
export const VERSIONING = AWS.S3_BUCKET_VERSIONING;
export const VERSIONING_V2 = AWS.S3_BUCKET_VERSIONING_V2;
export const VERSIONING_TYPES = [VERSIONING, VERSIONING_V2] as const;
export const LOGGING = AWS.S3_BUCKET_LOGGING;
export const LOGGING_V2 = AWS.S3_BUCKET_LOGGING_V2;
export const LOGGING_TYPES = [LOGGING, LOGGING_V2] as const;
export const TRAIL = AWS.CLOUDTRAIL_TRAIL;
export const DISTRIBUTION = AWS.CLOUDFRONT_DISTRIBUTION;

export const LOG_GROUP = AWS.CLOUDWATCH_LOG_GROUP;
export const TOPIC = AWS.SNS_TOPIC;
export const RDS_INSTANCE = AWS.RDS_INSTANCE;
export const RDS_CLUSTER = AWS.RDS_CLUSTER;
export const EBS_ENCRYPTION_BY_DEFAULT = AWS.EBS_ENCRYPTION_BY_DEFAULT;
export const VOLUME = AWS.EBS_VOLUME;
export const INSTANCE = AWS.EC2_INSTANCE;
export const LAUNCH_TEMPLATE = AWS.EC2_LAUNCH_TEMPLATE;

/**
 * What kms-key-admin-separation counts as using and as administering a key; why these differ from the key policy
 * builder's lists is written beside them (vocabulary/kmsActions.ts).
 */
export const CRYPTO_ACTIONS = [...USES_KEY_ACTIONS];
export const ADMIN_ACTIONS = [...ADMINISTERS_KEY_ACTIONS];

/** Whether `type` is one of `types` (an `includes` that takes any string: `as const` lists reject one). */
export function isOneOf<T extends string>(types: readonly T[], type: string): type is T {
    return (types as readonly string[]).includes(type);
}
