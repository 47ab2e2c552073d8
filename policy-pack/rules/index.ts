/**
 * Every rule of the pack, in the order the engine evaluates and reports them. The one file under rules/ that
 * imports rule files (biome.json forbids it elsewhere): shared logic lives in lib/.
 */
import type { Rule } from "../lib/rule";
import { cloudtrailBucketProtected } from "./cloudtrailBucket";
import {
    cloudtrailCloudWatchLogs,
    cloudtrailInsightsWriteEvents,
    cloudtrailKmsEncryption,
    cloudtrailLogFileValidation,
    cloudtrailLoggingEnabled,
    cloudtrailManagementEvents,
    cloudtrailMultiRegion,
    cloudtrailStackCoverage,
} from "./cloudtrailTrail";
import { ebsEncryptionByDefault, ebsVolumeEncrypted } from "./ebs";
import { kmsGrantSameAccount } from "./kmsGrant";
import { kmsKeyDeletionWindow, kmsKeyNoLockoutBypass, kmsKeyRotation } from "./kmsKey";
import { kmsKeyAdminSeparation, kmsKeyPolicyNoPublicPrincipal } from "./kmsKeyPolicy";
import { logsGroupKmsEncrypted, logsGroupRetention } from "./logs";
import { rdsStorageEncrypted } from "./rds";
import { s3BucketSseKms } from "./s3Encryption";
import { s3BucketOwnerEnforced } from "./s3Ownership";
import { s3BucketPolicyNoPublicPrincipal, s3BucketPublicAccessBlock, s3PublicAccessBlockFlags } from "./s3PublicAccess";
import { s3BucketTlsOnly } from "./s3TlsOnly";
import { snsTopicKmsEncrypted } from "./sns";

export const allRules: readonly Rule[] = [
    kmsKeyRotation,
    kmsKeyDeletionWindow,
    kmsKeyNoLockoutBypass,
    kmsKeyPolicyNoPublicPrincipal,
    kmsKeyAdminSeparation,
    kmsGrantSameAccount,
    s3BucketSseKms,
    s3BucketPublicAccessBlock,
    s3PublicAccessBlockFlags,
    s3BucketTlsOnly,
    s3BucketOwnerEnforced,
    s3BucketPolicyNoPublicPrincipal,
    cloudtrailMultiRegion,
    cloudtrailLogFileValidation,
    cloudtrailKmsEncryption,
    cloudtrailLoggingEnabled,
    cloudtrailManagementEvents,
    cloudtrailCloudWatchLogs,
    cloudtrailInsightsWriteEvents,
    cloudtrailBucketProtected,
    cloudtrailStackCoverage,
    logsGroupKmsEncrypted,
    logsGroupRetention,
    snsTopicKmsEncrypted,
    ebsEncryptionByDefault,
    ebsVolumeEncrypted,
    rdsStorageEncrypted,
];
