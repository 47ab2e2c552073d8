/** SNS topics: server-side encryption with KMS. */
import { problem, resourceRule } from "../lib/rule";
import { TOPIC } from "../lib/types";
import { isSet, isUnknown, knownString } from "../lib/values";

export const snsTopicKmsEncrypted = resourceRule({
    name: "sns-topic-kms-encrypted",
    description:
        "SNS topics are encrypted with KMS, by default with a customer managed key (CloudWatch alarms " +
        "cannot publish to a topic encrypted with the AWS managed key alias/aws/sns).",
    severity: "medium",
    controls: { fsbp: ["SNS.1"], checkov: ["CKV_AWS_26"] },
    remediationSteps:
        "Set kmsMasterKeyId to a customer managed key whose policy allows the publishing services " +
        "(e.g. cloudwatch.amazonaws.com with an aws:SourceAccount condition).",
    url: "https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",
    config: {
        requireCustomerManagedKey: { type: "boolean", default: true, description: "Reject alias/aws/sns." },
    },
    types: [TOPIC],
    check(r, config) {
        const key = r.props.kmsMasterKeyId;
        if (!isSet(key)) {
            return [problem("it is not encrypted (no kmsMasterKeyId).", "set kmsMasterKeyId to your KMS key ARN.")];
        }
        const literal = isUnknown(key) ? undefined : knownString(key);
        if (config.requireCustomerManagedKey && literal !== undefined && /alias\/aws\//.test(literal)) {
            return [
                problem(`it uses the AWS managed key ${literal}.`, "set kmsMasterKeyId to a customer managed KMS key."),
            ];
        }
        return [];
    },
});
