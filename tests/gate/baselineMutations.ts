import * as pulumi from "@pulumi/pulumi";
import { asTransformations, Mutation } from "./mutationTable";

const sseConfigType = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const bucketType = "aws:s3/bucket:Bucket";
const trailType = "aws:cloudtrail/trail:Trail";

/** Policy documents arrive as JSON text, often still an Output; edit the parsed document either way. */
function editDocument(policy: unknown, edit: (doc: any) => any): pulumi.Output<string> {
    return pulumi.output(policy as pulumi.Input<string>).apply((text) => {
        const doc = typeof text === "string" ? JSON.parse(text) : text;
        return JSON.stringify(edit(doc));
    });
}

function usesKms(props: Record<string, any>): boolean {
    return (props.rules ?? []).some((r: any) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm === "aws:kms");
}

/** One row per security property of the baseline program (infra/): flip it, expect that policy to block. */
export const baselineMutations: Mutation[] = [
    {
        id: "rotation-off",
        what: "KMS key rotation turned off",
        type: "aws:kms/key:Key",
        mutate: (p) => ({ ...p, enableKeyRotation: false }),
        policy: "kms-key-rotation",
        reportedOn: ["aws:kms/key:Key"],
    },
    {
        id: "key-policy-wildcard-principal",
        what: "a statement allowing every principal to use the key, with no condition",
        type: "aws:kms/key:Key",
        mutate: (p) => ({
            ...p,
            policy: editDocument(p.policy, (doc) => ({
                ...doc,
                Statement: [
                    ...doc.Statement,
                    { Sid: "Mutation", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" },
                ],
            })),
        }),
        policy: "kms-key-policy-no-public-principal",
        reportedOn: ["aws:kms/key:Key"],
    },
    {
        id: "sse-s3-instead-of-kms",
        what: "the data bucket's default encryption switched to SSE-S3",
        type: sseConfigType,
        selects: usesKms,
        mutate: (p) => ({ ...p, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }),
        policy: "s3-bucket-sse-kms",
        reportedOn: [bucketType, sseConfigType],
    },
    {
        id: "public-access-flag-missing",
        what: "restrictPublicBuckets turned off on a public access block",
        type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        mutate: (p) => ({ ...p, restrictPublicBuckets: false }),
        policy: "s3-public-access-block-flags",
        reportedOn: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucketType],
    },
    {
        id: "no-tls-deny",
        what: "the statements denying requests without TLS removed from a bucket policy",
        type: "aws:s3/bucketPolicy:BucketPolicy",
        mutate: (p) => ({
            ...p,
            policy: editDocument(p.policy, (doc) => ({
                ...doc,
                Statement: doc.Statement.filter(
                    (s: any) => !JSON.stringify(s.Condition ?? {}).includes("aws:SecureTransport"),
                ),
            })),
        }),
        policy: "s3-bucket-tls-only",
        reportedOn: [bucketType, "aws:s3/bucketPolicy:BucketPolicy"],
        // The bucket policies embed the bucket ARNs, so their documents are unknown at a first preview.
        mode: "update",
    },
    {
        id: "acls-enabled",
        what: "object ownership switched from BucketOwnerEnforced to ObjectWriter",
        type: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        mutate: (p) => ({ ...p, rule: { objectOwnership: "ObjectWriter" } }),
        policy: "s3-bucket-owner-enforced",
        reportedOn: [bucketType, "aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
    },
    {
        id: "trail-single-region",
        what: "the trail limited to its home region",
        type: trailType,
        mutate: (p) => ({ ...p, isMultiRegionTrail: false }),
        policy: "cloudtrail-multi-region",
        reportedOn: [trailType],
    },
    {
        id: "no-log-file-validation",
        what: "log file integrity validation turned off",
        type: trailType,
        mutate: (p) => ({ ...p, enableLogFileValidation: false }),
        policy: "cloudtrail-log-file-validation",
        reportedOn: [trailType],
    },
    {
        id: "trail-without-kms",
        what: "the trail's KMS key removed (logs encrypted with SSE-S3 only)",
        type: trailType,
        mutate: ({ kmsKeyId: _removed, ...rest }) => rest,
        policy: "cloudtrail-kms-encryption",
        reportedOn: [trailType],
    },
    {
        id: "no-data-events",
        what: "the trail's S3 data event selectors removed",
        type: trailType,
        mutate: ({ eventSelectors: _removed, advancedEventSelectors: _alsoRemoved, ...rest }) => rest,
        policy: "cloudtrail-stack-coverage",
        reportedOn: [bucketType, trailType, "pulumi:pulumi:Stack"],
    },
];

export const transformations = asTransformations(baselineMutations);
