import { strict as assert } from "assert";
import Ajv from "ajv";
import { execFileSync, spawn } from "child_process";
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { Readable } from "stream";
import { gzipSync } from "zlib";
import { KEY_NOT_NAMED } from "../../audit/activity";
import { readLogFile } from "../../audit/read-log";
import { MAX_RECORD_DEPTH } from "../../audit/record-scanner";
import { renderText } from "../../audit/render-text";
import { AuditReport, DeniedRow, UploadRow } from "../../audit/report";
import { startFakeS3 } from "./fake-s3";
import {
    iamUser,
    KEY_ARN,
    kmsCall,
    logFilePath,
    OTHER_KEY_ARN,
    writeLogFile,
    writeRaw,
    writeSeedScenario,
} from "./fixtures";
import { audit, CliResult, REPO, runCli, temporaryDirectory } from "./helpers";

const schema = JSON.parse(readFileSync(path.join(REPO, "audit", "report-schema.json"), "utf8")) as object;
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
const validateReport = ajv.compile(schema);

const S3_ENV = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };

function json(result: CliResult): AuditReport {
    assert.ok(result.stdout.startsWith("{"), `no JSON report (exit ${result.code}): ${result.stderr}`);
    const report = JSON.parse(result.stdout) as AuditReport;
    assert.ok(validateReport(report), ajv.errorsText(validateReport.errors));
    return report;
}

function decrypt(time: string): Record<string, unknown> {
    return kmsCall("Decrypt", { time, identity: iamUser("Bob") });
}

describe("audit: robustness against hostile and unusual input", () => {
    let root: string;
    let remove: () => void;
    before(() => ({ dir: root, remove } = temporaryDirectory("robust")));
    after(() => remove());

    function folder(name: string): string {
        const dir = path.join(root, name);
        mkdirSync(dir, { recursive: true });
        return dir;
    }

    describe("denied KMS calls that name no key", () => {
        it("are reported as 'key not named' when --key is given, with a warning", async () => {
            const logs = folder("unnamed");
            writeSeedScenario(logs);
            const { report } = await audit(["--logs", logs, "--key", KEY_ARN]);
            const row = report.denied.rows.find((denied) => denied.target === KEY_NOT_NAMED);
            assert.deepEqual(row, {
                category: "kms",
                principal: "arn:aws:iam::111122223333:user/Eve",
                operation: "Decrypt",
                target: KEY_NOT_NAMED,
                calls: 1,
            });
            assert.equal(report.denied.events.shown.filter((event) => event.target === null).length, 1);
            assert.ok(report.warnings.some((warning) => /1 denied KMS calls named no key/.test(warning)));
            assert.match(
                renderText(report),
                /kms\s+Decrypt\s+arn:aws:iam::111122223333:user\/Eve\s+on \(key not named\)/,
            );
        });

        it("a refusal that names another key is still left out under --key", async () => {
            const logs = folder("other-key");
            writeLogFile(logs, logFilePath("2024-05-01T10:05:00Z", "OtherKeyDenied00"), [
                kmsCall("Decrypt", {
                    time: "2024-05-01T10:00:00Z",
                    identity: iamUser("Eve"),
                    keyArn: OTHER_KEY_ARN,
                    errorCode: "AccessDeniedException",
                }),
                decrypt("2024-05-01T10:01:00Z"),
            ]);
            const { report } = await audit(["--logs", logs, "--key", KEY_ARN]);
            assert.equal(report.denied.total, 0);
            assert.ok(!report.warnings.some((warning) => /named no key/.test(warning)));
        });
    });

    describe("deadlines on S3", () => {
        it("a listing that never answers ends with exit 2 and a message naming the timeout", async () => {
            const s3 = await startFakeS3({ kind: "stall-everything" });
            try {
                const started = Date.now();
                const result = await runCli(["--logs", "s3://trail-logs/AWSLogs/", "--s3-timeout", "1"], {
                    ...S3_ENV,
                    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3.port}`,
                });
                assert.equal(result.code, 2, result.stderr);
                assert.match(
                    result.stderr,
                    new RegExp(
                        "--logs 's3://trail-logs/AWSLogs/': cannot list: S3 did not answer in time " +
                            "\\(1 s per attempt, 3 s per call; set with --s3-timeout\\)",
                    ),
                );
                assert.ok(Date.now() - started < 30_000, "well within the deadline of every attempt");
                assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
            } finally {
                await s3.close();
            }
        });

        it("an object whose body stops mid-file is reported unreadable (exit 3) and the run goes on", async () => {
            const s3 = await startFakeS3({
                kind: "list",
                keys: ["AWSLogs/a.json", "AWSLogs/b.json"],
                object: "stall-body",
            });
            try {
                const result = await runCli(["--logs", "s3://trail-logs/", "--s3-timeout", "1", "--format", "json"], {
                    ...S3_ENV,
                    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3.port}`,
                });
                assert.equal(result.code, 3, result.stderr);
                const report = json(result);
                assert.deepEqual(
                    report.scan.unreadableFiles.map((file) => file.file),
                    ["s3://trail-logs/AWSLogs/a.json", "s3://trail-logs/AWSLogs/b.json"],
                );
                assert.match(report.scan.unreadableFiles[0].reason, /timed out after 1000 ms of inactivity/);
            } finally {
                await s3.close();
            }
        });

        it("an object that never answers is reported unreadable with the deadline", async () => {
            const s3 = await startFakeS3({ kind: "list", keys: ["AWSLogs/a.json"], object: "stall-headers" });
            try {
                const result = await runCli(["--logs", "s3://trail-logs/", "--s3-timeout", "1", "--format", "json"], {
                    ...S3_ENV,
                    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3.port}`,
                });
                assert.equal(result.code, 3, result.stderr);
                assert.match(
                    json(result).scan.unreadableFiles[0].reason,
                    /S3 did not answer in time \(1 s per attempt/,
                );
            } finally {
                await s3.close();
            }
        });

        it("an empty prefix ends with exit 3 and a warning", async () => {
            const s3 = await startFakeS3({ kind: "list", keys: [], object: "stall-headers" });
            try {
                const result = await runCli(["--logs", "s3://trail-logs/AWSLogs/999999999999/", "--format", "json"], {
                    ...S3_ENV,
                    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3.port}`,
                });
                assert.equal(result.code, 3, result.stderr);
                assert.match(
                    result.stderr,
                    /no CloudTrail log files \(\*\.json\.gz, \*\.json\) under s3:\/\/trail-logs\/AWSLogs\/999999999999\//,
                );
                assert.equal(json(result).scan.logFilesFound, 0);
            } finally {
                await s3.close();
            }
        });
    });

    describe("folders", () => {
        it("an empty folder ends with exit 3 and a warning; files all outside the window do not", async () => {
            const empty = folder("empty");
            writeFileSync(path.join(empty, "README.txt"), "not a log");
            const result = await runCli(["--logs", empty]);
            assert.equal(result.code, 3);
            assert.match(
                result.stderr,
                /audit: no CloudTrail log files \(\*\.json\.gz, \*\.json\) under .*empty: check --logs/,
            );

            const old = folder("old");
            writeLogFile(old, logFilePath("2024-05-01T10:05:00Z", "OldFile000000000"), [
                decrypt("2024-05-01T10:00:00Z"),
            ]);
            const outside = await runCli(["--logs", old, "--since", "2024-06-01"]);
            assert.equal(outside.code, 0, outside.stderr);
            assert.doesNotMatch(outside.stderr, /no CloudTrail log files/);
        });

        it("follows links to files and folders; names loops, dangling links, FIFOs; never blocks", async () => {
            const logs = folder("links");
            const elsewhere = folder("elsewhere");
            writeLogFile(elsewhere, "sub/linked-folder.json.gz", [decrypt("2024-05-01T10:00:00Z")]);
            writeLogFile(elsewhere, "linked-file.json.gz", [
                decrypt("2024-05-01T10:01:00Z"),
                decrypt("2024-05-01T10:02:00Z"),
            ]);
            writeLogFile(logs, "plain.json.gz", [decrypt("2024-05-01T10:03:00Z")]);
            symlinkSync(path.join(elsewhere, "linked-file.json.gz"), path.join(logs, "link-to-file.json.gz"));
            symlinkSync(path.join(elsewhere, "sub"), path.join(logs, "link-to-folder"));
            symlinkSync(logs, path.join(logs, "loop"));
            symlinkSync(path.join(root, "missing.json.gz"), path.join(logs, "dangling.json.gz"));
            execFileSync("mkfifo", [path.join(logs, "pipe.json.gz")]);

            const result = await runCli(["--logs", logs, "--format", "json"]);
            const report = json(result);
            assert.equal(report.scan.filesRead, 3);
            assert.equal(report.scan.recordsRead, 4);
            assert.deepEqual(report.scan.skippedEntries, [
                { path: "loop/", reason: "symbolic link to a folder already read (a loop)" },
                { path: "pipe.json.gz", reason: "a FIFO (named pipe), not a regular file; not opened" },
            ]);
            assert.equal(report.scan.unreadableFiles.length, 1);
            assert.equal(report.scan.unreadableFiles[0].file, "dangling.json.gz");
            assert.match(report.scan.unreadableFiles[0].reason, /symbolic link to nothing: ENOENT/);
            assert.equal(result.code, 3, "a link to a log file that leads nowhere makes the report incomplete");
            assert.match(result.stderr, /audit: skipped pipe\.json\.gz: a FIFO/);
        });

        it("names a folder it cannot list and exits 3", async function () {
            const logs = folder("locked");
            writeLogFile(logs, "open/a.json.gz", [decrypt("2024-05-01T10:00:00Z")]);
            writeLogFile(logs, "closed/b.json.gz", [decrypt("2024-05-01T10:01:00Z")]);
            chmodSync(root, 0o755);
            chmodSync(path.join(logs, "closed"), 0o000);
            try {
                // Root reads any folder, so as root the CLI runs as nobody (65534), for whom mode 000 means no access.
                const asRoot = process.getuid?.() === 0;
                const result = await new Promise<CliResult>((resolve, reject) => {
                    const child = spawn(
                        process.execPath,
                        ["-r", "ts-node/register/transpile-only", "audit/cli.ts", "--logs", logs, "--format", "json"],
                        {
                            cwd: REPO,
                            ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
                        },
                    );
                    let stdout = "";
                    let stderr = "";
                    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
                    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
                    child.on("error", reject);
                    child.on("close", (code) => resolve({ code, stdout, stderr }));
                });
                assert.equal(result.code, 3, result.stderr);
                const report = json(result);
                assert.equal(report.scan.filesRead, 1);
                assert.deepEqual(
                    report.scan.unreadableFiles.map((file) => file.file),
                    [`closed${path.sep}`],
                );
                assert.match(report.scan.unreadableFiles[0].reason, /cannot list the folder: EACCES/);
            } finally {
                chmodSync(path.join(logs, "closed"), 0o755);
            }
        });
    });

    describe("records", () => {
        it("one deeply nested record is skipped alone; the rest of its file is read", async () => {
            const logs = folder("deep");
            const deep = `{"eventTime":"2024-05-01T10:00:30Z","x":${"[".repeat(200_000)}${"]".repeat(200_000)}}`;
            const first = JSON.stringify(decrypt("2024-05-01T10:00:00Z"));
            const last = JSON.stringify(decrypt("2024-05-01T10:01:00Z"));
            const body = `{"Records":[${first},${deep},${last}]}`;
            writeRaw(logs, "deep.json.gz", gzipSync(body));
            const result = await runCli(["--logs", logs, "--format", "json"]);
            assert.equal(result.code, 3);
            const report = json(result);
            assert.equal(report.scan.recordsRead, 3);
            assert.equal(report.scan.malformedRecords, 1);
            assert.equal(report.keys[0].usage.total, 2);
            assert.deepEqual(report.scan.recordProblems, [
                { file: "deep.json.gz", reason: `record 2 is nested deeper than ${MAX_RECORD_DEPTH} levels` },
            ]);
            assert.deepEqual(report.scan.unreadableFiles, []);
        });

        it("malformed eventTime values are input problems, and the JSON report still satisfies the schema", async () => {
            const logs = folder("times");
            const bad = ["1", "2024-02-30T10:00:00Z", "May 1, 2024", "2024-05-01 10:00:00", 1714557600, null];
            const records: unknown[] = [
                ...bad.map((eventTime) => ({ ...decrypt("2024-05-01T10:00:00Z"), eventTime })),
                decrypt("2024-05-01T10:00:00Z"),
                42,
            ];
            writeRaw(logs, "times.json.gz", gzipSync(JSON.stringify({ Records: records })));
            const result = await runCli(["--logs", logs, "--format", "json", "--events"]);
            assert.equal(result.code, 3);
            const report = json(result);
            assert.equal(report.scan.malformedRecords, 7);
            assert.equal(report.keys[0].usage.total, 1);
            assert.deepEqual(report.keys[0].usage.byDay, [{ name: "2024-05-01", calls: 1 }]);
            assert.equal(report.scan.firstEventTime, "2024-05-01T10:00:00Z");
            assert.match(report.scan.recordProblems[0].reason, /eventTime "1" is not an ISO 8601 UTC time/);
            assert.match(report.scan.recordProblems[1].reason, /eventTime "2024-02-30T10:00:00Z"/);
            assert.match(report.scan.recordProblems[6].reason, /a record is number, not an object/);
            assert.equal(report.events?.total, 1);
        });

        it("a file cut short keeps the records before the cut, and is named as unreadable", async () => {
            const logs = folder("cut");
            const body = `{"Records":[${JSON.stringify(decrypt("2024-05-01T10:00:00Z"))},{"eventTime":"2024-05-01T10:0`;
            writeRaw(logs, "cut.json", Buffer.from(body));
            const { report } = await audit(["--logs", logs]);
            assert.equal(report.keys[0].usage.total, 1);
            assert.match(
                report.scan.unreadableFiles[0].reason,
                /the file ends early inside the Records array after 1 records \(those were read\)/,
            );
        });
    });

    describe("streaming within a file", () => {
        it("reads a 96 MB file record by record without holding it", async () => {
            const record = Buffer.from(JSON.stringify(decrypt("2024-05-01T10:00:00Z")));
            const target = 96 * 1024 * 1024;
            const count = Math.ceil(target / (record.length + 1));
            const perChunk = 200;
            const chunk = Buffer.concat(
                Array.from({ length: perChunk }, (_, i) =>
                    Buffer.concat([i === 0 ? Buffer.alloc(0) : Buffer.from(","), record]),
                ),
            );
            const source = Readable.from(
                (function* generate(): Generator<Buffer> {
                    yield Buffer.from('{"Records":[');
                    for (let sent = 0; sent < count; sent += perChunk)
                        yield sent === 0 ? chunk : Buffer.concat([Buffer.from(","), chunk]);
                    yield Buffer.from("]}");
                })(),
            );
            // Heap and Buffers both: a reader that collected the file would hold it in Buffers (external memory).
            const used = (): number => process.memoryUsage().heapUsed + process.memoryUsage().external;
            const heapBefore = used();
            let peakHeap = heapBefore;
            let records = 0;
            const summary = await readLogFile(source, (item) => {
                assert.equal(item.kind, "record");
                records += 1;
                if (records % 20_000 === 0) peakHeap = Math.max(peakHeap, used());
            });
            assert.equal(records, Math.ceil(count / perChunk) * perChunk);
            assert.equal(summary.elements, records);
            assert.ok(summary.storedBytes > target);
            const growthMiB = (peakHeap - heapBefore) / 1048576;
            assert.ok(growthMiB < 64, `heap and buffers grew ${growthMiB.toFixed(0)} MiB reading a 96 MB file`);
        });
    });

    describe("the text renderer", () => {
        it("renders 200,000 denied rows and 200,000 upload rows without overflowing the stack", () => {
            const count = 200_000;
            const denied: DeniedRow[] = Array.from({ length: count }, (_, i) => ({
                category: "kms",
                principal: `arn:aws:iam::111122223333:user/u${i}`,
                operation: "Decrypt",
                target: KEY_ARN,
                calls: 1,
            }));
            const uploads: UploadRow[] = Array.from({ length: count }, (_, i) => ({
                bucket: "b",
                principal: `p${i}`,
                encryption: "SSE-S3",
                kmsKey: null,
                appliedBy: "request",
                uploads: 1,
            }));
            const report: AuditReport = {
                schemaVersion: 1,
                generatedAt: "2024-05-01T00:00:00Z",
                source: "x",
                filters: {
                    key: null,
                    since: null,
                    until: null,
                    bucket: null,
                    principal: null,
                    events: [],
                    object: null,
                    sourceIp: null,
                    errorCode: null,
                    encryptionContext: {},
                },
                scan: {
                    filesRead: 1,
                    bytesRead: 1,
                    recordsRead: count,
                    recordsInWindow: count,
                    malformedRecords: 0,
                    directoriesSkippedByDate: 0,
                    filesSkippedByDate: 0,
                    firstEventTime: null,
                    lastEventTime: null,
                    unreadableFiles: [],
                    recordProblems: [],
                    skippedEntries: [],
                    logFilesFound: 1,
                },
                keys: [],
                denied: { total: count, rows: denied, events: { total: 0, shown: [] } },
                trail: { events: { total: 0, shown: [] } },
                uploads: { total: count, notUsingAuditedKey: null, rows: uploads, withoutKms: { total: 0, shown: [] } },
                events: null,
                warnings: [],
            };
            const text = renderText(report);
            assert.ok(text.split("\n").length > 2 * count);
            assert.match(text, /u199999/);
        });
    });
});
