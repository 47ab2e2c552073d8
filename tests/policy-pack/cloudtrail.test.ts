import * as assert from "assert";
import { UNKNOWN } from "./harness/requests";
import type { ResourceSpec } from "./harness/requests";
import { assertNone, assertOneFinding, resourceFindings, stackFindings } from "./helpers";
import { T, baselineStack, trailProps, withProps, without } from "./fixtures";

const trail = (change: Record<string, unknown> = {}): ResourceSpec => ({
    type: T.trail,
    name: "audit",
    props: { ...trailProps("preview", "arn:aws:s3:::data-bucket"), ...change },
});

describe("CloudTrail trail settings: does my trail meet CIS 3.x?", () => {
    const cases: [string, Record<string, unknown>, string][] = [
        ["cloudtrail-multi-region", { isMultiRegionTrail: false }, "isMultiRegionTrail"],
        ["cloudtrail-multi-region", { includeGlobalServiceEvents: false }, "includeGlobalServiceEvents"],
        ["cloudtrail-log-file-validation", { enableLogFileValidation: undefined }, "enableLogFileValidation"],
        ["cloudtrail-kms-encryption", { kmsKeyId: undefined }, "kmsKeyId"],
        ["cloudtrail-logging-enabled", { enableLogging: false }, "enableLogging"],
        ["cloudtrail-management-events", { eventSelectors: [{ readWriteType: "WriteOnly" }] }, "only write"],
        [
            "cloudtrail-management-events",
            { eventSelectors: [{ readWriteType: "All", excludeManagementEventSources: ["kms.amazonaws.com"] }] },
            "kms.amazonaws.com",
        ],
        ["cloudtrail-management-events", { eventSelectors: [{ includeManagementEvents: false }] }, "no management"],
        [
            "cloudtrail-management-events",
            { advancedEventSelectors: [{ fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] }] },
            "both",
        ],
        ["cloudtrail-cloudwatch-logs", { cloudWatchLogsRoleArn: undefined }, "cloudWatchLogsRoleArn"],
        ["cloudtrail-insights-write-events", { eventSelectors: [{ readWriteType: "ReadOnly" }] }, "ApiCallRateInsight"],
    ];
    for (const [rule, change, fragment] of cases) {
        it(`${rule}: passes the baseline trail and flags ${JSON.stringify(change)}`, async () => {
            assertNone(await resourceFindings(trail(), rule));
            assertOneFinding(await resourceFindings(trail(change), rule), 'Trail "audit"', fragment);
        });
    }
    it("cloudtrail-management-events: no selectors means AWS records all management events", async () =>
        assertNone(await resourceFindings(trail({ eventSelectors: undefined }), "cloudtrail-management-events")));
    it("cloudtrail-management-events: accepts advanced selectors for all management events", async () =>
        assertNone(
            await resourceFindings(
                trail({
                    eventSelectors: undefined,
                    advancedEventSelectors: [{ fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] }],
                }),
                "cloudtrail-management-events",
            ),
        ));
    it("cloudtrail-insights-write-events: ApiErrorRateInsight alone is fine with read events", async () =>
        assertNone(
            await resourceFindings(
                trail({
                    eventSelectors: [{ readWriteType: "ReadOnly" }],
                    insightSelectors: [{ insightType: "ApiErrorRateInsight" }],
                }),
                "cloudtrail-insights-write-events",
            ),
        ));
    it("unknown key and log group ARNs at preview count as set (they come from resources)", async () => {
        assertNone(
            await resourceFindings(
                trail({ kmsKeyId: UNKNOWN, cloudWatchLogsGroupArn: UNKNOWN }),
                "cloudtrail-kms-encryption",
            ),
        );
        assertNone(
            await resourceFindings(
                trail({ kmsKeyId: UNKNOWN, cloudWatchLogsGroupArn: UNKNOWN }),
                "cloudtrail-cloudwatch-logs",
            ),
        );
    });
    it("fails closed on an unknown boolean at preview", async () =>
        assertOneFinding(
            await resourceFindings(trail({ isMultiRegionTrail: UNKNOWN }), "cloudtrail-multi-region"),
            "unknown during preview",
        ));
});

describe("cloudtrail-stack-coverage: is the stack audited?", () => {
    const rule = "cloudtrail-stack-coverage";
    for (const mode of ["preview", "update"] as const) {
        it(`passes the baseline (${mode})`, async () => assertNone(await stackFindings(baselineStack(mode), rule)));
        it(`flags an SSE-KMS data bucket without S3 data events (${mode})`, async () =>
            assertOneFinding(
                await stackFindings(
                    withProps(baselineStack(mode), "audit", (p) => ({
                        ...p,
                        eventSelectors: [{ readWriteType: "All", includeManagementEvents: true }],
                    })),
                    rule,
                ),
                'Bucket "data"',
                "write and read",
            ));
    }
    it("flags a stack without a trail, and one whose only trail is non-compliant", async () => {
        const noTrail = await stackFindings(without(baselineStack("preview"), "audit"), rule);
        assertOneFinding(
            noTrail.filter((f) => f.urn === ""),
            "The stack",
            "no CloudTrail trail",
        );
        assert.strictEqual(noTrail.length, 3, "the data bucket and the (now unused) trail bucket lose coverage too");
        const weak = await stackFindings(
            withProps(baselineStack("preview"), "audit", (p) => ({ ...p, enableLogFileValidation: false })),
            rule,
        );
        assertOneFinding(weak, "none of its 1 trail");
    });
    it("flags write-only data events when reads are required", async () =>
        assertOneFinding(
            await stackFindings(
                withProps(baselineStack("preview"), "audit", (p) => ({
                    ...p,
                    eventSelectors: [
                        { readWriteType: "WriteOnly", dataResources: [{ type: "AWS::S3::Object", values: [UNKNOWN] }] },
                        { readWriteType: "All", includeManagementEvents: true },
                    ],
                })),
                rule,
            ),
            "read",
        ));
    it("accepts data events for all buckets, and advanced selectors", async () => {
        assertNone(
            await stackFindings(
                withProps(baselineStack("update"), "audit", (p) => ({
                    ...p,
                    eventSelectors: [
                        { readWriteType: "All", dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3"] }] },
                    ],
                })),
                rule,
            ),
        );
        const advanced = baselineStack("preview").map((r) =>
            r.name === "audit"
                ? {
                      ...r,
                      deps: { ...r.deps, advancedEventSelectors: ["data"] },
                      props: {
                          ...r.props,
                          eventSelectors: undefined,
                          insightSelectors: undefined,
                          advancedEventSelectors: [
                              { fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
                              {
                                  fieldSelectors: [
                                      { field: "eventCategory", equals: ["Data"] },
                                      { field: "resources.type", equals: ["AWS::S3::Object"] },
                                      { field: "resources.ARN", startsWiths: [UNKNOWN] },
                                  ],
                              },
                          ],
                      },
                  }
                : r,
        );
        assertNone(await stackFindings(advanced, rule));
    });
    it("does not ask data events for the trail bucket or the access-log bucket", async () => {
        const findings = await stackFindings(
            withProps(baselineStack("preview"), "audit", (p) => ({
                ...p,
                eventSelectors: [
                    { readWriteType: "All", dataResources: [{ type: "AWS::S3::Object", values: [UNKNOWN] }] },
                ],
            })),
            rule,
        );
        assertNone(findings);
    });
});
