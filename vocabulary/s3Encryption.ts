/**
 * S3 server-side encryption algorithm names, as S3 accepts them in a bucket's default encryption
 * (`sseAlgorithm`) and in the `x-amz-server-side-encryption` header of an upload:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html
 */

/** The algorithms that encrypt under a KMS key: SSE-KMS and dual-layer DSSE-KMS. */
export const SSE_KMS_ALGORITHMS: readonly string[] = ["aws:kms", "aws:kms:dsse"];

/** Whether an algorithm name encrypts under a KMS key. */
export function isSseKmsAlgorithm(value: unknown): boolean {
    return typeof value === "string" && SSE_KMS_ALGORITHMS.includes(value);
}
