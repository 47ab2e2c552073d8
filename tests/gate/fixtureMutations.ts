import { asTransformations, Mutation } from "./mutationTable";

/** Mutations of the small fixture program (tests/gate/fixtures/project), one per fixture policy. */
export const fixtureMutations: Mutation[] = [
    {
        id: "rotation-off",
        what: "KMS key rotation turned off",
        type: "aws:kms/key:Key",
        mutate: (p) => ({ ...p, enableKeyRotation: false }),
        policy: "fixture-kms-rotation",
        reportedOn: ["aws:kms/key:Key"],
    },
    {
        id: "sse-s3",
        what: "the bucket encrypted with SSE-S3 instead of SSE-KMS",
        type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        mutate: (p) => ({ ...p, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }),
        policy: "fixture-bucket-sse-kms",
        reportedOn: ["aws:s3/bucket:Bucket"],
    },
    {
        id: "public-policy-allowed",
        what: "blockPublicPolicy turned off",
        type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        mutate: (p) => ({ ...p, blockPublicPolicy: false }),
        policy: "fixture-public-access-block",
        reportedOn: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    },
];

export const transformations = asTransformations(fixtureMutations);
