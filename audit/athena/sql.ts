/**
 * The report's queries over the Athena CloudTrail table. Each section of the report has one query; every query
 * starts from the same record derivation (CTEs below), which restates in SQL what the streaming reader computes per
 * record in audit/aggregate.ts, audit/principal.ts and audit/keys.ts, using the same event lists and patterns
 * (imported, not copied). Column names are those of the table in AWS's CloudTrail DDL for Athena, see
 * infra/athena/cloudTrailTable.ts.
 */
import {
    CLOUDTRAIL_SOURCE,
    DENIAL_ERROR_CODE_PATTERNS,
    KEY_LIFECYCLE_EVENTS,
    KEY_USE_EVENTS,
    KMS_SOURCE,
    S3_SOURCE,
    TRAIL_CHANGE_EVENTS,
    UPLOAD_EVENTS,
} from "../events";
import { EVENT_TIME, S3_ARN } from "../event-row";
import { SearchFilters } from "../filters";
import { ALIAS_ARN, ALIAS_NAME, KEY_ARN, KEY_ID, KeySelector } from "../keys";
import { SERVICE_HOST } from "../principal";
import { Dialect, sqlString } from "./dialect";
import { PartitionScope, partitionPredicates } from "./partitions";

export interface QueryScope extends PartitionScope {
    database: string;
    table: string;
    /** --bucket: only uploads to this bucket. */
    bucket?: string;
    maxEvents: number;
    /** The search filters (audit/filters.ts): only matching records are counted and listed. */
    filters: SearchFilters;
    /** --key: which events --events lists (the aggregates apply it to the finished report). */
    key?: KeySelector;
    /** --events: also run the listing query. */
    listEvents: boolean;
}

/**
 * The report's queries, in the order they are run. Each reads the table once: Athena bills by bytes scanned, so
 * every section's counts come from one grouped query and every event list from one ranked query.
 */
export const SECTIONS = ["counts", "events", "listing"] as const;
export type Section = (typeof SECTIONS)[number];
/** The listing query exists only with --events. */
export type ReportQueries = Record<Exclude<Section, "listing">, string> & { listing?: string };

const SESSION_OF_ASSUMED_ROLE_ARN = /^[^/]*\/[^/]*\/(.*)$/;

function list(values: Iterable<string>): string {
    return `(${[...values].map(sqlString).join(", ")})`;
}

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

function identifier(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

function text(column: string): string {
    return `NULLIF(${column}, '')`;
}

/** The streaming reader's window: eventTime parses, at or after --since, before --until. */
function inWindow(scope: QueryScope): string {
    return [
        "ms IS NOT NULL",
        ...(scope.since === undefined ? [] : [`ms >= ${scope.since.getTime()}`]),
        ...(scope.until === undefined ? [] : [`ms < ${scope.until.getTime()}`]),
    ].join(" AND ");
}

/** canonicalKeyRef (audit/keys.ts): a key reference as written, made an ARN with the record's region and account. */
function canonicalKeyRef(d: Dialect, reference: string): string {
    return `CASE
      WHEN ${reference} IS NULL THEN NULL
      WHEN substr(${reference}, 1, 4) = 'arn:' THEN
        CASE WHEN ${d.regexpLike(reference, KEY_ARN)} OR ${d.regexpLike(reference, ALIAS_ARN)} THEN ${reference} END
      WHEN aws_region IS NULL OR key_account IS NULL THEN NULL
      WHEN ${d.regexpLike(reference, ALIAS_NAME)} THEN key_prefix || ${reference}
      WHEN ${d.regexpLike(reference, KEY_ID)} THEN key_prefix || 'key/' || ${reference}
    END`;
}

/** The record derivation every section starts from: partition pruning, the window, then the derived columns. */
export function recordCtes(d: Dialect, scope: QueryScope): string {
    const req = (...path: string[]) => text(d.jsonText("requestparameters", path));
    const resp = (...path: string[]) => text(d.jsonText("responseelements", path));
    const extra = (...path: string[]) => text(d.jsonText("additionaleventdata", path));
    const predicates = partitionPredicates(scope);
    const kmsKeyHeader = "x-amz-server-side-encryption-aws-kms-key-id";
    return `scanned AS (
  SELECT
    ${text("eventtime")} AS event_time,
    -- The streaming reader's rule for eventTime (EVENT_TIME, audit/event-row.ts); others are malformed records.
    CASE WHEN ${d.regexpLike("eventtime", EVENT_TIME)} THEN ${d.epochMillis("eventtime")} END AS ms,
    ${text("eventsource")} AS source,
    ${text("eventname")} AS name,
    COALESCE(${text("useridentity.type")}, 'Unknown') AS identity_type,
    ${text("useridentity.arn")} AS identity_arn,
    ${text("useridentity.principalid")} AS principal_id,
    ${text("useridentity.accountid")} AS identity_account,
    ${text("useridentity.invokedby")} AS invoked_by,
    ${text("useridentity.username")} AS user_name,
    ${text("useridentity.sessioncontext.sessionissuer.username")} AS issuer_user_name,
    ${text("useridentity.sessioncontext.sessionissuer.arn")} AS issuer_arn,
    ${text("sourceipaddress")} AS source_ip,
    ${text("awsregion")} AS aws_region,
    ${text("recipientaccountid")} AS recipient_account,
    ${text("errorcode")} AS error_code,
    ${text("errormessage")} AS error_message,
    ${text("eventid")} AS event_id,
    requestparameters,
    responseelements,
    additionaleventdata,
    resources,
    -- As stored, for --events, which rebuilds each listed row from them.
    eventtime, useridentity, eventsource, eventname, awsregion, sourceipaddress, useragent, errorcode, errormessage,
    recipientaccountid, eventid,
    ${d.fileColumn} AS file
  FROM ${identifier(scope.database)}.${identifier(scope.table)}${
      predicates.length === 0
          ? ""
          : `
  WHERE ${predicates.join("\n    AND ")}`
  }
),
extracted AS (
  SELECT
    *,
    COALESCE(${inWindow(scope)}, false) AS in_window,
    COALESCE(recipient_account, identity_account) AS key_account,
    'arn:' || CASE
        WHEN substr(aws_region, 1, 3) = 'cn-' THEN 'aws-cn'
        WHEN substr(aws_region, 1, 7) = 'us-gov-' THEN 'aws-us-gov'
        ELSE 'aws'
      END || ':kms:' || aws_region || ':' || COALESCE(recipient_account, identity_account) || ':' AS key_prefix,
    ${d.regexpGroup("identity_arn", SESSION_OF_ASSUMED_ROLE_ARN)} AS assumed_role_session,
    ${d.arrayFilter(d.arrayMap("resources", "x.arn"), "strpos(x, ':key/') > 0")} AS resource_key_arns,
    ${req("keyId")} AS req_key_id,
    ${req("sourceKeyId")} AS req_source_key_id,
    ${req("destinationKeyId")} AS req_destination_key_id,
    ${req("targetKeyId")} AS req_target_key_id,
    ${req("aliasName")} AS req_alias_name,
    ${resp("keyMetadata", "arn")} AS created_key_arn,
    ${resp("keyId")} AS resp_key_id,
    ${req("encryptionContext", "aws:cloudtrail:arn")} AS context_trail_arn,
    ${req("encryptionContext", "aws:s3:arn")} AS context_s3_arn,
    ${req("name")} AS req_name,
    ${req("trailName")} AS req_trail_name,
    ${req("bucketName")} AS bucket,
    ${req("key")} AS object_key,
    ${extra("SSEApplied")} AS sse_applied,
    COALESCE(${resp("x-amz-server-side-encryption")}, ${req("x-amz-server-side-encryption")}) AS sse_header,
    ${req("x-amz-server-side-encryption-customer-algorithm")} AS sse_customer_algorithm,
    COALESCE(${resp(kmsKeyHeader)}, ${req(kmsKeyHeader)}) AS kms_key_reference
  FROM scanned
),
described AS (
  SELECT
    *,
    CASE identity_type
      WHEN 'AssumedRole' THEN CASE
          WHEN issuer_arn IS NULL THEN COALESCE(identity_arn, principal_id, 'AssumedRole (no ARN recorded)')
          WHEN NULLIF(assumed_role_session, '') IS NULL THEN issuer_arn
          ELSE issuer_arn || ' (session ' || assumed_role_session || ')'
        END
      WHEN 'AWSService' THEN COALESCE(invoked_by, 'AWS service (not named)')
      WHEN 'Root' THEN COALESCE(identity_arn, 'arn:aws:iam::' || identity_account || ':root', 'root')
      WHEN 'AWSAccount' THEN
        'account ' || COALESCE(identity_account, 'unknown') || COALESCE(' (principal ' || principal_id || ')', '')
      ELSE COALESCE(identity_arn, user_name, principal_id, invoked_by, identity_type || ' (no identity recorded)')
    END AS principal,
    ${canonicalKeyRef(d, "req_key_id")} AS canonical_key_id,
    ${canonicalKeyRef(d, "req_source_key_id")} AS canonical_source_key_id,
    ${canonicalKeyRef(d, "req_destination_key_id")} AS canonical_destination_key_id,
    ${canonicalKeyRef(d, "req_target_key_id")} AS canonical_target_key_id,
    ${canonicalKeyRef(d, "req_alias_name")} AS canonical_alias_name,
    ${canonicalKeyRef(d, "kms_key_reference")} AS canonical_kms_key_reference,
    CASE WHEN context_trail_arn IS NOT NULL THEN context_trail_arn
      WHEN strpos(context_s3_arn, '/') > 0 THEN substr(context_s3_arn, 1, strpos(context_s3_arn, '/') - 1)
      ELSE context_s3_arn
    END AS context,
    CASE WHEN sse_applied IS NULL THEN CASE WHEN sse_header IS NULL THEN 'not recorded' ELSE 'request' END
      WHEN substr(sse_applied, 1, 8) = 'Default_' THEN 'bucket default'
      ELSE 'request'
    END AS applied_by,
    CASE WHEN substr(sse_applied, 1, 8) = 'Default_' THEN substr(sse_applied, 9) ELSE sse_applied END AS sse_kind
  FROM extracted
),
events AS (
  SELECT
    *,
    CASE WHEN identity_type = 'AWSService' OR COALESCE(principal = invoked_by, false) THEN NULL
      WHEN ${d.regexpLike("invoked_by", SERVICE_HOST)} THEN invoked_by
      WHEN ${d.regexpLike("source_ip", SERVICE_HOST)} THEN source_ip
    END AS via,
    CASE WHEN ${d.arrayLength("resource_key_arns")} > 0 THEN ${d.arrayDistinct("resource_key_arns")}
      ELSE ${d.arrayDistinct(
          d.arrayFilter(
              "ARRAY[created_key_arn, canonical_key_id, canonical_source_key_id, canonical_destination_key_id, " +
                  "canonical_target_key_id]",
              "x IS NOT NULL",
          ),
      )}
    END AS key_refs,
    CASE
      WHEN sse_header = 'aws:kms:dsse' OR sse_kind = 'DSSE_KMS' THEN 'DSSE-KMS'
      WHEN sse_header = 'aws:kms' OR sse_kind = 'SSE_KMS' THEN 'SSE-KMS'
      WHEN sse_header = 'AES256' OR sse_kind = 'SSE_S3' THEN 'SSE-S3'
      WHEN sse_kind = 'SSE_C' OR sse_customer_algorithm IS NOT NULL THEN 'SSE-C'
      ELSE 'not recorded'
    END AS encryption,
    CASE WHEN name IN ('CreateAlias', 'UpdateAlias') THEN canonical_alias_name
      WHEN ${d.arrayLength("resource_key_arns")} = 1 AND strpos(canonical_key_id, ':alias/') > 0 THEN canonical_key_id
    END AS link_alias_arn,
    CASE WHEN name IN ('CreateAlias', 'UpdateAlias') THEN COALESCE(
        resp_key_id,
        CASE WHEN ${d.arrayLength("resource_key_arns")} = 1 THEN ${d.firstElement("resource_key_arns")}
          ELSE canonical_target_key_id END)
      WHEN ${d.arrayLength("resource_key_arns")} = 1 THEN ${d.firstElement("resource_key_arns")}
    END AS link_key_arn,
    'arn:aws:s3:::' || bucket || COALESCE('/' || object_key, '') AS object_target,
    COALESCE(req_name, req_trail_name) AS trail_target,
    -- The event row's keys: the SSE-KMS key an upload recorded, else the keys the call named.
    CASE WHEN source = ${sqlString(S3_SOURCE)} THEN CASE
        WHEN name IN ${list(UPLOAD_EVENTS)} AND kms_key_reference IS NOT NULL
          THEN ARRAY[COALESCE(canonical_kms_key_reference, kms_key_reference)]
      END
      ELSE key_refs
    END AS row_keys,
    -- The event row's fields the search filters read (audit/event-row.ts, audit/filters.ts).
    COALESCE(user_name, issuer_user_name) AS row_user_name,
    COALESCE(invoked_by, CASE WHEN ${d.regexpLike("source_ip", SERVICE_HOST)} THEN source_ip END) AS row_invoked_by,
    CASE WHEN source = ${sqlString(S3_SOURCE)} THEN bucket ELSE ${d.regexpGroup("context_s3_arn", S3_ARN, 1)} END
      AS row_bucket,
    CASE WHEN source = ${sqlString(S3_SOURCE)} THEN object_key ELSE ${d.regexpGroup("context_s3_arn", S3_ARN, 2)} END
      AS row_object_key
  FROM described
),
filtered AS (
  SELECT *, ${filterCondition(d, scope.filters)} AS matches FROM events
)`;
}

/** matchesFilters (audit/filters.ts) over the event row's columns; TRUE when no filter is given. */
export function filterCondition(d: Dialect, filters: SearchFilters): string {
    const conditions: string[] = [];
    if (filters.principal !== null) {
        const wanted = sqlString(filters.principal);
        conditions.push(
            `(identity_arn = ${wanted} OR issuer_arn = ${wanted} OR row_user_name = ${wanted} ` +
                `OR (identity_type = 'AWSService' AND row_invoked_by = ${wanted}))`,
        );
    }
    if (filters.events.length > 0) conditions.push(`name IN ${list(filters.events)}`);
    if (filters.object !== null) {
        const object = filters.object;
        conditions.push(
            object.kind === "arn"
                ? `row_bucket = ${sqlString(object.bucket)} AND row_object_key = ${sqlString(object.objectKey)}`
                : `substr(row_object_key, 1, ${object.prefix.length}) = ${sqlString(object.prefix)}`,
        );
    }
    if (filters.sourceIp !== null) conditions.push(`source_ip = ${sqlString(filters.sourceIp)}`);
    if (filters.errorCode !== null) conditions.push(`error_code = ${sqlString(filters.errorCode)}`);
    for (const { key, value } of filters.encryptionContext) {
        conditions.push(`${d.jsonText("requestparameters", ["encryptionContext", key])} = ${sqlString(value)}`);
    }
    return conditions.length === 0 ? "true" : `COALESCE(${conditions.join(" AND ")}, false)`;
}

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
        `in_window AND source = ${sqlString(S3_SOURCE)} AND name IN ${list(UPLOAD_EVENTS)} ` +
        `AND bucket IS NOT NULL${bucketFilter}`;
    const trailSource = sqlString(CLOUDTRAIL_SOURCE);
    const isTrailChange = `in_window AND source = ${trailSource} AND name IN ${list(TRAIL_CHANGE_EVENTS)}`;
    const isKms = `in_window AND source = ${sqlString(KMS_SOURCE)} AND name IS NOT NULL`;
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
        const deniedWithoutKey = `(source = ${sqlString(KMS_SOURCE)} AND ${d.arrayLength("key_refs")} = 0 AND ${denied})`;
        const trailChange = `(source = ${sqlString(CLOUDTRAIL_SOURCE)} AND name IN ${list(TRAIL_CHANGE_EVENTS)})`;
        conditions.push(`(COALESCE(${matchesKey}, false) OR ${deniedWithoutKey} OR ${trailChange})`);
        linked = `,
links AS (
  SELECT DISTINCT link_alias_arn AS alias_arn, link_key_arn AS key_arn
  FROM filtered
  WHERE in_window AND source = ${sqlString(KMS_SOURCE)} AND name IS NOT NULL AND error_code IS NULL
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
WHERE in_window AND source = ${sqlString(KMS_SOURCE)} AND name IN ('GenerateDataKey', 'GenerateDataKeyWithoutPlaintext')
  AND error_code IS NULL AND context_s3_arn IN ${list(uploads.contextArns)}
  AND ms BETWEEN ${uploads.fromMs} AND ${uploads.toMs}
  AND ${shared}
ORDER BY ms, file, event_id`;
}
