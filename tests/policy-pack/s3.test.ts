import * as assert from "assert";
import { UNKNOWN } from "./harness/requests";
import type { ResourceSpec } from "./harness/requests";
import { assertNone, assertOneFinding, resourceFindings, stackFindings } from "./helpers";
import { T, baselineStack, tlsPolicy, withProps, without } from "./fixtures";

const MODES = ["preview", "update"] as const;
const key: ResourceSpec = { type: T.key, name: "key", props: { enableKeyRotation: true } };

describe("s3-bucket-sse-kms: is every bucket encrypted with our KMS key?", () => {
    const rule = "s3-bucket-sse-kms";
    for (const mode of MODES) {
        it(`flags a bucket whose encryption config is missing, naming the bucket (${mode})`, async () =>
            assertOneFinding(
                await stackFindings(without(baselineStack(mode), "data-sse"), rule),
                'Bucket "data"',
                "no SSE-KMS",
                "aws:kms",
            ));
        it(`flags SSE-S3 on a data bucket (${mode})`, async () =>
            assertOneFinding(
                await stackFindings(
                    withProps(baselineStack(mode), "data-sse", (p) => ({
                        ...p,
                        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                    })),
                    rule,
                ),
                '"AES256"',
            ));
    }
    it("accepts DSSE-KMS without demanding bucket keys (DSSE does not support them)", async () =>
        assertNone(
            await stackFindings(
                withProps(baselineStack("preview"), "data-sse", (p) => ({
                    ...p,
                    rules: [
                        {
                            applyServerSideEncryptionByDefault: {
                                sseAlgorithm: "aws:kms:dsse",
                                kmsMasterKeyId: UNKNOWN,
                            },
                        },
                    ],
                })),
                rule,
            ),
        ));
    it("flags the AWS managed key: alias/aws/s3 or no kmsMasterKeyId", async () => {
        for (const apply of [
            { sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/aws/s3" },
            { sseAlgorithm: "aws:kms" },
        ]) {
            const stack = withProps(baselineStack("update"), "data-sse", (p) => ({
                ...p,
                rules: [{ applyServerSideEncryptionByDefault: apply, bucketKeyEnabled: true }],
            }));
            assertOneFinding(
                await stackFindings(
                    stack.map((r) => (r.name === "data-sse" ? { ...r, deps: { bucket: ["data"] } } : r)),
                    rule,
                ),
                "AWS managed key",
            );
        }
    });
    it("flags missing bucket keys", async () =>
        assertOneFinding(
            await stackFindings(
                withProps(baselineStack("preview"), "data-sse", (p) => ({
                    ...p,
                    rules: [
                        {
                            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN },
                            bucketKeyEnabled: false,
                        },
                    ],
                })),
                rule,
            ),
            "Bucket Keys",
        ));
    it("links through the graph, not IDs: an encryption config of another bucket does not count", async () => {
        const stack = baselineStack("preview").map((r) =>
            r.name === "data-sse" ? { ...r, deps: { bucket: ["trail"], rules: ["key"] } } : r,
        );
        assertOneFinding(await stackFindings(stack, rule), 'Bucket "data"');
    });
    it("accepts the deprecated V2 token for the encryption config", async () =>
        assertNone(
            await stackFindings(
                baselineStack("preview").map((r) => (r.name === "data-sse" ? { ...r, type: T.sseV2 } : r)),
                rule,
            ),
        ));
    it("accepts a BucketV2 bucket", async () =>
        assertNone(
            await stackFindings(
                baselineStack("preview").map((r) => (r.name === "data" ? { ...r, type: T.bucketV2 } : r)),
                rule,
            ),
        ));
    it("reads the deprecated inline property on Bucket (v7 shape) and on BucketV2 (list shape)", async () => {
        const inline: ResourceSpec[] = [
            key,
            {
                type: T.bucket,
                name: "b",
                deps: { serverSideEncryptionConfiguration: ["key"] },
                props: {
                    serverSideEncryptionConfiguration: {
                        rule: {
                            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN },
                            bucketKeyEnabled: true,
                        },
                    },
                },
            },
        ];
        assertNone(await stackFindings(inline, rule));
        const inlineV2: ResourceSpec[] = [
            key,
            {
                type: T.bucketV2,
                name: "b",
                deps: { serverSideEncryptionConfigurations: ["key"] },
                props: {
                    serverSideEncryptionConfigurations: [
                        {
                            rules: [
                                {
                                    applyServerSideEncryptionByDefaults: [
                                        { sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN },
                                    ],
                                    bucketKeyEnabled: true,
                                },
                            ],
                        },
                    ],
                },
            },
        ];
        assertNone(await stackFindings(inlineV2, rule));
        const inlineAes: ResourceSpec[] = [
            {
                type: T.bucket,
                name: "b",
                props: {
                    serverSideEncryptionConfiguration: {
                        rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
                    },
                },
            },
        ];
        assertOneFinding(await stackFindings(inlineAes, rule), '"AES256"');
    });
    it("links a config that names the bucket literally (no dependency edge)", async () =>
        assertNone(
            await stackFindings(
                [
                    key,
                    { type: T.bucket, name: "b", props: { bucket: "my-bucket" } },
                    {
                        type: T.sse,
                        name: "b-sse",
                        props: {
                            bucket: "my-bucket",
                            rules: [
                                {
                                    applyServerSideEncryptionByDefault: {
                                        sseAlgorithm: "aws:kms",
                                        kmsMasterKeyId: UNKNOWN,
                                    },
                                    bucketKeyEnabled: true,
                                },
                            ],
                        },
                        deps: { rules: ["key"] },
                    },
                ],
                rule,
            ),
        ));
    it("exempts the access-log target from SSE-KMS but still wants SSE-S3 there", async () => {
        assertNone(await stackFindings(baselineStack("preview"), rule));
        const kmsTarget = baselineStack("preview").map((r) =>
            r.name === "access-logs-sse"
                ? {
                      ...r,
                      props: {
                          ...r.props,
                          rules: [
                              {
                                  applyServerSideEncryptionByDefault: {
                                      sseAlgorithm: "aws:kms",
                                      kmsMasterKeyId: UNKNOWN,
                                  },
                                  bucketKeyEnabled: true,
                              },
                          ],
                      },
                  }
                : r,
        );
        assertOneFinding(await stackFindings(kmsTarget, rule), 'Bucket "access-logs"', "access-log target", "AES256");
    });
    it("judges the log target like any bucket when exemptAccessLogTargets is off (see config tests)", async () => {
        // The exemption comes from the graph: without the BucketLogging edges the AES256 bucket is a finding.
        assertOneFinding(
            await stackFindings(without(baselineStack("preview"), "data-logging", "trail-logging"), rule),
            'Bucket "access-logs"',
        );
    });
});

describe("s3-bucket-public-access-block / s3-public-access-block-flags: is public access blocked?", () => {
    it("flags a bucket without a public access block", async () =>
        assertOneFinding(
            await stackFindings(without(baselineStack("preview"), "data-pab"), "s3-bucket-public-access-block"),
            'Bucket "data"',
        ));
    it("accepts an account-level block with all four flags instead", async () => {
        const stack = [
            ...without(baselineStack("preview"), "data-pab"),
            {
                type: T.accountPab,
                name: "account",
                props: {
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                },
            },
        ];
        assertNone(await stackFindings(stack, "s3-bucket-public-access-block"));
    });
    it("flags a block with any flag off or unknown, on bucket and account blocks", async () => {
        const pab = baselineStack("preview").find((r) => r.name === "data-pab")!;
        assertNone(await resourceFindings(pab, "s3-public-access-block-flags"));
        assertOneFinding(
            await resourceFindings(
                { ...pab, props: { ...pab.props, ignorePublicAcls: false } },
                "s3-public-access-block-flags",
            ),
            "ignorePublicAcls",
        );
        assertOneFinding(
            await resourceFindings(
                { ...pab, props: { ...pab.props, restrictPublicBuckets: UNKNOWN } },
                "s3-public-access-block-flags",
            ),
            "restrictPublicBuckets",
        );
        assertOneFinding(
            await resourceFindings(
                { type: T.accountPab, name: "acct", props: { blockPublicAcls: true } },
                "s3-public-access-block-flags",
            ),
            "blockPublicPolicy",
        );
    });
});

describe("s3-bucket-tls-only: does every bucket refuse plain HTTP?", () => {
    const rule = "s3-bucket-tls-only";
    it("flags a bucket without a bucket policy", async () =>
        assertOneFinding(
            await stackFindings(without(baselineStack("update"), "data-policy"), rule),
            'Bucket "data"',
            "aws:SecureTransport",
        ));
    it("flags a policy without the deny statement", async () =>
        assertOneFinding(
            await stackFindings(
                withProps(baselineStack("update"), "data-policy", (p) => ({
                    ...p,
                    policy: JSON.stringify({
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { AWS: "arn:aws:iam::111122223333:root" },
                                Action: "s3:GetObject",
                                Resource: "*",
                            },
                        ],
                    }),
                })),
                rule,
            ),
        ));
    it("flags a deny that only covers the bucket, not its objects", async () =>
        assertOneFinding(
            await stackFindings(
                withProps(baselineStack("update"), "data-policy", (p) => ({
                    ...p,
                    policy: tlsPolicy("arn:aws:s3:::data-bucket").replace(',"arn:aws:s3:::data-bucket/*"', ""),
                })),
                rule,
            ),
        ));
    it("reports a malformed bucket policy", async () =>
        assertOneFinding(
            await stackFindings(
                withProps(baselineStack("update"), "data-policy", (p) => ({ ...p, policy: "nope" })),
                rule,
            ),
            "not valid JSON",
        ));
    it("stays silent while the policy document is unknown at preview", async () =>
        assertNone(await stackFindings(baselineStack("preview"), rule)));
    it("accepts the deprecated inline policy and the object form", async () =>
        assertNone(
            await stackFindings(
                [{ type: T.bucket, name: "b", props: { policy: JSON.parse(tlsPolicy("arn:aws:s3:::b")) } }],
                rule,
            ),
        ));
});

describe("s3-bucket-owner-enforced: are ACLs disabled?", () => {
    const rule = "s3-bucket-owner-enforced";
    const ownership = (objectOwnership: string): ResourceSpec => ({
        type: T.ownership,
        name: "o",
        props: { bucket: UNKNOWN, rule: { objectOwnership } },
    });
    it("passes BucketOwnerEnforced and flags ObjectWriter", async () => {
        assertNone(await stackFindings([ownership("BucketOwnerEnforced")], rule));
        assertOneFinding(await stackFindings([ownership("ObjectWriter")], rule), "ObjectWriter");
    });
    it("flags ACL resources and inline ACLs, not a bucket without them", async () => {
        assertOneFinding(
            await stackFindings([{ type: T.acl, name: "acl", props: { bucket: UNKNOWN, acl: "private" } }], rule),
        );
        assertOneFinding(
            await stackFindings([{ type: T.bucket, name: "b", props: { acl: "public-read" } }], rule),
            "public-read",
        );
        assertNone(await stackFindings([{ type: T.bucket, name: "b", props: {} }], rule));
    });
});

describe("cloudtrail-bucket-protected: is the trail's bucket versioned and logged?", () => {
    const rule = "cloudtrail-bucket-protected";
    for (const mode of MODES) {
        it(`flags the trail bucket without versioning (${mode})`, async () =>
            assertOneFinding(
                await stackFindings(without(baselineStack(mode), "trail-versioning"), rule),
                'Bucket "trail"',
                "versioning",
            ));
        it(`flags the trail bucket without access logging (${mode})`, async () =>
            assertOneFinding(
                await stackFindings(without(baselineStack(mode), "trail-logging"), rule),
                'Bucket "trail"',
                "access logging",
            ));
    }
    it("does not ask for versioning or logging on buckets that do not receive trail logs", async () => {
        assertNone(await stackFindings(without(baselineStack("preview"), "data-versioning", "data-logging"), rule));
    });
    it("accepts the V2 tokens and suspended versioning is a finding", async () => {
        const v2 = baselineStack("preview").map((r) =>
            r.name === "trail-versioning"
                ? { ...r, type: T.versioningV2 }
                : r.name === "trail-logging"
                  ? { ...r, type: T.loggingV2 }
                  : r,
        );
        assertNone(await stackFindings(v2, rule));
        const suspended = withProps(baselineStack("preview"), "trail-versioning", (p) => ({
            ...p,
            versioningConfiguration: { status: "Suspended" },
        }));
        assertOneFinding(await stackFindings(suspended, rule));
    });
    it("does not demand logging of a trail bucket that is itself the access-log target", async () => {
        const stack = baselineStack("preview").map((r) =>
            r.name === "audit" ? { ...r, deps: { ...r.deps, s3BucketName: ["access-logs"] } } : r,
        );
        const findings = await stackFindings(
            [
                ...stack,
                {
                    type: T.versioning,
                    name: "al-v",
                    props: { versioningConfiguration: { status: "Enabled" } },
                    deps: { bucket: ["access-logs"] },
                },
            ],
            rule,
        );
        assert.deepStrictEqual(
            findings.filter((f) => f.message.includes("access logging")),
            [],
        );
    });
});
