/**
 * key-audit's command line: the usage text, then one reader per flag, each saying what is allowed.
 * Over 350 lines with one job: a quarter is the usage text, kept beside the checks it documents.
 */
import { readFileSync, statSync } from "fs";
import { isIP } from "net";
import { parseFlags, UsageError, type ParsedFlags } from "../core/cli";
import { S3_BUCKET_NAME, S3_BUCKET_NAME_ALLOWED } from "../vocabulary/awsNames";
import { ACCOUNT_ID, AthenaLocation, GLUE_NAME, REGION_NAME, WORKGROUP_NAME } from "./athena/location";
import { describeFilters, NO_FILTERS, parseObjectFilter, SearchFilters } from "./filters";
import { KEY_FORMS, KeySelector, parseKeySelector } from "./keys";
import type { AuditReport } from "./report";
import { LogLocation } from "./sources";

export type OutputFormat = "text" | "json" | "jsonl";
export type ProgressMode = "auto" | "on" | "off";

export interface AuditOptions {
    logs: LogLocation;
    /** --logs exactly as given, for the report header. */
    logsArgument: string;
    key?: KeySelector;
    since?: Date;
    until?: Date;
    bucket?: string;
    format: OutputFormat;
    progress: ProgressMode;
    maxEvents: number;
    filters: SearchFilters;
    /** --events: list the matching events themselves. */
    listEvents: boolean;
    /** Deadline for each S3 attempt (connect, response, and inactivity while reading a body). */
    s3TimeoutMs: number;
    /** --print-sql: print the Athena queries instead of running them. */
    printSql: boolean;
}

/** Bad command-line input (core/cli.ts): the CLI prints the message and exits with code 2. */
export { UsageError };

export const USAGE = `Usage: npm run key-audit -- --logs <dir | s3://bucket/prefix> [options]
       npm run key-audit -- --athena --workgroup <name> --database <name> --table <name> [options]

  --logs <dir|s3://bucket/prefix>  CloudTrail log files: a local folder or an S3 location (required)
  --key <key>             only this KMS key: key ARN, key ID, alias name (alias/x) or alias ARN
  --since <time>          events at or after this time: YYYY-MM-DD (UTC midnight) or ISO 8601 with a zone
  --until <time>          events before this time (exclusive), same forms as --since
  --bucket <name>         only uploads to this bucket
  --principal <arn|name>  only calls by this user, role (any of its sessions), session ARN or service
  --event <name>          only this event name, e.g. Decrypt; repeat for several
  --object <key|prefix|arn>  only calls on this S3 object: a key or key prefix, or arn:aws:s3:::bucket/key
  --source-ip <address>   only calls from this source address (an IP or a service name)
  --error <code>          only calls that failed with this error code, e.g. AccessDenied
  --encryption-context <key=value>  only KMS calls with this encryption context pair; repeat for several
  --events                list the matching events themselves, earliest first (at most --max-events)
  --format <text|json|jsonl>  report format (default text); jsonl writes one event per line (needs --events)
  --max-events <n>        events listed per section and by --events (default 100, 1..100000)
  --s3-timeout <seconds>  deadline per S3 attempt: connect, answer, and silence while reading (default 30)
  --progress / --no-progress  force progress on stderr on or off (default: on when stderr is a terminal)
  --help                  this text

  --athena                query the CloudTrail table in Amazon Athena instead of reading log files
  --workgroup, --database, --table <name>  the Athena workgroup, Glue database and CloudTrail table (with --athena)
  --stack-outputs <file>  take those three from \`pulumi stack output --json\` saved to a file (with --athena)
  --accounts <id,...>     only these accounts' log folders (with --athena; partition pruning)
  --regions <name,...>    only these regions' log folders (with --athena; partition pruning)
  --print-sql             print the report's queries and exit, without calling AWS (with --athena)

Exit codes: 0 report complete; 3 report written but incomplete: some files or folders could not be read, some
records were malformed, or the location held no log files (each named on stderr and in the report);
2 bad arguments, the logs could not be listed (no such bucket, no permission, S3 did not answer in time), an
Athena query failed, or another failure of the tool. (1 is not used: the audit reports, it does not judge.)`;

const text = { type: "string" } as const;
const athenaFlags = {
    workgroup: text,
    database: text,
    table: text,
    "stack-outputs": text,
    accounts: text,
    regions: text,
    "print-sql": { type: "boolean" },
} as const;
/** --event and --encryption-context may be given more than once; their values add up. */
const flags = {
    logs: text,
    key: text,
    since: text,
    until: text,
    bucket: text,
    format: text,
    "max-events": text,
    principal: text,
    event: { type: "string", multiple: true },
    object: text,
    "source-ip": text,
    error: text,
    "encryption-context": { type: "string", multiple: true },
    "s3-timeout": text,
    ...athenaFlags,
    progress: { type: "boolean" },
    "no-progress": { type: "boolean" },
    events: { type: "boolean" },
    help: { type: "boolean" },
    athena: { type: "boolean" },
} as const;
type AuditFlags = ParsedFlags<typeof flags>;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function isRealDate(year: string, month: string, day: string): boolean {
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    return (
        date.getUTCFullYear() === Number(year) &&
        date.getUTCMonth() === Number(month) - 1 &&
        date.getUTCDate() === Number(day)
    );
}

export function parseTime(flag: string, value: string): Date {
    const allowed = "allowed: YYYY-MM-DD (midnight UTC) or an ISO 8601 time with a zone, e.g. 2024-05-01T13:00:00Z";
    const dateOnly = DATE_ONLY.exec(value);
    const dateTime = DATE_TIME.exec(value);
    const parts = dateOnly ?? dateTime;
    if (parts === null || !isRealDate(parts[1], parts[2], parts[3])) {
        throw new UsageError(`${flag} '${value}' is not a valid time; ${allowed}`);
    }
    const ms =
        dateOnly !== null ? Date.UTC(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3])) : Date.parse(value);
    if (Number.isNaN(ms)) throw new UsageError(`${flag} '${value}' is not a valid time; ${allowed}`);
    return new Date(ms);
}

export function parseLogLocation(value: string): LogLocation {
    if (value.startsWith("s3://")) {
        const rest = value.slice("s3://".length);
        const slash = rest.indexOf("/");
        const bucket = slash === -1 ? rest : rest.slice(0, slash);
        const rawPrefix = slash === -1 ? "" : rest.slice(slash + 1).replace(/^\/+/, "");
        if (!S3_BUCKET_NAME.test(bucket)) {
            throw new UsageError(
                `--logs '${value}' is not a valid S3 location: ` +
                    `the bucket name must be ${S3_BUCKET_NAME_ALLOWED}; allowed: s3://bucket or s3://bucket/prefix`,
            );
        }
        const prefix = rawPrefix === "" || rawPrefix.endsWith("/") ? rawPrefix : `${rawPrefix}/`;
        return { kind: "s3", bucket, prefix };
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
        throw new UsageError(`--logs '${value}': unsupported location; allowed: a local folder or s3://bucket/prefix`);
    }
    let isDirectory = false;
    try {
        isDirectory = statSync(value).isDirectory();
    } catch {
        throw new UsageError(`--logs '${value}': no such folder; allowed: a local folder or s3://bucket/prefix`);
    }
    if (!isDirectory)
        throw new UsageError(
            `--logs '${value}' is a file, not a folder; allowed: a local folder or s3://bucket/prefix`,
        );
    return { kind: "directory", path: value };
}

function commaList(flag: string, value: string | undefined, pattern: RegExp, allowed: string): string[] {
    if (value === undefined) return [];
    const items = value.split(",").map((item) => item.trim());
    const bad = items.find((item) => !pattern.test(item));
    if (bad !== undefined) {
        throw new UsageError(`${flag} '${value}': '${bad}' is not allowed; allowed: ${allowed}, comma-separated`);
    }
    return [...new Set(items)];
}

/** The stack outputs that name the workgroup, database and table (infra/program.ts). */
const STACK_OUTPUTS = {
    "--workgroup": "athenaWorkgroup",
    "--database": "athenaDatabase",
    "--table": "athenaTable",
} as const;

/** --stack-outputs: `pulumi stack output --json` saved to a file. */
function readStackOutputs(file: string): Record<string, unknown> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
        throw new UsageError(
            `--stack-outputs '${file}': cannot read it as JSON (${(error as Error).message}); ` +
                "allowed: the output of `pulumi stack output --json`",
        );
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new UsageError(
            `--stack-outputs '${file}': not a JSON object; allowed: the output of \`pulumi stack output --json\``,
        );
    }
    return parsed as Record<string, unknown>;
}

/** --athena and its flags; the table is named by workgroup, database and table, from flags or stack outputs. */
function parseAthenaLocation(values: AuditFlags): AthenaLocation {
    if (values.logs !== undefined) throw new UsageError("--logs and --athena are two sources; give one");
    const outputsFile = values["stack-outputs"];
    const outputs = outputsFile === undefined ? undefined : readStackOutputs(outputsFile);
    const name = (flag: "--workgroup" | "--database" | "--table", pattern: RegExp, allowed: string): string => {
        const output = outputs?.[STACK_OUTPUTS[flag]];
        const given = values[flag.slice(2) as "workgroup" | "database" | "table"];
        if (outputs !== undefined && given === undefined && typeof output !== "string") {
            throw new UsageError(
                `--stack-outputs '${outputsFile}' has no ${STACK_OUTPUTS[flag]}; ` +
                    `is athenaAudit configured? Or give ${flag}`,
            );
        }
        const value = given ?? (typeof output === "string" ? output : undefined);
        if (value === undefined) {
            throw new UsageError(`${flag} (or --stack-outputs) is required with --athena; allowed: ${allowed}`);
        }
        if (!pattern.test(value)) throw new UsageError(`${flag} '${value}' is not allowed; allowed: ${allowed}`);
        return value;
    };
    const glue = "lower-case letters, digits and '_' (Athena's rule for Glue names)";
    return {
        kind: "athena",
        workgroup: name("--workgroup", WORKGROUP_NAME, "1-128 letters, digits, '.', '_' or '-'"),
        database: name("--database", GLUE_NAME, glue),
        table: name("--table", GLUE_NAME, glue),
        accounts: commaList("--accounts", values.accounts, ACCOUNT_ID, "12-digit account IDs"),
        regions: commaList("--regions", values.regions, REGION_NAME, "region names such as eu-west-1"),
    };
}

const EVENT_NAME = /^[A-Za-z][A-Za-z0-9]{0,127}$/;
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9.:_-]{0,127}$/;
const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const MAX_FILTER_LENGTH = 2048;

function checkLength(flag: string, value: string): void {
    if (value.length > MAX_FILTER_LENGTH || /\s/.test(value.replace(/ /g, ""))) {
        throw new UsageError(
            `${flag} '${value.slice(0, 80)}' is not allowed; allowed: at most ${MAX_FILTER_LENGTH} characters, ` +
                "no tabs or newlines",
        );
    }
}

/** Reads the search filters (audit/filters.ts) from the command line. */
function parseFilters(values: AuditFlags): SearchFilters {
    const principal = values.principal ?? null;
    if (principal !== null) checkLength("--principal", principal);
    const events = values.event ?? [];
    for (const name of events) {
        if (!EVENT_NAME.test(name)) {
            throw new UsageError(
                `--event '${name.slice(0, 80)}' is not an event name; ` +
                    "allowed: a CloudTrail eventName such as Decrypt or PutObject",
            );
        }
    }
    const objectValue = values.object;
    let object = null;
    if (objectValue !== undefined) {
        checkLength("--object", objectValue);
        object = parseObjectFilter(objectValue) ?? null;
        if (object === null) {
            throw new UsageError(
                `--object '${objectValue}' is not an S3 object ARN; ` +
                    "allowed: a key, a key prefix, or arn:aws:s3:::bucket/key",
            );
        }
    }
    const sourceIp = values["source-ip"] ?? null;
    if (sourceIp !== null && isIP(sourceIp) === 0 && !HOST_NAME.test(sourceIp)) {
        throw new UsageError(
            `--source-ip '${sourceIp.slice(0, 80)}' is not an address; ` +
                "allowed: an IPv4 or IPv6 address or a service name such as s3.amazonaws.com",
        );
    }
    const errorCode = values.error ?? null;
    if (errorCode !== null && !ERROR_CODE.test(errorCode)) {
        throw new UsageError(
            `--error '${errorCode.slice(0, 80)}' is not an error code; ` +
                "allowed: a CloudTrail errorCode such as AccessDenied",
        );
    }
    const encryptionContext = (values["encryption-context"] ?? []).map((pair) => {
        checkLength("--encryption-context", pair);
        const equals = pair.indexOf("=");
        if (equals <= 0) {
            throw new UsageError(
                `--encryption-context '${pair.slice(0, 80)}' is not a pair; ` +
                    "allowed: key=value, e.g. aws:s3:arn=arn:aws:s3:::bucket/key",
            );
        }
        return { key: pair.slice(0, equals), value: pair.slice(equals + 1) };
    });
    return { ...NO_FILTERS, principal, events, object, sourceIp, errorCode, encryptionContext };
}

/** Parses and validates the command line; returns undefined when --help was asked for. */
export function parseArguments(argv: string[]): AuditOptions | undefined {
    const values = parseFlags({ name: "audit", usage: USAGE, flags }, argv);
    if (values.help) return undefined;
    if (values.progress && values["no-progress"]) {
        throw new UsageError("--progress and --no-progress contradict each other; give one");
    }
    const athena = values.athena === true;
    const athenaOnly = (Object.keys(athenaFlags) as Array<keyof typeof athenaFlags>)
        .filter((flag) => values[flag] !== undefined)
        .map((flag) => `--${flag}`);
    if (!athena && athenaOnly.length > 0) throw new UsageError(`${athenaOnly.join(", ")} only apply with --athena`);
    const logsArgument = athena ? "athena" : values.logs;
    if (logsArgument === undefined) {
        throw new UsageError("--logs is required: a local folder or s3://bucket/prefix (or --athena with its table)");
    }
    const logs = athena ? parseAthenaLocation(values) : parseLogLocation(logsArgument);

    const keyValue = values.key;
    const key = keyValue === undefined ? undefined : parseKeySelector(keyValue);
    if (keyValue !== undefined && key === undefined)
        throw new UsageError(`--key '${keyValue}' is not a KMS key reference; allowed: ${KEY_FORMS}`);

    const sinceValue = values.since;
    const untilValue = values.until;
    const since = sinceValue === undefined ? undefined : parseTime("--since", sinceValue);
    const until = untilValue === undefined ? undefined : parseTime("--until", untilValue);
    if (since !== undefined && until !== undefined && since.getTime() >= until.getTime()) {
        throw new UsageError(
            `--since '${sinceValue}' must be earlier than --until '${untilValue}' (--until is exclusive)`,
        );
    }

    const format = values.format ?? "text";
    if (format !== "text" && format !== "json" && format !== "jsonl") {
        throw new UsageError(`--format '${format}' is not supported; allowed: text, json, jsonl`);
    }
    const listEvents = values.events === true;
    if (format === "jsonl" && !listEvents) {
        throw new UsageError("--format jsonl writes events one per line: add --events");
    }

    const bucket = values.bucket;
    if (bucket !== undefined && !S3_BUCKET_NAME.test(bucket)) {
        throw new UsageError(`--bucket '${bucket}' is not a bucket name; allowed: ${S3_BUCKET_NAME_ALLOWED}`);
    }

    const maxEventsValue = values["max-events"] ?? "100";
    const maxEvents = Number(maxEventsValue);
    if (!/^\d+$/.test(maxEventsValue) || maxEvents < 1 || maxEvents > 100000) {
        throw new UsageError(
            `--max-events '${maxEventsValue}' is not allowed; allowed: a whole number from 1 to 100000`,
        );
    }

    const timeoutValue = values["s3-timeout"] ?? "30";
    const timeoutSeconds = Number(timeoutValue);
    if (!/^\d+$/.test(timeoutValue) || timeoutSeconds < 1 || timeoutSeconds > 3600) {
        throw new UsageError(
            `--s3-timeout '${timeoutValue}' is not allowed; allowed: a whole number of seconds from 1 to 3600`,
        );
    }

    const filters = parseFilters(values);
    const progress: ProgressMode = values.progress ? "on" : values["no-progress"] ? "off" : "auto";
    return {
        logs,
        logsArgument,
        key,
        since,
        until,
        bucket,
        format,
        progress,
        maxEvents,
        filters,
        listEvents,
        s3TimeoutMs: timeoutSeconds * 1000,
        printSql: values["print-sql"] === true,
    };
}

/** The report's record of what was asked: the same for the streaming reader and for Athena. */
export function reportFilters(options: AuditOptions): AuditReport["filters"] {
    return {
        key: options.key?.value ?? null,
        since: options.since?.toISOString() ?? null,
        until: options.until?.toISOString() ?? null,
        bucket: options.bucket ?? null,
        ...describeFilters(options.filters),
    };
}
