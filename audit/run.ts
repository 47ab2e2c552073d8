import { exitCodes } from "../core/cli";
import { Aggregator } from "./aggregate";
import { UnexpectedResultError } from "./athena/assemble";
import { QueryError } from "./athena/client";
import { runAthenaAudit } from "./athena/run";
import { AuditOptions, reportFilters } from "./options";
import { Progress } from "./progress";
import { readLogFile } from "./read-log";
import { UnreadableLogError } from "./record-scanner";
import { AuditReport, UnreadableFile } from "./report";
import { defaultS3Client, S3TimeoutError, walkBucket } from "./s3-logs";
import { emptyWalkStats, LogFile, LogFileLocation, walkDirectory, WalkStats } from "./sources";

export interface RunEnvironment {
    stderr: NodeJS.WritableStream;
    stderrIsTerminal: boolean;
}

/** The logs could not be listed at all (missing bucket, no permission, no region, no answer): exit code 2. */
export class SourceError extends Error {}

async function logFiles(
    logs: LogFileLocation,
    options: AuditOptions,
    stats: WalkStats,
): Promise<AsyncGenerator<LogFile>> {
    const window = { since: options.since, until: options.until };
    if (logs.kind === "directory") return walkDirectory(logs.path, window, stats);
    const client = await defaultS3Client(options.s3TimeoutMs);
    return walkBucket(client, logs.bucket, logs.prefix, window, stats, options.s3TimeoutMs);
}

function describeListingError(options: AuditOptions, error: unknown): string {
    const err = error as { name?: string; message?: string };
    if (error instanceof S3TimeoutError) return `--logs '${options.logsArgument}': cannot list: ${error.message}`;
    const what =
        options.logs.kind === "s3"
            ? `cannot list s3://${options.logs.bucket}/${options.logs.prefix}`
            : `cannot list ${options.logsArgument}`;
    return `--logs '${options.logsArgument}': ${what}: ${err.name ?? "Error"}: ${err.message ?? String(error)}`;
}

/** Reads every log file in the window once, one at a time, and builds the report. */
export async function runAudit(options: AuditOptions, environment: RunEnvironment): Promise<AuditReport> {
    if (options.logs.kind === "athena") {
        try {
            return await runAthenaAudit(options, options.logs, environment);
        } catch (error) {
            if (error instanceof QueryError || error instanceof UnexpectedResultError) {
                throw new SourceError(`--athena: ${error.message}`);
            }
            throw error;
        }
    }
    const stats: WalkStats = emptyWalkStats();
    const aggregator = new Aggregator({
        since: options.since,
        until: options.until,
        bucket: options.bucket,
        maxEvents: options.maxEvents,
        filters: options.filters,
        key: options.key,
        listEvents: options.listEvents,
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
        const problemsBefore = aggregator.counts.recordProblems.length;
        try {
            const { storedBytes } = await readLogFile(await file.open(), (item) =>
                item.kind === "record"
                    ? aggregator.add(item.value, file.name)
                    : aggregator.addProblem(file.name, item.reason),
            );
            filesRead += 1;
            bytesRead += storedBytes;
        } catch (error) {
            const reason =
                error instanceof UnreadableLogError || error instanceof S3TimeoutError
                    ? error.message
                    : `cannot open: ${(error as Error).name}: ${(error as Error).message}`;
            unreadableFiles.push({ file: file.name, reason });
            environment.stderr.write(`audit: skipped ${file.name}: ${reason}\n`);
        }
        for (const problem of aggregator.counts.recordProblems.slice(problemsBefore)) {
            environment.stderr.write(`audit: malformed record in ${problem.file}: ${problem.reason}\n`);
        }
        progress.update(filesRead, aggregator.counts.recordsRead, bytesRead, file.name);
    }
    progress.done(filesRead, aggregator.counts.recordsRead, bytesRead);

    for (const folder of stats.unlistable) {
        unreadableFiles.push({ file: folder.path, reason: folder.reason });
        environment.stderr.write(`audit: skipped ${folder.path}: ${folder.reason}\n`);
    }

    const result = aggregator.finish(options.key);
    const source =
        options.logs.kind === "s3" ? `s3://${options.logs.bucket}/${options.logs.prefix}` : options.logsArgument;
    const warnings = [...result.warnings];
    if (stats.logFilesFound === 0 && stats.directoriesSkippedByDate === 0) {
        warnings.push(
            `no CloudTrail log files (*.json.gz, *.json) under ${source}: ` +
                "check --logs (the report is empty, exit code 3)",
        );
    }
    if (aggregator.counts.malformedRecords > 0) {
        warnings.push(
            `${aggregator.counts.malformedRecords} records could not be used (listed under scan.recordProblems, ` +
                `the first ${aggregator.counts.recordProblems.length} named)`,
        );
    }
    for (const entry of stats.skipped) warnings.push(`skipped ${entry.path}: ${entry.reason}`);
    // Every warning goes to stderr too, so that a --format jsonl stream (events only) does not hide them.
    for (const warning of warnings) environment.stderr.write(`audit: ${warning}\n`);
    return {
        schemaVersion: 1,
        generatedAt: new Date().toISOString(),
        source,
        filters: reportFilters(options),
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
            recordProblems: aggregator.counts.recordProblems,
            skippedEntries: stats.skipped,
            logFilesFound: stats.logFilesFound,
        },
        ...result,
        warnings,
    };
}

/** 3 when the report misses input: unreadable files or folders, malformed records, or no log files at all. */
export function exitCodeFor(report: AuditReport): number {
    const { scan } = report;
    const empty = scan.logFilesFound === 0 && scan.directoriesSkippedByDate === 0;
    return scan.unreadableFiles.length > 0 || scan.malformedRecords > 0 || empty ? exitCodes.incomplete : exitCodes.ok;
}
