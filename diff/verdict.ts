/**
 * The verdict: `broadening` when anyone gains access, a Deny is removed or weakened, a security setting or control
 * is weakened, a finding appears, or a document can no longer be judged; `narrowing` when only the opposite
 * happens; `none` when nothing security-relevant changed. Every item says why.
 */
import type { EngineResource } from "../gate";
import { AccessChangeGroup } from "./access";
import { ANYONE_ELSE } from "./accessEvaluation";
import { FindingChange } from "./findings";
import { ResourceChange } from "./resources";
import { SettingChange } from "./settings";
import { StatementChange, UnreadableDocument } from "./statements";
import * as AWS from "../vocabulary/awsTypes";

export type VerdictKind = "broadening" | "narrowing" | "none";

export interface VerdictItem {
    broadening: boolean;
    /** access, finding, setting, document, attachment */
    category: "access" | "finding" | "setting" | "document" | "attachment";
    reason: string;
}

export interface Verdict {
    kind: VerdictKind;
    items: VerdictItem[];
}

/** Actions listed in a reason: a few by name, then how many more. */
export function actionSummary(actions: string[], limit = 6): string {
    return actions.length <= limit
        ? actions.join(", ")
        : `${actions.slice(0, limit).join(", ")} and ${actions.length - limit} more`;
}

export function principalLabel(principal: string): string {
    return principal === ANYONE_ELSE ? "anyone (* : every other principal, including anonymous callers)" : principal;
}

/** `when A and B or C`: condition sets joined; nothing when one of them is unconditional. */
export function conditionText(sets: string[][]): string {
    if (sets.length === 0 || sets.some((s) => s.length === 0)) {
        return "";
    }
    return ` when ${sets.map((s) => s.join(" and ")).join(" or ")}`;
}

function unlessText(sets: string[][]): string {
    return sets.length === 0
        ? ""
        : `, unless ${sets.map((s) => (s.length === 0 ? "always" : s.join(" and "))).join(" or ")}`;
}

function setsText(sets: string[][]): string {
    return sets.map((s) => (s.length === 0 ? "always" : s.join(" and "))).join(" or ");
}

function widening(g: AccessChangeGroup): string {
    const parts: string[] = [];
    if (g.conditions.length > 0) {
        parts.push(` now also allowed ${conditionText(g.conditions).trim() || "without conditions"}`);
    }
    if (g.lifted.length > 0) {
        parts.push(` no longer denied when ${setsText(g.lifted)}`);
    }
    return parts.join(";");
}

export function accessReason(g: AccessChangeGroup): string {
    const who = principalLabel(g.principal);
    const what = `${actionSummary(g.actions)} on ${g.resource}`;
    const where = ` (${documentLabel(g.document)})`;
    switch (g.kind) {
        case "gained":
            return `${who} gains ${what}${conditionText(g.conditions)}${unlessText(g.unless)}${where}`;
        case "lost":
            return g.accountStillDelegates
                ? `${who} loses the direct grant of ${what}; ${g.accountStillDelegates} is still allowed, so ` +
                      `IAM policies of that account can still grant it${where}`
                : `${who} loses ${what}${where}`;
        case "conditions-widened":
            return `${who} may use ${what} more widely:${widening(g)}${where}`;
        case "conditions-narrowed":
            return (
                `${who} may use ${what} only under narrower conditions ` +
                `(grant removed or deny added:${conditionText(g.conditions) || " unconditional"})${where}`
            );
        case "deny-removed":
            return `a Deny no longer stops ${who} from ${what}${conditionText(g.conditions)}${where}`;
        case "deny-added":
            return `a new Deny stops ${who} from ${what}${conditionText(g.conditions)}${where}`;
    }
}

/** `aws:kms/key:Key kms-audit-dev policy` from a document id `<urn>#<path>` (parent types dropped). */
export function documentLabel(id: string): string {
    const [urn, property] = [id.slice(0, id.lastIndexOf("#")), id.slice(id.lastIndexOf("#") + 1)];
    const parts = urn.split("::");
    const type = (parts[2] ?? "?").split("$").pop();
    return `${type} ${parts.slice(3).join("::")} ${property}`;
}

/** Managed policies attached through a role's `managedPolicyArns` or an attachment whose document the stack lacks. */
function attachmentItems(resources: ResourceChange[], headResources: EngineResource[]): VerdictItem[] {
    const items: VerdictItem[] = [];
    const stackPolicyArns = new Set(
        headResources
            .filter((r) => r.type === AWS.IAM_POLICY)
            .map((r) => r.outputs.arn)
            .filter((a): a is string => typeof a === "string"),
    );
    for (const change of resources) {
        for (const p of change.properties) {
            if (/^managedPolicyArns(\[\d+\])?$/.test(p.path) && (p.change === "added" || p.change === "changed")) {
                const added = Array.isArray(p.after) ? p.after : [p.after];
                const before = Array.isArray(p.before) ? p.before : [p.before];
                for (const arn of added.filter((a) => !before.includes(a))) {
                    items.push({
                        broadening: true,
                        category: "attachment",
                        reason:
                            `${change.type} ${change.name} gets managed policy ${String(arn)}, ` +
                            "whose document is not in the stack",
                    });
                }
            }
            if (
                change.type.endsWith("PolicyAttachment") &&
                p.path === "policyArn" &&
                typeof p.after === "string" &&
                !stackPolicyArns.has(p.after)
            ) {
                items.push({
                    broadening: true,
                    category: "attachment",
                    reason: `${change.type} ${change.name} now attaches ${p.after}, whose document is not in the stack`,
                });
            }
        }
        if (change.change === "create" && change.type.endsWith("PolicyAttachment")) {
            const attached = headResources.find((r) => r.urn === change.urn)?.inputs.policyArn;
            if (typeof attached === "string" && !stackPolicyArns.has(attached)) {
                items.push({
                    broadening: true,
                    category: "attachment",
                    reason: `${change.type} ${change.name} attaches ${attached}, whose document is not in the stack`,
                });
            }
        }
    }
    return items;
}

export function verdictOf(input: {
    accessGroups: AccessChangeGroup[];
    findings: FindingChange[];
    settings: SettingChange[];
    unreadable: UnreadableDocument[];
    statements: StatementChange[];
    resources: ResourceChange[];
    headResources: EngineResource[];
}): Verdict {
    const items: VerdictItem[] = [];
    for (const g of input.accessGroups) {
        items.push({ broadening: g.broadening, category: "access", reason: accessReason(g) });
    }
    for (const f of input.findings) {
        if (f.change === "introduced") {
            items.push({
                broadening: !f.waived,
                category: "finding",
                reason:
                    `finding ${f.policy} (${f.level}${f.waived ? ", waived" : ""}) appears on ` +
                    `${f.resourceType} ${f.resourceName}: ${f.message.split("\n")[0]}`,
            });
        } else {
            items.push({
                broadening: false,
                category: "finding",
                reason: `finding ${f.policy} on ${f.resourceType} ${f.resourceName} is resolved`,
            });
        }
    }
    for (const s of input.settings) {
        const change =
            s.path === "(resource)"
                ? s.weakened
                    ? "is deleted"
                    : "is created"
                : `${s.path}: ${JSON.stringify(s.before)} -> ${JSON.stringify(s.after)}`;
        items.push({
            broadening: s.weakened,
            category: "setting",
            reason: `${s.what} ${s.weakened ? "weakened" : "strengthened"}: ${s.type} ${s.name} ${change}`,
        });
    }
    for (const u of input.unreadable.filter((x) => x.side === "head")) {
        items.push({
            broadening: true,
            category: "document",
            reason: `${documentLabel(u.document)} cannot be judged: ${u.reason}`,
        });
    }
    items.push(...attachmentItems(input.resources, input.headResources));
    const kind: VerdictKind = items.some((i) => i.broadening) ? "broadening" : items.length > 0 ? "narrowing" : "none";
    // Broadening items first: they are what a reviewer must approve.
    items.sort((a, b) => Number(b.broadening) - Number(a.broadening));
    return { kind, items };
}
