/**
 * A local stand-in for the Athena API (JSON 1.1 protocol, X-Amz-Target: AmazonAthena.<Operation>), so the real CLI
 * and the real SDK client can be run end to end: each query is answered by `answer`, results are paged
 * `pageSize` rows at a time with the header row first, as GetQueryResults does.
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
 */
import { createServer, IncomingMessage, ServerResponse } from "http";
import { AddressInfo } from "net";
import { Row } from "../../audit/athena/assemble";

export interface FakeAthena {
    endpoint: string;
    /** Every StartQueryExecution input received. */
    started: Array<{ QueryString: string; WorkGroup?: string; QueryExecutionContext?: { Database?: string } }>;
    close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
}

function reply(response: ServerResponse, status: number, payload: unknown): void {
    response.writeHead(status, { "Content-Type": "application/x-amz-json-1.1" });
    response.end(JSON.stringify(payload));
}

export async function startFakeAthena(
    answer: (sql: string) => Promise<{ columns: string[]; rows: Row[] }>,
    pageSize = 2,
): Promise<FakeAthena> {
    const started: FakeAthena["started"] = [];
    const results = new Map<string, { columns: string[]; rows: Row[] }>();
    const server = createServer((request, response) => {
        void (async () => {
            const operation = String(request.headers["x-amz-target"] ?? "").replace("AmazonAthena.", "");
            const input = await body(request);
            if (operation === "StartQueryExecution") {
                started.push(input as FakeAthena["started"][number]);
                const id = `query-${started.length}`;
                try {
                    results.set(id, await answer(String(input.QueryString)));
                } catch (error) {
                    reply(response, 400, { __type: "InvalidRequestException", Message: (error as Error).message });
                    return;
                }
                reply(response, 200, { QueryExecutionId: id });
            } else if (operation === "GetQueryExecution") {
                const id = String(input.QueryExecutionId);
                reply(response, 200, {
                    QueryExecution: {
                        QueryExecutionId: id,
                        Status: { State: "SUCCEEDED" },
                        Statistics: { DataScannedInBytes: 1000 },
                    },
                });
            } else if (operation === "GetQueryResults") {
                const result = results.get(String(input.QueryExecutionId));
                if (result === undefined) {
                    reply(response, 400, { __type: "InvalidRequestException", Message: "unknown query" });
                    return;
                }
                const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
                const page = result.rows.slice(start, start + pageSize).map((row) => ({
                    Data: result.columns.map((column) => (row[column] === null ? {} : { VarCharValue: row[column] })),
                }));
                const header = { Data: result.columns.map((column) => ({ VarCharValue: column })) };
                const next = start + pageSize < result.rows.length ? String(start + pageSize) : undefined;
                reply(response, 200, {
                    ResultSet: {
                        Rows: start === 0 ? [header, ...page] : page,
                        ResultSetMetadata: {
                            ColumnInfo: result.columns.map((column) => ({ Name: column, Type: "varchar" })),
                        },
                    },
                    ...(next === undefined ? {} : { NextToken: next }),
                });
            } else {
                reply(response, 400, {
                    __type: "InvalidRequestException",
                    Message: `unsupported operation ${operation}`,
                });
            }
        })();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        started,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
