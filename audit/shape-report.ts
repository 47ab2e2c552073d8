/**
 * Shapes the folded activity into the record-decided part of the report: resolves aliases to keys, applies --key,
 * merges and sorts the rows, and words the warnings. The streaming reader and the Athena assembly both end here.
 */
import { CappedEvents, Denials, GlobalActivity, KEY_NOT_NAMED, KeyActivity } from "./activity";
import { EarliestItems } from "./earliest";
import { EventRow } from "./event-row";
import { isAliasArn, KeySelector, selectorMatches } from "./keys";
import { AuditReport, Count, KeyReport, UsageRow } from "./report";
import { UploadLinker } from "./upload-link";

/** The part of the report that the records decide (the rest describes the run itself). */
export type AggregateResult = Pick<AuditReport, "keys" | "denied" | "trail" | "uploads" | "events" | "warnings">;

/** What the records left behind, keyed as the aggregator keeps it. */
export interface FoldedActivity {
    /** Per key ARN, or per alias ARN when a call named an alias and recorded no key ARN. */
    keys: ReadonlyMap<string, KeyActivity>;
    /** Alias ARN to the key ARNs the window ties it to. */
    aliasLinks: ReadonlyMap<string, ReadonlySet<string>>;
    global: GlobalActivity;
    /** --events: the earliest matching event rows, and the linker that ties uploads to their KMS calls. */
    eventRows: EarliestItems<EventRow> | undefined;
    linker: UploadLinker | undefined;
}

/** Aliases tied to each key over the whole window. */
function aliasesByKey(aliasLinks: FoldedActivity["aliasLinks"]): Map<string, Set<string>> {
    const byKey = new Map<string, Set<string>>();
    for (const [alias, keys] of aliasLinks) {
        for (const key of keys) {
            const aliases = byKey.get(key) ?? new Set<string>();
            aliases.add(alias);
            byKey.set(key, aliases);
        }
    }
    return byKey;
}

/** Folds activity recorded under an alias into its key when the logs tie the alias to exactly one key. */
function resolvedActivity(folded: FoldedActivity): Map<string, KeyActivity[]> {
    const byKey = new Map<string, KeyActivity[]>();
    for (const [ref, activity] of folded.keys) {
        const linked = isAliasArn(ref) ? folded.aliasLinks.get(ref) : undefined;
        const owner = linked !== undefined && linked.size === 1 ? [...linked][0] : ref;
        byKey.set(owner, [...(byKey.get(owner) ?? []), activity]);
    }
    return byKey;
}

export function shapeResult(folded: FoldedActivity, selector: KeySelector | undefined, cap: number): AggregateResult {
    const { global } = folded;
    const aliasesOfKeys = aliasesByKey(folded.aliasLinks);
    const warnings: string[] = [];
    const keys: KeyReport[] = [];
    const resolved = resolvedActivity(folded);
    for (const [ref, activities] of resolved) {
        const aliases = aliasesOfKeys.get(ref) ?? new Set<string>();
        if (selector !== undefined && !selectorMatches(selector, ref, aliases)) continue;
        keys.push(keyReport(ref, activities, [...aliases].sort(), cap));
        if (isAliasArn(ref)) {
            const linked = folded.aliasLinks.get(ref);
            warnings.push(
                linked === undefined
                    ? `calls named ${ref} but no record in the window ties that alias to a key; ` +
                          "they are reported under the alias"
                    : `${ref} pointed at ${linked.size} keys in the window; ` +
                          "calls that recorded only the alias are reported under the alias",
            );
        }
    }
    keys.sort((a, b) => a.key.localeCompare(b.key));
    if (selector !== undefined && keys.length === 0) {
        warnings.push(
            `no KMS event in the window refers to ${selector.value}` +
                (selector.kind.startsWith("alias")
                    ? "; an alias created before the window is only recognised from calls that name it, " +
                      "so try the key ARN or key ID"
                    : ""),
        );
    }

    const reportedActivity = keys.flatMap((key) => resolved.get(key.key) ?? []);
    const denials: Denials[] = [
        ...reportedActivity.map((activity) => activity.denied),
        global.keyNotNamedDenied,
        global.trailDenied,
        global.uploadDenied,
    ];
    const deniedRows = Denials.mergeRows(denials);
    if (selector !== undefined && global.keyNotNamedDenied.events.total > 0) {
        warnings.push(
            `${global.keyNotNamedDenied.events.total} denied KMS calls named no key ` +
                "(refused before KMS resolved one); " +
                `they are listed as "${KEY_NOT_NAMED}" since any of them may have been aimed at ${selector.value}`,
        );
    }
    let events: AggregateResult["events"] = null;
    if (folded.eventRows !== undefined) {
        const shown = folded.eventRows.sorted();
        folded.linker?.link(shown);
        events = { total: folded.eventRows.offered, leftOut: folded.eventRows.offered - shown.length, shown };
    }

    const uploadRows = [...global.uploads.values()].sort(
        (a, b) => a.bucket.localeCompare(b.bucket) || b.uploads - a.uploads || a.principal.localeCompare(b.principal),
    );
    const auditedKeys = new Set(keys.flatMap((key) => [key.key, ...key.aliases]));
    const notUsingAuditedKey =
        selector === undefined
            ? null
            : uploadRows
                  .filter((row) => row.kmsKey === null || !auditedKeys.has(row.kmsKey))
                  .reduce((sum, row) => sum + row.uploads, 0);

    return {
        keys,
        denied: {
            total: deniedRows.reduce((sum, row) => sum + row.calls, 0),
            rows: deniedRows,
            events: CappedEvents.merge(
                denials.map((denied) => denied.events),
                cap,
            ),
        },
        trail: { events: CappedEvents.merge([global.trail], cap) },
        uploads: {
            total: global.uploadTotal,
            notUsingAuditedKey,
            rows: uploadRows,
            withoutKms: CappedEvents.merge([global.uploadsWithoutKms], cap),
        },
        events,
        warnings,
    };
}

function sortedCounts(counts: Map<string, number>): Count[] {
    return [...counts.entries()]
        .map(([name, calls]) => ({ name, calls }))
        .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}

function addCount(counts: Map<string, number>, name: string, calls: number): void {
    counts.set(name, (counts.get(name) ?? 0) + calls);
}

function keyReport(ref: string, activities: KeyActivity[], aliases: string[], cap: number): KeyReport {
    const rows = new Map<string, UsageRow>();
    const failedByCode = new Map<string, number>();
    for (const activity of activities) {
        for (const [id, row] of activity.usage) {
            const existing = rows.get(id);
            rows.set(id, existing === undefined ? { ...row } : { ...existing, calls: existing.calls + row.calls });
        }
        for (const [code, calls] of activity.failedByCode) addCount(failedByCode, code, calls);
    }
    const usageRows = [...rows.values()].sort(
        (a, b) =>
            a.day.localeCompare(b.day) ||
            a.principal.localeCompare(b.principal) ||
            a.operation.localeCompare(b.operation),
    );
    const byPrincipal = new Map<string, number>();
    const byOperation = new Map<string, number>();
    const byDay = new Map<string, number>();
    for (const row of usageRows) {
        addCount(byPrincipal, row.via === null ? row.principal : `${row.principal} via ${row.via}`, row.calls);
        addCount(byOperation, row.operation, row.calls);
        addCount(byDay, row.day, row.calls);
    }
    const failedTotal = [...failedByCode.values()].reduce((sum, calls) => sum + calls, 0);
    return {
        key: ref,
        resolved: !isAliasArn(ref),
        aliases,
        usage: {
            total: usageRows.reduce((sum, row) => sum + row.calls, 0),
            byPrincipal: sortedCounts(byPrincipal),
            byOperation: sortedCounts(byOperation),
            byDay: [...byDay.entries()]
                .map(([name, calls]) => ({ name, calls }))
                .sort((a, b) => a.name.localeCompare(b.name)),
            rows: usageRows,
        },
        denied: activities.reduce((sum, activity) => sum + activity.denied.events.total, 0),
        failed: {
            total: failedTotal,
            byErrorCode: sortedCounts(failedByCode),
            events: CappedEvents.merge(
                activities.map((activity) => activity.failed),
                cap,
            ),
        },
        lifecycle: CappedEvents.merge(
            activities.map((activity) => activity.lifecycle),
            cap,
        ),
    };
}
