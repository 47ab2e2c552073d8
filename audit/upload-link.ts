/**
 * Ties an S3 upload data event to the KMS GenerateDataKey call that served it, where CloudTrail allows it.
 *
 * With SSE-KMS, S3 calls KMS with the caller's identity (userIdentity of the uploader, invokedBy
 * s3.amazonaws.com) and puts aws:s3:arn in the encryption context: the object ARN without an S3 Bucket Key, the
 * bucket ARN with one
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context).
 * With a Bucket Key, S3 asks KMS for a bucket-level key once for a time-limited period and derives object keys
 * from it without calling KMS (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html), so no KMS
 * call names the object and none can be tied to one upload: the link then says so.
 */
import { EarliestItems } from "./earliest";
import { EventRow, KmsLink } from "./event-row";
import { KMS_EVENT_SOURCE, S3_EVENT_SOURCE, UPLOAD_EVENTS } from "./events";

/** S3 calls KMS while it handles the request, so the two eventTimes (to the second) are this close or closer. */
export const LINK_WINDOW_MS = 60_000;
const S3_SERVICE = "s3.amazonaws.com";
const DATA_KEY_EVENTS = new Set(["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"]);

interface DataKeyCall {
    timeMs: number;
    time: string;
    principal: string;
    contextArn: string;
    eventId: string | null;
    file: string;
}

/** A successful upload that recorded an SSE-KMS key: the events that should have a KMS call behind them. */
export function isKmsUpload(row: EventRow): boolean {
    return (
        row.eventSource === S3_EVENT_SOURCE &&
        UPLOAD_EVENTS.has(row.eventName) &&
        row.errorCode === null &&
        row.keys.length > 0
    );
}

function isS3DataKeyCall(row: EventRow): boolean {
    return (
        row.eventSource === KMS_EVENT_SOURCE &&
        DATA_KEY_EVENTS.has(row.eventName) &&
        row.errorCode === null &&
        row.invokedBy === S3_SERVICE &&
        row.encryptionContext["aws:s3:arn"] !== undefined
    );
}

/**
 * Collects the earliest S3 data key calls (bounded, like the event listing, so the calls near the earliest uploads
 * are the ones kept) and links the listed uploads to them at the end.
 */
export class UploadLinker {
    private readonly calls: EarliestItems<DataKeyCall>;

    constructor(capacity: number) {
        this.calls = new EarliestItems(capacity);
    }

    note(row: EventRow, timeMs: number): void {
        if (!isS3DataKeyCall(row)) return;
        this.calls.offer(timeMs, {
            timeMs,
            time: row.time,
            principal: row.principal,
            contextArn: row.encryptionContext["aws:s3:arn"],
            eventId: row.eventId,
            file: row.file,
        });
    }

    /** Sets kmsCall on every SSE-KMS upload among the rows. */
    link(rows: EventRow[]): void {
        const byContext = new Map<string, DataKeyCall[]>();
        for (const call of this.calls.sorted()) {
            const list = byContext.get(call.contextArn) ?? [];
            list.push(call);
            byContext.set(call.contextArn, list);
        }
        const cutoff = this.calls.cutoffMs();
        for (const row of rows) {
            if (!isKmsUpload(row) || row.bucket === null) continue;
            const timeMs = Date.parse(row.time);
            const near = (arn: string): DataKeyCall | undefined =>
                closest(byContext.get(arn) ?? [], row.principal, timeMs);
            const objectCall = row.objectKey === null ? undefined : near(`arn:aws:s3:::${row.bucket}/${row.objectKey}`);
            const bucketCall = objectCall === undefined ? near(`arn:aws:s3:::${row.bucket}`) : undefined;
            row.kmsCall = linkFor(
                row,
                objectCall,
                bucketCall,
                cutoff !== undefined && cutoff < timeMs + LINK_WINDOW_MS,
            );
        }
    }
}

function closest(calls: DataKeyCall[], principal: string, timeMs: number): DataKeyCall | undefined {
    let best: DataKeyCall | undefined;
    for (const call of calls) {
        const distance = Math.abs(call.timeMs - timeMs);
        if (call.principal !== principal || distance > LINK_WINDOW_MS) continue;
        if (best === undefined || distance < Math.abs(best.timeMs - timeMs)) best = call;
    }
    return best;
}

function linkFor(
    row: EventRow,
    objectCall: DataKeyCall | undefined,
    bucketCall: DataKeyCall | undefined,
    indexFull: boolean,
): KmsLink {
    const seconds = LINK_WINDOW_MS / 1000;
    if (objectCall !== undefined) {
        return {
            status: "tied",
            eventId: objectCall.eventId,
            time: objectCall.time,
            file: objectCall.file,
            note:
                "GenerateDataKey by the same principal via s3.amazonaws.com, " +
                "encryption context aws:s3:arn = this object",
        };
    }
    if (bucketCall !== undefined || row.bucketKey === true) {
        return {
            status: "bucket key",
            eventId: null,
            time: null,
            file: null,
            note:
                "the upload used an S3 Bucket Key: S3 calls KMS for the bucket, not per object, " +
                "so no KMS call can be tied to this upload" +
                (bucketCall === undefined
                    ? ""
                    : ` (a bucket-level GenerateDataKey by the same principal at ${bucketCall.time})`),
        };
    }
    return {
        status: "not found",
        eventId: null,
        time: null,
        file: null,
        note:
            `no GenerateDataKey naming this object by the same principal within ${seconds} s in the logs read` +
            (indexFull ? "; the index of KMS calls was full (raise --max-events or narrow the window)" : ""),
    };
}
