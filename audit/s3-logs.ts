/**
 * CloudTrail log files in an S3 bucket (--logs s3://bucket/prefix): listed page by page, date folders outside the
 * window jumped over, every call under a deadline. The local folder walk and the shared window rules are in
 * audit/sources.ts.
 */
import { Readable } from "stream";
import type { S3Client } from "@aws-sdk/client-s3";
import {
    deliveredInWindow,
    isLogFileName,
    LogFile,
    NOT_LOG_FOLDERS,
    periodOverlapsWindow,
    TimeWindow,
    WalkStats,
} from "./sources";

const DATE_FOLDER = /^(.*\/CloudTrail\/[^/]+\/)(\d{4})\/(\d{2})\/(\d{2})\//;
/** Sorts after every YYYY/MM/DD folder, so listing resumes after the region's last date. */
const PAST_ALL_DATES = "9999";

function datePath(time: number): string {
    return new Date(time).toISOString().slice(0, 10).replace(/-/g, "/");
}

/**
 * Where to resume listing when a key lies in a date folder outside the window, or undefined to keep the key.
 * Keys are listed in order, so one restart with StartAfter skips every object of the region before (or after)
 * the window instead of listing them page by page.
 */
export function resumeAfter(key: string, window: TimeWindow): string | undefined {
    const match = DATE_FOLDER.exec(key);
    if (match === null) return undefined;
    const [, regionFolder, y, m, d] = match;
    const start = Date.UTC(Number(y), Number(m) - 1, Number(d));
    if (periodOverlapsWindow(start, start + 24 * 60 * 60 * 1000, window)) return undefined;
    if (window.since !== undefined && start < window.since.getTime())
        return regionFolder + datePath(window.since.getTime());
    return regionFolder + PAST_ALL_DATES;
}

/**
 * Lists the keys under the prefix page by page (ListObjectsV2 continuation), never holding more than a page,
 * and jumps over date folders outside the window with StartAfter.
 */
async function* listBucket(
    client: S3Client,
    bucket: string,
    prefix: string,
    window: TimeWindow,
    stats: WalkStats,
    timeoutMs: number,
): AsyncGenerator<string> {
    const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
    let startAfter: string | undefined;
    let token: string | undefined;
    for (;;) {
        const position =
            token === undefined
                ? startAfter === undefined
                    ? {}
                    : { StartAfter: startAfter }
                : { ContinuationToken: token };
        const page = await withDeadline(timeoutMs, (abortSignal) =>
            client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...position }), { abortSignal }),
        );
        let restart: string | undefined;
        for (const object of page.Contents ?? []) {
            const key = object.Key;
            if (key === undefined) continue;
            restart = resumeAfter(key, window);
            if (restart !== undefined) break;
            yield key;
        }
        if (restart !== undefined) {
            stats.directoriesSkippedByDate += 1;
            startAfter = restart;
            token = undefined;
            continue;
        }
        if (!page.IsTruncated || page.NextContinuationToken === undefined) return;
        token = page.NextContinuationToken;
    }
}

function openObject(client: S3Client, bucket: string, timeoutMs: number): (key: string) => Promise<Readable> {
    return async (key: string) => {
        const { GetObjectCommand } = await import("@aws-sdk/client-s3");
        const response = await withDeadline(timeoutMs, (abortSignal) =>
            client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }),
        );
        if (!(response.Body instanceof Readable)) throw new Error("S3 returned no readable body");
        return response.Body;
    };
}

export async function* walkBucket(
    client: S3Client,
    bucket: string,
    prefix: string,
    window: TimeWindow,
    stats: WalkStats,
    timeoutMs: number,
): AsyncGenerator<LogFile> {
    const open = openObject(client, bucket, timeoutMs);
    for await (const key of listBucket(client, bucket, prefix, window, stats, timeoutMs)) {
        const segments = key.split("/");
        const name = segments[segments.length - 1];
        if (!isLogFileName(name) || segments.some((segment) => NOT_LOG_FOLDERS.has(segment))) continue;
        stats.logFilesFound += 1;
        if (!deliveredInWindow(name, window)) {
            stats.filesSkippedByDate += 1;
            continue;
        }
        yield { name: `s3://${bucket}/${key}`, open: () => open(key) };
    }
}

/** The SDK's default attempts per call (standard retry mode); a call's overall deadline allows for all of them. */
const DEFAULT_ATTEMPTS = 3;

/** A thrown S3 call that ran out of time, with the deadline in its message. */
export class S3TimeoutError extends Error {}

/**
 * Runs one S3 call (all its retries) under an overall deadline. The deadline ends when the call returns, so it
 * never cuts a long body download short: the socket inactivity timeout guards the body instead.
 */
async function withDeadline<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const deadlineMs = timeoutMs * DEFAULT_ATTEMPTS;
    const timer = setTimeout(() => controller.abort(), deadlineMs);
    try {
        return await call(controller.signal);
    } catch (error) {
        const name = (error as { name?: unknown }).name;
        if (controller.signal.aborted || name === "TimeoutError" || name === "AbortError") {
            throw new S3TimeoutError(
                `S3 did not answer in time (${timeoutMs / 1000} s per attempt, ${deadlineMs / 1000} s per call; ` +
                    `set with --s3-timeout): ${(error as Error).message}`,
            );
        }
        throw error;
    } finally {
        clearTimeout(timer);
    }
}

/**
 * The S3 client from the SDK's default chains: credentials, region (AWS_REGION or the shared config) and endpoint
 * (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, read by the SDK itself). With a custom endpoint, path-style addressing
 * is used, since S3-compatible servers on a plain host name cannot serve bucket subdomains.
 *
 * Every call has a deadline (@smithy/node-http-handler 4.x, dist-cjs/index.js): connectionTimeout bounds the TCP
 * connect; requestTimeout bounds the wait for response headers, and is only a warning unless throwOnRequestTimeout
 * is set; socketTimeout bounds inactivity on the socket, which also covers a body that stops mid-file. On top,
 * each send() gets an abortSignal for all its attempts together.
 */
export async function defaultS3Client(timeoutMs: number): Promise<S3Client> {
    const { S3Client } = await import("@aws-sdk/client-s3");
    const customEndpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    return new S3Client({
        forcePathStyle: customEndpoint !== undefined && customEndpoint !== "",
        requestHandler: {
            connectionTimeout: timeoutMs,
            requestTimeout: timeoutMs,
            throwOnRequestTimeout: true,
            socketTimeout: timeoutMs,
        },
    });
}
