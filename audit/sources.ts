import { createReadStream, promises as fs, Stats } from "fs";
import * as path from "path";
import { Readable } from "stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { AthenaLocation } from "./athena/location";

/** Log files, as given to --logs. */
export type LogFileLocation = { kind: "directory"; path: string } | { kind: "s3"; bucket: string; prefix: string };
/** Where the records are: log files (--logs) or the Athena table (--athena). */
export type LogLocation = LogFileLocation | AthenaLocation;

export interface LogFile {
    /** How the report names the file: its path below the --logs folder, or its s3:// URL. */
    name: string;
    open(): Promise<Readable>;
}

export interface TimeWindow {
    since?: Date;
    until?: Date;
}

/** A folder entry that was not read, and why. */
export interface SkippedEntry {
    path: string;
    reason: string;
}

export interface WalkStats {
    directoriesSkippedByDate: number;
    filesSkippedByDate: number;
    /** Files with a log file name found, read or skipped by date: zero means the location holds no logs at all. */
    logFilesFound: number;
    /** Folders that could not be listed and links to log files that lead nowhere: the report misses them. */
    unlistable: SkippedEntry[];
    /** FIFOs, sockets, devices and symbolic link loops: never opened, since none can be a delivered log file. */
    skipped: SkippedEntry[];
}

export function emptyWalkStats(): WalkStats {
    return { directoriesSkippedByDate: 0, filesSkippedByDate: 0, logFilesFound: 0, unlistable: [], skipped: [] };
}

/**
 * CloudTrail names a file after its delivery time and files it under that day, and a file holds events from
 * before it was delivered (usually minutes, not guaranteed). So a folder or file is skipped only when it was
 * delivered before the window started, or more than this margin after the window ended.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
export const DELIVERY_MARGIN_MS = 24 * 60 * 60 * 1000;

const YEAR = /^(19|20)\d\d$/;
const MONTH = /^(0[1-9]|1[0-2])$/;
const DAY = /^(0[1-9]|[12]\d|3[01])$/;
const DELIVERY_TIME = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/;
/** CloudTrail writes digest and Insights files beside the logs; neither holds API call records. */
const NOT_LOG_FOLDERS = new Set(["CloudTrail-Digest", "CloudTrail-Insight"]);

/**
 * The delivery period a CloudTrail date folder covers, from the trailing ".../CloudTrail/<region>/YYYY[/MM[/DD]]"
 * segments; undefined for any other folder.
 */
export function folderPeriod(segments: string[]): { start: number; end: number } | undefined {
    const n = segments.length;
    const at = (offset: number): string => segments[n - 1 - offset] ?? "";
    if (DAY.test(at(0)) && MONTH.test(at(1)) && YEAR.test(at(2)) && at(4) === "CloudTrail") {
        const start = Date.UTC(Number(at(2)), Number(at(1)) - 1, Number(at(0)));
        return { start, end: start + 24 * 60 * 60 * 1000 };
    }
    if (MONTH.test(at(0)) && YEAR.test(at(1)) && at(3) === "CloudTrail") {
        const year = Number(at(1));
        const month = Number(at(0)) - 1;
        return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
    }
    if (YEAR.test(at(0)) && at(2) === "CloudTrail") {
        const year = Number(at(0));
        return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
    }
    return undefined;
}

/** Delivery time from a CloudTrail file name (Account_CloudTrail_Region_YYYYMMDDTHHmmZ_Unique.json.gz). */
export function deliveryTime(fileName: string): number | undefined {
    const match = DELIVERY_TIME.exec(fileName);
    if (match === null) return undefined;
    const [, y, mo, d, h, mi] = match.map(Number);
    return Date.UTC(y, mo - 1, d, h, mi);
}

/** Whether anything delivered in [start, end) can hold events inside the window. */
export function periodOverlapsWindow(start: number, end: number, window: TimeWindow): boolean {
    if (window.since !== undefined && end <= window.since.getTime()) return false;
    if (window.until !== undefined && start >= window.until.getTime() + DELIVERY_MARGIN_MS) return false;
    return true;
}

function deliveredInWindow(fileName: string, window: TimeWindow): boolean {
    const delivered = deliveryTime(fileName);
    return delivered === undefined || periodOverlapsWindow(delivered, delivered + 60_000, window);
}

function isLogFileName(name: string): boolean {
    return name.endsWith(".json.gz") || name.endsWith(".json");
}

function specialKind(stats: Stats): string | undefined {
    if (stats.isFIFO()) return "a FIFO (named pipe)";
    if (stats.isSocket()) return "a socket";
    if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
    return undefined;
}

function errorText(error: unknown): string {
    const err = error as { code?: unknown; message?: unknown };
    return typeof err.message === "string" ? err.message : String(error);
}

interface Walk {
    root: string;
    window: TimeWindow;
    stats: WalkStats;
    /** Real paths of the folders being walked, so a symbolic link back into the tree is not followed forever. */
    visited: Set<string>;
}

/**
 * Walks a folder depth first in name order, pruning date folders and files delivered outside the window.
 * Symbolic links are followed, to files and to folders (a log folder is often a link to a mounted volume); a link
 * to a folder already being walked is skipped as a loop. lstat/stat, never open, decide what an entry is, so a
 * FIFO is never opened (opening one blocks until a writer appears).
 */
async function* walkFolder(walk: Walk, dir: string): AsyncGenerator<LogFile> {
    let names: string[];
    try {
        names = (await fs.readdir(dir)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (error) {
        const reason = `cannot list the folder: ${errorText(error)}`;
        walk.stats.unlistable.push({ path: displayPath(walk, dir, true), reason });
        return;
    }
    for (const name of names) {
        const entryPath = path.join(dir, name);
        let entry: Stats;
        let isLink = false;
        try {
            entry = await fs.lstat(entryPath);
            if (entry.isSymbolicLink()) {
                isLink = true;
                entry = await fs.stat(entryPath);
            }
        } catch (error) {
            const what = isLink ? "symbolic link to nothing" : "cannot inspect";
            const problem = { path: displayPath(walk, entryPath, false), reason: `${what}: ${errorText(error)}` };
            if (isLogFileName(name)) walk.stats.unlistable.push(problem);
            else walk.stats.skipped.push(problem);
            continue;
        }
        if (entry.isDirectory()) {
            if (NOT_LOG_FOLDERS.has(name)) continue;
            const period = folderPeriod(entryPath.split(path.sep));
            if (period !== undefined && !periodOverlapsWindow(period.start, period.end, walk.window)) {
                walk.stats.directoriesSkippedByDate += 1;
                continue;
            }
            const real = await fs.realpath(entryPath).catch(() => entryPath);
            if (walk.visited.has(real)) {
                const reason = "symbolic link to a folder already read (a loop)";
                walk.stats.skipped.push({ path: displayPath(walk, entryPath, true), reason });
                continue;
            }
            walk.visited.add(real);
            yield* walkFolder(walk, entryPath);
            walk.visited.delete(real);
            continue;
        }
        const special = specialKind(entry);
        if (special !== undefined) {
            const reason = `${special}, not a regular file; not opened`;
            walk.stats.skipped.push({ path: displayPath(walk, entryPath, false), reason });
            continue;
        }
        if (!entry.isFile() || !isLogFileName(name)) continue;
        walk.stats.logFilesFound += 1;
        if (!deliveredInWindow(name, walk.window)) {
            walk.stats.filesSkippedByDate += 1;
            continue;
        }
        yield { name: path.relative(walk.root, entryPath), open: async () => createReadStream(entryPath) };
    }
}

function displayPath(walk: Walk, full: string, folder: boolean): string {
    const relative = path.relative(walk.root, full);
    return folder ? `${relative === "" ? "." : relative}${path.sep}` : relative;
}

export async function* walkDirectory(root: string, window: TimeWindow, stats: WalkStats): AsyncGenerator<LogFile> {
    const absoluteRoot = path.resolve(root);
    const real = await fs.realpath(absoluteRoot).catch(() => absoluteRoot);
    yield* walkFolder({ root: absoluteRoot, window, stats, visited: new Set([real]) }, absoluteRoot);
}

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
