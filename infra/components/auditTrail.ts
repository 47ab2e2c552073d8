import * as pulumi from "@pulumi/pulumi";
import * as cloudtrail from "@pulumi/aws/cloudtrail";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import { AccountContext, PolicyStatement, logGroupArn, trailArn } from "../policies/document";
import { cloudTrailDeliveryStatements } from "../policies/bucketPolicies";
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
    protect: boolean;
    /** Who else may read the log files, given the log bucket's ARN (the Athena auditors). */
    logReadStatements?: (logBucketArn: string) => PolicyStatement[];
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
                // CloudTrail does not send the key-id header itself; the bucket default supplies the key.
                encryption: { kind: "kms", keyArn: args.keyArn, uploads: "forbid-other-kms-keys" },
                noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays,
                currentVersionLifecycle: args.logBucketLifecycle,
                grants: (bucketArn) =>
                    pulumi
                        .all([args.account, bucketArn, thisTrailArn])
                        .apply(([ctx, arn, trail]) => [
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
                assumeRolePolicy: pulumi.all([args.account, thisTrailArn]).apply(([ctx, trail]) => JSON.stringify(buildTrailDeliveryTrustPolicy(ctx, trail))),
            },
            { parent: this },
        );
        const deliveryPolicy = new iam.RolePolicy(
            `${name}-cloudwatch-delivery`,
            {
                role: deliveryRole.id,
                policy: args.account.apply((ctx) => JSON.stringify(buildTrailDeliveryPermissions(ctx, logGroupArn(ctx, args.logGroupName)))),
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
                insightSelectors: args.insights ? [{ insightType: "ApiCallRateInsight" }, { insightType: "ApiErrorRateInsight" }] : [],
                tags: { Environment: args.environment, ManagedBy: "kms-audit" },
            },
            // CloudTrail checks bucket policy and role at creation: both must be in place first.
            { parent: this, protect: args.protect, dependsOn: [this.logBucket.policy, deliveryPolicy] },
        );
        this.arn = this.trail.arn;
        this.registerOutputs({ arn: this.arn, logBucket: this.logBucket.name, logGroup: this.logGroup.name });
    }
}
