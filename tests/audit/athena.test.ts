import { strict as assert } from "assert";
import { PassThrough } from "stream";
import { runAthenaReport } from "../../audit/athena/run";
import { DUCKDB } from "../../audit/athena/dialect";
import { parseArguments } from "../../audit/options";
import { AuditReport } from "../../audit/report";
import {
    ACCOUNT,
    ALIAS,
    APP_ROLE_ARN,
    DATA_BUCKET,
    TRAIL_ARN,
    iamUser,
    KEY_ARN,
    KEY_ID,
    kmsCall,
    logFilePath,
    OTHER_KEY_ARN,
    putObject,
    writeLogFile,
    writeScenario,
} from "./fixtures";
import { audit, temporaryDirectory } from "./helpers";
import { DuckDbRunner, loadCloudTrailTable, openDuckDb } from "./athena-duckdb";

/** Warnings go to stderr as well; the tests read them from the report. */
const QUIET = { stderr: new PassThrough(), stderrIsTerminal: false };
const ATHENA_ARGS = ["--athena", "--workgroup", "kms-audit", "--database", "kms_audit", "--table", "cloudtrail"];

/**
 * The parts of a report that depend on the records rather than on how they were read: not the file and byte counts,
 * nor the malformed records' names and the warning about them (Athena counts them but cannot name them).
 */
function comparable(report: AuditReport): unknown {
    const { generatedAt: _generated, source: _source, scan, warnings, ...rest } = report;
    return {
        ...rest,
        warnings: warnings.filter((warning) => !/records could not be used/.test(warning)),
        scan: {
            recordsInWindow: scan.recordsInWindow,
            malformedRecords: scan.malformedRecords,
            firstEventTime: scan.firstEventTime,
            lastEventTime: scan.lastEventTime,
        },
    };
}

describe("audit --athena: the report's SQL on DuckDB equals the streaming report", () => {
    let logs: string;
    let remove: () => void;
    let duck: Awaited<ReturnType<typeof openDuckDb>>;
    let loaded: number;

    before(async () => {
        ({ dir: logs, remove } = temporaryDirectory("athena"));
        writeScenario(logs, { brokenFiles: false });
        duck = await openDuckDb();
        loaded = await loadCloudTrailTable(duck.connection, logs, "kms_audit", "cloudtrail");
    });
    after(() => {
        duck.close();
        remove();
    });

    async function athenaReport(args: string[]): Promise<AuditReport> {
        const options = parseArguments([...ATHENA_ARGS, ...args]);
        assert.ok(options !== undefined && options.logs.kind === "athena");
        return runAthenaReport(options, options.logs, new DuckDbRunner(duck.connection), QUIET, DUCKDB);
    }

    const cases: Array<[string, string[]]> = [
        ["no filters", []],
        ["--key by ARN", ["--key", KEY_ARN]],
        ["--key by key ID", ["--key", KEY_ID]],
        ["--key by alias name", ["--key", ALIAS]],
        ["--key for the other key", ["--key", OTHER_KEY_ARN]],
        ["a window", ["--since", "2024-05-01T23:00:00Z", "--until", "2024-05-03T07:53:00Z"]],
        ["--bucket", ["--bucket", DATA_BUCKET]],
        ["--max-events 1", ["--max-events", "1"]],
        ["--key and --max-events 2 and a window", ["--key", ALIAS, "--max-events", "2", "--since", "2024-05-02"]],
        ["--principal, a user", ["--principal", `arn:aws:iam::${ACCOUNT}:user/Mallory`]],
        ["--principal, a role behind sessions", ["--principal", APP_ROLE_ARN]],
        ["--principal, a name", ["--principal", "Alice"]],
        ["--principal, a service", ["--principal", "cloudtrail.amazonaws.com"]],
        ["--event, twice", ["--event", "Decrypt", "--event", "StopLogging"]],
        ["--object, a key prefix", ["--object", "reports/"]],
        ["--object, an object ARN", ["--object", `arn:aws:s3:::${DATA_BUCKET}/reports/a.csv`]],
        ["--source-ip", ["--source-ip", "s3.amazonaws.com"]],
        ["--error", ["--error", "AccessDeniedException"]],
        ["--encryption-context", ["--encryption-context", `aws:cloudtrail:arn=${TRAIL_ARN}`]],
        ["--principal and --error", ["--principal", "Mallory", "--error", "AccessDenied"]],
        ["--key and --event", ["--key", ALIAS, "--event", "Decrypt"]],
        ["--events", ["--events"]],
        ["--events, capped", ["--events", "--max-events", "3"]],
        ["--events for a key (by alias), uploads tied to their KMS calls", ["--events", "--key", ALIAS]],
        ["--events for a principal", ["--events", "--principal", APP_ROLE_ARN]],
        ["--events for an object", ["--events", "--object", `arn:aws:s3:::${DATA_BUCKET}/reports/b.csv`]],
        ["--events for a bucket and an error", ["--events", "--bucket", DATA_BUCKET, "--error", "AccessDenied"]],
    ];
    for (const [name, args] of cases) {
        it(`${name}: same report`, async () => {
            const streaming = (await audit(["--logs", logs, ...args])).report;
            const athena = await athenaReport(args);
            assert.deepStrictEqual(comparable(athena), comparable(streaming));
        });
    }

    it("loads every record and reports the files and records the table holds", async () => {
        const report = await athenaReport([]);
        assert.equal(report.scan.recordsRead, loaded);
        assert.equal(report.scan.filesRead, 5);
        assert.ok(
            report.keys.length > 0 &&
                report.denied.total > 0 &&
                report.uploads.total > 0 &&
                report.trail.events.total > 0,
        );
    });
});

describe("audit --athena: odd records give the same report too", () => {
    let logs: string;
    let remove: () => void;
    let duck: Awaited<ReturnType<typeof openDuckDb>>;

    before(async () => {
        ({ dir: logs, remove } = temporaryDirectory("athena-odd"));
        const carol = iamUser("Carol");
        writeLogFile(logs, logFilePath("2024-06-01T10:05:00Z", "OddRecords000000"), [
            { ...kmsCall("Decrypt", { time: "2024-06-01T10:00:00Z", identity: carol }), eventTime: "yesterday" },
            // Not an object at all: the streaming reader counts it as malformed, the table has a row of NULLs.
            42 as unknown as Record<string, unknown>,
            { ...kmsCall("Encrypt", { time: "2024-06-01T10:01:00Z", identity: carol }), eventName: "" },
            // An alias no record in the window ties to a key: reported under the alias, with a warning.
            kmsCall("Decrypt", {
                time: "2024-06-01T10:02:00Z",
                identity: carol,
                keyId: "alias/unlinked",
                keyArn: null,
            }),
            kmsCall("Decrypt", {
                time: "2024-06-01T10:03:00Z",
                identity: { type: "AWSAccount", accountId: "444455556666" },
            }),
            kmsCall("GenerateDataKey", {
                time: "2024-06-01T10:03:30Z",
                identity: { type: "Unknown" },
                sourceIPAddress: "ec2.amazonaws.com",
            }),
            putObject({ time: "2024-06-01T10:04:00Z", identity: carol, objectKey: "k", sseApplied: "SSE_C" }),
            putObject({
                time: "2024-06-01T10:04:30Z",
                identity: carol,
                objectKey: "dsse",
                sseApplied: "DSSE_KMS",
                kmsKeyArn: KEY_ID,
            }),
        ]);
        duck = await openDuckDb();
        await loadCloudTrailTable(duck.connection, logs, "kms_audit", "cloudtrail");
    });
    after(() => {
        duck.close();
        remove();
    });

    it("counts malformed records, keeps unlinked aliases apart with a warning, reads odd identities alike", async () => {
        const streaming = (await audit(["--logs", logs])).report;
        const options = parseArguments([...ATHENA_ARGS]);
        assert.ok(options !== undefined && options.logs.kind === "athena");
        const athena = await runAthenaReport(options, options.logs, new DuckDbRunner(duck.connection), QUIET, DUCKDB);
        assert.equal(streaming.scan.malformedRecords, 2);
        assert.ok(
            streaming.warnings.some((warning) => warning.includes("alias/unlinked")),
            streaming.warnings.join("; "),
        );
        assert.deepStrictEqual(comparable(athena), comparable(streaming));
    });

    it("reports an empty window as empty", async () => {
        const options = parseArguments([...ATHENA_ARGS, "--since", "2030-01-01"]);
        assert.ok(options !== undefined && options.logs.kind === "athena");
        const athena = await runAthenaReport(options, options.logs, new DuckDbRunner(duck.connection), QUIET, DUCKDB);
        assert.deepEqual([athena.scan.recordsRead, athena.keys, athena.uploads.total], [0, [], 0]);
    });
});
