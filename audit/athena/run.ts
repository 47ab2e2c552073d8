import { AuditOptions, reportFilters } from "../options";
import { AuditReport } from "../report";
import type { RunEnvironment } from "../run";
import { assembleResult, scanSummary, SectionRows } from "./assemble";
import { AthenaQueryRunner, DEFAULT_RUNNER_TIMING, defaultAthenaClient, QueryRunner } from "./client";
import { ATHENA, Dialect } from "./dialect";
import { AthenaLocation } from "./location";
import { eventListing, linkUploads, uploadsToLink } from "./listing";
import { QueryScope } from "./records";
import { linkCandidatesQuery, ReportQueries, reportQueries } from "./sql";

function scopeOf(options: AuditOptions, location: AthenaLocation): QueryScope {
    return {
        database: location.database,
        table: location.table,
        since: options.since,
        until: options.until,
        accounts: location.accounts,
        regions: location.regions,
        bucket: options.bucket,
        maxEvents: options.maxEvents,
        filters: options.filters,
        key: options.key,
        listEvents: options.listEvents,
    };
}

export function queriesFor(options: AuditOptions, location: AthenaLocation, dialect: Dialect = ATHENA): ReportQueries {
    return reportQueries(dialect, scopeOf(options, location));
}

/** --print-sql: every query, named, ready to paste into the Athena console. */
export function printableQueries(options: AuditOptions, location: AthenaLocation): string {
    const queries = queriesFor(options, location);
    const printed = Object.entries(queries).map(([section, sql]) => `-- ${section}\n${sql};\n`);
    if (queries.listing !== undefined) {
        printed.push("-- links: built from the listed uploads once the listing has run (the KMS calls near them)\n");
    }
    return printed.join("\n");
}

/**
 * Runs the report's queries one after another and builds the report, the same JSON as the streaming reader's.
 * scan.bytesRead is what Athena scanned (and bills) over all queries; filesRead counts the log files in the
 * partitions read.
 */
export async function runAthenaReport(
    options: AuditOptions,
    location: AthenaLocation,
    runner: QueryRunner,
    environment: RunEnvironment,
    dialect: Dialect = ATHENA,
    source = `athena://${location.workgroup}/${location.database}.${location.table}`,
): Promise<AuditReport> {
    const scope = scopeOf(options, location);
    const queries = reportQueries(dialect, scope);
    let bytesScanned = 0;
    const run = async (name: string, sql: string) => {
        const result = await runner.run(name, sql);
        bytesScanned += result.bytesScanned;
        return result.rows;
    };
    const complete: SectionRows = {
        counts: await run("counts", queries.counts),
        events: await run("events", queries.events),
    };
    let events: AuditReport["events"] = null;
    if (queries.listing !== undefined) {
        events = eventListing(await run("listing", queries.listing));
        const uploads = uploadsToLink(events.shown);
        if (uploads !== undefined)
            linkUploads(events.shown, await run("links", linkCandidatesQuery(dialect, scope, uploads)));
    }
    const scan = scanSummary(complete);
    const result = assembleResult(
        complete,
        { since: options.since, until: options.until, bucket: options.bucket, maxEvents: options.maxEvents },
        options.key,
    );
    // The streaming reader's run-level warnings (audit/run.ts), in Athena's terms.
    const warnings = [...result.warnings];
    if (scan.filesRead === 0) {
        warnings.push(
            `no CloudTrail records in the partitions read of ${source}: ` +
                "check the window, --accounts, --regions and the " +
                "table's location (the report is empty, exit code 3)",
        );
    }
    if (scan.malformedRecords > 0) {
        warnings.push(
            `${scan.malformedRecords} records could not be used (their eventTime is not an ISO 8601 UTC time); ` +
                "Athena does not name them",
        );
    }
    for (const warning of warnings) environment.stderr.write(`audit: ${warning}\n`);
    return {
        schemaVersion: 1,
        generatedAt: new Date().toISOString(),
        source,
        filters: reportFilters(options),
        scan: {
            filesRead: scan.filesRead,
            bytesRead: bytesScanned,
            recordsRead: scan.recordsRead,
            recordsInWindow: scan.recordsInWindow,
            malformedRecords: scan.malformedRecords,
            directoriesSkippedByDate: 0,
            filesSkippedByDate: 0,
            firstEventTime: scan.firstEventTime,
            lastEventTime: scan.lastEventTime,
            unreadableFiles: [],
            recordProblems: [],
            skippedEntries: [],
            logFilesFound: scan.filesRead,
        },
        ...result,
        events,
        warnings,
    };
}

/** The report from Amazon Athena with the SDK's default credentials and region. */
export async function runAthenaAudit(
    options: AuditOptions,
    location: AthenaLocation,
    environment: RunEnvironment,
): Promise<AuditReport> {
    const runner = new AthenaQueryRunner(await defaultAthenaClient(), {
        workgroup: location.workgroup,
        database: location.database,
        ...DEFAULT_RUNNER_TIMING,
    });
    return runAthenaReport(options, location, runner, environment);
}
