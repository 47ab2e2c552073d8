import { AuditEvent, AuditReport, Count, EventList, KeyReport } from "./report";

const INDENT = "  ";

function table(rows: string[][], indent = INDENT): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows.map((row) => indent + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join("  ").trimEnd());
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
  return [
    `${INDENT}${title}: ${list.total}${hidden > 0 ? ` (first ${list.shown.length} shown)` : ""}`,
    ...list.shown.flatMap(eventLine),
  ];
}

function keySection(key: KeyReport): string[] {
  const aliases = key.aliases.length === 0 ? "" : ` (aliases: ${key.aliases.map((alias) => alias.slice(alias.indexOf("alias/"))).join(", ")})`;
  const heading = key.resolved ? `Key ${key.key}${aliases}` : `Alias ${key.key} (not tied to a single key by these logs)`;
  return [
    heading,
    `${INDENT}Successful cryptographic calls: ${key.usage.total}; denied: ${key.denied}; failed: ${key.failed.total}`,
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
    `${INDENT}Window: ${window} (until is exclusive)${filters.key === null ? "" : `   Key: ${filters.key}`}${filters.bucket === null ? "" : `   Bucket: ${filters.bucket}`}`,
    `${INDENT}Read ${scan.filesRead} files (${(scan.bytesRead / 1048576).toFixed(1)} MB), ${scan.recordsRead} records, ` +
      `${scan.recordsInWindow} in the window` +
      (scan.firstEventTime === null ? "" : `, ${scan.firstEventTime} to ${scan.lastEventTime}`),
    `${INDENT}Skipped by date: ${scan.directoriesSkippedByDate} folders, ${scan.filesSkippedByDate} files; ` +
      `unreadable files: ${scan.unreadableFiles.length}; malformed records: ${scan.malformedRecords}`,
    "",
  ];
  if (report.keys.length === 0) lines.push("No KMS key activity in the window.", "");
  for (const key of report.keys) lines.push(...keySection(key));

  lines.push(`Denied calls: ${report.denied.total}`);
  lines.push(...table(report.denied.rows.map((row) => [String(row.calls).padStart(6), row.category, row.operation, row.principal, `on ${row.target}`])));
  if (report.denied.total > 0) lines.push(...events("Denied events", report.denied.events));
  lines.push("");

  lines.push(`Trail changes (StopLogging, DeleteTrail, UpdateTrail, selectors...): ${report.trail.events.total}`);
  lines.push(...report.trail.events.shown.flatMap(eventLine), "");

  const uploads = report.uploads;
  lines.push(`S3 uploads${filters.bucket === null ? "" : ` to ${filters.bucket}`}: ${uploads.total}` +
    (uploads.notUsingAuditedKey === null ? "" : `; not encrypted with the audited key: ${uploads.notUsingAuditedKey}`));
  lines.push(
    ...table([
      ["uploads", "bucket", "encryption", "applied by", "kms key", "principal"],
      ...uploads.rows.map((row) => [String(row.uploads), row.bucket, row.encryption, row.appliedBy, row.kmsKey ?? "-", row.principal]),
    ]).slice(uploads.rows.length === 0 ? 1 : 0),
  );
  if (uploads.withoutKms.total > 0) lines.push(...events("Uploads without KMS encryption", uploads.withoutKms));
  lines.push("");

  if (scan.unreadableFiles.length > 0) {
    lines.push(`Unreadable files (skipped, so the report is incomplete): ${scan.unreadableFiles.length}`);
    for (const file of scan.unreadableFiles) lines.push(`${INDENT}${file.file}: ${file.reason}`);
    lines.push("");
  }
  if (report.warnings.length > 0) {
    lines.push("Warnings:", ...report.warnings.map((warning) => `${INDENT}${warning}`), "");
  }
  return lines.join("\n");
}
