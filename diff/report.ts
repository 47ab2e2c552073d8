/** The diff's reports: JSON (schema diff/report.schema.json), text for a terminal, markdown for a pull request. */
import { readableValue, displayType, palette } from "../gate/report";
import { AccessChangeGroup } from "./access";
import type { DiffResult } from "./index";
import { DOCUMENT_PLACEHOLDER } from "./resources";
import { StatementChange, StatementRow } from "./statements";
import { accessReason, actionSummary, conditionText, documentLabel, principalLabel } from "./verdict";

export const diffSchemaVersion = 1;

export const REPLACEMENT_NOTE =
    "Whether an update replaces a resource is the provider's decision (its Diff call) and is not known offline; " +
    "`pulumi preview --diff` shows it.";

export type FailOn = "broadening" | "any" | "never";

/** 1 when the verdict fails under --fail-on, else 0. */
export function exitCodeFor(result: DiffResult, failOn: FailOn): 0 | 1 {
    switch (failOn) {
        case "never":
            return 0;
        case "broadening":
            return result.verdict.kind === "broadening" ? 1 : 0;
        case "any":
            return result.verdict.kind !== "none" || result.resources.length > 0 ? 1 : 0;
    }
}

function typeOfDocument(id: string): string {
    return documentLabel(id);
}

export function jsonReport(result: DiffResult, failOn: FailOn) {
    return {
        schemaVersion: diffSchemaVersion,
        stack: result.stack,
        base: result.base,
        head: result.head,
        policyPack: result.pack,
        broadening: result.verdict.kind === "broadening",
        verdict: result.verdict.kind,
        reasons: result.verdict.items,
        failOn,
        exitCode: exitCodeFor(result, failOn),
        replacement: REPLACEMENT_NOTE,
        resources: result.resources,
        statements: result.statements,
        unreadableDocuments: result.unreadableDocuments,
        access: result.accessGroups.map((g) => ({ ...g, documentLabel: typeOfDocument(g.document) })),
        findings: result.findings,
        settings: result.settings.map((s) => ({
            ...s,
            before: readableValue(s.before),
            after: readableValue(s.after),
        })),
        timingsMs: result.timings,
    };
}

function packName(result: DiffResult): string {
    return `${result.pack.name}@${result.pack.version}`;
}

function sideText(side: DiffResult["base"]): string {
    switch (side.kind) {
        case "ref":
            return `${side.description} (${side.commit?.slice(0, 12)})`;
        case "state":
            return `stack export ${side.description}`;
        case "empty":
            return `${side.description}: empty`;
        case "program":
            return side.description;
    }
}

function value(v: unknown): string {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function rowText(row: StatementRow): string {
    const parts = [
        row.effect,
        `principals ${row.principals.join(", ")}`,
        `actions ${row.actions.join(", ")}`,
        `resources ${row.resources.join(", ")}`,
    ];
    if (row.conditions.length > 0) {
        parts.push(`when ${row.conditions.join(" and ")}`);
    }
    return `${row.sid ? `[${row.sid}] ` : ""}${parts.join("; ")}`;
}

function pathList(properties: { path: string }[]): string {
    return properties.map((p) => p.path).join(", ");
}

function groupedBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
    const map = new Map<string, T[]>();
    for (const item of items) {
        map.set(key(item), [...(map.get(key(item)) ?? []), item]);
    }
    return map;
}

const ACCESS_SIGNS: Record<AccessChangeGroup["kind"], string> = {
    gained: "+",
    lost: "-",
    "conditions-widened": "+",
    "conditions-narrowed": "-",
    "deny-removed": "+",
    "deny-added": "-",
};

export function textReport(result: DiffResult, failOn: FailOn, colour: boolean): string {
    const c = palette(colour);
    const lines: string[] = [];
    lines.push(c.bold(`Security diff of stack ${result.stack}: ${sideText(result.base)} -> ${sideText(result.head)}`));
    lines.push(c.dim(`Both sides run offline under the gate's mocks (values known) and through ${packName(result)}`));
    lines.push("");
    const verdict = result.verdict;
    const label =
        verdict.kind === "broadening"
            ? c.red("BROADENING")
            : verdict.kind === "narrowing"
              ? c.green("narrowing")
              : "none";
    lines.push(
        c.bold(`Verdict: `) +
            label +
            (verdict.items.length ? ` (${verdict.items.length} item${verdict.items.length === 1 ? "" : "s"})` : ""),
    );
    for (const item of verdict.items) {
        lines.push(`  ${item.broadening ? c.red("! broadening:") : c.green("  narrowing:")} ${item.reason}`);
    }
    if (verdict.kind === "none") {
        lines.push("  nothing security-relevant changed");
    }

    lines.push("");
    lines.push(c.bold(`Resources: ${result.resources.length} changed`));
    for (const r of result.resources) {
        const sign = r.change === "create" ? c.green("+") : r.change === "delete" ? c.red("-") : c.yellow("~");
        lines.push(
            `  ${sign} ${displayType(r.type)} ${r.name}${r.properties.length ? `: ${pathList(r.properties)}` : ""}`,
        );
        // A document's change is told statement by statement below, not as two placeholders here.
        for (const p of r.properties.filter(
            (x) => x.before !== DOCUMENT_PLACEHOLDER && x.after !== DOCUMENT_PLACEHOLDER,
        )) {
            lines.push(c.dim(`      ${p.path}: ${value(p.before)} -> ${value(p.after)}`));
        }
    }
    if (result.resources.some((r) => r.change === "update")) {
        lines.push(c.dim(`  ${REPLACEMENT_NOTE}`));
    }

    if (result.statements.length > 0 || result.unreadableDocuments.length > 0) {
        lines.push("");
        lines.push(c.bold("Policy statements:"));
        for (const [doc, changes] of groupedBy(result.statements, (s) => s.document)) {
            lines.push(`  ${documentLabel(doc)}`);
            for (const s of changes) {
                if (s.before) {
                    lines.push(c.red(`    - ${rowText(s.before)}`));
                }
                if (s.after) {
                    lines.push(c.green(`    + ${rowText(s.after)}`));
                }
            }
        }
        for (const u of result.unreadableDocuments) {
            lines.push(c.yellow(`  ${documentLabel(u.document)} (${u.side}): ${u.reason}`));
        }
    }

    if (result.accessGroups.length > 0) {
        lines.push("");
        lines.push(c.bold("Access changes:"));
        for (const [principal, groups] of groupedBy(result.accessGroups, (g) => g.principal)) {
            lines.push(`  ${principalLabel(principal)}`);
            for (const g of groups) {
                const sign = g.broadening ? c.red(ACCESS_SIGNS[g.kind]) : c.green(ACCESS_SIGNS[g.kind]);
                lines.push(
                    `    ${sign} ${g.kind}: ${actionSummary(g.actions, 12)} on ${g.resource}` +
                        conditionText(g.conditions),
                );
            }
        }
    }

    if (result.findings.length > 0) {
        lines.push("");
        lines.push(c.bold("Findings:"));
        for (const f of result.findings) {
            const sign = f.change === "introduced" ? c.red("+ introduced") : c.green("- resolved");
            lines.push(
                `  ${sign} [${f.level}${f.waived ? ", waived" : ""}] ${f.policy} on ` +
                    `${displayType(f.resourceType)} ${f.resourceName}`,
            );
            lines.push(c.dim(`      ${f.message.split("\n")[0]}`));
        }
    }
    lines.push("");
    const code = exitCodeFor(result, failOn);
    lines.push(code === 0 ? `--fail-on ${failOn}: passes` : c.red(`--fail-on ${failOn}: FAILS`));
    return lines.join("\n") + "\n";
}

function tableRow(cells: string[]): string {
    return `| ${cells.join(" | ")} |`;
}

/** Markdown table cell: pipes escaped, line breaks as <br>, long lists folded. */
function cell(parts: string[]): string {
    const text = parts.length > 8 ? `${parts.slice(0, 8).join(", ")} and ${parts.length - 8} more` : parts.join(", ");
    return text.replace(/\|/g, "\\|").replace(/\n/g, "<br>") || "-";
}

function code(text: string): string {
    return `\`${text.replace(/`/g, "'")}\``;
}

/**
 * GitHub's API refuses a comment body over 65,536 characters ("Body is too long (maximum is 65536 characters)" from
 * https://docs.github.com/rest/issues/comments#create-an-issue-comment); room is left for the sticky-comment marker.
 */
export const MARKDOWN_LIMIT = 60_000;

/** The markdown for one stack's pull-request comment, cut to fit a comment with a pointer to the full report. */
export function markdownReport(result: DiffResult, failOn: FailOn): string {
    const full = fullMarkdownReport(result, failOn);
    if (full.length <= MARKDOWN_LIMIT) {
        return full;
    }
    const cut = full.slice(0, MARKDOWN_LIMIT);
    const note = "_Cut to fit a pull-request comment: the JSON report (--json-out) has every row._";
    return `${cut.slice(0, cut.lastIndexOf("\n"))}\n\n${note}\n`;
}

function fullMarkdownReport(result: DiffResult, failOn: FailOn): string {
    const lines: string[] = [];
    const verdict = result.verdict;
    const badge =
        verdict.kind === "broadening" ? "**BROADENING**" : verdict.kind === "narrowing" ? "narrowing" : "none";
    lines.push(`### Security diff: stack \`${result.stack}\``);
    lines.push("");
    lines.push(
        `Verdict: ${badge}. Base: ${sideText(result.base)}; head: the working tree. ` +
            `Offline, under mocks, with ${packName(result)} on both sides.`,
    );
    lines.push("");
    if (verdict.items.length === 0) {
        lines.push("Nothing security-relevant changed.");
    } else {
        for (const item of verdict.items) {
            lines.push(`- ${item.broadening ? "**broadening**" : "narrowing"}: ${item.reason.replace(/\|/g, "\\|")}`);
        }
    }
    lines.push("");
    if (result.resources.length > 0) {
        lines.push(`<details><summary>Resources: ${result.resources.length} changed</summary>`);
        lines.push("");
        lines.push("| | Type | Name | Changed properties |");
        lines.push("|---|---|---|---|");
        for (const r of result.resources) {
            const sign = r.change === "create" ? "+" : r.change === "delete" ? "-" : "~";
            lines.push(
                tableRow([sign, code(displayType(r.type)), r.name, cell(r.properties.map((p) => code(p.path)))]),
            );
        }
        lines.push("");
        lines.push(REPLACEMENT_NOTE);
        lines.push("");
        lines.push("</details>");
        lines.push("");
    }
    if (result.statements.length > 0) {
        lines.push("#### Policy statements");
        lines.push("");
        lines.push("| | Document | Sid | Effect | Principals | Actions | Resources | Conditions |");
        lines.push("|---|---|---|---|---|---|---|---|");
        const row = (sign: string, s: StatementChange, r: StatementRow) =>
            tableRow([
                sign,
                documentLabel(s.document),
                r.sid ?? "-",
                r.effect,
                cell(r.principals),
                cell(r.actions),
                cell(r.resources),
                cell(r.conditions),
            ]);
        for (const s of result.statements) {
            if (s.before) {
                lines.push(row("-", s, s.before));
            }
            if (s.after) {
                lines.push(row("+", s, s.after));
            }
        }
        lines.push("");
    }
    if (result.accessGroups.length > 0) {
        lines.push("#### Access changes");
        lines.push("");
        lines.push("| | Principal | Change | Actions | Resource | Conditions |");
        lines.push("|---|---|---|---|---|---|");
        for (const g of result.accessGroups) {
            const conditions = g.conditions.map((set) => (set.length === 0 ? "(none)" : set.join(" and ")));
            lines.push(
                tableRow([
                    ACCESS_SIGNS[g.kind],
                    cell([principalLabel(g.principal)]),
                    g.kind,
                    `${cell(g.actions)} (${g.actions.length})`,
                    cell([g.resource]),
                    cell(conditions),
                ]),
            );
        }
        lines.push("");
    }
    if (result.findings.length > 0) {
        lines.push("#### Findings");
        lines.push("");
        lines.push("| | Policy | Level | Resource | Message |");
        lines.push("|---|---|---|---|---|");
        for (const f of result.findings) {
            lines.push(
                tableRow([
                    f.change,
                    f.policy,
                    `${f.level}${f.waived ? " (waived)" : ""}`,
                    f.resourceName,
                    cell([f.message.split("\n")[0]]),
                ]),
            );
        }
        lines.push("");
    }
    const outcome = exitCodeFor(result, failOn) ? "fails" : "passes";
    lines.push(`<sub>kms-audit \`npm run diff\`, --fail-on ${failOn}: ${outcome}</sub>`);
    return lines.join("\n") + "\n";
}

export { accessReason };
