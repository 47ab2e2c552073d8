/**
 * Folds CloudTrail records, one at a time and in any order, into the bounded activity of audit/activity.ts; the
 * report is shaped from it by audit/shape-report.ts.
 */
import { emptyGlobalActivity, GlobalActivity, KEY_NOT_NAMED, KeyActivity } from "./activity";
import {
    CLOUDTRAIL_EVENT_SOURCE,
    isDenialErrorCode,
    KEY_LIFECYCLE_EVENTS,
    KEY_USE_EVENTS,
    KMS_EVENT_SOURCE,
    S3_EVENT_SOURCE,
    TRAIL_CHANGE_EVENTS,
    UPLOAD_EVENTS,
} from "./events";
import { EarliestItems } from "./earliest";
import { EventRow, eventRowOf, eventTimeMs } from "./event-row";
import {
    hasFilters,
    keyFilterKeeps,
    matchesFilters,
    NO_FILTERS,
    objectMatches,
    principalMatches,
    SearchFilters,
} from "./filters";
import { aliasLinksOf, keyRefsOf, KeySelector } from "./keys";
import { describePrincipal } from "./principal";
import { CloudTrailRecord, text, textField } from "./record";
import { auditEventOf, contextOf, uploadEncryption, uploadKmsKey } from "./record-fields";
import { RecordProblem } from "./report";
import { AggregateResult, shapeResult } from "./shape-report";
import { UploadLinker } from "./upload-link";

export interface AggregateOptions {
    since?: Date;
    until?: Date;
    bucket?: string;
    maxEvents: number;
    /** Search filters: only matching records are counted and listed. */
    filters?: SearchFilters;
    /** --key, used while listing events (the aggregates apply it at the end). */
    key?: KeySelector;
    /** --events: keep the earliest matching event rows. */
    listEvents?: boolean;
}

/** How many record problems the report names one by one; all are counted. */
export const RECORD_PROBLEMS_SHOWN = 50;
/** Candidate KMS calls kept for tying uploads to them: a multiple of --max-events, within these bounds. */
const LINK_CANDIDATES_MIN = 10_000;
const LINK_CANDIDATES_MAX = 200_000;

export interface RecordCounts {
    recordsRead: number;
    recordsInWindow: number;
    malformedRecords: number;
    firstEventTime: string | null;
    lastEventTime: string | null;
    /** The first RECORD_PROBLEMS_SHOWN malformed records: file and what was wrong. */
    recordProblems: RecordProblem[];
}

function increment<T extends { calls: number } | { uploads: number }>(
    map: Map<string, T>,
    key: string,
    create: () => T,
): void {
    const row = map.get(key) ?? create();
    if ("calls" in row) row.calls += 1;
    else row.uploads += 1;
    map.set(key, row);
}

/**
 * Folds CloudTrail records into bounded aggregates. Key activity is kept per key (or per alias when a call named
 * an alias and recorded no key ARN), so the --key filter, including aliases learned anywhere in the window, is
 * applied once at the end and the logs are read only once.
 */
export class Aggregator {
    private readonly keys = new Map<string, KeyActivity>();
    private readonly aliasLinks = new Map<string, Set<string>>();
    private readonly global: GlobalActivity;
    /** The reverse of aliasLinks, kept as links are learned, for --key while listing events. */
    private readonly aliasesOfKey = new Map<string, Set<string>>();
    private readonly sinceMs: number | undefined;
    private readonly untilMs: number | undefined;
    private firstMs = Infinity;
    private lastMs = -Infinity;
    private readonly filters: SearchFilters;
    private readonly filtering: boolean;
    private readonly eventRows: EarliestItems<EventRow> | undefined;
    private readonly linker: UploadLinker | undefined;
    readonly counts: RecordCounts = {
        recordsRead: 0,
        recordsInWindow: 0,
        malformedRecords: 0,
        firstEventTime: null,
        lastEventTime: null,
        recordProblems: [],
    };

    constructor(private readonly options: AggregateOptions) {
        const cap = options.maxEvents;
        this.sinceMs = options.since?.getTime();
        this.untilMs = options.until?.getTime();
        this.filters = options.filters ?? NO_FILTERS;
        this.filtering = hasFilters(this.filters);
        if (options.listEvents === true) {
            this.eventRows = new EarliestItems(cap);
            this.linker = new UploadLinker(Math.min(LINK_CANDIDATES_MAX, Math.max(LINK_CANDIDATES_MIN, 4 * cap)));
        }
        this.global = emptyGlobalActivity(cap);
    }

    /**
     * An aggregator holding activity that was aggregated elsewhere (by the Athena queries, audit/athena/), so that
     * finish() turns it into the report exactly as it does for the streaming reader.
     */
    static fromActivity(
        options: AggregateOptions,
        keys: ReadonlyMap<string, KeyActivity>,
        aliasLinks: ReadonlyMap<string, ReadonlySet<string>>,
        global: GlobalActivity,
    ): Aggregator {
        const aggregator = new Aggregator(options);
        for (const [ref, activity] of keys) aggregator.keys.set(ref, activity);
        for (const [alias, linked] of aliasLinks) aggregator.aliasLinks.set(alias, new Set(linked));
        Object.assign(aggregator.global, global);
        return aggregator;
    }

    /** A record that could not be used: counted, and named in the report while there is room. */
    addProblem(file: string, reason: string): void {
        this.counts.recordsRead += 1;
        this.noteMalformed(file, reason);
    }

    private noteMalformed(file: string, reason: string): void {
        this.counts.malformedRecords += 1;
        if (this.counts.recordProblems.length < RECORD_PROBLEMS_SHOWN)
            this.counts.recordProblems.push({ file, reason });
    }

    add(raw: unknown, file: string): void {
        this.counts.recordsRead += 1;
        if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
            const kind = Array.isArray(raw) ? "an array" : raw === null ? "null" : typeof raw;
            this.noteMalformed(file, `a record is ${kind}, not an object`);
            return;
        }
        const record = raw as CloudTrailRecord;
        const timeMs = eventTimeMs(record.eventTime);
        if (timeMs === undefined) {
            const shown = JSON.stringify(record.eventTime ?? null).slice(0, 60);
            this.noteMalformed(file, `eventTime ${shown} is not an ISO 8601 UTC time (YYYY-MM-DDThh:mm:ssZ)`);
            return;
        }
        const time = record.eventTime as string;
        if (this.sinceMs !== undefined && timeMs < this.sinceMs) return;
        if (this.untilMs !== undefined && timeMs >= this.untilMs) return;
        this.counts.recordsInWindow += 1;
        if (timeMs < this.firstMs) {
            this.firstMs = timeMs;
            this.counts.firstEventTime = time;
        }
        if (timeMs > this.lastMs) {
            this.lastMs = timeMs;
            this.counts.lastEventTime = time;
        }

        const source = text(record.eventSource);
        const eventName = text(record.eventName);
        if (eventName === undefined) return;
        // Alias links are learned from every record, so a filter never hides which key an alias names.
        if (source === KMS_EVENT_SOURCE) this.learnAliases(record);
        if (this.filtering || this.eventRows !== undefined) {
            const row = eventRowOf(record, time, file);
            if (this.linker !== undefined && this.couldServeListedUpload(row)) this.linker.note(row, timeMs);
            if (this.filtering && !matchesFilters(row, this.filters)) return;
            this.listEvent(row, timeMs);
        }
        if (source === KMS_EVENT_SOURCE) this.addKmsEvent(record, eventName, time, file);
        else if (source === CLOUDTRAIL_EVENT_SOURCE && TRAIL_CHANGE_EVENTS.has(eventName))
            this.addTrailEvent(record, time, file);
        else if (source === S3_EVENT_SOURCE && UPLOAD_EVENTS.has(eventName)) this.addUpload(record, time, file);
    }

    /**
     * The KMS call behind a listed upload may itself be filtered out (--event PutObject), so candidates are taken
     * before filtering, narrowed only by the filters an upload and its KMS call share (principal and object).
     */
    private couldServeListedUpload(row: EventRow): boolean {
        if (this.filters.principal !== null && !principalMatches(row, this.filters.principal)) return false;
        return this.filters.object === null || objectMatches(row, this.filters.object);
    }

    private listEvent(row: EventRow, timeMs: number): void {
        if (this.eventRows === undefined) return;
        if (this.options.bucket !== undefined && row.bucket !== null && row.bucket !== this.options.bucket) return;
        const selector = this.options.key;
        const aliasesOf = (ref: string): ReadonlySet<string> => this.aliasesOfKey.get(ref) ?? new Set();
        if (selector !== undefined && !keyFilterKeeps(row, selector, aliasesOf)) return;
        this.eventRows.offer(timeMs, row);
    }

    private learnAliases(record: CloudTrailRecord): void {
        for (const link of aliasLinksOf(record)) {
            const keys = this.aliasLinks.get(link.aliasArn) ?? new Set<string>();
            keys.add(link.keyArn);
            this.aliasLinks.set(link.aliasArn, keys);
            const aliases = this.aliasesOfKey.get(link.keyArn) ?? new Set<string>();
            aliases.add(link.aliasArn);
            this.aliasesOfKey.set(link.keyArn, aliases);
        }
    }

    private activity(ref: string): KeyActivity {
        let activity = this.keys.get(ref);
        if (activity === undefined) {
            activity = new KeyActivity(this.options.maxEvents);
            this.keys.set(ref, activity);
        }
        return activity;
    }

    private addKmsEvent(record: CloudTrailRecord, eventName: string, time: string, file: string): void {
        const isUse = KEY_USE_EVENTS.has(eventName);
        const errorCode = text(record.errorCode);
        const denied = errorCode !== undefined && isDenialErrorCode(errorCode);
        if (!isUse && !KEY_LIFECYCLE_EVENTS.has(eventName) && !denied) return;
        const principal = describePrincipal(record);
        const refs = keyRefsOf(record);
        if (refs.length === 0 && denied) {
            // A refusal before KMS resolved any key (no resources, no usable keyId): it may have been aimed at any key.
            this.global.keyNotNamedDenied.add(
                { category: "kms", principal: principal.label, operation: eventName, target: KEY_NOT_NAMED },
                auditEventOf(record, principal, time, null, file),
            );
            return;
        }
        if (!isUse && !KEY_LIFECYCLE_EVENTS.has(eventName)) return;
        for (const ref of refs) {
            const activity = this.activity(ref);
            const event = auditEventOf(record, principal, time, ref, file);
            if (errorCode !== undefined && isDenialErrorCode(errorCode)) {
                activity.denied.add(
                    { category: "kms", principal: principal.label, operation: eventName, target: ref },
                    event,
                );
            } else if (errorCode !== undefined) {
                activity.failedByCode.set(errorCode, (activity.failedByCode.get(errorCode) ?? 0) + 1);
                activity.failed.add(event);
            } else if (isUse) {
                const day = time.slice(0, 10);
                const via = principal.via ?? null;
                const context = contextOf(record);
                increment(activity.usage, `${day}|${principal.label}|${eventName}|${via}|${context}`, () => ({
                    day,
                    principal: principal.label,
                    principalType: principal.type,
                    operation: eventName,
                    via,
                    context,
                    calls: 0,
                }));
            }
            if (!isUse) activity.lifecycle.add(event);
        }
    }

    private addTrailEvent(record: CloudTrailRecord, time: string, file: string): void {
        const principal = describePrincipal(record);
        const target =
            textField(record.requestParameters, "name") ?? textField(record.requestParameters, "trailName") ?? null;
        const event = auditEventOf(record, principal, time, target, file);
        this.global.trail.add(event);
        const errorCode = text(record.errorCode);
        if (errorCode !== undefined && isDenialErrorCode(errorCode)) {
            const operation = event.eventName;
            this.global.trailDenied.add(
                { category: "trail", principal: principal.label, operation, target: target ?? "(trail not named)" },
                event,
            );
        }
    }

    private addUpload(record: CloudTrailRecord, time: string, file: string): void {
        const bucket = textField(record.requestParameters, "bucketName");
        if (bucket === undefined || (this.options.bucket !== undefined && bucket !== this.options.bucket)) return;
        const objectKey = textField(record.requestParameters, "key");
        const target = objectKey === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${objectKey}`;
        const principal = describePrincipal(record);
        const errorCode = text(record.errorCode);
        if (errorCode !== undefined) {
            if (!isDenialErrorCode(errorCode)) return;
            const operation = text(record.eventName) ?? "";
            this.global.uploadDenied.add(
                { category: "s3-upload", principal: principal.label, operation, target: `arn:aws:s3:::${bucket}` },
                auditEventOf(record, principal, time, target, file),
            );
            return;
        }
        const { encryption, appliedBy } = uploadEncryption(record);
        const kmsKey = encryption === "SSE-KMS" || encryption === "DSSE-KMS" ? uploadKmsKey(record) : null;
        this.global.uploadTotal += 1;
        increment(this.global.uploads, `${bucket}|${principal.label}|${encryption}|${kmsKey}|${appliedBy}`, () => ({
            bucket,
            principal: principal.label,
            encryption,
            kmsKey,
            appliedBy,
            uploads: 0,
        }));
        if (kmsKey === null) {
            const event = auditEventOf(record, principal, time, target, file);
            event.details.encryption = encryption;
            event.details.appliedBy = appliedBy;
            this.global.uploadsWithoutKms.add(event);
        }
    }

    finish(selector: KeySelector | undefined): AggregateResult {
        const { keys, aliasLinks, global, eventRows, linker } = this;
        return shapeResult({ keys, aliasLinks, global, eventRows, linker }, selector, this.options.maxEvents);
    }
}
