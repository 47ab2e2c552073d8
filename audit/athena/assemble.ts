/**
 * Turns the rows of the report's queries into the activity the streaming aggregator would have built, and lets the
 * aggregator finish it: alias resolution, --key selection, merging, sorting and warnings are the same code.
 */
import { CappedEvents, emptyGlobalActivity, GlobalActivity, KEY_NOT_NAMED, KeyActivity } from "../activity";
import { AggregateOptions, Aggregator } from "../aggregate";
import { isDenialErrorCode } from "../events";
import { KeySelector } from "../keys";
import { detailsOf } from "../record-fields";
import { AuditEvent, EncryptionAppliedBy, UploadEncryption, UploadRow, UsageRow } from "../report";
import { AggregateResult } from "../shape-report";
import { Section } from "./sql";

/** A result row: column name to value, as text (Athena returns every value as a string) or NULL. */
export type Row = Readonly<Record<string, string | null>>;
/** The rows of the counts and events queries, from which the aggregates are built. */
export type SectionRows = Record<Exclude<Section, "listing">, readonly Row[]>;

/** A query returned something the report cannot be built from (a missing column, a count that is not a number). */
export class UnexpectedResultError extends Error {}

function column(row: Row, name: string, section: string): string | null {
    if (!Object.hasOwn(row, name)) {
        throw new UnexpectedResultError(`${section} query: result has no column ${name}`);
    }
    return row[name];
}

function required(row: Row, name: string, section: string): string {
    const value = column(row, name, section);
    if (value === null) throw new UnexpectedResultError(`${section} query: column ${name} is NULL`);
    return value;
}

function count(row: Row, name: string, section: string): number {
    const value = required(row, name, section);
    if (!/^\d+$/.test(value)) throw new UnexpectedResultError(`${section} query: ${name} '${value}' is not a count`);
    return Number(value);
}

function parseJson(text: string | null): unknown {
    if (text === null) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function eventOf(row: Row, section: string, target: string | null): AuditEvent {
    const get = (name: string) => column(row, name, section);
    return {
        time: required(row, "event_time", section),
        eventName: get("name") ?? "",
        eventSource: get("source") ?? "",
        principal: required(row, "principal", section),
        principalType: required(row, "identity_type", section),
        via: get("via"),
        sourceIPAddress: get("source_ip"),
        region: get("aws_region"),
        account: get("recipient_account"),
        errorCode: get("error_code"),
        errorMessage: get("error_message"),
        target,
        details: detailsOf({
            requestParameters: parseJson(get("requestparameters")),
            responseElements: parseJson(get("responseelements")),
        }),
        eventId: get("event_id"),
        file: required(row, "file", section),
    };
}

/** Collects ranked rows per list, then hands each list its events and total at once. */
class RankedLists {
    private readonly lists = new Map<CappedEvents, { events: AuditEvent[]; total: number }>();

    add(list: CappedEvents, event: AuditEvent, total: number): void {
        const entry = this.lists.get(list) ?? { events: [], total };
        entry.events.push(event);
        this.lists.set(list, entry);
    }

    fill(): void {
        for (const [list, { events, total }] of this.lists) list.addRanked(events, total);
    }
}

/** The order of the SQL's first_seen: milliseconds padded to 15 digits, file, event ID. */
function readingOrderOfEvent(row: Row, section: string): string {
    const eventId = column(row, "event_id", section) ?? "";
    return `${required(row, "ms", section).padStart(15, "0")}|${required(row, "file", section)}|${eventId}`;
}

/** Rows in the order their first event was read (stable for ties). */
function inReadingOrder(rows: readonly Row[], section: string): Row[] {
    const keyed = rows.map((row) => ({ row, order: required(row, "first_seen", section) }));
    return keyed.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0)).map(({ row }) => row);
}

function ofFact(rows: SectionRows, fact: string): Row[] {
    return rows.counts.filter((row) => required(row, "fact", "counts") === fact);
}

function ofList(rows: SectionRows, lists: string[]): Row[] {
    return rows.events.filter((row) => lists.includes(required(row, "list", "events")));
}

const KMS_LISTS = ["kms-lifecycle", "kms-denied", "kms-failed"];
const GLOBAL_LISTS = ["trail", "trail-denied", "upload-denied", "upload-without-kms", "kms-unnamed-denied"];

function kmsActivity(rows: SectionRows, cap: number): Map<string, KeyActivity> {
    const keys = new Map<string, KeyActivity>();
    // Keys in the order the streaming reader would have met them: by each key's earliest event of any kind.
    const firstSeen = new Map<string, string>();
    const see = (ref: string, order: string) => {
        const known = firstSeen.get(ref);
        if (known === undefined || order < known) firstSeen.set(ref, order);
    };
    const counts = [...ofFact(rows, "kms-use"), ...ofFact(rows, "kms-error")];
    const events = ofList(rows, KMS_LISTS);
    for (const row of counts) see(required(row, "ref", "counts"), required(row, "first_seen", "counts"));
    for (const row of events) see(required(row, "ref", "events"), readingOrderOfEvent(row, "events"));
    for (const [ref] of [...firstSeen].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0)))
        keys.set(ref, new KeyActivity(cap));
    const activity = (ref: string): KeyActivity => {
        const existing = keys.get(ref) ?? new KeyActivity(cap);
        keys.set(ref, existing);
        return existing;
    };
    const section = "counts";
    for (const row of inReadingOrder(counts, section)) {
        const ref = required(row, "ref", section);
        const principal = required(row, "principal", section);
        const operation = required(row, "operation", section);
        const calls = count(row, "calls", section);
        const errorCode = column(row, "error_code", section);
        const target = activity(ref);
        if (errorCode === null) {
            const usage: UsageRow = {
                day: required(row, "day", section),
                principal,
                principalType: required(row, "identity_type", section),
                operation,
                via: column(row, "via", section),
                context: column(row, "context", section),
                calls,
            };
            target.usage.set(`${usage.day}|${principal}|${operation}|${usage.via}|${usage.context}`, usage);
        } else if (isDenialErrorCode(errorCode)) {
            target.denied.count({ category: "kms", principal, operation, target: ref }, calls);
        } else {
            target.failedByCode.set(errorCode, (target.failedByCode.get(errorCode) ?? 0) + calls);
        }
    }
    const ranked = new RankedLists();
    for (const row of events) {
        const ref = required(row, "ref", "events");
        const listName = required(row, "list", "events");
        const target = activity(ref);
        const lists: Record<string, CappedEvents> = {
            "kms-lifecycle": target.lifecycle,
            "kms-denied": target.denied.events,
            "kms-failed": target.failed,
        };
        ranked.add(lists[listName], eventOf(row, "events", ref), count(row, "total", "events"));
    }
    ranked.fill();
    return keys;
}

function aliasLinks(rows: SectionRows): Map<string, Set<string>> {
    const links = new Map<string, Set<string>>();
    for (const row of ofFact(rows, "alias-link")) {
        const alias = required(row, "alias_arn", "counts");
        links.set(alias, (links.get(alias) ?? new Set<string>()).add(required(row, "key_arn", "counts")));
    }
    return links;
}

const ENCRYPTIONS: readonly string[] = [
    "SSE-KMS",
    "DSSE-KMS",
    "SSE-S3",
    "SSE-C",
    "not recorded",
] satisfies UploadEncryption[];
const APPLIED_BY: readonly string[] = ["request", "bucket default", "not recorded"] satisfies EncryptionAppliedBy[];

function oneOf<T extends string>(value: string, allowed: readonly string[], what: string): T {
    if (!allowed.includes(value)) throw new UnexpectedResultError(`counts query: unknown ${what} '${value}'`);
    return value as T;
}

function globalActivity(rows: SectionRows, cap: number): GlobalActivity {
    const global = emptyGlobalActivity(cap);
    const section = "counts";
    const globalFacts = ["trail-denied", "upload", "upload-denied", "kms-unnamed-denied"];
    const counts = rows.counts.filter((row) => globalFacts.includes(required(row, "fact", section)));
    for (const row of inReadingOrder(counts, section)) {
        const kind = required(row, "fact", section);
        const principal = required(row, "principal", section);
        const operation = required(row, "operation", section);
        const calls = count(row, "calls", section);
        if (kind === "trail-denied") {
            const target = column(row, "trail_target", section);
            const denied = { category: "trail", principal, operation, target: target ?? "(trail not named)" } as const;
            global.trailDenied.count(denied, calls);
        } else if (kind === "kms-unnamed-denied") {
            global.keyNotNamedDenied.count({ category: "kms", principal, operation, target: KEY_NOT_NAMED }, calls);
        } else if (kind === "upload-denied") {
            const bucket = required(row, "bucket", section);
            const denied = { category: "s3-upload", principal, operation, target: `arn:aws:s3:::${bucket}` } as const;
            global.uploadDenied.count(denied, calls);
        } else if (kind === "upload") {
            const upload: UploadRow = {
                bucket: required(row, "bucket", section),
                principal,
                encryption: oneOf<UploadEncryption>(required(row, "encryption", section), ENCRYPTIONS, "encryption"),
                kmsKey: column(row, "kms_key", section),
                appliedBy: oneOf<EncryptionAppliedBy>(required(row, "applied_by", section), APPLIED_BY, "applied_by"),
                uploads: calls,
            };
            const id = `${upload.bucket}|${principal}|${upload.encryption}|${upload.kmsKey}|${upload.appliedBy}`;
            const existing = global.uploads.get(id);
            global.uploads.set(id, { ...upload, uploads: upload.uploads + (existing?.uploads ?? 0) });
            global.uploadTotal += calls;
        }
    }
    const ranked = new RankedLists();
    for (const row of ofList(rows, GLOBAL_LISTS)) {
        const listName = required(row, "list", "events");
        const total = count(row, "total", "events");
        if (listName === "trail" || listName === "trail-denied") {
            const event = eventOf(row, "events", column(row, "trail_target", "events"));
            ranked.add(listName === "trail" ? global.trail : global.trailDenied.events, event, total);
        } else if (listName === "kms-unnamed-denied") {
            ranked.add(global.keyNotNamedDenied.events, eventOf(row, "events", null), total);
        } else if (listName === "upload-denied") {
            ranked.add(
                global.uploadDenied.events,
                eventOf(row, "events", column(row, "object_target", "events")),
                total,
            );
        } else {
            const event = eventOf(row, "events", column(row, "object_target", "events"));
            event.details.encryption = required(row, "encryption", "events");
            event.details.appliedBy = required(row, "applied_by", "events");
            ranked.add(global.uploadsWithoutKms, event, total);
        }
    }
    ranked.fill();
    return global;
}

/** The record-decided part of the report from the section rows, finished by the streaming reader's own code. */
export function assembleResult(
    rows: SectionRows,
    options: AggregateOptions,
    selector: KeySelector | undefined,
): AggregateResult {
    const aggregator = Aggregator.fromActivity(
        options,
        kmsActivity(rows, options.maxEvents),
        aliasLinks(rows),
        globalActivity(rows, options.maxEvents),
    );
    return aggregator.finish(selector);
}

export interface ScanSummary {
    filesRead: number;
    recordsRead: number;
    recordsInWindow: number;
    malformedRecords: number;
    firstEventTime: string | null;
    lastEventTime: string | null;
}

/** The scan counters; no "scan" row means the partitions read held no record at all. */
export function scanSummary(rows: SectionRows): ScanSummary {
    const section = "counts";
    const scan = ofFact(rows, "scan");
    if (scan.length > 1) throw new UnexpectedResultError(`${section} query: expected one scan row, got ${scan.length}`);
    if (scan.length === 0) {
        return {
            filesRead: 0,
            recordsRead: 0,
            recordsInWindow: 0,
            malformedRecords: 0,
            firstEventTime: null,
            lastEventTime: null,
        };
    }
    const row = scan[0];
    return {
        filesRead: count(row, "files_read", section),
        recordsRead: count(row, "calls", section),
        recordsInWindow: count(row, "records_in_window", section),
        malformedRecords: count(row, "malformed_records", section),
        firstEventTime: column(row, "first_event_time", section),
        lastEventTime: column(row, "last_event_time", section),
    };
}
