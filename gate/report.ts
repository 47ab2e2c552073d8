import * as path from "path";
import { specialSigKey, specialSecretSig, specialResourceSig, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import type { GateResult } from "./index";
import { Finding, isBlocking } from "./evaluate";

export const reportSchemaVersion = 1;

/** Wire-format values made readable, and never leaking a secret: unknowns, secrets and references marked. */
export function readableValue(value: unknown): unknown {
    if (value === unknownValue) {
        return "[unknown]";
    }
    if (Array.isArray(value)) {
        return value.map(readableValue);
    }
    if (typeof value !== "object" || value === null) {
        return value;
    }
    const record = value as Record<string, unknown>;
    switch (record[specialSigKey]) {
        case specialSecretSig:
            return "[secret]";
        case specialResourceSig:
            return { resource: record.urn };
        case undefined:
            return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, readableValue(v)]));
        default:
            return "[asset or archive]";
    }
}

export function countsByType(result: GateResult): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of result.resources) {
        counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export function summary(result: GateResult) {
    const f = result.findings;
    return {
        resources: result.resources.length,
        byType: countsByType(result),
        mandatory: f.filter((x) => x.level === "mandatory" && !x.waived).length,
        advisory: f.filter((x) => x.level === "advisory" && !x.waived && !x.notEvaluated).length,
        remediated: f.filter((x) => x.level === "remediate").length,
        waived: f.filter((x) => x.waived).length,
        notEvaluated: f.filter((x) => x.notEvaluated).length,
    };
}

/** The JSON report; its schema is gate/report.schema.json and docs/gate.md describes it. */
export function jsonReport(result: GateResult) {
    return {
        schemaVersion: reportSchemaVersion,
        source: result.source,
        policyPack: result.pack,
        summary: summary(result),
        exitCode: result.exitCode,
        dataSources: result.dataSources,
        resources: result.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            custom: r.custom,
            parent: r.parent ?? null,
            provider: r.provider?.urn ?? null,
            inputs: readableValue(r.inputs),
            dependencies: r.dependencies,
            propertyDependencies: Object.fromEntries(
                Object.entries(r.propertyDependencies).filter(([, d]) => d.length > 0),
            ),
        })),
        findings: result.findings.map((f) => ({
            policy: f.policy,
            policyPack: f.policyPack,
            policyPackVersion: f.policyPackVersion,
            level: f.level,
            severity: f.severity ?? null,
            urn: f.urn,
            resourceType: f.resourceType,
            resourceName: f.resourceName,
            message: f.message,
            phase: f.phase,
            waived: f.waived,
            waiver: f.waiver ?? null,
            notEvaluated: f.notEvaluated,
            blocking: isBlocking(f),
        })),
    };
}

/** Pulumi's display name for a type: `aws:kms/key:Key` shows as `aws:kms:Key`. */
export function displayType(type: string): string {
    const [pkg, module, name] = type.split(":");
    if (name === undefined) {
        return type;
    }
    const [first, last] = module.split("/");
    return last !== undefined && last.toLowerCase() === name.toLowerCase() ? `${pkg}:${first}:${name}` : type;
}

interface Palette {
    red(s: string): string;
    yellow(s: string): string;
    green(s: string): string;
    dim(s: string): string;
    bold(s: string): string;
}

export function palette(colour: boolean): Palette {
    const wrap = (code: number) => (s: string) => (colour ? `\u001b[${code}m${s}\u001b[0m` : s);
    return { red: wrap(31), yellow: wrap(33), green: wrap(32), dim: wrap(2), bold: wrap(1) };
}

function depthOf(urn: string, parents: Map<string, string | undefined>): number {
    let depth = 0;
    for (let p = parents.get(urn); p !== undefined; p = parents.get(p)) {
        depth++;
    }
    return depth;
}

function levelLabel(f: Finding, c: Palette): string {
    if (f.waived) {
        return c.dim("waived");
    }
    if (f.notEvaluated) {
        return c.yellow("not evaluated");
    }
    return f.level === "mandatory"
        ? c.red("mandatory")
        : f.level === "advisory"
          ? c.yellow("advisory")
          : c.green("remediated");
}

/** Which data sources the program called, and a warning when verdicts may rest on invented (mocked) data. */
function dataSourceLines(result: GateResult, c: Palette): string[] {
    if (result.dataSources.length === 0) {
        return [];
    }
    const lines = [c.bold("Data sources:")];
    for (const d of result.dataSources) {
        const label =
            d.answer === "computed"
                ? c.green("computed")
                : c.yellow(d.answer === "mocked" ? "MOCKED" : "ECHOED (unknown to the gate)");
        lines.push(`    ${label} ${d.token} (${d.calls} call${d.calls === 1 ? "" : "s"})`);
    }
    const invented = result.dataSources.filter((d) => d.answer !== "computed");
    if (invented.length > 0) {
        const which = `${invented.length === 1 ? "this" : "these"} ${invented.length}`;
        lines.push(
            c.yellow(
                `    Verdicts on resources built from ${which} mocked data source(s) rest on invented ` +
                    "values, not on your account's data.",
            ),
        );
    }
    lines.push("");
    return lines;
}

/** Text like `pulumi preview`: a tree of resources, a count per type, then findings grouped by policy. */
export function textReport(result: GateResult, colour: boolean, cwd = process.cwd()): string {
    const c = palette(colour);
    const lines: string[] = [];
    const src = result.source;
    lines.push(
        src.kind === "program"
            ? c.bold(
                  `${src.mode === "preview" ? "Previewing" : "Updating"} (offline, mocks) ` +
                      `stack ${src.stack} of ${src.project}`,
              ) + c.dim(src.mode === "preview" ? "  [IDs and ARNs of new resources unknown]" : "  [IDs and ARNs known]")
            : c.bold(`Auditing checkpoint ${path.relative(cwd, src.file) || src.file} (stack ${src.stack})`),
    );
    lines.push(
        c.dim(
            `Policy pack ${result.pack.name}@${result.pack.version}` +
                (result.pack.configFile ? ` with ${path.relative(cwd, result.pack.configFile)}` : ""),
        ),
    );
    lines.push("");
    const parents = new Map(result.resources.map((r) => [r.urn, r.parent]));
    const op = src.kind === "program" ? c.green("+ ") : "  ";
    for (const r of result.resources) {
        lines.push(` ${op}${"   ".repeat(depthOf(r.urn, parents))}${displayType(r.type)} ${r.name}`);
    }
    lines.push("");
    lines.push(c.bold(`Resources: ${result.resources.length}${src.kind === "program" ? " to create" : ""}`));
    for (const [type, count] of Object.entries(countsByType(result))) {
        lines.push(`    ${String(count).padStart(4)} ${displayType(type)}`);
    }
    lines.push("");

    for (const line of dataSourceLines(result, c)) {
        lines.push(line);
    }
    const byPolicy = new Map<string, Finding[]>();
    for (const f of result.findings) {
        const list = byPolicy.get(f.policy);
        if (list) {
            list.push(f);
        } else {
            byPolicy.set(f.policy, [f]);
        }
    }
    if (byPolicy.size === 0) {
        lines.push(c.green(`Policies: no findings (${result.policies.length} policies)`));
    } else {
        lines.push(c.bold("Policy findings:"));
        for (const [policy, findings] of [...byPolicy].sort(([a], [b]) => a.localeCompare(b))) {
            const info = result.policies.find((p) => p.name === policy);
            lines.push(
                `  ${c.bold(policy)}` +
                    (info?.severity ? c.dim(` (${info.severity})`) : "") +
                    (info ? c.dim(` - ${info.description}`) : ""),
            );
            for (const f of findings) {
                lines.push(`    [${levelLabel(f, c)}] ${displayType(f.resourceType)} ${f.resourceName}`);
                for (const line of f.message.split("\n")) {
                    lines.push(`        ${line}`);
                }
                if (f.waiver) {
                    lines.push(c.dim(`        waiver: ${f.waiver.reason} (expires ${f.waiver.expires})`));
                }
            }
        }
    }
    const s = summary(result);
    lines.push("");
    const verdict =
        `${s.mandatory} mandatory, ${s.advisory} advisory, ${s.waived} waived, ` +
        `${s.notEvaluated} not evaluated at preview`;
    lines.push(result.exitCode === 0 ? c.green(`PASSED: ${verdict}`) : c.red(`FAILED: ${verdict}`));
    return lines.join("\n") + "\n";
}
