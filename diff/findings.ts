/** Policy-pack findings introduced and resolved between the two sides (the pack runs on both, as the gate does). */
import { Finding, isBlocking } from "../gate";

export interface FindingChange {
    change: "introduced" | "resolved";
    policy: string;
    level: Finding["level"];
    severity: string | null;
    urn: string;
    resourceType: string;
    resourceName: string;
    message: string;
    waived: boolean;
    blocking: boolean;
}

/** The same finding on both sides: same policy, resource and message. */
function key(f: Finding): string {
    return JSON.stringify([f.policy, f.urn, f.message.trim(), f.waived]);
}

function asChange(f: Finding, change: FindingChange["change"]): FindingChange {
    return {
        change,
        policy: f.policy,
        level: f.level,
        severity: f.severity ?? null,
        urn: f.urn,
        resourceType: f.resourceType,
        resourceName: f.resourceName,
        message: f.message,
        waived: f.waived,
        blocking: isBlocking(f),
    };
}

export function findingChanges(base: Finding[], head: Finding[]): FindingChange[] {
    const baseKeys = new Set(base.map(key));
    const headKeys = new Set(head.map(key));
    return [
        ...head.filter((f) => !baseKeys.has(key(f))).map((f) => asChange(f, "introduced")),
        ...base.filter((f) => !headKeys.has(key(f))).map((f) => asChange(f, "resolved")),
    ];
}
