/** S3 default encryption: SSE-KMS for data buckets, SSE-S3 for access-log targets (which cannot take SSE-KMS). */
import { KMS_ALGORITHMS, encryptionSettings, isAccessLogTarget, oaiDistributions } from "../lib/buckets";
import type { EncryptionSetting } from "../lib/buckets";
import { S3_DOC } from "../lib/docs";
import type { Problem } from "../lib/rule";
import { eachResource, problem, resourcesOf, stackRule } from "../lib/rule";
import { BUCKET_TYPES } from "../lib/types";
import { boolOf, isUnknown, knownString } from "../lib/values";

function judgeKmsSetting(s: EncryptionSetting, requireCmk: boolean, requireBucketKey: boolean): Problem[] {
    const addConfig =
        'attach a BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and ' +
        "kmsMasterKeyId set to your KMS key ARN.";
    if (isUnknown(s.algorithm)) {
        return [
            problem(
                "its default encryption algorithm is unknown during preview.",
                'write sseAlgorithm as a literal ("aws:kms" or "aws:kms:dsse").',
            ),
        ];
    }
    if (!KMS_ALGORITHMS.includes(s.algorithm as string)) {
        return [problem(`default encryption is ${JSON.stringify(s.algorithm ?? "missing")}, not SSE-KMS.`, addConfig)];
    }
    const problems: Problem[] = [];
    // An unknown key ID is another resource's output: a key the program manages, never the literal AWS alias.
    const keyId = s.keyFromStack || isUnknown(s.keyId) ? undefined : knownString(s.keyId);
    const awsManaged = !s.keyFromStack && !isUnknown(s.keyId) && (keyId === undefined || /alias\/aws\//.test(keyId));
    if (requireCmk && awsManaged) {
        problems.push(
            problem(
                `SSE-KMS uses the AWS managed key (${keyId ?? "aws/s3, no kmsMasterKeyId"}).`,
                "set kmsMasterKeyId to a customer managed KMS key you control.",
            ),
        );
    }
    const bucketKey = boolOf(s.bucketKey);
    if (requireBucketKey && s.algorithm === "aws:kms" && bucketKey !== true) {
        problems.push(
            problem(
                bucketKey === "unknown"
                    ? "bucketKeyEnabled is unknown during preview."
                    : "S3 Bucket Keys are off, so every object request calls KMS.",
                "set bucketKeyEnabled: true.",
            ),
        );
    }
    return problems;
}

export const s3BucketSseKms = stackRule({
    name: "s3-bucket-sse-kms",
    description:
        "Every S3 bucket encrypts by default with SSE-KMS (aws:kms or aws:kms:dsse), optionally with a " +
        "customer managed key and S3 Bucket Keys; S3 access-log target buckets use SSE-S3 instead.",
    severity: "high",
    controls: { fsbp: ["S3.17"], checkov: ["CKV_AWS_145"] },
    remediationSteps:
        "Add a BucketServerSideEncryptionConfiguration for the bucket with sseAlgorithm aws:kms, " +
        "kmsMasterKeyId = your key ARN and bucketKeyEnabled true. For an access-log target bucket use AES256, " +
        "because S3 server access logging cannot deliver to SSE-KMS buckets.",
    url: `${S3_DOC}/UsingKMSEncryption.html`,
    config: {
        requireCustomerManagedKey: {
            type: "boolean",
            default: true,
            description: "Reject the AWS managed key aws/s3.",
        },
        requireBucketKey: {
            type: "boolean",
            default: true,
            description: "Require bucketKeyEnabled for aws:kms (DSSE-KMS does not support bucket keys).",
        },
        exemptAccessLogTargets: {
            type: "boolean",
            default: true,
            description: "Judge access-log target buckets by the SSE-S3 rule instead of SSE-KMS.",
        },
    },
    check(graph, config) {
        return eachResource(resourcesOf(graph, BUCKET_TYPES), (bucket) => {
            const settings = encryptionSettings(graph, bucket);
            if (config.exemptAccessLogTargets && isAccessLogTarget(graph, bucket)) {
                // No setting at all is fine here: S3 applies SSE-S3 to every new bucket since January 2023.
                return settings.some((s) => s.algorithm !== "AES256")
                    ? [
                          problem(
                              "it is an S3 access-log target but its default encryption is not SSE-S3; " +
                                  "server access logging cannot deliver logs to an SSE-KMS bucket.",
                              'set sseAlgorithm "AES256" on this bucket\'s encryption configuration.',
                          ),
                      ]
                    : [];
            }
            const problems =
                settings.length === 0
                    ? [
                          problem(
                              "it has no SSE-KMS default encryption (only the S3 default, SSE-S3).",
                              'attach a BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms", ' +
                                  "kmsMasterKeyId set to your KMS key ARN and bucketKeyEnabled: true.",
                          ),
                      ]
                    : settings.flatMap((s) =>
                          judgeKmsSetting(s, config.requireCustomerManagedKey, config.requireBucketKey),
                      );
            const oai = problems.length > 0 ? oaiDistributions(graph, bucket) : [];
            if (oai.length === 0) {
                return problems;
            }
            // Switching such a bucket to SSE-KMS alone would break the distribution: say what else must change.
            const also =
                ` Also: distribution(s) ${oai.map((d) => `"${d.name}"`).join(", ")} read this bucket through ` +
                "an origin access identity (OAI), which cannot read SSE-KMS objects; move the origin to origin " +
                "access control (OAC) and allow cloudfront.amazonaws.com kms:Decrypt in the key policy with " +
                "aws:SourceArn set to the distribution's ARN, in the same change.";
            return problems.map((p) => ({ ...p, fix: p.fix + also }));
        });
    },
});
