import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as sns from "@pulumi/aws/sns";
import {
    BUCKET_POLICY_CHANGE_EVENTS,
    DENIAL_ERROR_CODE_PATTERNS,
    KEY_DISABLE_OR_DELETION_EVENTS,
    KEY_POLICY_OR_ROTATION_EVENTS,
    KMS_EVENT_SOURCE,
    S3_EVENT_SOURCE,
    TRAIL_CHANGE_EVENTS,
    cloudTrailFilterPattern,
} from "../../vocabulary/cloudTrailEvents";

/** One CloudTrail-derived alarm: a metric filter on the trail's log group and the alarm on its metric. */
export interface TamperAlarm {
    id: string;
    description: string;
    /** The CIS AWS Foundations control it implements, where there is one. */
    cisControl?: string;
    pattern: string;
}

/**
 * The alarms, as CloudWatch Logs filter patterns over CloudTrail records, generated from the event lists the audit
 * reports too (vocabulary/cloudTrailEvents.ts), so an alarmed key or trail change is always a reported one. The
 * bucket-policy alarm (CIS 4.8) has no audit counterpart: the audit answers who used and changed the key and the
 * trail, and a bucket's own changes are S3 management events outside that question.
 */
export const TAMPER_ALARMS: readonly TamperAlarm[] = [
    {
        id: "trail-changes",
        description: "A CloudTrail trail was created, changed, deleted, started or stopped",
        cisControl: "CIS 4.5",
        pattern: cloudTrailFilterPattern({ field: "eventName", values: TRAIL_CHANGE_EVENTS }),
    },
    {
        id: "key-disabled-or-deletion",
        description: "A customer-managed KMS key was disabled or scheduled for deletion",
        cisControl: "CIS 4.7",
        pattern: cloudTrailFilterPattern({
            eventSource: KMS_EVENT_SOURCE,
            field: "eventName",
            values: KEY_DISABLE_OR_DELETION_EVENTS,
        }),
    },
    {
        id: "key-policy-or-rotation-changes",
        description: "A KMS key policy was replaced or automatic key rotation was turned off",
        pattern: cloudTrailFilterPattern({
            eventSource: KMS_EVENT_SOURCE,
            field: "eventName",
            values: KEY_POLICY_OR_ROTATION_EVENTS,
        }),
    },
    {
        id: "bucket-policy-changes",
        description: "An S3 bucket's policy, ACL, CORS, lifecycle or replication was changed",
        cisControl: "CIS 4.8",
        pattern: cloudTrailFilterPattern({
            eventSource: S3_EVENT_SOURCE,
            field: "eventName",
            values: BUCKET_POLICY_CHANGE_EVENTS,
        }),
    },
    {
        id: "kms-access-denied",
        description: "A KMS call was refused (someone tried to use or manage a key without permission)",
        pattern: cloudTrailFilterPattern({
            eventSource: KMS_EVENT_SOURCE,
            field: "errorCode",
            values: DENIAL_ERROR_CODE_PATTERNS,
        }),
    },
];

export interface MonitoringArgs {
    environment: string;
    /** Chosen by us: the key policy names the topic before it exists. */
    topicName: string;
    keyArn: pulumi.Input<string>;
    logGroupName: pulumi.Input<string>;
    alarmEmails: string[];
}

/** A KMS-encrypted alarm topic with e-mail subscriptions, and an alarm per tamper pattern on the trail's log group. */
export class Monitoring extends pulumi.ComponentResource {
    public readonly topic: sns.Topic;
    public readonly alarms: cloudwatch.MetricAlarm[];

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kms-audit:index:Monitoring", name, {}, opts);
        const namespace = `kms-audit/${args.environment}`;
        this.topic = new sns.Topic(
            name,
            {
                name: args.topicName,
                kmsMasterKeyId: args.keyArn,
                tags: { Environment: args.environment, ManagedBy: "kms-audit" },
            },
            { parent: this },
        );
        args.alarmEmails.forEach((email, i) => {
            new sns.TopicSubscription(
                `${name}-email-${i}`,
                { topic: this.topic.arn, protocol: "email", endpoint: email },
                { parent: this },
            );
        });
        this.alarms = TAMPER_ALARMS.map((alarm) => {
            const metricName = alarm.id;
            const filter = new cloudwatch.LogMetricFilter(
                `${name}-${alarm.id}`,
                {
                    logGroupName: args.logGroupName,
                    pattern: alarm.pattern,
                    metricTransformation: { name: metricName, namespace, value: "1", defaultValue: "0" },
                },
                { parent: this },
            );
            return new cloudwatch.MetricAlarm(
                `${name}-${alarm.id}`,
                {
                    name: `kms-audit-${args.environment}-${alarm.id}`,
                    alarmDescription: alarm.cisControl
                        ? `${alarm.description} (${alarm.cisControl})`
                        : alarm.description,
                    namespace,
                    metricName,
                    statistic: "Sum",
                    period: 300,
                    evaluationPeriods: 1,
                    threshold: 1,
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    treatMissingData: "notBreaching",
                    alarmActions: [this.topic.arn],
                },
                { parent: this, dependsOn: [filter] },
            );
        });
        this.registerOutputs({ topicArn: this.topic.arn });
    }
}
