import { strict as assert } from "assert";
import Ajv from "ajv";
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { ATHENA, DUCKDB, sqlString } from "../../audit/athena/dialect";
import { partitionPredicates } from "../../audit/athena/partitions";
import { printableQueries, queriesFor } from "../../audit/athena/run";
import { AuditOptions, parseArguments, UsageError } from "../../audit/options";
import { AuditReport } from "../../audit/report";
import { ALIAS, writeScenario } from "./fixtures";
import { audit, REPO, runCli, temporaryDirectory } from "./helpers";
import { DuckDbRunner, loadCloudTrailTable, openDuckDb } from "./athena-duckdb";
import { startFakeAthena } from "./athena-server";

const ATHENA_ARGS = [
    "--athena",
    "--workgroup",
    "kms-audit-dev",
    "--database",
    "kms_audit_dev",
    "--table",
    "cloudtrail",
];

function athenaOptions(args: string[]): AuditOptions & { logs: { kind: "athena" } } {
    const options = parseArguments([...ATHENA_ARGS, ...args]);
    assert.ok(options !== undefined && options.logs.kind === "athena");
    return options as AuditOptions & { logs: { kind: "athena" } };
}

describe("audit --athena: partition pruning", () => {
    it("reads the date folders from --since's day to one delivery margin after --until", () => {
        const scope = { since: new Date("2024-05-01T10:00:00Z"), until: new Date("2024-05-03T00:00:00Z") };
        assert.deepEqual(partitionPredicates(scope), [`"timestamp" >= '2024/05/01'`, `"timestamp" <= '2024/05/03'`]);
        const midday = { until: new Date("2024-05-03T12:00:00Z") };
        assert.deepEqual(partitionPredicates(midday), [`"timestamp" <= '2024/05/04'`]);
    });

    it("reads only the accounts and regions asked for, and everything when none is asked", () => {
        const scope = { accounts: ["111122223333", "444455556666"], regions: ["eu-west-1"] };
        assert.deepEqual(partitionPredicates(scope), [
            `"account" IN ('111122223333', '444455556666')`,
            `"region" IN ('eu-west-1')`,
        ]);
        assert.deepEqual(partitionPredicates({}), []);
    });

    it("puts the predicates into every query that reads the table", () => {
        const options = athenaOptions([
            "--since",
            "2024-05-01",
            "--until",
            "2024-05-02",
            "--accounts",
            "111122223333",
            "--regions",
            "us-east-1",
            "--events",
        ]);
        const queries = queriesFor(options, options.logs as never);
        assert.deepEqual(Object.keys(queries), ["counts", "events", "listing"]);
        for (const [section, sql] of Object.entries(queries)) {
            const pruned = [
                `FROM "kms_audit_dev"."cloudtrail"`,
                `  WHERE "account" IN ('111122223333')`,
                `    AND "region" IN ('us-east-1')`,
                `    AND "timestamp" >= '2024/05/01'`,
                `    AND "timestamp" <= '2024/05/02'`,
            ].join("\n");
            assert.ok(sql.includes(pruned), section);
            assert.match(sql, /ms >= 1714521600000 AND ms < 1714608000000/, section);
        }
    });
});

describe("audit --athena: the dialect module", () => {
    const options = athenaOptions(["--key", ALIAS]);
    const athena = Object.values(queriesFor(options, options.logs as never, ATHENA)).join("\n");
    const duckdb = Object.values(queriesFor(options, options.logs as never, DUCKDB)).join("\n");

    it("writes Trino functions and JSONPath for Athena, DuckDB's for DuckDB", () => {
        for (const trino of [
            "json_extract_scalar(",
            "from_iso8601_timestamp(",
            "regexp_like(",
            "filter(",
            "element_at(",
            `$.encryptionContext["aws:s3:arn"]`,
        ]) {
            assert.ok(athena.includes(trino), trino);
            assert.ok(!duckdb.includes(trino) || trino === "filter(", `DuckDB SQL has ${trino}`);
        }
        for (const duck of [
            "json_type(",
            "epoch_ms(",
            "regexp_matches(",
            "list_filter(",
            `$.encryptionContext."aws:s3:arn"`,
        ]) {
            assert.ok(duckdb.includes(duck), duck);
            assert.ok(!athena.includes(duck), `Athena SQL has ${duck}`);
        }
    });

    it("escapes quotes in string literals", () => {
        assert.equal(sqlString("it's"), "'it''s'");
    });
});

describe("audit --athena: command line", () => {
    it("requires the workgroup, database and table, and names what is allowed", () => {
        assert.throws(
            () => parseArguments(["--athena", "--database", "a", "--table", "b"]),
            /--workgroup \(or --stack-outputs\) is required with --athena/,
        );
        assert.throws(
            () => parseArguments([...ATHENA_ARGS.slice(0, 5), "--table", "Cloud-Trail"]),
            /--table 'Cloud-Trail' is not allowed; allowed: lower-case/,
        );
        assert.throws(
            () => parseArguments([...ATHENA_ARGS, "--accounts", "12345"]),
            /--accounts '12345': '12345' is not allowed; allowed: 12-digit account IDs/,
        );
        assert.throws(
            () => parseArguments([...ATHENA_ARGS, "--regions", "eu-west-1,mars"]),
            /'mars' is not allowed; allowed: region names/,
        );
    });

    it("takes the names from the stack's outputs, a flag given as well winning", () => {
        const { dir, remove } = temporaryDirectory("outputs");
        try {
            const file = path.join(dir, "outputs.json");
            const outputs = {
                athenaWorkgroup: "kms-audit-prod",
                athenaDatabase: "kms_audit_prod",
                athenaTable: "cloudtrail",
            };
            writeFileSync(file, JSON.stringify({ keyArn: "arn:aws:kms:eu-west-1:123456789012:key/x", ...outputs }));
            const fromFile = parseArguments(["--athena", "--stack-outputs", file]);
            assert.ok(fromFile !== undefined && fromFile.logs.kind === "athena");
            assert.deepEqual(
                [fromFile.logs.workgroup, fromFile.logs.database, fromFile.logs.table],
                ["kms-audit-prod", "kms_audit_prod", "cloudtrail"],
            );
            const overridden = parseArguments(["--athena", "--stack-outputs", file, "--table", "cloudtrail_org"]);
            assert.ok(overridden !== undefined && overridden.logs.kind === "athena");
            assert.equal(overridden.logs.table, "cloudtrail_org");
            writeFileSync(file, JSON.stringify({ keyArn: "x" }));
            assert.throws(
                () => parseArguments(["--athena", "--stack-outputs", file]),
                /has no athenaWorkgroup; is athenaAudit configured\? Or give --workgroup/,
            );
            writeFileSync(file, "not json");
            assert.throws(() => parseArguments(["--athena", "--stack-outputs", file]), /cannot read it as JSON/);
        } finally {
            remove();
        }
    });

    it("refuses --logs with --athena, and Athena flags without --athena", () => {
        assert.throws(
            () => parseArguments([...ATHENA_ARGS, "--logs", "."]),
            /--logs and --athena are two sources; give one/,
        );
        assert.throws(
            () => parseArguments(["--logs", ".", "--print-sql"]),
            (error: unknown) =>
                error instanceof UsageError && /--print-sql only apply with --athena/.test(error.message),
        );
        assert.throws(() => parseArguments(["--logs", ".", "--table", "x"]), /--table only apply with --athena/);
    });

    it("--print-sql prints every query and exits 0 without calling AWS", async () => {
        const result = await runCli([...ATHENA_ARGS, "--print-sql", "--since", "2024-05-01"], {
            AWS_ENDPOINT_URL_ATHENA: "http://127.0.0.1:9",
            AWS_REGION: "us-east-1",
        });
        assert.equal(result.code, 0, result.stderr);
        for (const section of ["counts", "events"]) {
            assert.match(result.stdout, new RegExp(`^-- ${section}\\nWITH scanned AS`, "m"));
        }
        assert.doesNotMatch(result.stdout, /^-- listing/m, "no listing query without --events");
        const withEvents = athenaOptions(["--events", "--key", ALIAS]);
        const printed = printableQueries(withEvents, withEvents.logs as never);
        assert.match(printed, /^-- listing\nWITH scanned AS/m);
        assert.match(printed, /linked AS \(\n  SELECT array_agg\(key_arn\) AS linked_keys FROM links/);
        assert.match(result.stdout, /"timestamp" >= '2024\/05\/01'/);
    });

    describe("end to end through the SDK against a local Athena endpoint", () => {
        let logs: string;
        let remove: () => void;
        let duck: Awaited<ReturnType<typeof openDuckDb>>;

        before(async () => {
            ({ dir: logs, remove } = temporaryDirectory("athena-cli"));
            writeScenario(logs, { brokenFiles: false });
            duck = await openDuckDb();
            await loadCloudTrailTable(duck.connection, logs, "kms_audit_dev", "cloudtrail");
        });
        after(() => {
            duck.close();
            remove();
        });

        /** Answers each query the CLI sends with its DuckDB twin's rows; any other SQL is refused. */
        function answerFor(args: string[]) {
            const options = athenaOptions(args);
            const athena: Record<string, string | undefined> = queriesFor(options, options.logs as never, ATHENA);
            const duckdb: Record<string, string | undefined> = queriesFor(options, options.logs as never, DUCKDB);
            const runner = new DuckDbRunner(duck.connection);
            return async (sql: string) => {
                const section = Object.keys(athena).find((name) => athena[name] === sql);
                const twin = section === undefined ? undefined : duckdb[section];
                if (section === undefined || twin === undefined) throw new Error("not one of the report's queries");
                const reader = await duck.connection.runAndReadAll(twin);
                return { columns: reader.columnNames(), rows: (await runner.run(section, twin)).rows };
            };
        }

        const env = (endpoint: string) => ({
            AWS_ENDPOINT_URL_ATHENA: endpoint,
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
            AWS_SECRET_ACCESS_KEY: "example-secret",
            AWS_PROFILE: "",
        });

        it("sends the generated queries to the workgroup and writes the streaming reader's report", async () => {
            const args = ["--key", ALIAS, "--since", "2024-05-01"];
            const athena = await startFakeAthena(answerFor(args));
            try {
                const result = await runCli([...ATHENA_ARGS, ...args, "--format", "json"], env(athena.endpoint));
                assert.equal(result.code, 0, result.stderr);
                const report = JSON.parse(result.stdout) as AuditReport;
                const schema = JSON.parse(
                    readFileSync(path.join(REPO, "audit", "report-schema.json"), "utf8"),
                ) as object;
                const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
                assert.ok(ajv.validate(schema, report), ajv.errorsText(ajv.errors));
                const streaming = (await audit(["--logs", logs, ...args])).report;
                assert.deepEqual({ ...report.keys, ...report.denied }, { ...streaming.keys, ...streaming.denied });
                assert.deepEqual(
                    [report.trail, report.uploads, report.warnings],
                    [streaming.trail, streaming.uploads, streaming.warnings],
                );
                assert.equal(report.source, "athena://kms-audit-dev/kms_audit_dev.cloudtrail");
                assert.equal(report.scan.bytesRead, 2000, "what Athena scanned over the two queries");
                assert.equal(athena.started.length, 2, "the counts and events queries");
                for (const input of athena.started) {
                    assert.equal(input.WorkGroup, "kms-audit-dev");
                    assert.equal(input.QueryExecutionContext?.Database, "kms_audit_dev");
                }
            } finally {
                await athena.close();
            }
        });

        it("exits 2 naming the query when Athena refuses it", async () => {
            const athena = await startFakeAthena(async () => {
                throw new Error("Table kms_audit_dev.cloudtrail does not exist");
            });
            try {
                const result = await runCli([...ATHENA_ARGS], env(athena.endpoint));
                assert.equal(result.code, 2);
                assert.match(
                    result.stderr,
                    new RegExp(
                        "audit: --athena: counts query: StartQueryExecution: InvalidRequestException: " +
                            "Table kms_audit_dev\\.cloudtrail does not exist",
                    ),
                );
                assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
            } finally {
                await athena.close();
            }
        });
    });
});
