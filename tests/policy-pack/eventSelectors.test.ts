/**
 * The advanced event selector reading, case by case from AWS's documentation
 * (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html and
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html).
 */
import * as assert from "assert";
import {
    BucketTarget,
    advancedBucketCoverage,
    advancedManagementCoverage,
    basicBucketCoverage,
    basicManagementCoverage,
    parseAdvancedSelectors,
} from "../../policy-pack/lib/eventSelectors";
import { UNKNOWN } from "./harness/requests";

const BUCKET: BucketTarget = { objectArnPrefix: "arn:aws:s3:::data-bucket/", dependedOn: false };
const s3Objects = (...extra: Record<string, unknown>[]) => ({
    fieldSelectors: [
        { field: "eventCategory", equals: ["Data"] },
        { field: "resources.type", equals: ["AWS::S3::Object"] },
        ...extra,
    ],
});

function coverage(selectors: unknown[], target: BucketTarget = BUCKET) {
    const parsed = parseAdvancedSelectors(selectors);
    assert.strictEqual(parsed.kind, "parsed");
    return parsed.kind === "parsed" ? advancedBucketCoverage(parsed.selectors, target) : undefined;
}
const ALL = { read: true, write: true };
const NONE = { read: false, write: false };

describe("advanced event selectors: which S3 object events of a bucket are logged", () => {
    it("AWS's all-objects-of-a-bucket example (StartsWith the bucket ARN and /) covers read and write", () =>
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", startsWiths: ["arn:aws:s3:::data-bucket/"] })]),
            ALL,
        ));
    it("no resources.ARN field: every bucket", () => assert.deepStrictEqual(coverage([s3Objects()]), ALL));
    it("Equals matches one exact ARN, so it never covers every object", () => {
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", equals: ["arn:aws:s3:::data-bucket/"] })]),
            NONE,
        );
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", equals: ["arn:aws:s3:::data-bucket"] })]),
            NONE,
        );
    });
    it("StartsWith is a plain prefix: an object-key prefix covers part, a shorter prefix covers more buckets", () => {
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", startsWiths: ["arn:aws:s3:::data-bucket/logs/"] })]),
            NONE,
        );
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", startsWiths: ["arn:aws:s3:::data"] })]),
            ALL,
        );
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", startsWiths: ["arn:aws:s3:::other/", "arn:aws:s3:::"] })]),
            ALL,
        );
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", startsWiths: ["arn:aws:s3:::data-bucket-2/"] })]),
            NONE,
        );
    });
    it('NotStartsWith / NotEquals exclusions cover everything not excluded ("all buckets except the trail\'s own")', () => {
        const except = (...values: string[]) =>
            coverage([s3Objects({ field: "resources.ARN", notStartsWiths: values })]);
        assert.deepStrictEqual(except("arn:aws:s3:::trail-bucket/"), ALL);
        assert.deepStrictEqual(except("arn:aws:s3:::data-bucket/"), NONE);
        assert.deepStrictEqual(except("arn:aws:s3:::data-bucket/tmp/"), NONE, "excluding some keys narrows");
        assert.deepStrictEqual(except("arn:aws:s3:::data"), NONE, "a shorter exclusion removes this bucket too");
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", notEquals: ["arn:aws:s3:::data-bucket/secret"] })]),
            NONE,
        );
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", notEquals: ["arn:aws:s3:::trail-bucket/x"] })]),
            ALL,
        );
        assert.deepStrictEqual(coverage([s3Objects({ field: "resources.ARN", notEndsWiths: [".tmp"] })]), NONE);
    });
    it("eventName and other fields narrow a selector: AWS's PutObject/DeleteObject example covers no bucket in full", () => {
        assert.deepStrictEqual(
            coverage([
                s3Objects(
                    { field: "eventName", equals: ["PutObject", "DeleteObject"] },
                    { field: "resources.ARN", startsWiths: ["arn:aws:s3:::data-bucket/"] },
                ),
            ]),
            NONE,
        );
        assert.deepStrictEqual(coverage([s3Objects({ field: "eventName", notEquals: ["GetObject"] })]), NONE);
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "userIdentity.arn", notStartsWiths: ["arn:aws:iam::1:role/x"] })]),
            NONE,
        );
    });
    it("readOnly: Equals true logs reads only, false writes only; two selectors are ORed", () => {
        assert.deepStrictEqual(coverage([s3Objects({ field: "readOnly", equals: ["true"] })]), {
            read: true,
            write: false,
        });
        assert.deepStrictEqual(coverage([s3Objects({ field: "readOnly", equals: ["false"] })]), {
            read: false,
            write: true,
        });
        assert.deepStrictEqual(
            coverage([
                s3Objects({ field: "readOnly", equals: ["true"] }),
                s3Objects({ field: "readOnly", equals: ["false"] }),
            ]),
            ALL,
        );
    });
    it("eventCategory and resources.type must name S3 object data events exactly", () => {
        assert.deepStrictEqual(
            coverage([
                {
                    fieldSelectors: [
                        { field: "eventCategory", equals: ["Data"] },
                        { field: "resources.type", equals: ["AWS::S3::AccessPoint"] },
                    ],
                },
            ]),
            NONE,
        );
        assert.deepStrictEqual(
            coverage([{ fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] }]),
            NONE,
        );
        assert.deepStrictEqual(
            coverage([{ fieldSelectors: [{ field: "resources.type", equals: ["AWS::S3::Object"] }] }]),
            NONE,
            "eventCategory is required",
        );
        assert.deepStrictEqual(coverage([s3Objects({ field: "eventSource", equals: ["s3.amazonaws.com"] })]), ALL);
    });
    it("the fields of one selector are ANDed", () =>
        assert.deepStrictEqual(
            coverage([
                s3Objects(
                    { field: "resources.ARN", startsWiths: ["arn:aws:s3:::data-bucket/"] },
                    { field: "resources.ARN", notStartsWiths: ["arn:aws:s3:::data-bucket/"] },
                ),
            ]),
            NONE,
        ));
    it("preview: an unknown value counts as this bucket's ARN only where the property depends on the bucket", () => {
        const viaGraph = { objectArnPrefix: undefined, dependedOn: true };
        const elsewhere = { objectArnPrefix: undefined, dependedOn: false };
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", startsWiths: [UNKNOWN] })], viaGraph),
            ALL,
        );
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", startsWiths: [UNKNOWN] })], elsewhere),
            NONE,
        );
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", notStartsWiths: [UNKNOWN] })], elsewhere),
            ALL,
        );
        assert.deepStrictEqual(
            coverage([s3Objects({ field: "resources.ARN", notStartsWiths: [UNKNOWN] })], viaGraph),
            NONE,
        );
    });
    it("rejects shapes AWS would not accept, and more values than AWS allows, as malformed", () => {
        assert.strictEqual(parseAdvancedSelectors([{ fieldSelectors: [{ field: { a: 1 } }] }]).kind, "malformed");
        assert.strictEqual(parseAdvancedSelectors([{ name: "x" }]).kind, "malformed");
        assert.strictEqual(
            parseAdvancedSelectors([
                s3Objects({ field: "resources.ARN", notEquals: Array.from({ length: 600 }, (_, i) => `v${i}`) }),
            ]).kind,
            "malformed",
        );
        assert.strictEqual(parseAdvancedSelectors(UNKNOWN).kind, "unknown");
    });
});

describe("management events from advanced and basic selectors", () => {
    const management = (...extra: Record<string, unknown>[]) => ({
        fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }, ...extra],
    });
    const read = (selectors: unknown[]) => {
        const parsed = parseAdvancedSelectors(selectors);
        return parsed.kind === "parsed" ? advancedManagementCoverage(parsed.selectors) : undefined;
    };
    it("eventCategory Management alone records all; readOnly narrows to reads or writes", () => {
        assert.deepStrictEqual(read([management()]), { read: true, write: true, narrowed: [], unknown: false });
        assert.deepStrictEqual(read([management({ field: "readOnly", equals: ["true"] })]), {
            read: true,
            write: false,
            narrowed: [],
            unknown: false,
        });
    });
    it("an eventSource exclusion narrows (and is described), unless another selector records everything", () => {
        const narrowed = read([management({ field: "eventSource", notEquals: ["kms.amazonaws.com"] })]);
        assert.deepStrictEqual(narrowed, {
            read: false,
            write: false,
            narrowed: ["eventSource NotEquals kms.amazonaws.com"],
            unknown: false,
        });
        assert.strictEqual(
            read([management({ field: "eventSource", notEquals: ["kms.amazonaws.com"] }), management()])?.write,
            true,
        );
    });
    it("basic: no selectors means all; exclusions narrow; includeManagementEvents false records none", () => {
        assert.deepStrictEqual(basicManagementCoverage([]), { read: true, write: true, narrowed: [], unknown: false });
        assert.deepStrictEqual(
            basicManagementCoverage([{ readWriteType: "All", excludeManagementEventSources: ["kms.amazonaws.com"] }])
                .narrowed,
            ["excludeManagementEventSources kms.amazonaws.com"],
        );
        assert.strictEqual(basicManagementCoverage([{ includeManagementEvents: false }]).read, false);
    });
    it("basic data resources are prefixes: the bucket ARN with / covers it, a key prefix does not", () => {
        const basic = (values: unknown[], readWriteType = "All") =>
            basicBucketCoverage([{ readWriteType, dataResources: [{ type: "AWS::S3::Object", values }] }], BUCKET);
        assert.deepStrictEqual(basic(["arn:aws:s3:::data-bucket/"]), ALL);
        assert.deepStrictEqual(basic(["arn:aws:s3"]), ALL);
        assert.deepStrictEqual(basic(["arn:aws:s3:::data-bucket/prefix"]), NONE);
        assert.deepStrictEqual(basic(["arn:aws:s3:::data-bucket/"], "WriteOnly"), { read: false, write: true });
    });
});
