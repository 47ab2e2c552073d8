/** The audit report. Its JSON form is specified by audit/report-schema.json (schemaVersion 1). */
import type { EventRow } from "./event-row";
import type { describeFilters } from "./filters";

export interface AuditEvent {
    time: string;
    eventName: string;
    eventSource: string;
    principal: string;
    principalType: string;
    via: string | null;
    sourceIPAddress: string | null;
    region: string | null;
    account: string | null;
    errorCode: string | null;
    errorMessage: string | null;
    /** The key ARN, trail name or object ARN the call was about. */
    target: string | null;
    /** Selected request parameters that explain the change (grantee, deletion window, trail settings...). */
    details: Record<string, string>;
    eventId: string | null;
    file: string;
}

/** A list capped at --max-events (earliest first); total counts every event, shown or not. */
export interface EventList {
    total: number;
    shown: AuditEvent[];
}

export interface Count {
    name: string;
    calls: number;
}

export interface UsageRow {
    day: string;
    principal: string;
    principalType: string;
    operation: string;
    via: string | null;
    /** The trail ARN or bucket ARN from the encryption context, when a service used the key for one. */
    context: string | null;
    calls: number;
}

export interface KeyReport {
    /** The key ARN; an alias ARN when calls named an alias that the logs never tie to exactly one key. */
    key: string;
    resolved: boolean;
    aliases: string[];
    usage: {
        total: number;
        byPrincipal: Count[];
        byOperation: Count[];
        byDay: Count[];
        rows: UsageRow[];
    };
    denied: number;
    failed: { total: number; byErrorCode: Count[]; events: EventList };
    lifecycle: EventList;
}

export type DeniedCategory = "kms" | "trail" | "s3-upload";

export interface DeniedRow {
    category: DeniedCategory;
    principal: string;
    operation: string;
    target: string;
    calls: number;
}

export type UploadEncryption = "SSE-KMS" | "DSSE-KMS" | "SSE-S3" | "SSE-C" | "not recorded";
export type EncryptionAppliedBy = "request" | "bucket default" | "not recorded";

export interface UploadRow {
    bucket: string;
    principal: string;
    encryption: UploadEncryption;
    kmsKey: string | null;
    appliedBy: EncryptionAppliedBy;
    uploads: number;
}

export interface UnreadableFile {
    file: string;
    reason: string;
}

/** A record that could not be used (not an object, bad eventTime, too deep, too large, not JSON). */
export interface RecordProblem {
    file: string;
    reason: string;
}

/** A folder entry that was not opened (FIFO, socket, device, symbolic link loop), and why. */
export interface SkippedEntry {
    path: string;
    reason: string;
}

/** --events: the earliest matching events, at most --max-events; leftOut = total - shown.length. */
export interface EventListing {
    total: number;
    leftOut: number;
    shown: EventRow[];
}

export interface AuditReport {
    schemaVersion: 1;
    generatedAt: string;
    source: string;
    filters: { key: string | null; since: string | null; until: string | null; bucket: string | null } & ReturnType<
        typeof describeFilters
    >;
    scan: {
        filesRead: number;
        bytesRead: number;
        recordsRead: number;
        recordsInWindow: number;
        malformedRecords: number;
        directoriesSkippedByDate: number;
        filesSkippedByDate: number;
        firstEventTime: string | null;
        lastEventTime: string | null;
        /** Files and folders that could not be read: non-empty means exit code 3. */
        unreadableFiles: UnreadableFile[];
        /** The first malformed records, by file (malformedRecords counts all). */
        recordProblems: RecordProblem[];
        /** Entries never opened because they cannot be log files CloudTrail delivered. */
        skippedEntries: SkippedEntry[];
        /** Log files found at the location, read or skipped by date: zero means an empty folder or prefix. */
        logFilesFound: number;
    };
    keys: KeyReport[];
    denied: { total: number; rows: DeniedRow[]; events: EventList };
    trail: { events: EventList };
    uploads: {
        total: number;
        /** Uploads not encrypted with SSE-KMS under one of the reported keys; null when no --key was given. */
        notUsingAuditedKey: number | null;
        rows: UploadRow[];
        /** Uploads without KMS encryption (SSE-S3, SSE-C or none recorded). */
        withoutKms: EventList;
    };
    /** null unless --events was given. */
    events: EventListing | null;
    warnings: string[];
}
