/**
 * Where the audit's records come from: the --logs locations, the delivery-date rules that let a reader skip files
 * outside the window, and the walk of a local log folder. The S3 listing is in audit/s3-logs.ts.
 */
import { createReadStream, promises as fs, Stats } from "fs";
import * as path from "path";
import { Readable } from "stream";
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
export const NOT_LOG_FOLDERS = new Set(["CloudTrail-Digest", "CloudTrail-Insight"]);

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

export function deliveredInWindow(fileName: string, window: TimeWindow): boolean {
    const delivered = deliveryTime(fileName);
    return delivered === undefined || periodOverlapsWindow(delivered, delivered + 60_000, window);
}

export function isLogFileName(name: string): boolean {
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
