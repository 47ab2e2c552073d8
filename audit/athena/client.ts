/**
 * Runs the report's queries with the AWS SDK v3 Athena client: StartQueryExecution in the workgroup, polling
 * GetQueryExecution until the query ends, then GetQueryResults page by page.
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryExecution.html
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
 */
import type { AthenaClient, GetQueryResultsOutput } from "@aws-sdk/client-athena";
import { Row } from "./assemble";

/** What the report needs from a query engine: the rows of one query and what it cost. */
export interface QueryRunner {
    run(name: string, sql: string): Promise<{ rows: Row[]; bytesScanned: number }>;
}

/** A query failed, was cancelled, or did not finish in time: the report cannot be built. */
export class QueryError extends Error {}

export interface AthenaRunnerSettings {
    workgroup: string;
    database: string;
    /** Deadline for each API call. */
    callTimeoutMs: number;
    /** Deadline for one query from start to its last result page; on expiry the query is stopped. */
    queryTimeoutMs: number;
    /** Wait between GetQueryExecution polls. */
    pollIntervalMs: number;
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
}

export const DEFAULT_RUNNER_TIMING = { callTimeoutMs: 30_000, queryTimeoutMs: 30 * 60_000, pollIntervalMs: 1_000 };

/** GetQueryResults returns at most 1000 rows a page. */
const PAGE_SIZE = 1000;

function describe(error: unknown): string {
    const err = error as { name?: unknown; message?: unknown };
    const name = typeof err.name === "string" ? err.name : "Error";
    return `${name}: ${typeof err.message === "string" ? err.message : String(error)}`;
}

/** Rows of one page as column-name maps; NULL comes back as a datum without VarCharValue. */
function pageRows(page: GetQueryResultsOutput, columns: string[], skipHeader: boolean): Row[] {
    const rows = page.ResultSet?.Rows ?? [];
    return rows.slice(skipHeader ? 1 : 0).map((row) => {
        const values = row.Data ?? [];
        const entries = columns.map((name, index): [string, string | null] => [
            name,
            values[index]?.VarCharValue ?? null,
        ]);
        return Object.fromEntries(entries);
    });
}

export class AthenaQueryRunner implements QueryRunner {
    private readonly sleep: (ms: number) => Promise<void>;
    private readonly now: () => number;

    constructor(
        private readonly client: AthenaClient,
        private readonly settings: AthenaRunnerSettings,
    ) {
        this.sleep = settings.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
        this.now = settings.now ?? Date.now;
    }

    private async call<T>(what: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
        try {
            return await send(AbortSignal.timeout(this.settings.callTimeoutMs));
        } catch (error) {
            throw new QueryError(`${what}: ${describe(error)}`);
        }
    }

    async run(name: string, sql: string): Promise<{ rows: Row[]; bytesScanned: number }> {
        const sdk = await import("@aws-sdk/client-athena");
        const deadline = this.now() + this.settings.queryTimeoutMs;
        const started = await this.call(`${name} query: StartQueryExecution`, (abortSignal) =>
            this.client.send(
                new sdk.StartQueryExecutionCommand({
                    QueryString: sql,
                    WorkGroup: this.settings.workgroup,
                    QueryExecutionContext: { Database: this.settings.database },
                }),
                { abortSignal },
            ),
        );
        const id = started.QueryExecutionId;
        if (id === undefined) throw new QueryError(`${name} query: StartQueryExecution returned no QueryExecutionId`);

        let bytesScanned = 0;
        for (;;) {
            const { QueryExecution: execution } = await this.call(
                `${name} query ${id}: GetQueryExecution`,
                (abortSignal) =>
                    this.client.send(new sdk.GetQueryExecutionCommand({ QueryExecutionId: id }), { abortSignal }),
            );
            const state = execution?.Status?.State;
            if (state === "SUCCEEDED") {
                bytesScanned = execution?.Statistics?.DataScannedInBytes ?? 0;
                break;
            }
            if (state === "FAILED" || state === "CANCELLED") {
                const reason = execution?.Status?.StateChangeReason ?? "no reason given";
                throw new QueryError(`${name} query ${id} ${state.toLowerCase()}: ${reason}`);
            }
            if (this.now() + this.settings.pollIntervalMs > deadline) {
                await this.call(`${name} query ${id}: StopQueryExecution`, (abortSignal) =>
                    this.client.send(new sdk.StopQueryExecutionCommand({ QueryExecutionId: id }), { abortSignal }),
                );
                throw new QueryError(
                    `${name} query ${id} did not finish within ${this.settings.queryTimeoutMs / 1000} s; stopped`,
                );
            }
            await this.sleep(this.settings.pollIntervalMs);
        }

        const rows: Row[] = [];
        let columns: string[] | undefined;
        let token: string | undefined;
        do {
            if (this.now() > deadline) {
                throw new QueryError(
                    `${name} query ${id}: results not read within ${this.settings.queryTimeoutMs / 1000} s`,
                );
            }
            const page = await this.call(`${name} query ${id}: GetQueryResults`, (abortSignal) =>
                this.client.send(
                    new sdk.GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: PAGE_SIZE }),
                    { abortSignal },
                ),
            );
            const first = columns === undefined;
            columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((info) => info.Name ?? "");
            // For a SELECT, the first row of the first page holds the column names.
            rows.push(...pageRows(page, columns, first));
            token = page.NextToken;
        } while (token !== undefined);
        return { rows, bytesScanned };
    }
}

/** The Athena client from the SDK's default chains: credentials, region, and AWS_ENDPOINT_URL_ATHENA if set. */
export async function defaultAthenaClient(): Promise<AthenaClient> {
    const { AthenaClient } = await import("@aws-sdk/client-athena");
    return new AthenaClient({});
}
