import { strict as assert } from "assert";
import type { AthenaClient } from "@aws-sdk/client-athena";
import { AthenaQueryRunner, QueryError } from "../../audit/athena/client";

type Sent = { command: string; input: Record<string, unknown>; signal: AbortSignal | undefined };

/** An AthenaClient stand-in answering each command from a script; records what was sent. */
function fakeClient(answer: (command: string, input: Record<string, unknown>, signal?: AbortSignal) => unknown): {
    client: AthenaClient;
    sent: Sent[];
} {
    const sent: Sent[] = [];
    const client = {
        send: async (
            command: { constructor: { name: string }; input: Record<string, unknown> },
            options?: { abortSignal?: AbortSignal },
        ) => {
            const name = command.constructor.name.replace(/Command$/, "");
            sent.push({ command: name, input: command.input, signal: options?.abortSignal });
            return answer(name, command.input, options?.abortSignal);
        },
    };
    return { client: client as unknown as AthenaClient, sent };
}

const columns = [{ Name: "name" }, { Name: "calls" }];
const header = { Data: [{ VarCharValue: "name" }, { VarCharValue: "calls" }] };

function settings(extra: Partial<ConstructorParameters<typeof AthenaQueryRunner>[1]> = {}) {
    let clock = 0;
    return {
        workgroup: "kms-audit",
        database: "kms_audit",
        callTimeoutMs: 1000,
        queryTimeoutMs: 10_000,
        pollIntervalMs: 1000,
        sleep: async (ms: number) => {
            clock += ms;
        },
        now: () => clock,
        ...extra,
    };
}

describe("audit --athena: the Athena query runner", () => {
    it("starts the query in the workgroup and database, waits, and reads every page without the header row", async () => {
        let polls = 0;
        const { client, sent } = fakeClient((command, input) => {
            if (command === "StartQueryExecution") return { QueryExecutionId: "q-1" };
            if (command === "GetQueryExecution") {
                polls += 1;
                return {
                    QueryExecution: {
                        Status: { State: polls < 3 ? "RUNNING" : "SUCCEEDED" },
                        Statistics: { DataScannedInBytes: 4096 },
                    },
                };
            }
            if (input.NextToken === undefined) {
                return {
                    ResultSet: {
                        ResultSetMetadata: { ColumnInfo: columns },
                        Rows: [header, { Data: [{ VarCharValue: "a" }, { VarCharValue: "1" }] }],
                    },
                    NextToken: "page-2",
                };
            }
            return {
                ResultSet: {
                    ResultSetMetadata: { ColumnInfo: columns },
                    Rows: [{ Data: [{}, { VarCharValue: "2" }] }],
                },
            };
        });
        const result = await new AthenaQueryRunner(client, settings()).run("scan", "SELECT 1");
        assert.deepEqual(result, {
            rows: [
                { name: "a", calls: "1" },
                { name: null, calls: "2" },
            ],
            bytesScanned: 4096,
        });
        assert.deepEqual(
            sent.map((s) => s.command),
            [
                "StartQueryExecution",
                "GetQueryExecution",
                "GetQueryExecution",
                "GetQueryExecution",
                "GetQueryResults",
                "GetQueryResults",
            ],
        );
        assert.deepEqual(sent[0].input, {
            QueryString: "SELECT 1",
            WorkGroup: "kms-audit",
            QueryExecutionContext: { Database: "kms_audit" },
        });
        assert.equal(sent[5].input.NextToken, "page-2");
        assert.ok(
            sent.every((s) => s.signal instanceof AbortSignal),
            "every call carries a deadline",
        );
    });

    it("reports a failed query with Athena's reason", async () => {
        const { client } = fakeClient((command) =>
            command === "StartQueryExecution"
                ? { QueryExecutionId: "q-2" }
                : {
                      QueryExecution: {
                          Status: {
                              State: "FAILED",
                              StateChangeReason: "Query exhausted resources: bytes scanned limit",
                          },
                      },
                  },
        );
        await assert.rejects(new AthenaQueryRunner(client, settings()).run("counts", "SELECT 1"), (error: unknown) => {
            assert.ok(error instanceof QueryError);
            assert.match(error.message, /counts query q-2 failed: Query exhausted resources: bytes scanned limit/);
            return true;
        });
    });

    it("stops a query that outlives its deadline", async () => {
        const { client, sent } = fakeClient((command) =>
            command === "StartQueryExecution"
                ? { QueryExecutionId: "q-3" }
                : { QueryExecution: { Status: { State: "RUNNING" } } },
        );
        await assert.rejects(
            new AthenaQueryRunner(client, settings({ queryTimeoutMs: 5000 })).run("scan", "SELECT 1"),
            /did not finish within 5 s; stopped/,
        );
        assert.equal(sent[sent.length - 1].command, "StopQueryExecution");
        assert.equal(sent.filter((s) => s.command === "GetQueryExecution").length, 6, "polled at 0..5 s");
    });

    it("gives up on a call that does not answer within the call deadline", async () => {
        const { client } = fakeClient(
            (_command, _input, signal) =>
                new Promise((_resolve, reject) =>
                    signal?.addEventListener("abort", () => reject(signal.reason as Error)),
                ),
        );
        const runner = new AthenaQueryRunner(client, {
            ...settings(),
            callTimeoutMs: 50,
            sleep: undefined,
            now: undefined,
        });
        await assert.rejects(runner.run("scan", "SELECT 1"), /scan query: StartQueryExecution: TimeoutError/);
    });

    it("names an API error and the call that raised it", async () => {
        const { client } = fakeClient(() => {
            throw Object.assign(new Error("WorkGroup kms-audit is disabled"), { name: "InvalidRequestException" });
        });
        await assert.rejects(
            new AthenaQueryRunner(client, settings()).run("scan", "SELECT 1"),
            /scan query: StartQueryExecution: InvalidRequestException: WorkGroup kms-audit is disabled/,
        );
    });
});
