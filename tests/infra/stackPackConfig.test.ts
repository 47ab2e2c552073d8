/**
 * Each stack file satisfies its pack config: every minimum or maximum the policy pack applies to a stack
 * (policy-pack/config/<stack>.json, or the rule's default where the file sets none) holds for the value the stack
 * file gives (Pulumi.<stack>.yaml, read by infra/config.ts with its defaults). Both files state the same facts for
 * the same environment (dev's 7-day deletion window and 30-day retention are in both), so a drift between them
 * would otherwise pass silently until a deployment met the pack.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BaselineConfig, namespacedConfig, parseBaselineConfig } from "../../infra/config";
import { ruleCatalog } from "../../policy-pack/catalog";
import { STACK_RULES_POLICY } from "../../policy-pack/lib/toPolicy";
import { repoRoot, stackFileConfig } from "./harness";

/** Which stack setting each pack bound applies to: `<rule>.<config key>` -> the setting of infra/config.ts. */
const BOUNDED_SETTINGS: Record<string, keyof BaselineConfig> = {
    "kms-key-rotation.maxRotationPeriodDays": "keyRotationPeriodDays",
    "kms-key-deletion-window.minDeletionWindowDays": "keyDeletionWindowDays",
    "logs-group-retention.minRetentionDays": "logRetentionDays",
};

/** A file as messages name it: relative to the repository when inside it. */
function shown(file: string): string {
    const relative = path.relative(repoRoot, file);
    return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

type PackConfig = Record<string, Record<string, unknown> | undefined>;

/** A rule's entry in a pack config file: resource rules at the top, stack rules under the stack-rules policy. */
function ruleEntry(packConfig: PackConfig, kind: "resource" | "stack", rule: string): Record<string, unknown> {
    const holder = kind === "stack" ? (packConfig[STACK_RULES_POLICY] as PackConfig | undefined) : packConfig;
    return holder?.[rule] ?? {};
}

/** Every bound the pack applies that the stack file's value breaks (or that no stack setting is known for). */
function stackPackConfigProblems(stackPath: string, packPath: string): string[] {
    const stackFile = shown(stackPath);
    const packFile = shown(packPath);
    const stack = path.basename(stackPath).replace(/^Pulumi\.(.+)\.yaml$/, "$1");
    const config = parseBaselineConfig(namespacedConfig(stackFileConfig(stackPath)), stack);
    const packConfig = JSON.parse(fs.readFileSync(packPath, "utf8")) as PackConfig;
    const problems: string[] = [];
    for (const rule of ruleCatalog) {
        for (const [key, spec] of Object.entries(rule.config)) {
            const bound = /^(min|max)[A-Z]/.exec(key)?.[1];
            if (bound === undefined) continue;
            const setting = BOUNDED_SETTINGS[`${rule.name}.${key}`];
            if (setting === undefined) {
                problems.push(
                    `${rule.name}.${key} bounds a value no stack setting is mapped to: add it to BOUNDED_SETTINGS`,
                );
                continue;
            }
            const explicit = ruleEntry(packConfig, rule.kind, rule.name)[key];
            const limit = explicit ?? spec.default;
            const value = config[setting];
            if (typeof limit !== "number" || typeof value !== "number") {
                problems.push(`${packFile}: ${rule.name}.${key} is ${JSON.stringify(limit)}, not a number`);
            } else if (bound === "min" ? value < limit : value > limit) {
                const source = explicit === undefined ? "the rule's default" : `${packFile} ${rule.name}.${key}`;
                problems.push(
                    `${stackFile}: kms-audit:${setting} is ${value}, ${bound === "min" ? "below" : "above"} the ` +
                        `${bound === "min" ? "minimum" : "maximum"} ${limit} of ${source}`,
                );
            }
        }
    }
    return problems;
}

const stackFiles = fs
    .readdirSync(repoRoot)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .sort();

describe("every stack file satisfies its policy-pack config", () => {
    it("finds the stack files (Pulumi.<stack>.yaml), not a hand list", () => {
        assert.ok(stackFiles.includes("Pulumi.dev.yaml") && stackFiles.includes("Pulumi.prod.yaml"), `${stackFiles}`);
    });

    for (const file of stackFiles) {
        const stack = file.replace(/^Pulumi\.(.+)\.yaml$/, "$1");
        it(`${file} is within every bound of policy-pack/config/${stack}.json`, () => {
            const packFile = path.join("policy-pack", "config", `${stack}.json`);
            assert.ok(fs.existsSync(path.join(repoRoot, packFile)), `${file} has no pack config ${packFile}`);
            assert.deepEqual(stackPackConfigProblems(path.join(repoRoot, file), path.join(repoRoot, packFile)), []);
        });
    }

    describe("a drifted copy fails, naming both files and the key", () => {
        let scratch: string;
        before(() => {
            scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kms-audit-stack-pack-"));
        });
        after(() => fs.rmSync(scratch, { recursive: true, force: true }));

        it("a pack minimum raised above the stack file's deletion window", () => {
            const stackFile = path.join(scratch, "Pulumi.dev.yaml");
            const packFile = path.join(scratch, "dev.json");
            fs.copyFileSync(path.join(repoRoot, "Pulumi.dev.yaml"), stackFile);
            const pack = JSON.parse(fs.readFileSync(path.join(repoRoot, "policy-pack/config/dev.json"), "utf8"));
            pack["kms-key-deletion-window"].minDeletionWindowDays = 14;
            fs.writeFileSync(packFile, JSON.stringify(pack));
            const problems = stackPackConfigProblems(stackFile, packFile);
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.ok(problems[0].includes(stackFile) && problems[0].includes(packFile), problems[0]);
            assert.match(problems[0], /kms-audit:keyDeletionWindowDays is 7, below the minimum 14/);
            assert.match(problems[0], /kms-key-deletion-window\.minDeletionWindowDays/);
        });

        it("a stack file's retention lowered below the pack's minimum", () => {
            const stackFile = path.join(scratch, "Pulumi.dev.yaml");
            const text = fs.readFileSync(path.join(repoRoot, "Pulumi.dev.yaml"), "utf8");
            assert.match(text, /kms-audit:logRetentionDays: 30\n/);
            fs.writeFileSync(
                stackFile,
                text.replace("kms-audit:logRetentionDays: 30\n", "kms-audit:logRetentionDays: 14\n"),
            );
            const packFile = path.join(repoRoot, "policy-pack/config/dev.json");
            const problems = stackPackConfigProblems(stackFile, packFile);
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /kms-audit:logRetentionDays is 14, below the minimum 30 of /);
            assert.match(problems[0], /policy-pack\/config\/dev\.json logs-group-retention\.minRetentionDays$/);
            assert.ok(problems[0].startsWith(stackFile), problems[0]);
        });

        it("a rule's default applies where the pack file sets none (prod's rotation, the 365-day default)", () => {
            const stackFile = path.join(scratch, "Pulumi.prod.yaml");
            const text = fs.readFileSync(path.join(repoRoot, "Pulumi.prod.yaml"), "utf8");
            assert.match(text, /kms-audit:keyRotationPeriodDays: \d+\n/);
            const rotation = /kms-audit:keyRotationPeriodDays: \d+\n/;
            fs.writeFileSync(stackFile, text.replace(rotation, "kms-audit:keyRotationPeriodDays: 730\n"));
            const packFile = path.join(scratch, "prod.json");
            const pack = JSON.parse(fs.readFileSync(path.join(repoRoot, "policy-pack/config/prod.json"), "utf8"));
            delete pack["kms-key-rotation"].maxRotationPeriodDays;
            fs.writeFileSync(packFile, JSON.stringify(pack));
            assert.deepEqual(stackPackConfigProblems(stackFile, packFile), [
                `${stackFile}: kms-audit:keyRotationPeriodDays is 730, above the maximum 365 of the rule's default`,
            ]);
        });
    });
});
