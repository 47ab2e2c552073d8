/**
 * How rules are declared (policy-pack/lib/rule.ts): the defaults `resourceRule` and `stackRule` fill in, and what
 * the compiler rejects in a declaration (a property name the provider's arguments do not have, a config key the
 * schema does not declare, a setting used as the wrong type, a stated `remediable`, a remediation naming no
 * argument of the type, a stack resource property its state does not have), checked by compiling probe
 * declarations with the pack's compiler options.
 */
import { strict as assert } from "assert";
import * as path from "path";
import * as ts from "typescript";
import { resourceRule, stackRule } from "../../policy-pack/lib/rule";
import { allRules } from "../../policy-pack/rules";

const packDir = path.resolve(__dirname, "..", "..", "policy-pack");
const stated = { name: "probe", description: "d", severity: "low", remediationSteps: "r", url: "u" } as const;

describe("rule declarations: defaults in one place", () => {
    it("a resource rule is mandatory, without controls or settings, remediable when it can remediate", () => {
        const plain = resourceRule({ ...stated, types: ["aws:kms/key:Key"], check: () => [] });
        assert.equal(plain.kind, "resource");
        assert.equal(plain.enforcementLevel, "mandatory");
        assert.deepEqual(plain.controls, {});
        assert.deepEqual(plain.config, {});
        assert.equal(plain.remediable, false);
        const fixing = resourceRule({
            ...stated,
            enforcementLevel: "advisory",
            controls: { fsbp: ["KMS.4"] },
            types: ["aws:kms/key:Key"],
            check: () => [],
            remediate: () => ({ enableKeyRotation: true }),
        });
        assert.equal(fixing.enforcementLevel, "advisory");
        assert.deepEqual(fixing.controls, { fsbp: ["KMS.4"] });
        assert.equal(fixing.remediable, true);
    });

    it("a stack rule is never remediable; each rule of the pack is remediable exactly when it has remediate", () => {
        const rule = stackRule({ ...stated, config: { on: { type: "boolean", default: true } }, check: () => [] });
        assert.equal(rule.kind, "stack");
        assert.equal(rule.remediable, false);
        assert.deepEqual(Object.keys(rule.config), ["on"]);
        for (const r of allRules) {
            assert.equal(r.remediable, r.kind === "resource" && r.remediate !== undefined, r.name);
        }
        assert.ok(allRules.some((r) => r.remediable));
    });
});

/** Compiles `source` as a file of policy-pack/rules/ with the pack's compiler options; returns error lines. */
function compileErrors(source: string): { line: number; message: string }[] {
    const file = path.join(packDir, "rules", "__probe__.ts");
    const config = ts.getParsedCommandLineOfConfigFile(
        path.join(packDir, "tsconfig.json"),
        {},
        {
            ...ts.sys,
            onUnRecoverableConfigFileDiagnostic: (d) =>
                assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
        },
    );
    assert.ok(config);
    const host = ts.createCompilerHost(config.options);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => (path.resolve(name) === file ? source : readFile(name));
    const exists = host.fileExists.bind(host);
    host.fileExists = (name) => path.resolve(name) === file || exists(name);
    const program = ts.createProgram([file], { ...config.options, noEmit: true, noUnusedLocals: false }, host);
    return ts
        .getPreEmitDiagnostics(program)
        .filter((d) => d.file && path.resolve(d.file.fileName) === file)
        .map((d) => ({
            line: d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
            message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
        }));
}

describe("rule declarations: what the compiler rejects", function () {
    this.timeout(120_000);

    it("unknown provider property names (inputs or state), undeclared or mistyped settings", () => {
        const probe = [
            'import { problem, resourceRule, resourcesOf, stackRule } from "../lib/rule";',
            'import { BUCKET_TYPES, KEY, RDS_INSTANCE, TRAIL } from "../lib/types";',
            "export const typed = resourceRule({",
            '    name: "p", description: "d", severity: "low", remediationSteps: "r", url: "u",',
            '    config: { days: { type: "integer", default: 1 }, strict: { type: "boolean", default: true } },',
            "    types: [KEY, TRAIL],",
            "    check(r, config) {",
            "        const days: number = config.days;", // 8 ok
            "        const strict: boolean = config.strict;", // 9 ok
            "        const wrong: string = config.days;", // 10 error: number is not a string
            "        const absent = config.maxDays;", // 11 error: no such setting
            "        const rotation = r.props.enableKeyRotation;", // 12 ok: a Key argument
            "        const bucketName = r.props.s3BucketName;", // 13 ok: a Trail argument
            "        const misspelt = r.props.enableKeyRotaton;", // 14 error: no such argument
            "        const byName = at(r.props, 'anything');",
            '        return [problem(`${days}${strict}${wrong}${absent}${rotation}${bucketName}${misspelt}`, "")];',
            "    },",
            "});",
            "export const stack = stackRule({",
            '    name: "p", description: "d", severity: "low", remediationSteps: "r", url: "u",',
            "    remediable: true,", // 21 error: derived, not stated
            "    check: () => [],",
            "});",
            "export const replica = resourceRule({",
            '    name: "p", description: "d", severity: "low", remediationSteps: "r", url: "u",',
            "    types: [RDS_INSTANCE],",
            "    check: (r) => (r.props.storageEncrypted === true ? [] : []),", // 27 ok: an RDS argument
            "    remediate: () => ({ storageEncryption: true }),", // 28 error: a patch naming no argument at all
            "});",
            "export const buckets = stackRule({",
            '    name: "p", description: "d", severity: "low", remediationSteps: "r", url: "u",',
            "    check: (graph) =>",
            "        resourcesOf(graph, BUCKET_TYPES).flatMap((b) =>", // 33
            "            b.props.arn && b.props.loggings && b.props.logings ? [] : [],", // 34 error: logings
            "        ),",
            "});",
            "declare function at(value: unknown, key: string): unknown;",
            "",
        ].join("\n");
        const errors = compileErrors(probe);
        const lines = [...new Set(errors.map((e) => e.line))].sort((a, b) => a - b);
        assert.deepEqual(lines, [10, 11, 14, 21, 28, 34], JSON.stringify(errors, null, 1));
        assert.match(errors.find((e) => e.line === 14)!.message, /enableKeyRotaton.*does not exist/);
    });
});
