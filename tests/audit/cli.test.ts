import { strict as assert } from "assert";
import Ajv from "ajv";
import { readFileSync } from "fs";
import * as path from "path";
import { parseArguments, UsageError } from "../../audit/options";
import { AuditReport } from "../../audit/report";
import { ALIAS, KEY_ARN, writeScenario } from "./fixtures";
import { REPO, runCli, temporaryDirectory } from "./helpers";

const schema = JSON.parse(readFileSync(path.join(REPO, "audit", "report-schema.json"), "utf8")) as object;

function validate(report: unknown): void {
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
    const check = ajv.compile(schema);
    assert.ok(check(report), ajv.errorsText(check.errors));
}

describe("audit: the command line", () => {
    let logs: string;
    let clean: string;
    let remove: () => void;

    before(() => {
        ({ dir: logs, remove } = temporaryDirectory("cli"));
        writeScenario(path.join(logs, "broken"));
        writeScenario(path.join(logs, "clean"), { brokenFiles: false });
        clean = path.join(logs, "clean");
    });
    after(() => remove());

    it("prints a readable summary and exits 0 when every file was read", async () => {
        const result = await runCli(["--logs", clean, "--key", ALIAS]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`Key ${KEY_ARN} \\(aliases: ${ALIAS}\\)`));
        assert.match(result.stdout, /Successful cryptographic calls: 8; denied: 2; failed: 1/);
        assert.match(result.stdout, /Denied calls: 4/);
        assert.match(
            result.stdout,
            /StopLogging on arn:aws:cloudtrail:us-east-1:111122223333:trail\/kms-audit\s+\[AccessDenied\]/,
        );
        assert.match(result.stdout, /S3 uploads: 4; not encrypted with the audited key: 1/);
        assert.equal(result.stderr, "", "no progress on a non-terminal stderr by default");
    });

    it("writes JSON that satisfies the published schema", async () => {
        const result = await runCli(["--logs", path.join(logs, "broken"), "--format", "json", "--key", KEY_ARN]);
        const report = JSON.parse(result.stdout) as AuditReport;
        validate(report);
        assert.equal(report.keys[0].key, KEY_ARN);
        const everything = await runCli(["--logs", clean, "--format=json"]);
        validate(JSON.parse(everything.stdout));
    });

    it("rejects a report that breaks the schema, so the schema check means something", () => {
        assert.throws(() => validate({ schemaVersion: 1 }), /must have required property/);
    });

    it("exits 3 and names the corrupt files when some could not be read", async () => {
        const result = await runCli(["--logs", path.join(logs, "broken"), "--key", KEY_ARN]);
        assert.equal(result.code, 3);
        assert.match(
            result.stderr,
            /skipped .*TruncatedGzip000\.json\.gz: cannot read or decompress: unexpected end of file/,
        );
        assert.match(result.stdout, /Unreadable files and folders \(skipped, so the report is incomplete\): 3/);
    });

    it("shows progress on stderr when --progress is given", async () => {
        const result = await runCli(["--logs", clean, "--progress"]);
        assert.equal(result.code, 0);
        assert.match(result.stderr, /audit: 1 files, \d+ records/);
        assert.match(result.stderr, /audit: done, 5 files, 27 records/);
    });

    const badInputs: Array<[string, string[], RegExp]> = [
        ["a missing --logs", [], /--logs is required/],
        ["a folder that does not exist", ["--logs", "/no/such/folder"], /--logs '\/no\/such\/folder': no such folder/],
        [
            "a bad S3 URL",
            ["--logs", "s3://Not_A_Bucket/x"],
            /--logs 's3:\/\/Not_A_Bucket\/x' is not a valid S3 location.*allowed: s3:\/\/bucket/,
        ],
        [
            "another URL scheme",
            ["--logs", "gs://bucket/x"],
            /unsupported location; allowed: a local folder or s3:\/\/bucket\/prefix/,
        ],
        [
            "an impossible date",
            ["--logs", ".", "--since", "2024-02-30"],
            /--since '2024-02-30' is not a valid time; allowed: YYYY-MM-DD/,
        ],
        [
            "a time without a zone",
            ["--logs", ".", "--until", "2024-05-01T10:00"],
            /--until '2024-05-01T10:00' is not a valid time/,
        ],
        [
            "an empty window",
            ["--logs", ".", "--since", "2024-05-02", "--until", "2024-05-01"],
            /--since '2024-05-02' must be earlier than --until/,
        ],
        [
            "an unknown format",
            ["--logs", ".", "--format", "csv"],
            /--format 'csv' is not supported; allowed: text, json/,
        ],
        [
            "a malformed key",
            ["--logs", ".", "--key", "my-key"],
            /--key 'my-key' is not a KMS key reference; allowed: a key ARN/,
        ],
        ["an unknown flag", ["--logs", ".", "--verbose"], /unknown argument "--verbose"/],
        ["a repeated flag", ["--logs", ".", "--logs", "."], /--logs given more than once/],
        [
            "a bad --max-events",
            ["--logs", ".", "--max-events", "0"],
            /--max-events '0' is not allowed; allowed: a whole number from 1 to 100000/,
        ],
    ];
    for (const [what, args, message] of badInputs) {
        it(`refuses ${what} with a message naming the flag, the value and what is allowed`, () => {
            assert.throws(
                () => parseArguments(args),
                (error: unknown) => error instanceof UsageError && message.test(error.message),
            );
        });
    }

    it("exits 2 on bad input, printing the reason on stderr and nothing on stdout", async () => {
        const result = await runCli(["--logs", "/no/such/folder"]);
        assert.equal(result.code, 2);
        assert.match(result.stderr, /--logs '\/no\/such\/folder': no such folder/);
        assert.equal(result.stdout, "");
    });

    it("exits 2 naming the location when the logs cannot be listed", async () => {
        const result = await runCli(["--logs", "s3://kms-audit-no-such-bucket/AWSLogs"], {
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: "test",
            AWS_SECRET_ACCESS_KEY: "test",
            AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9",
            AWS_MAX_ATTEMPTS: "1",
        });
        assert.equal(result.code, 2);
        assert.match(
            result.stderr,
            /--logs 's3:\/\/kms-audit-no-such-bucket\/AWSLogs': cannot list s3:\/\/kms-audit-no-such-bucket\/AWSLogs\//,
        );
    });

    it("prints usage for --help", async () => {
        const result = await runCli(["--help"]);
        assert.equal(result.code, 0);
        assert.match(result.stdout, /Usage: npm run key-audit -- --logs <dir \| s3:\/\/bucket\/prefix>/);
    });
});

describe("audit: documentation", () => {
    it("embeds exactly the schema the tool is checked against", () => {
        const docs = readFileSync(path.join(REPO, "docs", "audit.md"), "utf8");
        const block = /<!-- schema:start -->\s*```json\n([\s\S]*?)```\s*<!-- schema:end -->/.exec(docs);
        assert.ok(block, "docs/audit.md has a schema block between <!-- schema:start --> and <!-- schema:end -->");
        assert.deepEqual(JSON.parse(block[1]), schema);
    });
});
