import { createReadStream, Dirent, promises as fs } from "fs";
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

export interface WalkStats {
  directoriesSkippedByDate: number;
  filesSkippedByDate: number;
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

async function sortedEntries(dir: string): Promise<Dirent[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Walks a folder depth first in name order, pruning date folders and files delivered outside the window. */
async function* walkFolder(root: string, dir: string, window: TimeWindow, stats: WalkStats): AsyncGenerator<LogFile> {
  for (const entry of await sortedEntries(dir)) {
    const entryPath = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (NOT_LOG_FOLDERS.has(entry.name)) continue;
      const period = folderPeriod(entryPath.split(path.sep));
      if (period !== undefined && !periodOverlapsWindow(period.start, period.end, window)) {
        stats.directoriesSkippedByDate += 1;
        continue;
      }
      yield* walkFolder(root, entryPath, window, stats);
    } else if (entry.isFile() && isLogFileName(entry.name)) {
      if (!deliveredInWindow(entry.name, window)) {
        stats.filesSkippedByDate += 1;
        continue;
      }
      yield { name: path.relative(root, entryPath), open: async () => createReadStream(entryPath) };
    }
  }
}

export function walkDirectory(root: string, window: TimeWindow, stats: WalkStats): AsyncGenerator<LogFile> {
  const absoluteRoot = path.resolve(root);
  return walkFolder(absoluteRoot, absoluteRoot, window, stats);
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
  if (window.since !== undefined && start < window.since.getTime()) return regionFolder + datePath(window.since.getTime());
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
): AsyncGenerator<string> {
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  let startAfter: string | undefined;
  let token: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token === undefined ? (startAfter === undefined ? {} : { StartAfter: startAfter }) : { ContinuationToken: token }),
      }),
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

function openObject(client: S3Client, bucket: string): (key: string) => Promise<Readable> {
  return async (key: string) => {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
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
): AsyncGenerator<LogFile> {
  const open = openObject(client, bucket);
  for await (const key of listBucket(client, bucket, prefix, window, stats)) {
    const segments = key.split("/");
    const name = segments[segments.length - 1];
    if (!isLogFileName(name) || segments.some((segment) => NOT_LOG_FOLDERS.has(segment))) continue;
    if (!deliveredInWindow(name, window)) {
      stats.filesSkippedByDate += 1;
      continue;
    }
    yield { name: `s3://${bucket}/${key}`, open: () => open(key) };
  }
}

/**
 * The S3 client from the SDK's default chains: credentials, region (AWS_REGION or the shared config) and endpoint
 * (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, read by the SDK itself). With a custom endpoint, path-style addressing
 * is used, since S3-compatible servers on a plain host name cannot serve bucket subdomains.
 */
export async function defaultS3Client(): Promise<S3Client> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  const customEndpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({ forcePathStyle: customEndpoint !== undefined && customEndpoint !== "" });
}
