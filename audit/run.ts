import { Aggregator } from "./aggregate";
import { UnexpectedResultError } from "./athena/assemble";
import { QueryError } from "./athena/client";
import { runAthenaAudit } from "./athena/run";
import { AuditOptions } from "./options";
import { Progress } from "./progress";
import { readLogFile, UnreadableLogError } from "./read-log";
import { AuditReport, UnreadableFile } from "./report";
import { defaultS3Client, LogFile, LogFileLocation, walkBucket, walkDirectory, WalkStats } from "./sources";

export interface RunEnvironment {
  stderr: NodeJS.WritableStream;
  stderrIsTerminal: boolean;
}

/** The logs could not be listed at all (missing bucket, no permission, no region...): exit code 1. */
export class SourceError extends Error {}

async function logFiles(
  logs: LogFileLocation,
  options: AuditOptions,
  stats: WalkStats,
): Promise<AsyncGenerator<LogFile>> {
  const window = { since: options.since, until: options.until };
  if (logs.kind === "directory") return walkDirectory(logs.path, window, stats);
  const client = await defaultS3Client();
  return walkBucket(client, logs.bucket, logs.prefix, window, stats);
}

function describeListingError(options: AuditOptions, error: unknown): string {
  const err = error as { name?: string; message?: string };
  const what = options.logs.kind === "s3" ? `cannot list s3://${options.logs.bucket}/${options.logs.prefix}` : `cannot list ${options.logsArgument}`;
  return `--logs '${options.logsArgument}': ${what}: ${err.name ?? "Error"}: ${err.message ?? String(error)}`;
}

/** Reads every log file in the window once, one at a time, and builds the report. */
export async function runAudit(options: AuditOptions, environment: RunEnvironment): Promise<AuditReport> {
  if (options.logs.kind === "athena") {
    try {
      return await runAthenaAudit(options, options.logs);
    } catch (error) {
      if (error instanceof QueryError || error instanceof UnexpectedResultError) {
        throw new SourceError(`--athena: ${error.message}`);
      }
      throw error;
    }
  }
  const stats: WalkStats = { directoriesSkippedByDate: 0, filesSkippedByDate: 0 };
  const aggregator = new Aggregator({
    since: options.since,
    until: options.until,
    bucket: options.bucket,
    maxEvents: options.maxEvents,
  });
  const progress = new Progress(
    environment.stderr,
    options.progress === "on" || (options.progress === "auto" && environment.stderrIsTerminal),
    environment.stderrIsTerminal,
  );
  const unreadableFiles: UnreadableFile[] = [];
  let filesRead = 0;
  let bytesRead = 0;

  const files = await logFiles(options.logs, options, stats);
  for (;;) {
    let next: IteratorResult<LogFile>;
    try {
      next = await files.next();
    } catch (error) {
      throw new SourceError(describeListingError(options, error));
    }
    if (next.done) break;
    const file = next.value;
    try {
      const { records, storedBytes } = await readLogFile(await file.open());
      filesRead += 1;
      bytesRead += storedBytes;
      for (const record of records) aggregator.add(record, file.name);
    } catch (error) {
      const reason =
        error instanceof UnreadableLogError ? error.message : `cannot open: ${(error as Error).name}: ${(error as Error).message}`;
      unreadableFiles.push({ file: file.name, reason });
      environment.stderr.write(`audit: skipped ${file.name}: ${reason}\n`);
    }
    progress.update(filesRead, aggregator.counts.recordsRead, bytesRead, file.name);
  }
  progress.done(filesRead, aggregator.counts.recordsRead, bytesRead);

  const result = aggregator.finish(options.key);
  const source = options.logs.kind === "s3" ? `s3://${options.logs.bucket}/${options.logs.prefix}` : options.logsArgument;
  return {
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    source,
    filters: {
      key: options.key?.value ?? null,
      since: options.since?.toISOString() ?? null,
      until: options.until?.toISOString() ?? null,
      bucket: options.bucket ?? null,
    },
    scan: {
      filesRead,
      bytesRead,
      recordsRead: aggregator.counts.recordsRead,
      recordsInWindow: aggregator.counts.recordsInWindow,
      malformedRecords: aggregator.counts.malformedRecords,
      directoriesSkippedByDate: stats.directoriesSkippedByDate,
      filesSkippedByDate: stats.filesSkippedByDate,
      firstEventTime: aggregator.counts.firstEventTime,
      lastEventTime: aggregator.counts.lastEventTime,
      unreadableFiles,
    },
    ...result,
  };
}

export const EXIT_COMPLETE = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INCOMPLETE = 3;

export function exitCodeFor(report: AuditReport): number {
  return report.scan.unreadableFiles.length > 0 ? EXIT_INCOMPLETE : EXIT_COMPLETE;
}
