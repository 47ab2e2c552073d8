/**
 * --events on Athena: each listed row is rebuilt from its raw record fields by the streaming reader's own
 * eventRowOf (audit/event-row.ts), and uploads are tied to their KMS calls by its UploadLinker
 * (audit/upload-link.ts), fed the candidate calls a bounded query returns.
 */
import { EventRow, eventRowOf } from "../event-row";
import { CloudTrailRecord } from "../record";
import { EventListing } from "../report";
import { isKmsUpload, LINK_WINDOW_MS, UploadLinker } from "../upload-link";
import { Row, UnexpectedResultError } from "./assemble";

function value(row: Row, name: string): string | null {
    if (!Object.hasOwn(row, name)) {
        throw new UnexpectedResultError(`listing query: result has no column ${name}`);
    }
    return row[name];
}

function json(text: string | null): unknown {
    if (text === null) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** The record as far as the event row reads it; NULL columns are absent fields. */
export function recordOfRow(row: Row): CloudTrailRecord {
    const arns = value(row, "resource_arns");
    return {
        eventTime: value(row, "event_time_raw"),
        userIdentity: {
            type: value(row, "identity_type_raw"),
            arn: value(row, "identity_arn_raw"),
            principalId: value(row, "principal_id_raw"),
            accountId: value(row, "identity_account_raw"),
            invokedBy: value(row, "invoked_by_raw"),
            userName: value(row, "user_name_raw"),
            sessionContext: {
                sessionIssuer: { arn: value(row, "issuer_arn_raw"), userName: value(row, "issuer_user_name_raw") },
            },
        },
        eventSource: value(row, "event_source_raw"),
        eventName: value(row, "event_name_raw"),
        awsRegion: value(row, "aws_region_raw"),
        sourceIPAddress: value(row, "source_ip_raw"),
        userAgent: value(row, "user_agent_raw"),
        errorCode: value(row, "error_code_raw"),
        errorMessage: value(row, "error_message_raw"),
        recipientAccountId: value(row, "recipient_account_raw"),
        eventID: value(row, "event_id_raw"),
        requestParameters: json(value(row, "requestparameters")),
        responseElements: json(value(row, "responseelements")),
        additionalEventData: json(value(row, "additionaleventdata")),
        resources: arns === null || arns === "" ? [] : arns.split(" ").map((arn) => ({ ARN: arn })),
    };
}

function eventRowOfRow(row: Row): EventRow {
    const time = value(row, "event_time_raw");
    const file = value(row, "file");
    if (time === null || file === null)
        throw new UnexpectedResultError("listing query: a row without eventtime or file");
    return eventRowOf(recordOfRow(row), time, file);
}

/** The listing from the ranked rows (each carrying the number of matching events). */
export function eventListing(rows: readonly Row[]): EventListing {
    const shown = rows.map(eventRowOfRow);
    const total = rows.length === 0 ? 0 : Number(value(rows[0], "total"));
    return { total, leftOut: total - shown.length, shown };
}

/** What the candidate query must cover: the listed SSE-KMS uploads' object and bucket ARNs, and their times. */
export function uploadsToLink(
    shown: readonly EventRow[],
): { contextArns: string[]; fromMs: number; toMs: number } | undefined {
    const uploads = shown.filter((row) => isKmsUpload(row) && row.bucket !== null);
    if (uploads.length === 0) return undefined;
    const arns = new Set<string>();
    const times = uploads.map((row) => Date.parse(row.time));
    for (const row of uploads) {
        arns.add(`arn:aws:s3:::${row.bucket}`);
        if (row.objectKey !== null) arns.add(`arn:aws:s3:::${row.bucket}/${row.objectKey}`);
    }
    return {
        contextArns: [...arns].sort(),
        fromMs: Math.min(...times) - LINK_WINDOW_MS,
        toMs: Math.max(...times) + LINK_WINDOW_MS,
    };
}

/** Ties the listed uploads to the candidate calls; the linker holds every candidate, so none is dropped. */
export function linkUploads(shown: EventRow[], candidates: readonly Row[]): void {
    const linker = new UploadLinker(candidates.length + 1);
    for (const row of candidates) {
        const candidate = eventRowOfRow(row);
        linker.note(candidate, Date.parse(candidate.time));
    }
    linker.link(shown);
}
