import { strict as assert } from "assert";
import Ajv from "ajv";
import { readFileSync } from "fs";
import * as path from "path";
import { EarliestItems } from "../../audit/earliest";
import { EVENT_ROW_FIELDS, EventRow } from "../../audit/event-row";
import { parseArguments, UsageError } from "../../audit/options";
import { AuditReport } from "../../audit/report";
import {
    ACCOUNT,
    ADMIN_ROLE_ARN,
    APP_ROLE_ARN,
    assumedRole,
    DATA_BUCKET,
    KEY_ARN,
    logFilePath,
    putObject,
    s3DataKey,
    SEED_ALIAS,
    SEED_OBJECT,
    SEED_UPLOADER_ARN,
    TRAIL_ARN,
    writeLogFile,
    writeScenario,
    writeSeedScenario,
} from "./fixtures";
import { audit, REPO, runCli, temporaryDirectory } from "./helpers";

const schema = JSON.parse(readFileSync(path.join(REPO, "audit", "report-schema.json"), "utf8")) as object;
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
const validateReport = ajv.compile(schema);

function assertValid(report: unknown): void {
    assert.ok(validateReport(report), ajv.errorsText(validateReport.errors));
}

function listed(report: AuditReport): EventRow[] {
    assert.ok(report.events !== null, "--events gives a listing");
    return report.events.shown;
}

function names(rows: EventRow[]): string[] {
    return rows.map((row) => `${row.eventName}@${row.time}`);
}

describe("audit: search filters and --events", () => {
    let seed: string;
    let scenario: string;
    let remove: () => void;

    before(() => {
        const temporary = temporaryDirectory("search");
        remove = temporary.remove;
        seed = path.join(temporary.dir, "seed");
        scenario = path.join(temporary.dir, "scenario");
        writeSeedScenario(seed);
        writeScenario(scenario, { brokenFiles: false });
    });
    after(() => remove());

    describe("--events on the seed scenario", () => {
        it("lists the denied decrypt, the upload and its KMS call, the deletion scheduled, the trail stopped", async () => {
            const { report } = await audit(["--logs", seed, "--key", SEED_ALIAS, "--events"]);
            assertValid(report);
            const rows = listed(report);
            const denied = rows.find((row) => row.eventName === "Decrypt" && row.errorCode === "AccessDeniedException");
            assert.ok(denied, "the refused Decrypt is listed although it names no key");
            assert.equal(denied.principalArn, `arn:aws:iam::${ACCOUNT}:user/Eve`);
            assert.equal(denied.sourceIPAddress, "203.0.113.9");
            assert.match(denied.errorMessage ?? "", /not authorized to perform: kms:Decrypt/);
            assert.deepEqual(denied.keys, []);

            const upload = rows.find((row) => row.eventName === "PutObject" && row.objectKey === SEED_OBJECT);
            assert.ok(upload, "the upload is listed");
            assert.equal(upload.roleArn, SEED_UPLOADER_ARN);
            assert.equal(upload.session, "batch-7");
            assert.deepEqual(upload.keys, [KEY_ARN]);
            assert.equal(upload.resource, `arn:aws:s3:::${DATA_BUCKET}/${SEED_OBJECT}`);
            const dataKey = rows.find((row) => row.eventName === "GenerateDataKey" && row.objectKey === SEED_OBJECT);
            assert.ok(dataKey, "the KMS call S3 made for the upload is listed");
            assert.equal(dataKey.invokedBy, "s3.amazonaws.com");
            assert.equal(dataKey.encryptionContext["aws:s3:arn"], `arn:aws:s3:::${DATA_BUCKET}/${SEED_OBJECT}`);
            assert.deepEqual(upload.kmsCall, {
                status: "tied",
                eventId: dataKey.eventId,
                time: dataKey.time,
                file: dataKey.file,
                note: "GenerateDataKey by the same principal via s3.amazonaws.com, encryption context aws:s3:arn = this object",
            });

            const deletion = rows.find((row) => row.eventName === "ScheduleKeyDeletion");
            assert.ok(deletion, "the deletion is listed");
            assert.equal(deletion.errorCode, null);
            assert.equal(deletion.roleArn, ADMIN_ROLE_ARN);
            const stopped = rows.find((row) => row.eventName === "StopLogging");
            assert.ok(stopped, "the trail stop is listed");
            assert.equal(stopped.resource, TRAIL_ARN);

            const times = rows.map((row) => Date.parse(row.time));
            assert.deepEqual(
                times,
                [...times].sort((a, b) => a - b),
                "ordered by time",
            );
            assert.ok(
                !rows.some((row) => row.eventSource === "cloudtrail.amazonaws.com" && row.eventName !== "StopLogging"),
            );
        });

        it("builds rows with exactly the fields EVENT_ROW_FIELDS lists, in that order", async () => {
            const rows = listed((await audit(["--logs", seed, "--events"])).report);
            for (const row of rows) assert.deepEqual(Object.keys(row), [...EVENT_ROW_FIELDS]);
        });

        it("says when an upload cannot be tied to a KMS call: S3 Bucket Keys, or no call in the logs", async () => {
            const rows = listed((await audit(["--logs", seed, "--events", "--event", "PutObject"])).report);
            const bulk = rows.find((row) => row.bucket === "kms-audit-bulk");
            assert.equal(bulk?.kmsCall?.status, "bucket key");
            assert.match(
                bulk?.kmsCall?.note ?? "",
                /S3 Bucket Key.*no KMS call can be tied.*bucket-level GenerateDataKey .* at 2024-06-03T11:01:00Z/,
            );
            const lost = rows.find((row) => row.objectKey === "uploads/lost.csv");
            assert.equal(lost?.kmsCall?.status, "not found");
            assert.match(
                lost?.kmsCall?.note ?? "",
                /no GenerateDataKey naming this object by the same principal within 60 s/,
            );
            const tied = rows.find((row) => row.objectKey === SEED_OBJECT);
            assert.equal(
                tied?.kmsCall?.status,
                "tied",
                "the KMS call is found although --event filtered it out of the listing",
            );
        });

        it("ties no upload to another principal's KMS call for its object, nor to one minutes apart", async () => {
            const { dir, remove: removeLogs } = temporaryDirectory("link");
            try {
                const uploader = assumedRole(SEED_UPLOADER_ARN, "batch-7");
                writeLogFile(dir, logFilePath("2024-06-03T10:05:00Z", "LinkNegative0000"), [
                    s3DataKey("2024-06-03T10:00:00Z", assumedRole(APP_ROLE_ARN, "worker-2"), "x.csv"),
                    putObject({
                        time: "2024-06-03T10:00:00Z",
                        identity: uploader,
                        objectKey: "x.csv",
                        sseApplied: "SSE_KMS",
                        kmsKeyArn: KEY_ARN,
                    }),
                    s3DataKey("2024-06-03T10:00:00Z", uploader, "y.csv"),
                    putObject({
                        time: "2024-06-03T10:03:00Z",
                        identity: uploader,
                        objectKey: "y.csv",
                        sseApplied: "SSE_KMS",
                        kmsKeyArn: KEY_ARN,
                    }),
                ]);
                const rows = listed((await audit(["--logs", dir, "--events", "--event", "PutObject"])).report);
                assert.deepEqual(
                    rows.map((row) => row.kmsCall?.status),
                    ["not found", "not found"],
                );
            } finally {
                removeLogs();
            }
        });

        it("prints one event per line in text, and one JSON object per line with --format jsonl", async () => {
            const text = await runCli(["--logs", seed, "--events", "--principal", SEED_UPLOADER_ARN]);
            assert.equal(text.code, 0, text.stderr);
            const lines = text.stdout.split("\n").filter((line) => /^\s+2024-06-03T/.test(line));
            assert.equal(lines.length, 3, text.stdout);
            assert.match(lines[0], /GenerateDataKey.*by .*role\/uploader \(session batch-7\) via s3\.amazonaws\.com/);
            assert.match(lines[1], /s3:PutObject .*kms-call=2024-06-03T10:00:01Z event /);
            assert.match(text.stdout, /Matching events: 3/);

            const jsonl = await runCli(["--logs", seed, "--events", "--format", "jsonl", "--max-events", "2"]);
            assert.equal(jsonl.code, 0, jsonl.stderr);
            const objects = jsonl.stdout
                .trim()
                .split("\n")
                .map((line) => JSON.parse(line) as EventRow);
            assert.equal(objects.length, 2);
            assert.deepEqual(
                objects.map((row) => row.eventName),
                ["CreateAlias", "GenerateDataKey"],
            );
            assert.match(jsonl.stderr, /audit: 10 more matching events left out by --max-events/);
        });
    });

    describe("each filter alone", () => {
        it("--principal by role ARN matches every session of the role", async () => {
            const rows = listed((await audit(["--logs", scenario, "--events", "--principal", APP_ROLE_ARN])).report);
            assert.ok(rows.length > 0);
            assert.ok(rows.every((row) => row.roleArn === APP_ROLE_ARN));
        });

        it("--principal by name, by user ARN and by session ARN", async () => {
            const byName = listed((await audit(["--logs", scenario, "--events", "--principal", "Mallory"])).report);
            assert.deepEqual(
                [...new Set(byName.map((row) => row.principal))],
                [`arn:aws:iam::${ACCOUNT}:user/Mallory`],
            );
            assert.equal(byName.length, 4);
            const byArn = listed(
                (await audit(["--logs", scenario, "--events", "--principal", `arn:aws:iam::${ACCOUNT}:user/Mallory`]))
                    .report,
            );
            assert.deepEqual(names(byArn), names(byName));
            const session = `arn:aws:sts::${ACCOUNT}:assumed-role/admin/ops`;
            const bySession = listed((await audit(["--logs", scenario, "--events", "--principal", session])).report);
            assert.ok(bySession.length > 0 && bySession.every((row) => row.principalArn === session));
            const nobody = listed((await audit(["--logs", scenario, "--events", "--principal", "Nobody"])).report);
            assert.equal(nobody.length, 0);
        });

        it("--principal also narrows the aggregates", async () => {
            const { report } = await audit(["--logs", scenario, "--key", KEY_ARN, "--principal", "Bob"]);
            assert.equal(report.keys[0].usage.total, 1);
            assert.deepEqual(report.keys[0].usage.byPrincipal, [
                { name: `arn:aws:iam::${ACCOUNT}:user/Bob`, calls: 1 },
            ]);
            assert.equal(report.denied.total, 0);
            assert.equal(report.uploads.total, 1);
        });

        it("--event is repeatable and matches any of the names", async () => {
            const rows = listed(
                (await audit(["--logs", scenario, "--events", "--event", "StopLogging", "--event", "StartLogging"]))
                    .report,
            );
            assert.deepEqual(
                rows.map((row) => row.eventName),
                ["StopLogging", "StopLogging", "StartLogging"],
            );
        });

        it("--object by key prefix, key or object ARN matches the upload and S3's KMS call for it", async () => {
            const prefix = listed((await audit(["--logs", scenario, "--events", "--object", "reports/"])).report);
            assert.equal(prefix.filter((row) => row.eventName === "PutObject").length, 3);
            assert.equal(prefix.filter((row) => row.eventName === "GenerateDataKey").length, 3);
            const key = listed((await audit(["--logs", scenario, "--events", "--object", "reports/a.csv"])).report);
            assert.deepEqual(
                key.map((row) => row.eventName),
                ["GenerateDataKey", "PutObject"],
            );
            const arn = listed(
                (await audit(["--logs", scenario, "--events", "--object", `arn:aws:s3:::${DATA_BUCKET}/reports/a.csv`]))
                    .report,
            );
            assert.deepEqual(names(arn), names(key));
            const otherBucket = listed(
                (await audit(["--logs", scenario, "--events", "--object", "arn:aws:s3:::elsewhere/reports/a.csv"]))
                    .report,
            );
            assert.equal(otherBucket.length, 0);
        });

        it("--source-ip matches the recorded source address exactly", async () => {
            const rows = listed(
                (await audit(["--logs", scenario, "--events", "--source-ip", "s3.amazonaws.com"])).report,
            );
            assert.equal(rows.length, 3);
            assert.ok(rows.every((row) => row.eventName === "GenerateDataKey" && row.invokedBy === "s3.amazonaws.com"));
            assert.equal(
                listed((await audit(["--logs", scenario, "--events", "--source-ip", "198.51.100.1"])).report).length,
                0,
            );
        });

        it("--error matches the error code exactly, and narrows the denials", async () => {
            const { report } = await audit(["--logs", scenario, "--events", "--error", "AccessDenied"]);
            assert.deepEqual(
                listed(report).map((row) => row.eventName),
                ["PutObject", "StopLogging"],
            );
            assert.equal(report.denied.total, 2, "AccessDeniedException calls are filtered out of the denials too");
            const kms = listed(
                (await audit(["--logs", scenario, "--events", "--error", "KMSInvalidStateException"])).report,
            );
            assert.deepEqual(
                kms.map((row) => row.eventName),
                ["Decrypt"],
            );
        });

        it("--encryption-context key=value requires every pair given", async () => {
            const context = `aws:cloudtrail:arn=${TRAIL_ARN}`;
            const rows = listed(
                (await audit(["--logs", scenario, "--events", "--encryption-context", context])).report,
            );
            assert.equal(rows.length, 2);
            assert.ok(rows.every((row) => row.principal === "cloudtrail.amazonaws.com"));
            const both = listed(
                (
                    await audit([
                        "--logs",
                        scenario,
                        "--events",
                        "--encryption-context",
                        context,
                        "--encryption-context",
                        "aws:s3:arn=nothing",
                    ])
                ).report,
            );
            assert.equal(both.length, 0);
        });
    });

    describe("filters combined", () => {
        it("combines filters with AND, and with --key, --since and --until", async () => {
            const rows = listed(
                (
                    await audit([
                        "--logs",
                        scenario,
                        "--events",
                        "--principal",
                        APP_ROLE_ARN,
                        "--event",
                        "GenerateDataKey",
                        "--object",
                        "reports/",
                        "--source-ip",
                        "s3.amazonaws.com",
                        "--key",
                        KEY_ARN,
                        "--since",
                        "2024-05-01T09:02:30Z",
                        "--until",
                        "2024-05-02",
                    ])
                ).report,
            );
            assert.deepEqual(
                rows.map((row) => row.objectKey),
                ["reports/b.csv", "reports/c.csv"],
            );
        });

        it("--principal with --error finds one user's refusals; with another user's name finds none", async () => {
            const mallory = listed(
                (
                    await audit([
                        "--logs",
                        scenario,
                        "--events",
                        "--principal",
                        "Mallory",
                        "--error",
                        "AccessDeniedException",
                    ])
                ).report,
            );
            assert.deepEqual(
                mallory.map((row) => row.eventName),
                ["Decrypt", "ScheduleKeyDeletion"],
            );
            const bob = listed(
                (
                    await audit([
                        "--logs",
                        scenario,
                        "--events",
                        "--principal",
                        "Bob",
                        "--error",
                        "AccessDeniedException",
                    ])
                ).report,
            );
            assert.equal(bob.length, 0);
        });

        it("records the filters in the report and validates against the schema", async () => {
            const { report } = await audit([
                "--logs",
                scenario,
                "--events",
                "--principal",
                "Mallory",
                "--event",
                "Decrypt",
                "--encryption-context",
                "a=b=c",
            ]);
            assertValid(report);
            assert.equal(report.filters.principal, "Mallory");
            assert.deepEqual(report.filters.events, ["Decrypt"]);
            assert.deepEqual(report.filters.encryptionContext, { a: "b=c" });
        });
    });

    describe("--max-events bounds the listing", () => {
        it("keeps the earliest matching events and reports how many were left out", async () => {
            const all = listed((await audit(["--logs", scenario, "--events"])).report);
            const { report } = await audit(["--logs", scenario, "--events", "--max-events", "5"]);
            assert.equal(report.events?.total, all.length);
            assert.equal(report.events?.leftOut, all.length - 5);
            assert.deepEqual(names(listed(report)), names(all.slice(0, 5)));
        });

        it("EarliestItems keeps the N earliest of a shuffled stream, ties in arrival order", () => {
            const kept = new EarliestItems<number>(10);
            const times = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
            times.forEach((time, arrival) => kept.offer(time, arrival));
            assert.deepEqual(
                kept.sorted().map((arrival) => times[arrival]),
                [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            );
            assert.equal(kept.offered, 1000);
            const ties = new EarliestItems<string>(2);
            ["a", "b", "c"].forEach((item) => ties.offer(5, item));
            assert.deepEqual(ties.sorted(), ["a", "b"]);
        });
    });

    describe("bad search arguments", () => {
        const cases: Array<[string, string[], RegExp]> = [
            [
                "an event name with spaces",
                ["--event", "Decrypt; DROP"],
                /--event 'Decrypt; DROP' is not an event name; allowed: a CloudTrail eventName/,
            ],
            [
                "an object ARN of a bucket",
                ["--object", "arn:aws:s3:::bucket"],
                new RegExp(
                    "--object 'arn:aws:s3:::bucket' is not an S3 object ARN; " +
                        "allowed: a key, a key prefix, or arn:aws:s3:::bucket/key",
                ),
            ],
            [
                "a source that is no address",
                ["--source-ip", "not an ip"],
                /--source-ip 'not an ip' is not an address; allowed: an IPv4 or IPv6 address/,
            ],
            [
                "an error code with a quote",
                ["--error", "Access'Denied"],
                /--error 'Access'Denied' is not an error code; allowed: a CloudTrail errorCode/,
            ],
            [
                "a context without '='",
                ["--encryption-context", "aws:s3:arn"],
                /--encryption-context 'aws:s3:arn' is not a pair; allowed: key=value/,
            ],
            [
                "jsonl without --events",
                ["--format", "jsonl"],
                /--format jsonl writes events one per line: add --events/,
            ],
            [
                "a zero S3 timeout",
                ["--s3-timeout", "0"],
                /--s3-timeout '0' is not allowed; allowed: a whole number of seconds from 1 to 3600/,
            ],
            [
                "a repeated --principal",
                ["--principal", "a", "--principal", "b"],
                /--principal given more than once; give it once/,
            ],
        ];
        for (const [what, args, message] of cases) {
            it(`refuses ${what}`, () => {
                assert.throws(
                    () => parseArguments(["--logs", ".", ...args]),
                    (error: unknown) => error instanceof UsageError && message.test(error.message),
                );
            });
        }

        it("accepts an IPv6 source address and a service name", () => {
            assert.equal(
                parseArguments(["--logs", ".", "--source-ip", "2001:db8::1"])?.filters.sourceIp,
                "2001:db8::1",
            );
            assert.equal(
                parseArguments(["--logs", ".", "--source-ip", "s3.amazonaws.com"])?.filters.sourceIp,
                "s3.amazonaws.com",
            );
        });
    });
});
