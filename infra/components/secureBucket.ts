import * as pulumi from "@pulumi/pulumi";
import * as s3 from "@pulumi/aws/s3";
import { ObjectLockSetting } from "../config";
import { PolicyStatement } from "../../vocabulary/policyDocument";
import { UploadEncryptionRule, buildSecureBucketPolicy } from "../policies/bucketPolicies";

export type BucketEncryption =
    /**
     * SSE-KMS under `keyArn` with an S3 Bucket Key; the policy refuses uploads naming anything else. Object key
     * prefixes in `unpolicedPrefixes` are spared that rule (see `UploadEncryptionRule`).
     */
    | { kind: "kms"; keyArn: pulumi.Input<string>; unpolicedPrefixes?: pulumi.Input<string[]> }
    /** SSE-S3, allowed only with a reason (S3 server access logs cannot be delivered to an SSE-KMS bucket). */
    | { kind: "s3-managed"; reason: string };

export interface SecureBucketArgs {
    environment: string;
    encryption: BucketEncryption;
    /** Days after which non-current object versions are removed. */
    noncurrentVersionExpirationDays: number;
    /** Optional ageing of current objects: move to STANDARD_IA (if given), then expire. */
    currentVersionLifecycle?: { transitionDays?: number; expirationDays: number };
    /**
     * S3 Object Lock default retention. Enabled through the bucket's Object Lock configuration, which S3 accepts on
     * new and existing versioned buckets, so turning it on never replaces the bucket. It cannot be turned off again.
     */
    objectLock?: ObjectLockSetting;
    /** Statements for the services that write here, given the bucket's ARN. */
    grants?: (bucketArn: pulumi.Output<string>) => pulumi.Input<PolicyStatement[]>;
    /** Let `pulumi destroy` empty the bucket. Only where `protect` is off. */
    forceDestroy: boolean;
    protect: boolean;
}

/**
 * An S3 bucket with every guard wired: default encryption, all four Block Public Access flags, ACLs disabled,
 * versioning, lifecycle and a TLS-only policy that also polices upload encryption. Access logging is wired by
 * `AccessLogBucket`, whose policy must name the buckets it serves.
 * SSE-C blocked in default encryption (`blockedEncryptionTypes`):
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/blocking-unblocking-s3-c-encryption-gpb.html
 */
export class SecureBucket extends pulumi.ComponentResource {
    public readonly bucket: s3.Bucket;
    public readonly policy: s3.BucketPolicy;
    public readonly objectLock: s3.BucketObjectLockConfiguration | undefined;
    public readonly arn: pulumi.Output<string>;
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kms-audit:index:SecureBucket", name, {}, opts);
        if (args.forceDestroy && args.protect) {
            throw new Error(`SecureBucket ${name}: forceDestroy and protect contradict each other; choose one`);
        }
        const child = { parent: this };
        this.bucket = new s3.Bucket(
            name,
            { forceDestroy: args.forceDestroy, tags: { Environment: args.environment, ManagedBy: "kms-audit" } },
            { parent: this, protect: args.protect },
        );
        const bucketName = this.bucket.bucket;
        this.arn = this.bucket.arn;
        this.name = bucketName;

        const publicAccessBlock = new s3.BucketPublicAccessBlock(
            name,
            {
                bucket: bucketName,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            child,
        );
        new s3.BucketOwnershipControls(
            name,
            { bucket: bucketName, rule: { objectOwnership: "BucketOwnerEnforced" } },
            child,
        );

        const encryption = args.encryption;
        new s3.BucketServerSideEncryptionConfiguration(
            name,
            {
                bucket: bucketName,
                rules: [
                    {
                        ...(encryption.kind === "kms"
                            ? {
                                  applyServerSideEncryptionByDefault: {
                                      sseAlgorithm: "aws:kms",
                                      kmsMasterKeyId: encryption.keyArn,
                                  },
                                  bucketKeyEnabled: true,
                              }
                            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }),
                        // SSE-C would keep objects under a client's key: refuse it here as well as in the policy
                        // (AWS: "Blocking or unblocking SSE-C for a general purpose bucket", linked above the class).
                        blockedEncryptionTypes: ["SSE-C"],
                    },
                ],
            },
            child,
        );

        const versioning = new s3.BucketVersioning(
            name,
            { bucket: bucketName, versioningConfiguration: { status: "Enabled" } },
            child,
        );
        const lock = args.objectLock;
        this.objectLock =
            lock === undefined || lock.mode === "none"
                ? undefined
                : new s3.BucketObjectLockConfiguration(
                      name,
                      {
                          bucket: bucketName,
                          objectLockEnabled: "Enabled",
                          rule: { defaultRetention: { mode: lock.mode, days: lock.days } },
                      },
                      // S3 enables Object Lock on an existing bucket only once versioning is on.
                      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html
                      { parent: this, dependsOn: [versioning] },
                  );
        const current = args.currentVersionLifecycle;
        new s3.BucketLifecycleConfiguration(
            name,
            {
                bucket: bucketName,
                rules: [
                    {
                        id: "expire-noncurrent-versions",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                    ...(current
                        ? [
                              {
                                  id: "age-current-objects",
                                  status: "Enabled",
                                  filter: {},
                                  transitions:
                                      current.transitionDays === undefined
                                          ? []
                                          : [{ days: current.transitionDays, storageClass: "STANDARD_IA" }],
                                  expiration: { days: current.expirationDays },
                              },
                          ]
                        : []),
                ],
            },
            // Lifecycle rules on non-current versions only make sense once versioning is on.
            { parent: this, dependsOn: [versioning] },
        );

        const uploadRule: pulumi.Output<UploadEncryptionRule> =
            encryption.kind === "kms"
                ? pulumi.all([encryption.keyArn, encryption.unpolicedPrefixes ?? []]).apply(
                      ([keyArn, unpolicedPrefixes]): UploadEncryptionRule => ({
                          kind: "this-kms-key",
                          keyArn,
                          unpolicedPrefixes,
                      }),
                  )
                : pulumi.output<UploadEncryptionRule>({ kind: "s3-managed" });
        const grants = pulumi.output(args.grants ? args.grants(this.arn) : []);
        this.policy = new s3.BucketPolicy(
            name,
            {
                bucket: bucketName,
                policy: pulumi.all([this.arn, uploadRule, grants]).apply(([bucketArn, rule, statements]) =>
                    JSON.stringify(
                        buildSecureBucketPolicy({
                            bucketArn,
                            encryption: rule,
                            additionalStatements: statements as PolicyStatement[],
                        }),
                    ),
                ),
            },
            // S3 rejects policy writes that race the public access block on a new bucket.
            { parent: this, dependsOn: [publicAccessBlock] },
        );
        this.registerOutputs({ arn: this.arn, name: this.name });
    }
}
