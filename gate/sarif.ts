import { createHash } from "crypto";
import * as path from "path";
import type { GateResult } from "./index";
import { Finding } from "./evaluate";
import { PolicyInfo } from "./engineTypes";
import { displayType } from "./report";

/** GitHub code scanning ranks security results by this 0-10 score. */
const securitySeverity: Record<string, string> = { low: "2.0", medium: "5.0", high: "7.5", critical: "9.5" };

type SarifLevel = "error" | "warning" | "note";

function sarifLevel(f: Finding): SarifLevel {
    if (f.waived || f.notEvaluated || f.level === "remediate") {
        return "note";
    }
    return f.level === "mandatory" ? "error" : "warning";
}

function defaultLevel(p: PolicyInfo): SarifLevel {
    return p.enforcementLevel === "mandatory" || p.enforcementLevel === "remediate"
        ? "error"
        : p.enforcementLevel === "advisory"
          ? "warning"
          : "note";
}

/** Control IDs from the pack's tags (e.g. `FSBP:KMS.4`) and its framework reference. */
function controls(p: PolicyInfo): string[] {
    const ids = [...p.tags];
    if (p.framework?.name && p.framework.reference) {
        for (const ref of p.framework.reference.split(/,\s*/)) {
            const id = `${p.framework.name}:${ref}`;
            if (!ids.includes(id)) {
                ids.push(id);
            }
        }
    }
    return ids;
}

interface SarifRule {
    id: string;
    name: string;
    shortDescription: { text: string };
    fullDescription: { text: string };
    helpUri?: string;
    help: { text: string };
    defaultConfiguration: { level: SarifLevel; enabled: boolean };
    properties: {
        tags: string[];
        controls: string[];
        enforcementLevel: string;
        kind: string;
        severity?: string;
        "security-severity"?: string;
    };
}

function rule(p: PolicyInfo): SarifRule {
    const help = [
        p.description,
        p.remediationSteps ? `Remediation: ${p.remediationSteps}` : "",
        p.url ? `More: ${p.url}` : "",
    ]
        .filter((s) => s !== "")
        .join("\n\n");
    return {
        id: p.name,
        name: p.displayName ?? p.name,
        shortDescription: { text: p.description || p.name },
        fullDescription: { text: p.description || p.name },
        ...(p.url ? { helpUri: p.url } : {}),
        help: { text: help || p.name },
        defaultConfiguration: { level: defaultLevel(p), enabled: p.enforcementLevel !== "disabled" },
        properties: {
            tags: ["security", ...controls(p)],
            controls: controls(p),
            enforcementLevel: p.enforcementLevel,
            kind: p.kind,
            ...(p.severity ? { severity: p.severity, "security-severity": securitySeverity[p.severity] } : {}),
        },
    };
}

/** Results need a file to show in code scanning: the program's entry file, or the checkpoint audited. */
function artifactUri(result: GateResult, cwd: string): string {
    const file = result.source.kind === "program" ? result.source.entry : result.source.file;
    return path.relative(cwd, file).split(path.sep).join("/");
}

/**
 * A rule for a finding whose rule is not one of the pack's policies: a pack that serves several rules from one
 * CrossGuard policy (ours: `stack-rules`) names each rule in its findings, so code scanning must list that rule too.
 */
function ruleFromFinding(f: Finding): SarifRule {
    return {
        id: f.policy,
        name: f.policy,
        shortDescription: { text: f.description || f.policy },
        fullDescription: { text: f.description || f.policy },
        help: { text: f.description || f.policy },
        defaultConfiguration: { level: f.level === "advisory" ? "warning" : "error", enabled: true },
        properties: {
            tags: ["security"],
            controls: [],
            enforcementLevel: f.level,
            kind: f.phase === "stack" ? "stack" : "resource",
            ...(f.severity ? { severity: f.severity, "security-severity": securitySeverity[f.severity] } : {}),
        },
    };
}

/** SARIF 2.1.0 for code-scanning upload: one run, one rule per policy or per rule findings name, one result each. */
export function sarifReport(result: GateResult, toolVersion: string, cwd = process.cwd()) {
    const rules = result.policies.map(rule);
    const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
    for (const f of result.findings) {
        if (!ruleIndex.has(f.policy)) {
            ruleIndex.set(f.policy, rules.length);
            rules.push(ruleFromFinding(f));
        }
    }
    const uri = artifactUri(result, cwd);
    const results = result.findings.map((f) => {
        const index = ruleIndex.get(f.policy);
        return {
            ruleId: f.policy,
            ...(index !== undefined ? { ruleIndex: index } : {}),
            level: sarifLevel(f),
            message: {
                text:
                    `${displayType(f.resourceType)} ${f.resourceName}: ${f.message}` +
                    (f.notEvaluated ? " (not evaluated at preview)" : ""),
            },
            locations: [
                {
                    physicalLocation: { artifactLocation: { uri } },
                    logicalLocations: [{ fullyQualifiedName: f.urn, name: f.resourceName, kind: "resource" }],
                },
            ],
            partialFingerprints: {
                "kmsAuditFinding/v1": createHash("sha256").update(`${f.policy}\n${f.urn}`).digest("hex"),
            },
            ...(f.waived
                ? {
                      suppressions: [
                          {
                              kind: "external",
                              state: "accepted",
                              justification: `${f.waiver?.reason} (expires ${f.waiver?.expires})`,
                          },
                      ],
                  }
                : {}),
            properties: {
                enforcementLevel: f.level,
                phase: f.phase,
                notEvaluated: f.notEvaluated,
                policyPack: `${f.policyPack}@${f.policyPackVersion}`,
            },
        };
    });
    const src = result.source;
    return {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0" as const,
        runs: [
            {
                tool: {
                    driver: {
                        name: "kms-audit-gate",
                        version: toolVersion,
                        informationUri: "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                        rules,
                    },
                },
                automationDetails: {
                    id: `kms-audit-gate/${src.stack}/${src.kind === "program" ? src.mode : "state"}/`,
                },
                results,
            },
        ],
    };
}
