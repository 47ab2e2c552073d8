/**
 * The record derivation every report query starts from, as SQL over the Athena CloudTrail table: partition pruning,
 * the window, and the columns the streaming reader derives per record in audit/event-row.ts, audit/principal.ts and
 * audit/keys.ts (the same patterns, imported, not copied), then the search filters. Column names are those of the
 * table in AWS's CloudTrail DDL for Athena, see infra/athena/cloudTrailTable.ts. The queries are in ./sql.ts.
 */
import { S3_EVENT_SOURCE, UPLOAD_EVENTS } from "../events";
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

const SESSION_OF_ASSUMED_ROLE_ARN = /^[^/]*\/[^/]*\/(.*)$/;

/** A SQL list of string literals: `('a', 'b')`. */
export function list(values: Iterable<string>): string {
    return `(${[...values].map(sqlString).join(", ")})`;
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
    CASE WHEN source = ${sqlString(S3_EVENT_SOURCE)} THEN CASE
        WHEN name IN ${list(UPLOAD_EVENTS)} AND kms_key_reference IS NOT NULL
          THEN ARRAY[COALESCE(canonical_kms_key_reference, kms_key_reference)]
      END
      ELSE key_refs
    END AS row_keys,
    -- The event row's fields the search filters read (audit/event-row.ts, audit/filters.ts).
    COALESCE(user_name, issuer_user_name) AS row_user_name,
    COALESCE(invoked_by, CASE WHEN ${d.regexpLike("source_ip", SERVICE_HOST)} THEN source_ip END) AS row_invoked_by,
    CASE WHEN source = ${sqlString(S3_EVENT_SOURCE)} THEN bucket ELSE ${d.regexpGroup("context_s3_arn", S3_ARN, 1)} END
      AS row_bucket,
    CASE WHEN source = ${sqlString(S3_EVENT_SOURCE)} THEN object_key
      ELSE ${d.regexpGroup("context_s3_arn", S3_ARN, 2)} END AS row_object_key
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
