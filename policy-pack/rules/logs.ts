/** CloudWatch Logs log groups: KMS encryption and a retention period. */
import { LOGS_DOC } from "../lib/docs";
import { problem, resourceRule } from "../lib/rule";
import { LOG_GROUP } from "../lib/types";
import { describeValue, isSet, numberOf } from "../lib/values";

export const logsGroupKmsEncrypted = resourceRule({
    name: "logs-group-kms-encrypted",
    description: "Log groups are encrypted with a KMS key.",
    severity: "medium",
    controls: { checkov: ["CKV_AWS_158"] },
    remediationSteps:
        "Set kmsKeyId to a KMS key ARN whose policy allows logs.<region>.amazonaws.com with an " +
        "ArnEquals kms:EncryptionContext:aws:logs:arn condition.",
    url: `${LOGS_DOC}/encrypt-log-data-kms.html`,
    types: [LOG_GROUP],
    // An unknown kmsKeyId is a key ARN known after apply: set, so compliant.
    check: (r) =>
        isSet(r.props.kmsKeyId)
            ? []
            : [problem("it is not encrypted with a KMS key (no kmsKeyId).", "set kmsKeyId to your KMS key ARN.")],
});

export const logsGroupRetention = resourceRule({
    name: "logs-group-retention",
    description: "Log groups keep events at least `minRetentionDays` days (no retention or 0 = never expire passes).",
    severity: "low",
    controls: { checkov: ["CKV_AWS_66", "CKV_AWS_338"] },
    remediationSteps:
        "Set retentionInDays to a supported value of at least the configured minimum, or leave it " +
        "unset (events are then kept forever).",
    url: `${LOGS_DOC}/Working-with-log-groups-and-streams.html#SettingLogRetention`,
    config: {
        minRetentionDays: {
            type: "integer",
            minimum: 1,
            maximum: 3653,
            default: 365,
            description: "Shortest allowed retentionInDays.",
        },
    },
    types: [LOG_GROUP],
    check(r, config) {
        const min = config.minRetentionDays;
        const days = numberOf(r.props.retentionInDays);
        if (days === "unknown") {
            return [
                problem("retentionInDays is unknown during preview.", `set retentionInDays to a literal >= ${min}.`),
            ];
        }
        // Unset (or 0) means the log group never expires events: the longest retention there is
        // (by default CloudWatch Logs stores log data indefinitely:
        // `${LOGS_DOC}/Working-with-log-groups-and-streams.html`).
        if (days === undefined) {
            const raw = r.props.retentionInDays;
            return raw === undefined || raw === null
                ? []
                : [
                      problem(
                          `retentionInDays is ${describeValue(raw)}, not a number of days.`,
                          `set retentionInDays to at least ${min}.`,
                      ),
                  ];
        }
        return days !== 0 && days < min
            ? [
                  problem(
                      `retentionInDays is ${days}, below the required ${min}.`,
                      `set retentionInDays to at least ${min}.`,
                  ),
              ]
            : [];
    },
});
