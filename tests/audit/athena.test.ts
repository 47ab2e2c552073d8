import { strict as assert } from "assert";
import { runAthenaReport } from "../../audit/athena/run";
import { DUCKDB } from "../../audit/athena/dialect";
import { parseArguments } from "../../audit/options";
import { AuditReport } from "../../audit/report";
import { ALIAS, DATA_BUCKET, KEY_ARN, KEY_ID, OTHER_KEY_ARN, writeScenario } from "./fixtures";
import { audit, temporaryDirectory } from "./helpers";
import { DuckDbRunner, loadCloudTrailTable, openDuckDb } from "./athena-duckdb";

const ATHENA_ARGS = ["--athena", "--workgroup", "kms-audit", "--database", "kms_audit", "--table", "cloudtrail"];

/** The parts of a report that depend on how the records were read rather than on the records. */
function comparable(report: AuditReport): unknown {
  const { generatedAt: _generated, source: _source, scan, ...rest } = report;
  return {
    ...rest,
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
    return runAthenaReport(options, options.logs, new DuckDbRunner(duck.connection), DUCKDB);
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
    assert.ok(report.keys.length > 0 && report.denied.total > 0 && report.uploads.total > 0 && report.trail.events.total > 0);
  });
});
