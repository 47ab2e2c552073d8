import * as pulumi from "@pulumi/pulumi";
import * as ebs from "@pulumi/aws/ebs";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import { BaselineConfig } from "./config";
import { PolicyStatement } from "../vocabulary/policyDocument";
import { AccountContext, logGroupArn, topicArn, trailArn } from "./policies/document";
import { athenaAuditorKeyStatements, athenaAuditorLogBucketStatements } from "./policies/athenaAudit";
import { buildKeyPolicy } from "./policies/keyPolicy";
import { AthenaAudit } from "./components/athenaAudit";
import { AccessLogBucket } from "./components/accessLogBucket";
import { AuditTrail } from "./components/auditTrail";
import { EncryptionKey } from "./components/encryptionKey";
import { Monitoring } from "./components/monitoring";
import { SecureBucket } from "./components/secureBucket";

/** The names the baseline chooses itself, so that ARNs can be written into policies before the resources exist. */
export function baselineNames(environment: string) {
    const base = `kms-audit-${environment}`;
    return {
        base,
        trail: base,
        logGroup: `/aws/cloudtrail/${base}`,
        alarmTopic: `${base}-alarms`,
    };
}

/** The account, region and partition the provider deploys into. */
export function deployingAccount(opts?: pulumi.InvokeOutputOptions): pulumi.Output<AccountContext> {
    return pulumi
        .all([getCallerIdentityOutput({}, opts), getRegionOutput({}, opts), getPartitionOutput({}, opts)])
        .apply(([identity, region, partition]) => ({
            accountId: identity.accountId,
            region: region.region,
            partition: partition.partition,
        }));
}

/**
 * The whole baseline for one environment: key, data bucket, trail with its log bucket and log group, access-log
 * bucket and alarms.
 */
export class KmsAuditBaseline extends pulumi.ComponentResource {
    public readonly key: EncryptionKey;
    public readonly dataBucket: SecureBucket;
    public readonly trail: AuditTrail;
    public readonly accessLogs: AccessLogBucket;
    public readonly monitoring: Monitoring;
    /** The Athena query side, when `athenaAudit` is configured. */
    public readonly athenaAudit?: AthenaAudit;

    constructor(config: BaselineConfig, opts?: pulumi.ComponentResourceOptions) {
        const names = baselineNames(config.environment);
        super("kms-audit:index:Baseline", names.base, {}, opts);
        const account = deployingAccount({ parent: this });
        const stateful = { protect: config.protect, forceDestroy: !config.protect };
        // Who may change the log buckets' settings: the deployment itself and break-glass. Who may delete log objects:
        // break-glass only where the stack is protected; elsewhere the deployment too, or destroy could not empty them.
        const both = [...new Set([...config.deploymentPrincipals, ...config.breakGlassPrincipals])];
        const custodians = { settings: both, removal: config.protect ? config.breakGlassPrincipals : both };
        const auditors = config.athenaAudit?.auditors;
        // The auditors' key statements name the log and results buckets, which are encrypted under the key and so
        // created after it: their ARNs reach the key policy through deferred outputs, resolved below.
        const bucketArns =
            auditors === undefined
                ? undefined
                : { logs: pulumi.deferredOutput<string>(), results: pulumi.deferredOutput<string>() };
        const extraKeyStatements: pulumi.Output<PolicyStatement[]> =
            auditors === undefined || bucketArns === undefined
                ? pulumi.output([])
                : pulumi.all([account, bucketArns.logs[0], bucketArns.results[0]]).apply(([ctx, logs, results]) =>
                      athenaAuditorKeyStatements({
                          account: ctx,
                          auditors,
                          logBucketArn: logs,
                          resultsBucketArn: results,
                      }),
                  );

        this.key = new EncryptionKey(
            names.base,
            {
                environment: config.environment,
                policy: pulumi.all([account, extraKeyStatements]).apply(([ctx, additionalStatements]) =>
                    buildKeyPolicy({
                        account: ctx,
                        keyAdministrators: config.keyAdministrators,
                        keyUsers: config.keyUsers,
                        minimumDeletionWindowDays: config.keyDeletionWindowDays,
                        trailArn: trailArn(ctx, names.trail),
                        logGroupArn: logGroupArn(ctx, names.logGroup),
                        alarmTopicArn: topicArn(ctx, names.alarmTopic),
                        deploymentPrincipals: config.deploymentPrincipals,
                        keyPolicyManagers: config.keyPolicyManagers,
                        autoScalingUsesKey: config.ebsDefaultEncryption,
                        additionalStatements,
                    }),
                ),
                rotationPeriodDays: config.keyRotationPeriodDays,
                deletionWindowDays: config.keyDeletionWindowDays,
                multiRegion: config.multiRegionKey,
                protect: config.protect,
            },
            { parent: this },
        );

        this.dataBucket = new SecureBucket(
            `${names.base}-data`,
            {
                environment: config.environment,
                encryption: { kind: "kms", keyArn: this.key.arn },
                noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
                ...stateful,
            },
            { parent: this },
        );

        this.trail = new AuditTrail(
            names.base,
            {
                environment: config.environment,
                account,
                trailName: names.trail,
                logGroupName: names.logGroup,
                keyArn: this.key.arn,
                dataEventBucketArns: [
                    this.dataBucket.arn,
                    ...config.trailExtraDataEventBuckets.map((bucket) =>
                        account.apply((ctx) => `arn:${ctx.partition}:s3:::${bucket}`),
                    ),
                    // Query results are log data: who reads them is recorded like the data bucket's readers.
                    ...(bucketArns === undefined ? [] : [bucketArns.results[0]]),
                ],
                insights: config.trailInsights,
                logRetentionDays: config.logRetentionDays,
                logBucketLifecycle: {
                    transitionDays: config.logBucketTransitionDays,
                    expirationDays: config.logBucketExpirationDays,
                },
                noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
                custodians,
                objectLock: config.logBucketObjectLock,
                protect: config.protect,
                logReadStatements:
                    auditors === undefined ? undefined : (arn) => athenaAuditorLogBucketStatements(arn, auditors),
            },
            { parent: this },
        );

        if (config.athenaAudit !== undefined && bucketArns !== undefined) {
            this.athenaAudit = new AthenaAudit(
                names.base,
                {
                    environment: config.environment,
                    account,
                    config: config.athenaAudit,
                    keyArn: this.key.arn,
                    logBucketName: this.trail.logBucket.name,
                    noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
                    protect: config.protect,
                },
                { parent: this },
            );
            bucketArns.logs[1](this.trail.logBucket.arn);
            bucketArns.results[1](this.athenaAudit.resultsBucket.arn);
        }

        this.accessLogs = new AccessLogBucket(
            `${names.base}-access-logs`,
            {
                environment: config.environment,
                account,
                sources: {
                    data: this.dataBucket,
                    "trail-logs": this.trail.logBucket,
                    ...(this.athenaAudit === undefined ? {} : { "athena-results": this.athenaAudit.resultsBucket }),
                },
                expirationDays: config.logBucketExpirationDays,
                noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
                custodians,
                ...stateful,
            },
            { parent: this },
        );

        this.monitoring = new Monitoring(
            names.base,
            {
                environment: config.environment,
                topicName: names.alarmTopic,
                keyArn: this.key.arn,
                logGroupName: this.trail.logGroup.name,
                alarmEmails: config.alarmEmails,
            },
            { parent: this },
        );

        if (config.ebsDefaultEncryption) {
            const byDefault = new ebs.EncryptionByDefault(names.base, { enabled: true }, { parent: this });
            new ebs.DefaultKmsKey(names.base, { keyArn: this.key.arn }, { parent: this, dependsOn: [byDefault] });
        }
        this.registerOutputs({});
    }
}
