/**
 * The report's queries over the Athena CloudTrail table. Each section of the report has one query; every query
 * starts from the same record derivation (./records.ts), which restates in SQL what the streaming reader computes per
 * record, using the same event lists and patterns (imported, not copied). The counts and events queries are shaped
 * into the streaming reader's activity by ./assemble.ts; the listing query rebuilds --events' rows.
 */
import {
    CLOUDTRAIL_EVENT_SOURCE,
    DENIAL_ERROR_CODE_PATTERNS,
    KEY_LIFECYCLE_EVENTS,
    KEY_USE_EVENTS,
    KMS_EVENT_SOURCE,
    S3_EVENT_SOURCE,
    TRAIL_CHANGE_EVENTS,
    UPLOAD_EVENTS,
} from "../events";
import { KeySelector } from "../keys";
import { Dialect, sqlString } from "./dialect";
import { filterCondition, list, QueryScope, recordCtes } from "./records";

/**
 * `column LIKE ...` for each denial pattern (vocabulary/cloudTrailEvents.ts), the SQL form of isDenialErrorCode:
 * `*` becomes `%`; the patterns hold no `%` or `_`, which LIKE would read as wildcards.
 */
export function deniedCondition(column: string): string {
    const likes = DENIAL_ERROR_CODE_PATTERNS.map((pattern) => {
        if (/[%_]/.test(pattern)) {
            throw new Error(`the denial pattern ${pattern} holds a LIKE wildcard`);
        }
        return `${column} LIKE ${sqlString(pattern.replace(/\*/g, "%"))}`;
    });
    return `(${likes.join(" OR ")})`;
}

/**
 * The report's queries, in the order they are run. Each reads the table once: Athena bills by bytes scanned, so
 * every section's counts come from one grouped query and every event list from one ranked query.
 */
export const SECTIONS = ["counts", "events", "listing"] as const;
export type Section = (typeof SECTIONS)[number];
/** The listing query exists only with --events. */
export type ReportQueries = Record<Exclude<Section, "listing">, string> & { listing?: string };

/** The columns of an AuditEvent as the queries return them; details are derived from the JSON columns. */
const EVENT_COLUMNS = [
    "event_time",
    "ms",
    "name",
    "source",
    "principal",
    "identity_type",
    "via",
    "source_ip",
    "aws_region",
    "recipient_account",
    "error_code",
    "error_message",
    "event_id",
    "file",
    "requestparameters",
    "responseelements",
];

const KMS_EVENTS = [...KEY_USE_EVENTS, ...KEY_LIFECYCLE_EVENTS];

/**
 * Where a row group's first event lies in reading order (time, then file, then event ID). The streaming reader
 * lists keys and rows with equal counts in the order it first met them; the report does the same with this.
 */
const FIRST_SEEN =
    "min(lpad(CAST(ms AS varchar), 15, '0') || '|' || file || '|' || COALESCE(event_id, '')) AS first_seen";

/**
 * Keeps the earliest `cap` rows of each list, with the list's total. The streaming reader keeps the first it reads
 * per list; both are the earliest when files are read in time order (see docs/audit.md).
 */
function capped(inner: string, partitionBy: string, columns: string[], cap: number): string {
    return `SELECT * FROM (
  SELECT ${columns.join(", ")},
    row_number() OVER (PARTITION BY ${partitionBy} ORDER BY ms, file, event_id) AS rank_in_list,
    count(*) OVER (PARTITION BY ${partitionBy}) AS total
  FROM ${inner}
) ranked
WHERE rank_in_list <= ${cap}
ORDER BY ${partitionBy}, rank_in_list`;
}

/** An ARRAY of the labels whose condition holds for a row (NULL elements are dropped by the caller). */
function labels(conditions: Array<[string, string]>): string {
    const elements = conditions.map(([label, condition]) => `        CASE WHEN ${condition} THEN '${label}' END`);
    return `ARRAY[\n${elements.join(",\n")}\n      ]`;
}

/** The column for the facts (or lists) that carry it, NULL for the others, so that groups do not split. */
function only(column: string, facts: string[], alias = column): string {
    return `CASE WHEN fact IN ${list(facts)} THEN ${column} END AS ${alias}`;
}

/** Labels that are counted or listed once per key the KMS event is about. */
const PER_KEY = ["kms-use", "kms-error", "kms-lifecycle", "kms-denied", "kms-failed"];

function perKeyRefs(labelColumn: string): string {
    return `CASE WHEN ${labelColumn} IN ${list(PER_KEY)} THEN key_refs ELSE ARRAY[CAST(NULL AS varchar)] END`;
}

export function reportQueries(d: Dialect, scope: QueryScope): ReportQueries {
    const ctes = `WITH ${recordCtes(d, scope)}\n`;
    const listing = scope.listEvents ? { listing: listingQuery(d, scope) } : {};
    const denied = deniedCondition("error_code");
    const bucketFilter = scope.bucket === undefined ? "" : ` AND bucket = ${sqlString(scope.bucket)}`;
    const isUpload =
        `in_window AND source = ${sqlString(S3_EVENT_SOURCE)} AND name IN ${list(UPLOAD_EVENTS)} ` +
        `AND bucket IS NOT NULL${bucketFilter}`;
    const trailSource = sqlString(CLOUDTRAIL_EVENT_SOURCE);
    const isTrailChange = `in_window AND source = ${trailSource} AND name IN ${list(TRAIL_CHANGE_EVENTS)}`;
    const isKms = `in_window AND source = ${sqlString(KMS_EVENT_SOURCE)} AND name IS NOT NULL`;
    const keyNotNamed = `${isKms} AND matches AND ${denied} AND ${d.arrayLength("key_refs")} = 0`;
    const withKmsKey = "encryption IN ('SSE-KMS', 'DSSE-KMS') AND kms_key_reference IS NOT NULL";
    const facts = labels([
        ["scan", "true"],
        ["kms-use", `${isKms} AND matches AND name IN ${list(KEY_USE_EVENTS)} AND error_code IS NULL`],
        ["kms-error", `${isKms} AND matches AND name IN ${list(KMS_EVENTS)} AND error_code IS NOT NULL`],
        ["kms-unnamed-denied", keyNotNamed],
        [
            "alias-link",
            `${isKms} AND error_code IS NULL AND link_alias_arn IS NOT NULL AND strpos(link_key_arn, ':key/') > 0`,
        ],
        ["trail-denied", `${isTrailChange} AND matches AND ${denied}`],
        ["upload", `${isUpload} AND matches AND error_code IS NULL`],
        ["upload-denied", `${isUpload} AND matches AND ${denied}`],
    ]);
    const lists = labels([
        ["kms-lifecycle", `${isKms} AND matches AND name IN ${list(KEY_LIFECYCLE_EVENTS)}`],
        ["kms-denied", `${isKms} AND matches AND name IN ${list(KMS_EVENTS)} AND ${denied}`],
        [
            "kms-failed",
            `${isKms} AND matches AND name IN ${list(KMS_EVENTS)} AND error_code IS NOT NULL AND NOT (${denied})`,
        ],
        ["kms-unnamed-denied", keyNotNamed],
        ["trail", `${isTrailChange} AND matches`],
        ["trail-denied", `${isTrailChange} AND matches AND ${denied}`],
        ["upload-denied", `${isUpload} AND matches AND ${denied}`],
        ["upload-without-kms", `${isUpload} AND matches AND error_code IS NULL AND NOT (${withKmsKey})`],
    ]);
    const who = ["kms-use", "kms-error", "kms-unnamed-denied", "trail-denied", "upload", "upload-denied"];
    return {
        counts: `${ctes}SELECT
  fact,
  ref,
  ${only("substr(event_time, 1, 10)", ["kms-use"], "day")},
  ${only("principal", who)},
  min(identity_type) AS identity_type,
  ${only("name", who, "operation")},
  ${only("via", ["kms-use"])},
  ${only("context", ["kms-use"])},
  ${only("error_code", ["kms-error"])},
  ${only("trail_target", ["trail-denied"])},
  ${only("bucket", ["upload", "upload-denied"])},
  ${only("encryption", ["upload"])},
  ${only("COALESCE(canonical_kms_key_reference, kms_key_reference)", ["upload"], "kms_key")},
  ${only("applied_by", ["upload"])},
  ${only("link_alias_arn", ["alias-link"], "alias_arn")},
  ${only("link_key_arn", ["alias-link"], "key_arn")},
  count(*) AS calls,
  ${FIRST_SEEN},
  count_if(ms IS NULL) AS malformed_records,
  count_if(in_window) AS records_in_window,
  min(CASE WHEN in_window THEN event_time END) AS first_event_time,
  max(CASE WHEN in_window THEN event_time END) AS last_event_time,
  count(DISTINCT file) AS files_read
FROM filtered
  CROSS JOIN UNNEST(${facts}) AS facts(fact)
  CROSS JOIN UNNEST(${perKeyRefs("fact")}) AS refs(ref)
WHERE fact IS NOT NULL
GROUP BY 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
ORDER BY 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16`,
        events: `${ctes}${capped(
            `(
    SELECT list, ref, trail_target, object_target, encryption, applied_by, ${EVENT_COLUMNS.join(", ")}
    FROM filtered
      CROSS JOIN UNNEST(${lists}) AS lists(list)
      CROSS JOIN UNNEST(${perKeyRefs("list")}) AS refs(ref)
    WHERE list IS NOT NULL
  ) memberships`,
            "list, ref",
            ["list", "ref", "trail_target", "object_target", "encryption", "applied_by", ...EVENT_COLUMNS],
            scope.maxEvents,
        )}`,
        ...listing,
    };
}

/** The raw record fields --events rebuilds each event row from (audit/event-row.ts, eventRowOf). */
const RECORD_COLUMNS = [
    "eventtime AS event_time_raw",
    "useridentity.type AS identity_type_raw",
    "useridentity.arn AS identity_arn_raw",
    "useridentity.principalid AS principal_id_raw",
    "useridentity.accountid AS identity_account_raw",
    "useridentity.invokedby AS invoked_by_raw",
    "useridentity.username AS user_name_raw",
    "useridentity.sessioncontext.sessionissuer.arn AS issuer_arn_raw",
    "useridentity.sessioncontext.sessionissuer.username AS issuer_user_name_raw",
    "eventsource AS event_source_raw",
    "eventname AS event_name_raw",
    "awsregion AS aws_region_raw",
    "sourceipaddress AS source_ip_raw",
    "useragent AS user_agent_raw",
    "errorcode AS error_code_raw",
    "errormessage AS error_message_raw",
    "recipientaccountid AS recipient_account_raw",
    "eventid AS event_id_raw",
    "requestparameters",
    "responseelements",
    "additionaleventdata",
];

function endsWith(value: string, suffix: string): string {
    const tail = `substr(${value}, length(${value}) - ${suffix.length - 1})`;
    return `(length(${value}) >= ${suffix.length} AND ${tail} = ${sqlString(suffix)})`;
}

/** selectorMatches (audit/keys.ts) for the ref `x`, with `linked_keys` the keys tied to the selected aliases. */
function refMatches(selector: KeySelector): { ref: string; aliases: string } {
    switch (selector.kind) {
        case "keyArn":
            return { ref: `x = ${sqlString(selector.value)}`, aliases: "false" };
        case "keyId":
            return { ref: `strpos(x, ':key/') > 0 AND ${endsWith("x", `:key/${selector.value}`)}`, aliases: "false" };
        case "aliasArn":
            return { ref: `x = ${sqlString(selector.value)}`, aliases: `alias_arn = ${sqlString(selector.value)}` };
        case "aliasName":
            return { ref: endsWith("x", `:${selector.value}`), aliases: endsWith("alias_arn", `:${selector.value}`) };
    }
}

/**
 * --events: the earliest matching events (at most --max-events) with the raw fields to rebuild their rows, and how
 * many matched. With --key, a row is kept as keyFilterKeeps (audit/filters.ts) says; aliases are those the whole
 * window ties to keys (the streaming reader knows those learned so far).
 */
export function listingQuery(d: Dialect, scope: QueryScope): string {
    const denied = deniedCondition("error_code");
    const conditions = ["in_window", "name IS NOT NULL", "matches"];
    if (scope.bucket !== undefined) conditions.push(`(row_bucket IS NULL OR row_bucket = ${sqlString(scope.bucket)})`);
    let linked = "";
    if (scope.key !== undefined) {
        const { ref, aliases } = refMatches(scope.key);
        const keyOrLinked = `${ref} OR ${d.arrayContains("linked_keys", "x")}`;
        const matchesKey = `${d.arrayLength(d.arrayFilter("row_keys", keyOrLinked))} > 0`;
        const deniedWithoutKey =
            `(source = ${sqlString(KMS_EVENT_SOURCE)} ` + `AND ${d.arrayLength("key_refs")} = 0 AND ${denied})`;
        const trailChange = `(source = ${sqlString(CLOUDTRAIL_EVENT_SOURCE)} AND name IN ${list(TRAIL_CHANGE_EVENTS)})`;
        conditions.push(`(COALESCE(${matchesKey}, false) OR ${deniedWithoutKey} OR ${trailChange})`);
        linked = `,
links AS (
  SELECT DISTINCT link_alias_arn AS alias_arn, link_key_arn AS key_arn
  FROM filtered
  WHERE in_window AND source = ${sqlString(KMS_EVENT_SOURCE)} AND name IS NOT NULL AND error_code IS NULL
    AND link_alias_arn IS NOT NULL AND strpos(link_key_arn, ':key/') > 0
),
linked AS (
  SELECT array_agg(key_arn) AS linked_keys FROM links WHERE ${aliases}
)`;
    }
    const from = scope.key === undefined ? "filtered" : "filtered CROSS JOIN linked";
    return `WITH ${recordCtes(d, scope)}${linked},
raw AS (
  SELECT
    ${RECORD_COLUMNS.join(",\n    ")},
    ${d.arrayJoin(d.arrayMap("resources", "x.arn"), " ")} AS resource_arns,
    ms, file, event_id
  FROM ${from}
  WHERE ${conditions.join("\n    AND ")}
)
SELECT * FROM (
  SELECT raw.*, row_number() OVER (ORDER BY ms, file, event_id) AS rank_in_list, count(*) OVER () AS total FROM raw
) ranked
WHERE rank_in_list <= ${scope.maxEvents}
ORDER BY rank_in_list`;
}

/**
 * The S3 data key calls (GenerateDataKey by S3 for a caller, aws:s3:arn in the context) that could serve the listed
 * uploads: those naming one of their objects or buckets, within the link window of them (audit/upload-link.ts).
 * Narrowed only by the filters an upload and its KMS call share (principal and object), as the streaming reader does.
 */
export function linkCandidatesQuery(
    d: Dialect,
    scope: QueryScope,
    uploads: { contextArns: string[]; fromMs: number; toMs: number },
): string {
    const shared = filterCondition(d, {
        ...scope.filters,
        events: [],
        sourceIp: null,
        errorCode: null,
        encryptionContext: [],
    });
    return `WITH ${recordCtes(d, scope)}
SELECT
  ${RECORD_COLUMNS.join(",\n  ")},
  ${d.arrayJoin(d.arrayMap("resources", "x.arn"), " ")} AS resource_arns,
  ms, file, event_id
FROM events
WHERE in_window AND source = ${sqlString(KMS_EVENT_SOURCE)}
  AND name IN ('GenerateDataKey', 'GenerateDataKeyWithoutPlaintext')
  AND error_code IS NULL AND context_s3_arn IN ${list(uploads.contextArns)}
  AND ms BETWEEN ${uploads.fromMs} AND ${uploads.toMs}
  AND ${shared}
ORDER BY ms, file, event_id`;
}
