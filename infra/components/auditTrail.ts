import * as pulumi from "@pulumi/pulumi";
import * as cloudtrail from "@pulumi/aws/cloudtrail";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import { ObjectLockSetting } from "../config";
import { PolicyStatement } from "../../vocabulary/policyDocument";
import { AccountContext, logGroupArn, trailArn } from "../policies/document";
import { cloudTrailDeliveryStatements, logBucketGuardStatements } from "../policies/bucketPolicies";
import { buildTrailDeliveryPermissions, buildTrailDeliveryTrustPolicy } from "../policies/trailDeliveryRole";
import { SecureBucket } from "./secureBucket";

export interface AuditTrailArgs {
    environment: string;
    account: pulumi.Output<AccountContext>;
    /** Chosen by us so that the trail's ARN is known before the trail exists (the key policy needs it). */
    trailName: string;
    logGroupName: string;
    keyArn: pulumi.Input<string>;
    /** Buckets (ARNs) whose object-level reads and writes are recorded as data events. */
    dataEventBucketArns: pulumi.Input<string>[];
    insights: boolean;
    logRetentionDays: number;
    logBucketLifecycle: { transitionDays: number; expirationDays: number };
    noncurrentVersionExpirationDays: number;
    /** Who may change the bucket's settings, and who may delete its objects (see `logBucketGuardStatements`). */
    custodians: { settings: string[]; removal: string[] };
    objectLock: ObjectLockSetting;
    protect: boolean;
    /** Who else may read the log files, given the log bucket's ARN (the Athena auditors). */
    logReadStatements?: (logBucketArn: string) => PolicyStatement[];
}

/**
 * Where CloudTrail puts digest files. AWS's pages disagree on how digests are encrypted (SSE-S3 on one, the trail's
 * KMS key on another), so the log bucket's upload-encryption rule spares this prefix: refusing a digest would break
 * log file integrity validation. Digests are signed by CloudTrail and hold hashes, not events; only CloudTrail for
 * this trail may write them (DenyObjectWritesExceptDelivery).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html
 */
export function digestPrefix(account: AccountContext): string {
    return `AWSLogs/${account.accountId}/CloudTrail-Digest/`;
}

/**
 * A multi-region CloudTrail trail with log file validation and KMS encryption, delivering to its own locked-down
 * bucket and to an encrypted CloudWatch Logs group through a role that can write nowhere else.
 */
export class AuditTrail extends pulumi.ComponentResource {
    public readonly trail: cloudtrail.Trail;
    public readonly logBucket: SecureBucket;
    public readonly logGroup: cloudwatch.LogGroup;
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kms-audit:index:AuditTrail", name, {}, opts);
        const thisTrailArn = args.account.apply((ctx) => trailArn(ctx, args.trailName));

        this.logBucket = new SecureBucket(
            `${name}-logs`,
            {
                environment: args.environment,
                encryption: {
                    kind: "kms",
                    keyArn: args.keyArn,
                    unpolicedPrefixes: args.account.apply((ctx) => [digestPrefix(ctx)]),
                },
                noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays,
                currentVersionLifecycle: args.logBucketLifecycle,
                objectLock: args.objectLock,
                grants: (bucketArn) =>
                    pulumi.all([args.account, bucketArn, thisTrailArn]).apply(([ctx, arn, trail]) => [
                        ...logBucketGuardStatements({
                            bucketArn: arn,
                            writerSourceArns: [trail],
                            settingCustodians: args.custodians.settings,
                            removalCustodians: args.custodians.removal,
                        }),
                        ...cloudTrailDeliveryStatements(ctx, arn, trail),
                        ...(args.logReadStatements?.(arn) ?? []),
                    ]),
                forceDestroy: !args.protect,
                protect: args.protect,
            },
            { parent: this },
        );

        this.logGroup = new cloudwatch.LogGroup(
            name,
            {
                name: args.logGroupName,
                kmsKeyId: args.keyArn,
                retentionInDays: args.logRetentionDays,
                tags: { Environment: args.environment, ManagedBy: "kms-audit" },
            },
            { parent: this, protect: args.protect },
        );

        const deliveryRole = new iam.Role(
            `${name}-cloudwatch-delivery`,
            {
                description: `Lets CloudTrail trail ${args.trailName} write to ${args.logGroupName}`,
                assumeRolePolicy: args.account.apply((ctx) => JSON.stringify(buildTrailDeliveryTrustPolicy(ctx))),
            },
            { parent: this },
        );
        const deliveryPolicy = new iam.RolePolicy(
            `${name}-cloudwatch-delivery`,
            {
                role: deliveryRole.id,
                policy: args.account.apply((ctx) =>
                    JSON.stringify(buildTrailDeliveryPermissions(ctx, logGroupArn(ctx, args.logGroupName))),
                ),
            },
            { parent: this },
        );

        this.trail = new cloudtrail.Trail(
            name,
            {
                name: args.trailName,
                s3BucketName: this.logBucket.name,
                kmsKeyId: args.keyArn,
                isMultiRegionTrail: true,
                includeGlobalServiceEvents: true,
                enableLogFileValidation: true,
                enableLogging: true,
                // CloudTrail wants the log group ARN with the ':*' stream wildcard.
                cloudWatchLogsGroupArn: pulumi.interpolate`${this.logGroup.arn}:*`,
                cloudWatchLogsRoleArn: deliveryRole.arn,
                eventSelectors: [
                    {
                        readWriteType: "All",
                        includeManagementEvents: true,
                        excludeManagementEventSources: [],
                        dataResources: [
                            {
                                type: "AWS::S3::Object",
                                // A trailing '/' selects every object in the bucket.
                                values: args.dataEventBucketArns.map((arn) => pulumi.interpolate`${arn}/`),
                            },
                        ],
                    },
                ],
                insightSelectors: args.insights
                    ? [{ insightType: "ApiCallRateInsight" }, { insightType: "ApiErrorRateInsight" }]
                    : [],
                tags: { Environment: args.environment, ManagedBy: "kms-audit" },
            },
            // CloudTrail checks bucket policy and role at creation: both must be in place first; with Object Lock, the
            // default retention too, so that the first log file is already locked.
            {
                parent: this,
                protect: args.protect,
                dependsOn: [
                    this.logBucket.policy,
                    deliveryPolicy,
                    ...(this.logBucket.objectLock ? [this.logBucket.objectLock] : []),
                ],
            },
        );
        this.arn = this.trail.arn;
        this.registerOutputs({ arn: this.arn, logBucket: this.logBucket.name, logGroup: this.logGroup.name });
    }
}
