import { UNKNOWN } from "./harness/requests";
import { assertNone, assertOneFinding, resourceFindings } from "./helpers";
import { T } from "./fixtures";

describe("log groups, SNS topics, EBS and RDS: are they encrypted?", () => {
    it("logs-group-kms-encrypted: unknown key ARN passes, no key fails", async () => {
        assertNone(
            await resourceFindings(
                { type: T.logGroup, name: "lg", props: { kmsKeyId: UNKNOWN, retentionInDays: 365 } },
                "logs-group-kms-encrypted",
            ),
        );
        assertOneFinding(
            await resourceFindings(
                { type: T.logGroup, name: "lg", props: { retentionInDays: 365 } },
                "logs-group-kms-encrypted",
            ),
            'LogGroup "lg"',
        );
    });
    it("logs-group-retention: short retention fails; unset and 0 (both never expire) pass", async () => {
        assertNone(await resourceFindings({ type: T.logGroup, name: "lg", props: {} }, "logs-group-retention"));
        const notNumber = { type: T.logGroup, name: "lg", props: { retentionInDays: "ten" } };
        assertOneFinding(await resourceFindings(notNumber, "logs-group-retention"), '"ten"');
        assertOneFinding(
            await resourceFindings(
                { type: T.logGroup, name: "lg", props: { retentionInDays: 30 } },
                "logs-group-retention",
            ),
            "30",
        );
        assertNone(
            await resourceFindings(
                { type: T.logGroup, name: "lg", props: { retentionInDays: 0 } },
                "logs-group-retention",
            ),
        );
    });
    it("sns-topic-kms-encrypted: customer key passes, none or alias/aws/sns fails", async () => {
        assertNone(
            await resourceFindings(
                { type: T.topic, name: "t", props: { kmsMasterKeyId: UNKNOWN } },
                "sns-topic-kms-encrypted",
            ),
        );
        assertOneFinding(
            await resourceFindings({ type: T.topic, name: "t", props: {} }, "sns-topic-kms-encrypted"),
            "not encrypted",
        );
        assertOneFinding(
            await resourceFindings(
                { type: T.topic, name: "t", props: { kmsMasterKeyId: "alias/aws/sns" } },
                "sns-topic-kms-encrypted",
            ),
            "alias/aws/sns",
        );
    });
    it("ebs-encryption-by-default: disabled fails, enabled or unset passes", async () => {
        assertOneFinding(
            await resourceFindings({ type: T.ebs, name: "e", props: { enabled: false } }, "ebs-encryption-by-default"),
        );
        assertNone(
            await resourceFindings({ type: T.ebs, name: "e", props: { enabled: true } }, "ebs-encryption-by-default"),
        );
        assertNone(await resourceFindings({ type: T.ebs, name: "e", props: {} }, "ebs-encryption-by-default"));
    });
    it("rds-storage-encrypted: instances and clusters need encryption with a customer key", async () => {
        for (const type of [T.rdsInstance, T.rdsCluster]) {
            assertNone(
                await resourceFindings(
                    { type, name: "db", props: { storageEncrypted: true, kmsKeyId: UNKNOWN } },
                    "rds-storage-encrypted",
                ),
            );
            assertOneFinding(
                await resourceFindings({ type, name: "db", props: {} }, "rds-storage-encrypted"),
                "not encrypted",
            );
            assertOneFinding(
                await resourceFindings(
                    { type, name: "db", props: { storageEncrypted: true } },
                    "rds-storage-encrypted",
                ),
                "AWS managed key",
            );
        }
        assertNone(
            await resourceFindings(
                { type: T.rdsInstance, name: "replica", props: { replicateSourceDb: UNKNOWN } },
                "rds-storage-encrypted",
            ),
        );
    });
});
