import {
    CLOUDTRAIL_SOURCE,
    isDenialErrorCode,
    KEY_LIFECYCLE_EVENTS,
    KEY_USE_EVENTS,
    KMS_SOURCE,
    S3_SOURCE,
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
import { aliasLinksOf, canonicalKeyRef, isAliasArn, keyRefsOf, KeySelector, selectorMatches } from "./keys";
import { describePrincipal, Principal } from "./principal";
import { CloudTrailRecord, field, text, textField } from "./record";
import { UploadLinker } from "./upload-link";
import {
    AuditEvent,
    AuditReport,
    Count,
    DeniedCategory,
    DeniedRow,
    EncryptionAppliedBy,
    EventList,
    KeyReport,
    RecordProblem,
    UploadEncryption,
    UploadRow,
    UsageRow,
} from "./report";

/**
 * Keeps the `cap` earliest events (files are not read in time order) and counts all of them, so memory stays
 * bounded however long the window.
 */
export class CappedEvents {
    private readonly earliest: EarliestItems<AuditEvent>;
    constructor(cap: number) {
        this.earliest = new EarliestItems(cap);
    }

    get total(): number {
        return this.earliest.offered;
    }

    add(event: AuditEvent): void {
        this.earliest.offer(Date.parse(event.time), event);
    }

    /** Events ranked and capped elsewhere (the Athena queries), earliest first, and how many there were in all. */
    addRanked(events: AuditEvent[], total: number): void {
        for (const event of events) this.add(event);
        this.earliest.offered = total;
    }

    static merge(lists: CappedEvents[], cap: number): EventList {
        const shown = lists
            .flatMap((list) => list.earliest.sorted())
            .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
            .slice(0, cap);
        return { total: lists.reduce((sum, list) => sum + list.total, 0), shown };
    }
}

export class KeyActivity {
    readonly usage = new Map<string, UsageRow>();
    readonly lifecycle: CappedEvents;
    readonly failed: CappedEvents;
    readonly failedByCode = new Map<string, number>();
    readonly denied = new Map<string, DeniedRow>();
    readonly deniedEvents: CappedEvents;

    constructor(cap: number) {
        this.lifecycle = new CappedEvents(cap);
        this.failed = new CappedEvents(cap);
        this.deniedEvents = new CappedEvents(cap);
    }
}

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

/** Everything that is not about one key: trail changes and uploads. */
/** Activity not tied to one key, before any record is folded in (shared with the Athena assembly). */
export function emptyGlobalActivity(cap: number): GlobalActivity {
    return {
        trail: new CappedEvents(cap),
        trailDenied: new Map(),
        trailDeniedEvents: new CappedEvents(cap),
        uploads: new Map(),
        uploadTotal: 0,
        uploadsWithoutKms: new CappedEvents(cap),
        uploadDenied: new Map(),
        uploadDeniedEvents: new CappedEvents(cap),
        keyNotNamedDenied: new Map(),
        keyNotNamedDeniedEvents: new CappedEvents(cap),
    };
}

export interface GlobalActivity {
    trail: CappedEvents;
    trailDenied: Map<string, DeniedRow>;
    trailDeniedEvents: CappedEvents;
    uploads: Map<string, UploadRow>;
    uploadTotal: number;
    uploadsWithoutKms: CappedEvents;
    uploadDenied: Map<string, DeniedRow>;
    uploadDeniedEvents: CappedEvents;
    /** Denied KMS calls that named no key (no resources, no usable keyId): reported whatever --key says. */
    keyNotNamedDenied: Map<string, DeniedRow>;
    keyNotNamedDeniedEvents: CappedEvents;
}

/** The target of a denied KMS call that named no key. */
export const KEY_NOT_NAMED = "(key not named)";

/** The part of the report that the records decide (the rest describes the run itself). */
export type AggregateResult = Pick<AuditReport, "keys" | "denied" | "trail" | "uploads" | "events" | "warnings">;

const DETAIL_PARAMETERS = [
    "aliasName",
    "targetKeyId",
    "granteePrincipal",
    "retiringPrincipal",
    "operations",
    "grantId",
    "pendingWindowInDays",
    "policyName",
    "rotationPeriodInDays",
    "name",
    "trailName",
    "s3BucketName",
    "kmsKeyId",
    "isMultiRegionTrail",
    "includeGlobalServiceEvents",
    "enableLogFileValidation",
    "bucketName",
    "key",
];
const SELECTOR_PARAMETERS = ["eventSelectors", "advancedEventSelectors", "insightSelectors"];
const MAX_DETAIL_LENGTH = 500;

export function detailsOf(record: CloudTrailRecord): Record<string, string> {
    const details: Record<string, string> = {};
    const params = record.requestParameters;
    for (const name of DETAIL_PARAMETERS) {
        const value = field(params, name);
        if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
            details[name] = String(value);
        } else if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
            details[name] = value.join(",");
        }
    }
    for (const name of SELECTOR_PARAMETERS) {
        const value = field(params, name);
        if (value !== undefined && value !== null) details[name] = JSON.stringify(value).slice(0, MAX_DETAIL_LENGTH);
    }
    const deletionDate = textField(record.responseElements, "deletionDate");
    if (deletionDate !== undefined) details.deletionDate = deletionDate;
    return details;
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

function contextOf(record: CloudTrailRecord): string | null {
    const context = field(record.requestParameters, "encryptionContext");
    const trailArn = textField(context, "aws:cloudtrail:arn");
    if (trailArn !== undefined) return trailArn;
    const s3Arn = textField(context, "aws:s3:arn");
    if (s3Arn === undefined) return null;
    const slash = s3Arn.indexOf("/");
    return slash === -1 ? s3Arn : s3Arn.slice(0, slash);
}

function uploadEncryption(record: CloudTrailRecord): { encryption: UploadEncryption; appliedBy: EncryptionAppliedBy } {
    const applied = textField(record.additionalEventData, "SSEApplied");
    const header =
        textField(record.responseElements, "x-amz-server-side-encryption") ??
        textField(record.requestParameters, "x-amz-server-side-encryption");
    const appliedBy: EncryptionAppliedBy =
        applied === undefined
            ? header === undefined
                ? "not recorded"
                : "request"
            : applied.startsWith("Default_")
              ? "bucket default"
              : "request";
    const kind = applied?.replace(/^Default_/, "");
    if (header === "aws:kms:dsse" || kind === "DSSE_KMS") return { encryption: "DSSE-KMS", appliedBy };
    if (header === "aws:kms" || kind === "SSE_KMS") return { encryption: "SSE-KMS", appliedBy };
    if (header === "AES256" || kind === "SSE_S3") return { encryption: "SSE-S3", appliedBy };
    if (kind === "SSE_C" || textField(record.requestParameters, "x-amz-server-side-encryption-customer-algorithm")) {
        return { encryption: "SSE-C", appliedBy };
    }
    return { encryption: "not recorded", appliedBy };
}

function uploadKmsKey(record: CloudTrailRecord): string | null {
    const name = "x-amz-server-side-encryption-aws-kms-key-id";
    const reference = textField(record.responseElements, name) ?? textField(record.requestParameters, name);
    if (reference === undefined) return null;
    return canonicalKeyRef(reference, record) ?? reference;
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
        if (source === KMS_SOURCE) this.learnAliases(record);
        if (this.filtering || this.eventRows !== undefined) {
            const row = eventRowOf(record, time, file);
            if (this.linker !== undefined && this.couldServeListedUpload(row)) this.linker.note(row, timeMs);
            if (this.filtering && !matchesFilters(row, this.filters)) return;
            this.listEvent(row, timeMs);
        }
        if (source === KMS_SOURCE) this.addKmsEvent(record, eventName, time, file);
        else if (source === CLOUDTRAIL_SOURCE && TRAIL_CHANGE_EVENTS.has(eventName))
            this.addTrailEvent(record, time, file);
        else if (source === S3_SOURCE && UPLOAD_EVENTS.has(eventName)) this.addUpload(record, time, file);
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

    private summarize(
        record: CloudTrailRecord,
        principal: Principal,
        time: string,
        target: string | null,
        file: string,
    ): AuditEvent {
        return {
            time,
            eventName: text(record.eventName) ?? "",
            eventSource: text(record.eventSource) ?? "",
            principal: principal.label,
            principalType: principal.type,
            via: principal.via ?? null,
            sourceIPAddress: text(record.sourceIPAddress) ?? null,
            region: text(record.awsRegion) ?? null,
            account: text(record.recipientAccountId) ?? null,
            errorCode: text(record.errorCode) ?? null,
            errorMessage: text(record.errorMessage) ?? null,
            target,
            details: detailsOf(record),
            eventId: text(record.eventID) ?? null,
            file,
        };
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
            increment(this.global.keyNotNamedDenied, `${principal.label}|${eventName}`, () => ({
                category: "kms" as DeniedCategory,
                principal: principal.label,
                operation: eventName,
                target: KEY_NOT_NAMED,
                calls: 0,
            }));
            this.global.keyNotNamedDeniedEvents.add(this.summarize(record, principal, time, null, file));
            return;
        }
        if (!isUse && !KEY_LIFECYCLE_EVENTS.has(eventName)) return;
        for (const ref of refs) {
            const activity = this.activity(ref);
            const event = this.summarize(record, principal, time, ref, file);
            if (errorCode !== undefined && isDenialErrorCode(errorCode)) {
                increment(activity.denied, `${principal.label}|${eventName}`, () => ({
                    category: "kms" as DeniedCategory,
                    principal: principal.label,
                    operation: eventName,
                    target: ref,
                    calls: 0,
                }));
                activity.deniedEvents.add(event);
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
        const event = this.summarize(record, principal, time, target, file);
        this.global.trail.add(event);
        const errorCode = text(record.errorCode);
        if (errorCode !== undefined && isDenialErrorCode(errorCode)) {
            const operation = event.eventName;
            increment(this.global.trailDenied, `${principal.label}|${operation}|${target}`, () => ({
                category: "trail" as DeniedCategory,
                principal: principal.label,
                operation,
                target: target ?? "(trail not named)",
                calls: 0,
            }));
            this.global.trailDeniedEvents.add(event);
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
            increment(this.global.uploadDenied, `${principal.label}|${operation}|${bucket}`, () => ({
                category: "s3-upload" as DeniedCategory,
                principal: principal.label,
                operation,
                target: `arn:aws:s3:::${bucket}`,
                calls: 0,
            }));
            this.global.uploadDeniedEvents.add(this.summarize(record, principal, time, target, file));
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
            const event = this.summarize(record, principal, time, target, file);
            event.details.encryption = encryption;
            event.details.appliedBy = appliedBy;
            this.global.uploadsWithoutKms.add(event);
        }
    }

    /** Aliases tied to each key over the whole window. */
    private aliasesByKey(): Map<string, Set<string>> {
        const byKey = new Map<string, Set<string>>();
        for (const [alias, keys] of this.aliasLinks) {
            for (const key of keys) {
                const aliases = byKey.get(key) ?? new Set<string>();
                aliases.add(alias);
                byKey.set(key, aliases);
            }
        }
        return byKey;
    }

    /** Folds activity recorded under an alias into its key when the logs tie the alias to exactly one key. */
    private resolvedActivity(): Map<string, KeyActivity[]> {
        const byKey = new Map<string, KeyActivity[]>();
        for (const [ref, activity] of this.keys) {
            const linked = isAliasArn(ref) ? this.aliasLinks.get(ref) : undefined;
            const owner = linked !== undefined && linked.size === 1 ? [...linked][0] : ref;
            byKey.set(owner, [...(byKey.get(owner) ?? []), activity]);
        }
        return byKey;
    }

    finish(selector: KeySelector | undefined): AggregateResult {
        const cap = this.options.maxEvents;
        const aliasesByKey = this.aliasesByKey();
        const warnings: string[] = [];
        const keys: KeyReport[] = [];
        const resolved = this.resolvedActivity();
        for (const [ref, activities] of resolved) {
            const aliases = aliasesByKey.get(ref) ?? new Set<string>();
            if (selector !== undefined && !selectorMatches(selector, ref, aliases)) continue;
            keys.push(keyReport(ref, activities, [...aliases].sort(), cap));
            if (isAliasArn(ref)) {
                const linked = this.aliasLinks.get(ref);
                warnings.push(
                    linked === undefined
                        ? `calls named ${ref} but no record in the window ties that alias to a key; they are reported under the alias`
                        : `${ref} pointed at ${linked.size} keys in the window; calls that recorded only the alias are reported under the alias`,
                );
            }
        }
        keys.sort((a, b) => a.key.localeCompare(b.key));
        if (selector !== undefined && keys.length === 0) {
            warnings.push(
                `no KMS event in the window refers to ${selector.value}` +
                    (selector.kind.startsWith("alias")
                        ? "; an alias created before the window is only recognised from calls that name it, so try the key ARN or key ID"
                        : ""),
            );
        }

        const reportedActivity = keys.flatMap((key) => resolved.get(key.key) ?? []);
        const deniedRows = mergeDenied([
            ...reportedActivity.map((activity) => activity.denied),
            this.global.keyNotNamedDenied,
            this.global.trailDenied,
            this.global.uploadDenied,
        ]);
        const deniedEventLists = [
            ...reportedActivity.map((activity) => activity.deniedEvents),
            this.global.keyNotNamedDeniedEvents,
            this.global.trailDeniedEvents,
            this.global.uploadDeniedEvents,
        ];
        if (selector !== undefined && this.global.keyNotNamedDeniedEvents.total > 0) {
            warnings.push(
                `${this.global.keyNotNamedDeniedEvents.total} denied KMS calls named no key ` +
                    "(refused before KMS resolved one); " +
                    `they are listed as "${KEY_NOT_NAMED}" since any of them may have been aimed at ${selector.value}`,
            );
        }
        let events: AggregateResult["events"] = null;
        if (this.eventRows !== undefined) {
            const shown = this.eventRows.sorted();
            this.linker?.link(shown);
            events = { total: this.eventRows.offered, leftOut: this.eventRows.offered - shown.length, shown };
        }

        const uploadRows = [...this.global.uploads.values()].sort(
            (a, b) =>
                a.bucket.localeCompare(b.bucket) || b.uploads - a.uploads || a.principal.localeCompare(b.principal),
        );
        const auditedKeys = new Set(keys.flatMap((key) => [key.key, ...key.aliases]));
        const notUsingAuditedKey =
            selector === undefined
                ? null
                : uploadRows
                      .filter((row) => row.kmsKey === null || !auditedKeys.has(row.kmsKey))
                      .reduce((sum, row) => sum + row.uploads, 0);

        return {
            keys,
            denied: {
                total: deniedRows.reduce((sum, row) => sum + row.calls, 0),
                rows: deniedRows,
                events: CappedEvents.merge(deniedEventLists, cap),
            },
            trail: { events: CappedEvents.merge([this.global.trail], cap) },
            uploads: {
                total: this.global.uploadTotal,
                notUsingAuditedKey,
                rows: uploadRows,
                withoutKms: CappedEvents.merge([this.global.uploadsWithoutKms], cap),
            },
            events,
            warnings,
        };
    }
}

function mergeDenied(maps: Array<Map<string, DeniedRow>>): DeniedRow[] {
    const merged = new Map<string, DeniedRow>();
    for (const map of maps) {
        for (const row of map.values()) {
            const id = `${row.category}|${row.principal}|${row.operation}|${row.target}`;
            const existing = merged.get(id);
            merged.set(id, existing === undefined ? { ...row } : { ...existing, calls: existing.calls + row.calls });
        }
    }
    return [...merged.values()].sort((a, b) => b.calls - a.calls || a.principal.localeCompare(b.principal));
}

function sortedCounts(counts: Map<string, number>): Count[] {
    return [...counts.entries()]
        .map(([name, calls]) => ({ name, calls }))
        .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}

function addCount(counts: Map<string, number>, name: string, calls: number): void {
    counts.set(name, (counts.get(name) ?? 0) + calls);
}

function keyReport(ref: string, activities: KeyActivity[], aliases: string[], cap: number): KeyReport {
    const rows = new Map<string, UsageRow>();
    const failedByCode = new Map<string, number>();
    for (const activity of activities) {
        for (const [id, row] of activity.usage) {
            const existing = rows.get(id);
            rows.set(id, existing === undefined ? { ...row } : { ...existing, calls: existing.calls + row.calls });
        }
        for (const [code, calls] of activity.failedByCode) addCount(failedByCode, code, calls);
    }
    const usageRows = [...rows.values()].sort(
        (a, b) =>
            a.day.localeCompare(b.day) ||
            a.principal.localeCompare(b.principal) ||
            a.operation.localeCompare(b.operation),
    );
    const byPrincipal = new Map<string, number>();
    const byOperation = new Map<string, number>();
    const byDay = new Map<string, number>();
    for (const row of usageRows) {
        addCount(byPrincipal, row.via === null ? row.principal : `${row.principal} via ${row.via}`, row.calls);
        addCount(byOperation, row.operation, row.calls);
        addCount(byDay, row.day, row.calls);
    }
    const failedTotal = [...failedByCode.values()].reduce((sum, calls) => sum + calls, 0);
    return {
        key: ref,
        resolved: !isAliasArn(ref),
        aliases,
        usage: {
            total: usageRows.reduce((sum, row) => sum + row.calls, 0),
            byPrincipal: sortedCounts(byPrincipal),
            byOperation: sortedCounts(byOperation),
            byDay: [...byDay.entries()]
                .map(([name, calls]) => ({ name, calls }))
                .sort((a, b) => a.name.localeCompare(b.name)),
            rows: usageRows,
        },
        denied: activities.reduce((sum, activity) => sum + activity.deniedEvents.total, 0),
        failed: {
            total: failedTotal,
            byErrorCode: sortedCounts(failedByCode),
            events: CappedEvents.merge(
                activities.map((activity) => activity.failed),
                cap,
            ),
        },
        lifecycle: CappedEvents.merge(
            activities.map((activity) => activity.lifecycle),
            cap,
        ),
    };
}
