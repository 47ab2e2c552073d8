import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { ruleCatalog } from "../../policy-pack/catalog";
import { STACK_RULES_POLICY } from "../../policy-pack/lib/toPolicy";
import { policies } from "../../policy-pack/policies";
import * as s3 from "../../policy-pack/lib/types";

const readme = fs.readFileSync(path.resolve(__dirname, "../../policy-pack/README.md"), "utf8");
const tableRows = readme
    .split("\n")
    .filter((l) => /^\| `[a-z0-9-]+` \|/.test(l))
    .map((l) => l.split(" | ").map((c) => c.trim()));

describe("the rule catalogue and the README table", () => {
    it("documents exactly the catalogue's rules, once each, in one table", () => {
        assert.deepStrictEqual(
            tableRows.map((r) => r[0].replace(/^\| `|`$/g, "")),
            ruleCatalog.map((r) => r.name),
        );
    });
    it("shows each rule's control IDs, severity, default level and config keys as the catalogue says", () => {
        for (const [row, rule] of tableRows.map((r, i) => [r, ruleCatalog[i]] as const)) {
            const ids = [
                ...(rule.controls.cis ?? []).map((c) => `CIS ${c}`),
                ...(rule.controls.fsbp ?? []),
                ...(rule.controls.checkov ?? []),
            ];
            assert.strictEqual(row[3], ids.join(", ") || "-", rule.name);
            assert.strictEqual(row[4], rule.severity, rule.name);
            assert.ok(row[5].startsWith(rule.enforcementLevel), rule.name);
            for (const key of Object.keys(rule.config)) {
                assert.ok(
                    row[6].includes(`\`${key}\`=${JSON.stringify(rule.config[key].default)}`),
                    `${rule.name}.${key}`,
                );
            }
        }
    });
    it("gives every rule a description, remediation steps, an AWS doc link and a unique name", () => {
        assert.strictEqual(new Set(ruleCatalog.map((r) => r.name)).size, ruleCatalog.length);
        for (const rule of ruleCatalog) {
            assert.ok(rule.description && rule.remediationSteps, rule.name);
            assert.match(rule.url, /^https:\/\/docs\.aws\.amazon\.com\//, rule.name);
        }
    });
    it("serves every stack rule from one stack policy (the server re-reads the whole stack per stack policy)", () => {
        const stackPolicies = policies.filter((p) => "validateStack" in p);
        assert.deepStrictEqual(
            stackPolicies.map((p) => p.name),
            [STACK_RULES_POLICY],
        );
        assert.deepStrictEqual(
            Object.keys(stackPolicies[0].configSchema!.properties),
            ruleCatalog.filter((r) => r.kind === "stack").map((r) => r.name),
        );
        assert.deepStrictEqual(
            policies.filter((p) => !("validateStack" in p)).map((p) => p.name),
            ruleCatalog.filter((r) => r.kind === "resource").map((r) => r.name),
        );
    });
});

describe("type tokens", () => {
    it("every token the pack matches is the __pulumiType of a class in the installed @pulumi/aws", () => {
        const stackTokens = [
            ...s3.BUCKET_TYPES,
            ...s3.SSE_TYPES,
            s3.PUBLIC_ACCESS_BLOCK,
            s3.OWNERSHIP_CONTROLS,
            ...s3.ACL_TYPES,
            s3.POLICY,
            ...s3.VERSIONING_TYPES,
            ...s3.LOGGING_TYPES,
            s3.TRAIL,
            s3.DISTRIBUTION,
        ];
        for (const token of new Set([...ruleCatalog.flatMap((r) => r.types), ...stackTokens])) {
            const [, module, file, name] = /^aws:(\w+)\/(\w+):(\w+)$/.exec(token) ?? [];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const exported = require(`@pulumi/aws/${module}/${file}`) as Record<string, { __pulumiType?: string }>;
            assert.strictEqual(exported[name]?.__pulumiType, token, token);
        }
    });
});

type ConfigFile = Record<string, Record<string, unknown>>;

/** Every rule's entry of a config file: a resource rule's under its own name, a stack rule's under stack-rules. */
function ruleEntries(config: ConfigFile): [string, Record<string, unknown>][] {
    return Object.entries(config).flatMap(([name, value]) =>
        name === STACK_RULES_POLICY
            ? Object.entries(value as ConfigFile)
            : [[name, value] as [string, Record<string, unknown>]],
    );
}

/** The JSON schema a rule's entry must satisfy: its policy's, or its entry in the stack-rules policy's schema. */
function entrySchema(name: string): Record<string, unknown> | undefined {
    const own = policies.find((p) => p.name === name && !("validateStack" in p));
    if (own) {
        return { type: "object", additionalProperties: false, ...own.configSchema };
    }
    const shared = policies.find((p) => p.name === STACK_RULES_POLICY)!.configSchema!.properties[name];
    if (typeof shared !== "object") {
        return undefined;
    }
    const { enforcementLevel: _level, ...properties } = shared.properties ?? {};
    return { ...shared, properties };
}

describe("policy-pack/config/<env>.json", () => {
    const ajv = new Ajv({ strict: false, useDefaults: false });
    for (const env of ["dev", "prod"]) {
        it(`${env}.json names only real rules, valid levels, and values that satisfy each rule's schema`, () => {
            const config = JSON.parse(
                fs.readFileSync(path.resolve(__dirname, `../../policy-pack/config/${env}.json`), "utf8"),
            );
            for (const [name, value] of ruleEntries(config)) {
                const schema = entrySchema(name);
                assert.ok(schema, `${env}.json: unknown rule ${name}`);
                const { enforcementLevel, ...settings } = value;
                assert.ok(
                    ["advisory", "mandatory", "remediate", "disabled"].includes(String(enforcementLevel)),
                    `${name}: ${enforcementLevel}`,
                );
                const validate = ajv.compile(schema);
                assert.ok(validate(settings), `${env}.json ${name}: ${ajv.errorsText(validate.errors)}`);
            }
        });
    }
    it("prod is stricter than dev: nothing advisory in prod", () => {
        const prod = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../policy-pack/config/prod.json"), "utf8"));
        const entries = ruleEntries(prod);
        assert.deepStrictEqual(
            entries.filter(([, v]) => v.enforcementLevel === "advisory"),
            [],
        );
        assert.deepStrictEqual(entries.map(([name]) => name).sort(), ruleCatalog.map((r) => r.name).sort());
    });
    it("the schema rejects a waiver without a reason", () => {
        for (const name of ["kms-key-rotation", "s3-bucket-sse-kms"]) {
            const validate = new Ajv({ strict: false }).compile(entrySchema(name)!);
            assert.strictEqual(validate({ waivers: [{ resource: "b", expires: "2999-01-01" }] }), false, name);
            assert.strictEqual(
                validate({ waivers: [{ resource: "b", reason: "why", expires: "2999-01-01" }] }),
                true,
                name,
            );
        }
    });
    it("the stack-rules schema rejects an unknown level or key inside a rule's entry", () => {
        const shared = policies.find((p) => p.name === STACK_RULES_POLICY)!;
        const validate = new Ajv({ strict: false }).compile({ type: "object", ...shared.configSchema });
        assert.strictEqual(validate({ "s3-bucket-sse-kms": { enforcementLevel: "advisory" } }), true);
        assert.strictEqual(validate({ "s3-bucket-sse-kms": { enforcementLevel: "loud" } }), false);
        assert.strictEqual(validate({ "s3-bucket-sse-kms": { requireTrail: true } }), false);
    });
});
