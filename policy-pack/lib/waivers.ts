/**
 * Waivers: per-rule exemptions in the rule's config, each with a reason and an expiry date.
 *
 * Contract for tools reading the engine's diagnostics (the offline gate): a waived finding is reported
 * under the rule's own policy name, at the `advisory` level, with a message that starts with
 * `WAIVED_MESSAGE_PREFIX` and is parsed by `parseWaivedMessage`. It never blocks. An expired waiver or
 * one without a reason waives nothing: the finding is reported normally and its message says why.
 */
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { compileGlob, Glob } from "./glob";
import { isRecord } from "./values";

export const WAIVED_MESSAGE_PREFIX = "WAIVED: ";

/** The resource pattern that matches findings about the stack as a whole (they have no URN). */
export const STACK_WAIVER_TARGET = "<stack>";

export const waiversSchema: PolicyConfigJSONSchema = {
    type: "array",
    default: [],
    description:
        "Exemptions: resource (URN or Pulumi name; * and ? allowed, `<stack>` for stack-wide " +
        "findings), reason (required), expires (YYYY-MM-DD, last day the waiver applies, UTC).",
    items: {
        type: "object",
        required: ["resource", "reason", "expires"],
        additionalProperties: false,
        properties: {
            resource: { type: "string", minLength: 1 },
            reason: { type: "string", minLength: 1 },
            expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        },
    },
};

export interface Waiver {
    resource: string;
    reason: string;
    expires: string;
}

interface ParsedWaiver {
    waiver: Waiver;
    matcher: Glob;
    /** Why this entry cannot waive anything; undefined when it is well-formed. */
    defect?: string;
}

export interface FindingSubject {
    urn?: string;
    name?: string;
}

export type WaiverVerdict = { kind: "none" } | { kind: "waived"; waiver: Waiver } | { kind: "rejected"; note: string };

export function parseWaivers(entries: unknown[]): ParsedWaiver[] {
    return entries.map((entry) => {
        const record = isRecord(entry) ? entry : {};
        const waiver: Waiver = {
            resource: typeof record.resource === "string" ? record.resource : "",
            reason: typeof record.reason === "string" ? record.reason.trim() : "",
            expires: typeof record.expires === "string" ? record.expires : "",
        };
        return { waiver, matcher: compileGlob(waiver.resource), defect: defectOf(waiver) };
    });
}

function defectOf(waiver: Waiver): string | undefined {
    if (waiver.resource === "") {
        return "it names no resource";
    }
    if (waiver.reason === "") {
        return "it has no reason (a waiver must say why)";
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(waiver.expires) || Number.isNaN(Date.parse(waiver.expires))) {
        return `its expiry "${waiver.expires}" is not a date in YYYY-MM-DD form`;
    }
    return undefined;
}

function matches(parsed: ParsedWaiver, subject: FindingSubject): boolean {
    if (subject.urn === undefined) {
        return parsed.waiver.resource === STACK_WAIVER_TARGET;
    }
    return parsed.matcher.test(subject.urn) || (subject.name !== undefined && parsed.matcher.test(subject.name));
}

/** Decides what the waivers say about one finding; `today` is YYYY-MM-DD (UTC). */
export function judgeWaivers(waivers: ParsedWaiver[], subject: FindingSubject, today: string): WaiverVerdict {
    const applicable = waivers.filter((w) => matches(w, subject));
    const active = applicable.find((w) => w.defect === undefined && w.waiver.expires >= today);
    if (active) {
        return { kind: "waived", waiver: active.waiver };
    }
    const rejected = applicable[0];
    if (!rejected) {
        return { kind: "none" };
    }
    const note =
        rejected.defect !== undefined
            ? `A waiver for "${rejected.waiver.resource}" was ignored: ${rejected.defect}.`
            : `The waiver for "${rejected.waiver.resource}" expired on ${rejected.waiver.expires} ` +
              `(reason given: ${rejected.waiver.reason}); renew it with a new date or fix the finding.`;
    return { kind: "rejected", note };
}

export function todayUtc(): string {
    return new Date().toISOString().slice(0, 10);
}

export function formatWaivedMessage(finding: string, waiver: Waiver): string {
    return `${WAIVED_MESSAGE_PREFIX}${finding} [waiver: ${waiver.reason}; expires ${waiver.expires}]`;
}

export interface WaivedMessage {
    finding: string;
    reason: string;
    expires: string;
}

/** Reads a diagnostic message produced by `formatWaivedMessage`; undefined for any other message. */
export function parseWaivedMessage(message: string): WaivedMessage | undefined {
    if (!message.startsWith(WAIVED_MESSAGE_PREFIX)) {
        return undefined;
    }
    const match = /^([\s\S]*) \[waiver: ([\s\S]*); expires (\d{4}-\d{2}-\d{2})\]$/.exec(
        message.slice(WAIVED_MESSAGE_PREFIX.length),
    );
    return match ? { finding: match[1], reason: match[2], expires: match[3] } : undefined;
}
