import * as pulumi from "@pulumi/pulumi";
import * as s3 from "@pulumi/aws/s3";
import { AccountContext } from "../policies/document";
import { accessLogDeliveryStatements, logBucketGuardStatements } from "../policies/bucketPolicies";
import { SecureBucket } from "./secureBucket";

export interface AccessLogBucketArgs {
    environment: string;
    account: pulumi.Output<AccountContext>;
    /** The buckets whose server access logs land here, each under its own prefix (`<key>/`). */
    sources: Record<string, SecureBucket>;
    expirationDays: number;
    noncurrentVersionExpirationDays: number;
    /** Who may change the bucket's settings, and who may delete its objects (see `logBucketGuardStatements`). */
    custodians: { settings: string[]; removal: string[] };
    forceDestroy: boolean;
    protect: boolean;
}

/**
 * The target of S3 server access logging for the other buckets. It is SSE-S3, not SSE-KMS, because S3 cannot
 * deliver access logs to a bucket whose default encryption is SSE-KMS; it is not itself logged (that would loop).
 * It carries the same deletion and rewrite denies as the CloudTrail log bucket, but no Object Lock: S3 does not
 * deliver server access logs to a bucket with Object Lock.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html
 */
export class AccessLogBucket extends pulumi.ComponentResource {
    public readonly bucket: SecureBucket;
    public readonly loggings: s3.BucketLogging[];

    constructor(name: string, args: AccessLogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kms-audit:index:AccessLogBucket", name, {}, opts);
        const sourceArns = Object.values(args.sources).map((source) => source.arn);
        this.bucket = new SecureBucket(
            name,
            {
                environment: args.environment,
                encryption: {
                    kind: "s3-managed",
                    reason: "S3 server access log delivery does not support SSE-KMS target buckets",
                },
                noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays,
                currentVersionLifecycle: { expirationDays: args.expirationDays },
                grants: (bucketArn) =>
                    pulumi.all([args.account, bucketArn, pulumi.all(sourceArns)]).apply(([ctx, arn, sources]) => [
                        ...logBucketGuardStatements({
                            bucketArn: arn,
                            writerSourceArns: sources,
                            settingCustodians: args.custodians.settings,
                            removalCustodians: args.custodians.removal,
                        }),
                        ...accessLogDeliveryStatements(ctx, arn, sources),
                    ]),
                forceDestroy: args.forceDestroy,
                protect: args.protect,
            },
            { parent: this },
        );
        this.loggings = Object.entries(args.sources).map(
            ([key, source]) =>
                new s3.BucketLogging(
                    `${name}-${key}`,
                    // Delivery is authorised by the target's bucket policy above, so it must exist first.
                    { bucket: source.name, targetBucket: this.bucket.name, targetPrefix: `${key}/` },
                    { parent: this, dependsOn: [this.bucket.policy] },
                ),
        );
        this.registerOutputs({ name: this.bucket.name });
    }
}
