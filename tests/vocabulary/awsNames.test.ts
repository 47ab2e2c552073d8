/**
 * The bucket-name rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html), shared by
 * the stack config and the audit's flags: before issue 15 the two disagreed (the audit took `xn--` prefixes and,
 * for --bucket, adjacent dots; neither refused IP addresses or the reserved suffixes).
 */
import { strict as assert } from "assert";
import { parseArguments, UsageError } from "../../audit/options";
import { BaselineConfigError, parseBaselineConfig } from "../../infra/config";
import { ACCOUNT_ID, PRINCIPAL_ARN, REGION_NAME, S3_BUCKET_NAME } from "../../vocabulary/awsNames";

const VALID = ["my-bucket", "a.b.c", "abc", "example-corp-prod-exports", "1-2-3", "x".repeat(63), "a.mrapx"];
const INVALID: Record<string, string> = {
    "too short": "ab",
    "too long": "x".repeat(64),
    "upper case": "My-bucket",
    underscore: "my_bucket",
    "ends with a hyphen": "bucket-",
    "starts with a dot": ".bucket",
    "adjacent dots": "my..bucket",
    "an IP address": "192.168.5.4",
    "prefix xn--": "xn--bucket",
    "prefix sthree-": "sthree-bucket",
    "prefix sthree-configurator": "sthree-configurator-x",
    "prefix amzn-s3-demo-": "amzn-s3-demo-bucket",
    "suffix -s3alias": "bucket-s3alias",
    "suffix --ol-s3": "bucket--ol-s3",
    "suffix .mrap": "bucket.mrap",
    "suffix --x-s3": "bucket--usw2-az1--x-s3",
    "suffix --table-s3": "bucket--table-s3",
};

function configProblem(buckets: string[]): string | undefined {
    const raw = {
        keyAdministrators: JSON.stringify(["arn:aws:iam::123456789012:role/KeyAdmins"]),
        deploymentPrincipals: JSON.stringify(["arn:aws:iam::123456789012:role/Deploy"]),
        trailExtraDataEventBuckets: JSON.stringify(buckets),
    };
    try {
        parseBaselineConfig(raw, "dev");
        return undefined;
    } catch (error) {
        assert.ok(error instanceof BaselineConfigError);
        return error.problems.find((p) => p.key === "trailExtraDataEventBuckets")?.allowed;
    }
}

function auditRefusal(args: string[]): string | undefined {
    try {
        parseArguments(args);
        return undefined;
    } catch (error) {
        assert.ok(error instanceof UsageError, String(error));
        return error.message;
    }
}

describe("vocabulary: AWS names", () => {
    for (const name of VALID) {
        it(`accepts the bucket name ${name.length > 20 ? `${name.slice(0, 17)}...` : name}`, () => {
            assert.ok(S3_BUCKET_NAME.test(name));
            assert.equal(configProblem([name]), undefined);
            assert.equal(auditRefusal(["--logs", `s3://${name}/AWSLogs/`]), undefined);
            assert.equal(auditRefusal(["--logs", ".", "--bucket", name]), undefined);
        });
    }
    for (const [why, name] of Object.entries(INVALID)) {
        it(`refuses a bucket name with ${why}, in the stack config and in the audit's flags alike`, () => {
            assert.ok(!S3_BUCKET_NAME.test(name));
            assert.match(configProblem([name]) ?? "", /S3 bucket names \(3-63 lower-case .*--table-s3\)/);
            assert.match(auditRefusal(["--logs", `s3://${name}/AWSLogs/`]) ?? "", /is not a valid S3 location/);
            assert.match(auditRefusal(["--logs", ".", "--bucket", name]) ?? "", /allowed: 3-63 lower-case/);
        });
    }

    it("principal ARNs, account IDs and Region codes", () => {
        assert.ok(PRINCIPAL_ARN.test("arn:aws:iam::123456789012:role/path/Name"));
        assert.ok(PRINCIPAL_ARN.test("arn:aws-us-gov:iam::123456789012:user/Alice"));
        assert.ok(!PRINCIPAL_ARN.test("arn:aws:sts::123456789012:assumed-role/Name/session"));
        assert.ok(!PRINCIPAL_ARN.test("arn:aws:iam::*:role/Name"));
        assert.ok(ACCOUNT_ID.test("123456789012") && !ACCOUNT_ID.test("12345678901"));
        assert.ok(REGION_NAME.test("eu-west-1") && REGION_NAME.test("us-gov-west-1") && !REGION_NAME.test("eu-west"));
    });
});
