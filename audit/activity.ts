/**
 * The bounded aggregates the audit keeps while it reads: capped event lists, denial counts, and the activity per key
 * and across the account. The streaming reader (audit/aggregate.ts) and the Athena assembly (audit/athena/assemble.ts)
 * fill the same structures, and audit/shape-report.ts turns them into the report.
 */
import { EarliestItems } from "./earliest";
import { AuditEvent, DeniedRow, EventList, UploadRow, UsageRow } from "./report";

/**
 * Keeps the `cap` earliest events (files are not read in time order) and counts all of them, so memory stays
 * bounded however long the window.
 */
export class CappedEvents {
    private readonly earliest: EarliestItems<AuditEvent>;
    constructor(cap: number) {
        this.earliest = new EarliestItems(cap);
    }

    get total(): number {
        return this.earliest.offered;
    }

    add(event: AuditEvent): void {
        this.earliest.offer(Date.parse(event.time), event);
    }

    /** Events ranked and capped elsewhere (the Athena queries), earliest first, and how many there were in all. */
    addRanked(events: AuditEvent[], total: number): void {
        for (const event of events) this.add(event);
        this.earliest.offered = total;
    }

    static merge(lists: CappedEvents[], cap: number): EventList {
        const shown = lists
            .flatMap((list) => list.earliest.sorted())
            .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
            .slice(0, cap);
        return { total: lists.reduce((sum, list) => sum + list.total, 0), shown };
    }
}

/** A denied call's row without its count: who was refused what, on which target. */
export type DeniedTarget = Omit<DeniedRow, "calls">;

/** Rows that describe the same denial are one row: the same category, principal, operation and target. */
function deniedRowId(row: DeniedTarget): string {
    return `${row.category}|${row.principal}|${row.operation}|${row.target}`;
}

/**
 * The denial bookkeeping, the one copy of it: denied calls counted per (category, principal, operation, target),
 * and the earliest denied events. Used for each key, for KMS calls that named no key, for trails and for uploads.
 */
export class Denials {
    readonly rows = new Map<string, DeniedRow>();
    readonly events: CappedEvents;

    constructor(cap: number) {
        this.events = new CappedEvents(cap);
    }

    /** Counts `calls` denied calls of one kind (one from a record; a query's count from Athena). */
    count(target: DeniedTarget, calls = 1): void {
        const id = deniedRowId(target);
        const existing = this.rows.get(id);
        this.rows.set(
            id,
            existing === undefined ? { ...target, calls } : { ...existing, calls: existing.calls + calls },
        );
    }

    /** One denied call read from a record: counted, and its event kept while it is among the earliest. */
    add(target: DeniedTarget, event: AuditEvent): void {
        this.count(target);
        this.events.add(event);
    }

    /** All the rows of several denial counts, the same denial merged, most calls first. */
    static mergeRows(all: Denials[]): DeniedRow[] {
        const merged = new Map<string, DeniedRow>();
        for (const denials of all) {
            for (const row of denials.rows.values()) {
                const id = deniedRowId(row);
                const existing = merged.get(id);
                merged.set(
                    id,
                    existing === undefined ? { ...row } : { ...existing, calls: existing.calls + row.calls },
                );
            }
        }
        return [...merged.values()].sort((a, b) => b.calls - a.calls || a.principal.localeCompare(b.principal));
    }
}

export class KeyActivity {
    readonly usage = new Map<string, UsageRow>();
    readonly lifecycle: CappedEvents;
    readonly failed: CappedEvents;
    readonly failedByCode = new Map<string, number>();
    readonly denied: Denials;

    constructor(cap: number) {
        this.lifecycle = new CappedEvents(cap);
        this.failed = new CappedEvents(cap);
        this.denied = new Denials(cap);
    }
}

/** Everything that is not about one key: trail changes and uploads. */
export interface GlobalActivity {
    trail: CappedEvents;
    trailDenied: Denials;
    uploads: Map<string, UploadRow>;
    uploadTotal: number;
    uploadsWithoutKms: CappedEvents;
    uploadDenied: Denials;
    /** Denied KMS calls that named no key (no resources, no usable keyId): reported whatever --key says. */
    keyNotNamedDenied: Denials;
}

/** Activity not tied to one key, before any record is folded in (shared with the Athena assembly). */
export function emptyGlobalActivity(cap: number): GlobalActivity {
    return {
        trail: new CappedEvents(cap),
        trailDenied: new Denials(cap),
        uploads: new Map(),
        uploadTotal: 0,
        uploadsWithoutKms: new CappedEvents(cap),
        uploadDenied: new Denials(cap),
        keyNotNamedDenied: new Denials(cap),
    };
}

/** The target of a denied KMS call that named no key. */
export const KEY_NOT_NAMED = "(key not named)";
