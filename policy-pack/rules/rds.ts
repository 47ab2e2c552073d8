/** RDS instances and clusters: storage encryption with a customer managed key. */
import { problem, resourceRule } from "../lib/rule";
import { RDS_CLUSTER, RDS_INSTANCE } from "../lib/types";
import { boolOf, isSet, isUnknown, knownString } from "../lib/values";

export const rdsStorageEncrypted = resourceRule({
    name: "rds-storage-encrypted",
    description: "RDS instances and clusters encrypt storage, by default with a customer managed KMS key.",
    severity: "high",
    controls: { cis: ["2.3.1"], fsbp: ["RDS.3", "RDS.27"], checkov: ["CKV_AWS_16"] },
    remediationSteps:
        "Set storageEncrypted: true and kmsKeyId to a customer managed key ARN (encryption cannot be " +
        "added to an existing instance in place: restore an encrypted snapshot copy).",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
    config: {
        requireCustomerManagedKey: {
            type: "boolean",
            default: true,
            description: "Reject alias/aws/rds or no kmsKeyId.",
        },
    },
    types: [RDS_INSTANCE, RDS_CLUSTER],
    check(r, config) {
        // A read replica inherits encryption from its source database, which this rule judges instead.
        if (isSet(r.props.replicateSourceDb)) {
            return [];
        }
        const encrypted = boolOf(r.props.storageEncrypted);
        if (encrypted !== true) {
            return [
                problem(
                    encrypted === "unknown"
                        ? "storageEncrypted is unknown during preview."
                        : "storage is not encrypted.",
                    "set storageEncrypted: true with kmsKeyId set to your KMS key ARN.",
                ),
            ];
        }
        const key = r.props.kmsKeyId;
        const literal = isUnknown(key) ? undefined : knownString(key);
        if (
            config.requireCustomerManagedKey &&
            !isUnknown(key) &&
            (literal === undefined || /alias\/aws\//.test(literal))
        ) {
            return [
                problem(
                    `storage uses the AWS managed key (${literal ?? "no kmsKeyId"}).`,
                    "set kmsKeyId to a customer managed KMS key ARN.",
                ),
            ];
        }
        return [];
    },
});
