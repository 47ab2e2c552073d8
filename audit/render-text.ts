import { KEY_NOT_NAMED } from "./activity";
import { EventRow } from "./event-row";
import { isDeniedWithoutKey } from "./filters";
import { AuditEvent, AuditReport, Count, EventList, KeyReport } from "./report";

const INDENT = "  ";

/**
 * Appends without spreading: `lines.push(...rows)` passes every row as an argument and overflows the stack past
 * about 125,000 rows.
 */
function append(lines: string[], more: readonly string[]): void {
    for (const line of more) lines.push(line);
}

function table(rows: string[][], indent = INDENT): string[] {
    if (rows.length === 0) return [];
    const widths: number[] = rows[0].map(() => 0);
    for (const row of rows) {
        for (let column = 0; column < widths.length; column += 1) {
            widths[column] = Math.max(widths[column], (row[column] ?? "").length);
        }
    }
    return rows.map(
        (row) =>
            indent +
            row
                .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
                .join("  ")
                .trimEnd(),
    );
}

function counts(title: string, items: Count[], limit = 20): string[] {
    if (items.length === 0) return [];
    const shown = items.slice(0, limit).map((item) => [String(item.calls).padStart(8), item.name]);
    const more = items.length > limit ? [`${INDENT}${INDENT}... ${items.length - limit} more (see --format json)`] : [];
    return [`${INDENT}${title}:`, ...table(shown, INDENT + INDENT), ...more];
}

function eventLine(event: AuditEvent): string[] {
    const who = event.via === null ? event.principal : `${event.principal} via ${event.via}`;
    const outcome = event.errorCode === null ? "" : `  [${event.errorCode}]`;
    const target = event.target === null ? "" : ` on ${event.target}`;
    const details = Object.entries(event.details).map(([name, value]) => `${name}=${value}`);
    return [
        `${INDENT}${INDENT}${event.time}  ${event.eventName}${target}${outcome}`,
        `${INDENT}${INDENT}${INDENT}by ${who}${event.sourceIPAddress === null ? "" : ` from ${event.sourceIPAddress}`}`,
        ...(details.length === 0 ? [] : [`${INDENT}${INDENT}${INDENT}${details.join(" ")}`]),
    ];
}

function events(title: string, list: EventList): string[] {
    if (list.total === 0) return [`${INDENT}${title}: none`];
    const hidden = list.total - list.shown.length;
    const lines = [`${INDENT}${title}: ${list.total}${hidden > 0 ? ` (first ${list.shown.length} shown)` : ""}`];
    for (const event of list.shown) append(lines, eventLine(event));
    return lines;
}

function quoted(value: string): string {
    return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/** One event of --events on one line: time, who, what, on what, from where, outcome, file, an upload's KMS call. */
export function eventRowLine(row: EventRow): string {
    const who =
        row.invokedBy === null || row.principalType === "AWSService"
            ? row.principal
            : `${row.principal} via ${row.invokedBy}`;
    const parts = [
        row.time,
        `${row.eventSource.replace(/\.amazonaws\.com$/, "")}:${row.eventName}`,
        `by ${quoted(who)}`,
    ];
    if (row.keys.length > 0) parts.push(`key=${row.keys.join(",")}`);
    else if (isDeniedWithoutKey(row)) parts.push(`key=${quoted(KEY_NOT_NAMED)}`);
    if (row.resource !== null && !row.keys.includes(row.resource)) parts.push(`on=${quoted(row.resource)}`);
    const context = Object.entries(row.encryptionContext).map(([name, value]) => `${name}=${value}`);
    if (context.length > 0) parts.push(`context=${quoted(context.join(","))}`);
    if (row.sourceIPAddress !== null) parts.push(`from=${quoted(row.sourceIPAddress)}`);
    if (row.userAgent !== null) parts.push(`agent=${quoted(row.userAgent)}`);
    if (row.errorCode !== null) {
        parts.push(`error=${row.errorCode}${row.errorMessage === null ? "" : ` ${quoted(row.errorMessage)}`}`);
    }
    if (row.kmsCall !== null) {
        const call = row.kmsCall;
        const tied = `${call.time} event ${call.eventId ?? "(no id)"} in ${call.file}`;
        parts.push(`kms-call=${call.status === "tied" ? tied : quoted(`${call.status}: ${call.note}`)}`);
    }
    parts.push(`file=${quoted(row.file)}`);
    return parts.join("  ");
}

function eventListing(report: AuditReport): string[] {
    const listing = report.events;
    if (listing === null) return [];
    const lines = [
        `Matching events: ${listing.total}` +
            (listing.leftOut > 0
                ? ` (earliest ${listing.shown.length} shown; ${listing.leftOut} left out by --max-events)`
                : ""),
    ];
    for (const row of listing.shown) lines.push(INDENT + eventRowLine(row));
    lines.push("");
    return lines;
}

function filterLine(report: AuditReport): string[] {
    const { filters } = report;
    const parts: string[] = [];
    if (filters.principal !== null) parts.push(`principal ${filters.principal}`);
    if (filters.events.length > 0) parts.push(`event ${filters.events.join(" or ")}`);
    if (filters.object !== null) parts.push(`object ${filters.object}`);
    if (filters.sourceIp !== null) parts.push(`source ${filters.sourceIp}`);
    if (filters.errorCode !== null) parts.push(`error ${filters.errorCode}`);
    for (const [name, value] of Object.entries(filters.encryptionContext)) parts.push(`context ${name}=${value}`);
    return parts.length === 0 ? [] : [`${INDENT}Only calls matching: ${parts.join("; ")}`];
}

function keySection(key: KeyReport): string[] {
    const aliases =
        key.aliases.length === 0
            ? ""
            : ` (aliases: ${key.aliases.map((alias) => alias.slice(alias.indexOf("alias/"))).join(", ")})`;
    const heading = key.resolved
        ? `Key ${key.key}${aliases}`
        : `Alias ${key.key} (not tied to a single key by these logs)`;
    return [
        heading,
        `${INDENT}Successful cryptographic calls: ${key.usage.total}; ` +
            `denied: ${key.denied}; failed: ${key.failed.total}`,
        ...counts("By principal", key.usage.byPrincipal),
        ...counts("By operation", key.usage.byOperation),
        ...counts("By day", key.usage.byDay, 62),
        ...counts("Failed calls by error (not denials)", key.failed.byErrorCode),
        ...events("Lifecycle and policy events", key.lifecycle),
        "",
    ];
}

/** The human-readable report: headline counts first, then the events an auditor has to look at. */
export function renderText(report: AuditReport): string {
    const { scan, filters } = report;
    const window = `${filters.since ?? "beginning"} .. ${filters.until ?? "end"}`;
    const lines = [
        "KMS key usage audit",
        `${INDENT}Logs: ${report.source}`,
        `${INDENT}Window: ${window} (until is exclusive)` +
            (filters.key === null ? "" : `   Key: ${filters.key}`) +
            (filters.bucket === null ? "" : `   Bucket: ${filters.bucket}`),
        `${INDENT}Read ${scan.filesRead} files (${(scan.bytesRead / 1048576).toFixed(1)} MB), ` +
            `${scan.recordsRead} records, ` +
            `${scan.recordsInWindow} in the window` +
            (scan.firstEventTime === null ? "" : `, ${scan.firstEventTime} to ${scan.lastEventTime}`),
        `${INDENT}Skipped by date: ${scan.directoriesSkippedByDate} folders, ${scan.filesSkippedByDate} files; ` +
            `unreadable files: ${scan.unreadableFiles.length}; malformed records: ${scan.malformedRecords}`,
        ...filterLine(report),
        "",
    ];
    if (report.events !== null) {
        // --events: the listing is what was asked for; the aggregates are in --format json.
        append(lines, eventListing(report));
        append(lines, inputProblems(report));
        return lines.join("\n");
    }
    if (report.keys.length === 0) lines.push("No KMS key activity in the window.", "");
    for (const key of report.keys) append(lines, keySection(key));

    lines.push(`Denied calls: ${report.denied.total}`);
    const deniedRows = report.denied.rows.map((row) => [
        String(row.calls).padStart(6),
        row.category,
        row.operation,
        row.principal,
        `on ${row.target}`,
    ]);
    append(lines, table(deniedRows));
    if (report.denied.total > 0) append(lines, events("Denied events", report.denied.events));
    lines.push("");

    lines.push(`Trail changes (StopLogging, DeleteTrail, UpdateTrail, selectors...): ${report.trail.events.total}`);
    for (const event of report.trail.events.shown) append(lines, eventLine(event));
    lines.push("");

    const uploads = report.uploads;
    lines.push(
        `S3 uploads${filters.bucket === null ? "" : ` to ${filters.bucket}`}: ${uploads.total}` +
            (uploads.notUsingAuditedKey === null
                ? ""
                : `; not encrypted with the audited key: ${uploads.notUsingAuditedKey}`),
    );
    const uploadRows = [["uploads", "bucket", "encryption", "applied by", "kms key", "principal"]];
    for (const row of uploads.rows) {
        uploadRows.push([
            String(row.uploads),
            row.bucket,
            row.encryption,
            row.appliedBy,
            row.kmsKey ?? "-",
            row.principal,
        ]);
    }
    append(lines, table(uploadRows).slice(uploads.rows.length === 0 ? 1 : 0));
    if (uploads.withoutKms.total > 0) append(lines, events("Uploads without KMS encryption", uploads.withoutKms));
    lines.push("");

    append(lines, inputProblems(report));
    return lines.join("\n");
}

function inputProblems(report: AuditReport): string[] {
    const { scan } = report;
    const lines: string[] = [];
    if (scan.unreadableFiles.length > 0) {
        lines.push(
            `Unreadable files and folders (skipped, so the report is incomplete): ${scan.unreadableFiles.length}`,
        );
        for (const file of scan.unreadableFiles) lines.push(`${INDENT}${file.file}: ${file.reason}`);
        lines.push("");
    }
    if (scan.recordProblems.length > 0) {
        const more = scan.malformedRecords - scan.recordProblems.length;
        const named = more > 0 ? ` (first ${scan.recordProblems.length} named)` : "";
        lines.push(`Malformed records (not counted): ${scan.malformedRecords}${named}`);
        for (const problem of scan.recordProblems) lines.push(`${INDENT}${problem.file}: ${problem.reason}`);
        lines.push("");
    }
    if (report.warnings.length > 0) {
        lines.push("Warnings:");
        for (const warning of report.warnings) lines.push(`${INDENT}${warning}`);
        lines.push("");
    }
    return lines;
}
