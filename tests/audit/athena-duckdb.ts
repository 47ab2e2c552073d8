/**
 * The offline stand-in for Athena: an embedded DuckDB with a table of the Athena CloudTrail table's columns
 * (infra/athena/cloudTrailTable.ts), loaded from log files the way the table's JSON SerDe presents them, and a
 * QueryRunner over it.
 */
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { writeFileSync } from "fs";
import * as path from "path";
import { Row } from "../../audit/athena/assemble";
import { QueryRunner } from "../../audit/athena/client";
import { readLogFile } from "../../audit/read-log";
import { emptyWalkStats, walkDirectory } from "../../audit/sources";
import { CLOUDTRAIL_COLUMNS, datePartition, PARTITION_KEYS } from "../../infra/athena/cloudTrailTable";

/** A Hive type as a tree: the table's column types parsed once, used to shape values and to name DuckDB types. */
type HiveType =
    | { kind: "string" }
    | { kind: "struct"; fields: Array<{ name: string; type: HiveType }> }
    | { kind: "array"; element: HiveType }
    | { kind: "map"; value: HiveType };

function parseHiveType(text: string): HiveType {
    let at = 0;
    const expect = (token: string): void => {
        if (!text.startsWith(token, at)) throw new Error(`hive type '${text}': expected '${token}' at ${at}`);
        at += token.length;
    };
    const name = (): string => {
        const match = /^[a-z0-9_]+/.exec(text.slice(at));
        if (match === null) throw new Error(`hive type '${text}': expected a name at ${at}`);
        at += match[0].length;
        return match[0];
    };
    const type = (): HiveType => {
        const word = name();
        if (word === "string") return { kind: "string" };
        expect("<");
        if (word === "array") {
            const element = type();
            expect(">");
            return { kind: "array", element };
        }
        if (word === "map") {
            expect("string,");
            const value = type();
            expect(">");
            return { kind: "map", value };
        }
        if (word !== "struct") throw new Error(`hive type '${text}': unsupported '${word}'`);
        const fields: Array<{ name: string; type: HiveType }> = [];
        for (;;) {
            const field = name();
            expect(":");
            fields.push({ name: field, type: type() });
            if (text[at] === ">") break;
            expect(",");
        }
        expect(">");
        return { kind: "struct", fields };
    };
    const parsed = type();
    if (at !== text.length) throw new Error(`hive type '${text}': trailing text at ${at}`);
    return parsed;
}

function duckType(type: HiveType): string {
    switch (type.kind) {
        case "string":
            return "VARCHAR";
        case "array":
            return `${duckType(type.element)}[]`;
        case "map":
            return `MAP(VARCHAR, ${duckType(type.value)})`;
        case "struct":
            return `STRUCT(${type.fields.map((field) => `"${field.name}" ${duckType(field.type)}`).join(", ")})`;
    }
}

function lowerCaseKeys(value: object): Map<string, unknown> {
    return new Map(Object.entries(value).map(([key, inner]) => [key.toLowerCase(), inner]));
}

/** What the JSON SerDe gives for a value under a column type: nested JSON kept as text in string columns. */
function shape(value: unknown, type: HiveType): unknown {
    if (value === null || value === undefined) return null;
    switch (type.kind) {
        case "string":
            return typeof value === "string" ? value : JSON.stringify(value);
        case "array":
            return Array.isArray(value) ? value.map((item) => shape(item, type.element)) : null;
        case "map":
            if (typeof value !== "object" || Array.isArray(value)) return null;
            return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner, type.value)]));
        case "struct": {
            if (typeof value !== "object" || Array.isArray(value)) return null;
            const fields = lowerCaseKeys(value);
            return Object.fromEntries(
                type.fields.map((field) => [field.name, shape(fields.get(field.name), field.type)]),
            );
        }
    }
}

const COLUMNS = CLOUDTRAIL_COLUMNS.map((column) => ({ name: column.name, type: parseHiveType(column.type) }));
const LOG_PATH = /(?:^|\/)AWSLogs\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\//;

/**
 * Creates `<database>.<table>` and loads every log file under `root` into it. "$path" holds the file's path
 * relative to root, as the streaming reader names files read from a folder.
 */
export async function loadCloudTrailTable(
    connection: DuckDBConnection,
    root: string,
    database: string,
    table: string,
): Promise<number> {
    const rows: string[] = [];
    for await (const file of walkDirectory(root, {}, emptyWalkStats())) {
        const match = LOG_PATH.exec(file.name.split(path.sep).join("/"));
        if (match === null)
            throw new Error(`${file.name}: not under AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`);
        const [, account, region, y, m, d] = match;
        const records: unknown[] = [];
        await readLogFile(await file.open(), (item) => {
            if (item.kind === "record") records.push(item.value);
        });
        for (const record of records) {
            const fields =
                record !== null && typeof record === "object" && !Array.isArray(record)
                    ? lowerCaseKeys(record)
                    : new Map();
            const row: Record<string, unknown> = {};
            for (const column of COLUMNS) row[column.name] = shape(fields.get(column.name), column.type);
            row[PARTITION_KEYS.account] = account;
            row[PARTITION_KEYS.region] = region;
            row[PARTITION_KEYS.date] = datePartition(new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))));
            row.$path = file.name;
            rows.push(JSON.stringify(row));
        }
    }
    const data = path.join(root, "table.jsonl");
    writeFileSync(data, rows.join("\n") + "\n");
    const columnTypes = [
        ...COLUMNS.map((column) => `'${column.name}': '${duckType(column.type)}'`),
        ...Object.values(PARTITION_KEYS).map((name) => `'${name}': 'VARCHAR'`),
        `'$path': 'VARCHAR'`,
    ];
    await connection.run(`CREATE SCHEMA IF NOT EXISTS "${database}"`);
    await connection.run(
        `CREATE TABLE "${database}"."${table}" AS SELECT * FROM read_json('${data}', format = 'newline_delimited', ` +
            `columns = {${columnTypes.join(", ")}})`,
    );
    return rows.length;
}

function asText(value: unknown): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
    throw new Error(`DuckDB returned a ${typeof value} where the report expects text: ${JSON.stringify(value)}`);
}

export class DuckDbRunner implements QueryRunner {
    readonly executed: Array<{ name: string; sql: string }> = [];
    constructor(private readonly connection: DuckDBConnection) {}

    async run(name: string, sql: string): Promise<{ rows: Row[]; bytesScanned: number }> {
        this.executed.push({ name, sql });
        const reader = await this.connection.runAndReadAll(sql);
        const rows = reader
            .getRowObjectsJson()
            .map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, asText(value)])));
        return { rows, bytesScanned: 0 };
    }
}

export async function openDuckDb(): Promise<{ connection: DuckDBConnection; close: () => void }> {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    return {
        connection,
        close: () => {
            connection.closeSync();
            instance.closeSync();
        },
    };
}
