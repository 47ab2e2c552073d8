/**
 * The only place where the Athena SQL differs between Amazon Athena (engine version 3, built on Trino) and DuckDB,
 * which runs the same generated SQL offline in the tests. Everything else in the queries is SQL both engines read
 * alike (CASE, COALESCE, NULLIF, strpos, substr, ||, CTEs, window functions, GROUP BY, CROSS JOIN UNNEST).
 *
 * Athena engine version 3 functions: https://docs.aws.amazon.com/athena/latest/ug/functions-env3.html, which
 * defers to the Trino function reference (https://trino.io/docs/current/functions.html):
 *   - JSON: json_extract, json_extract_scalar, json_format; a JSONPath member with special characters is written
 *     $["aws:s3:arn"] (https://trino.io/docs/current/functions/json.html#json-extract,
 *     https://docs.aws.amazon.com/athena/latest/ug/extracting-data-from-json.html).
 *   - try() turns an evaluation error into NULL (https://trino.io/docs/current/functions/conditional.html#try).
 *   - from_iso8601_timestamp, date_diff (https://trino.io/docs/current/functions/datetime.html).
 *   - regexp_like, regexp_extract, regexp_replace use Java pattern syntax
 *     (https://trino.io/docs/current/functions/regexp.html).
 *   - filter, transform, array_distinct, cardinality, element_at, contains, array_join on arrays with x -> expr lambdas
 *     (https://trino.io/docs/current/functions/array.html, https://trino.io/docs/current/functions/lambda.html).
 * DuckDB (https://duckdb.org/docs/sql/functions/json, .../functions/list, .../functions/regular_expressions):
 * json_type, json_extract_string with $."key" paths, TRY_CAST to TIMESTAMPTZ, epoch_ms, regexp_matches,
 * list_filter, list_transform, list_distinct, len, list_contains, array_to_string.
 *
 * The patterns used here (anchors, classes, \d, {n}, groups) mean the same in Java regex and RE2 (DuckDB).
 */
export type Engine = "athena" | "duckdb";

export interface Dialect {
    engine: Engine;
    /** The JSON string at `path` (object members) inside a JSON text column; NULL unless it is a string. */
    jsonText(json: string, path: readonly string[]): string;
    /** Milliseconds since the epoch of an ISO 8601 time with a zone; NULL when it does not parse. */
    epochMillis(isoTime: string): string;
    regexpLike(value: string, pattern: RegExp): string;
    /** A capture group (1 unless given), or NULL when the pattern does not match or the group is empty. */
    regexpGroup(value: string, pattern: RegExp, group?: number): string;
    /** The elements of an array for which `predicate` (over the variable `x`) holds. */
    arrayFilter(array: string, predicate: string): string;
    /** Maps an array's elements through `expression` (over the variable `x`). */
    arrayMap(array: string, expression: string): string;
    arrayDistinct(array: string): string;
    arrayLength(array: string): string;
    /** Whether the array holds the value (NULL for a NULL array). */
    arrayContains(array: string, value: string): string;
    /** The elements joined with a separator. */
    arrayJoin(array: string, separator: string): string;
    /** The first element, NULL for an empty array. */
    firstElement(array: string): string;
    /** The pseudo column naming the log file a row came from. */
    fileColumn: string;
}

export function sqlString(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

function regexSource(pattern: RegExp): string {
    if (pattern.flags !== "")
        throw new Error(`regex /${pattern.source}/${pattern.flags}: flags cannot be carried into SQL`);
    return sqlString(pattern.source);
}

const SIMPLE_MEMBER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Trino JSONPath: $.name, or $["name"] when the name has characters outside [A-Za-z0-9_]. */
function trinoPath(path: readonly string[]): string {
    return sqlString("$" + path.map((name) => (SIMPLE_MEMBER.test(name) ? `.${name}` : `["${name}"]`)).join(""));
}

/** DuckDB JSONPath: $.name, or $."name" when quoting is needed. */
function duckdbPath(path: readonly string[]): string {
    return sqlString("$" + path.map((name) => (SIMPLE_MEMBER.test(name) ? `.${name}` : `."${name}"`)).join(""));
}

export const ATHENA: Dialect = {
    engine: "athena",
    jsonText: (json, path) => {
        const extracted = `try(json_extract(${json}, ${trinoPath(path)}))`;
        // json_extract_scalar also returns numbers and booleans as text; the streaming reader only takes strings.
        const isString = `substr(json_format(${extracted}), 1, 1) = '"'`;
        return `CASE WHEN ${isString} THEN json_extract_scalar(${json}, ${trinoPath(path)}) END`;
    },
    // Whole milliseconds as bigint, without the rounding of to_unixtime's double.
    epochMillis: (isoTime) =>
        "date_diff('millisecond', from_iso8601_timestamp('1970-01-01T00:00:00Z'), " +
        `try(from_iso8601_timestamp(${isoTime})))`,
    regexpLike: (value, pattern) => `regexp_like(${value}, ${regexSource(pattern)})`,
    regexpGroup: (value, pattern, group = 1) =>
        `NULLIF(regexp_extract(${value}, ${regexSource(pattern)}, ${group}), '')`,
    arrayFilter: (array, predicate) => `filter(${array}, x -> ${predicate})`,
    arrayMap: (array, expression) => `transform(${array}, x -> ${expression})`,
    arrayDistinct: (array) => `array_distinct(${array})`,
    arrayLength: (array) => `cardinality(${array})`,
    firstElement: (array) => `element_at(${array}, 1)`,
    arrayContains: (array, value) => `contains(${array}, ${value})`,
    arrayJoin: (array, separator) => `array_join(${array}, ${sqlString(separator)})`,
    // https://docs.aws.amazon.com/athena/latest/ug/select.html#select-path
    fileColumn: `"$path"`,
};

export const DUCKDB: Dialect = {
    engine: "duckdb",
    jsonText: (json, path) =>
        `CASE WHEN json_type(${json}, ${duckdbPath(path)}) = 'VARCHAR' ` +
        `THEN json_extract_string(${json}, ${duckdbPath(path)}) END`,
    epochMillis: (isoTime) => `epoch_ms(TRY_CAST(${isoTime} AS TIMESTAMPTZ))`,
    regexpLike: (value, pattern) => `regexp_matches(${value}, ${regexSource(pattern)})`,
    // DuckDB's regexp_extract gives '' where Trino gives NULL on no match.
    regexpGroup: (value, pattern, group = 1) =>
        `NULLIF(regexp_extract(${value}, ${regexSource(pattern)}, ${group}), '')`,
    arrayFilter: (array, predicate) => `list_filter(${array}, x -> ${predicate})`,
    arrayMap: (array, expression) => `list_transform(${array}, x -> ${expression})`,
    arrayDistinct: (array) => `list_distinct(${array})`,
    arrayLength: (array) => `len(${array})`,
    firstElement: (array) => `${array}[1]`,
    arrayContains: (array, value) => `list_contains(${array}, ${value})`,
    arrayJoin: (array, separator) => `array_to_string(${array}, ${sqlString(separator)})`,
    // The offline table stores the file name in a column of this name (tests/audit/athena-duckdb.ts).
    fileColumn: `"$path"`,
};
