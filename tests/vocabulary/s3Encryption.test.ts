import { strict as assert } from "assert";
import { ServerSideEncryption } from "@aws-sdk/client-s3";
import { isSseKmsAlgorithm, SSE_KMS_ALGORITHMS } from "../../vocabulary/s3Encryption";

describe("vocabulary: S3 encryption algorithms", () => {
    it("are S3's own names for the KMS algorithms (the SDK's ServerSideEncryption values under aws:kms)", () => {
        const kms = Object.values(ServerSideEncryption).filter((v) => v === "aws:kms" || v.startsWith("aws:kms:"));
        assert.deepEqual([...SSE_KMS_ALGORITHMS].sort(), kms.sort());
    });

    it("tell a KMS algorithm from the others", () => {
        assert.equal(isSseKmsAlgorithm("aws:kms"), true);
        assert.equal(isSseKmsAlgorithm("aws:kms:dsse"), true);
        for (const other of ["AES256", "aws:fsx", "aws:backup", "aws:kmsx", "", undefined, 1]) {
            assert.equal(isSseKmsAlgorithm(other), false, String(other));
        }
    });
});
