/**
 * What the pack may import, as biome.json enforces it: no @pulumi/aws value (only `import type`, through the Grit
 * plugin lint/pack-no-aws-values.grit), and no rule file importing another (noRestrictedImports on
 * policy-pack/rules/**, the registry rules/index.ts excepted). Each case lints a probe file placed at a pack path
 * in a throwaway copy of the config, so the real tree is never touched. The last case checks the outcome the
 * linter exists for: loading the compiled pack loads nothing of @pulumi/aws.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
const BIOME = require.resolve("@biomejs/biome/bin/biome", { paths: [root] });

interface Finding {
    line: number;
    rule: string;
}

/** A copy of biome.json and its plugin in a fresh folder (no VCS there), with `files` written under it. */
function lintProbe(files: Record<string, string>): Finding[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-audit-pack-imports-"));
    try {
        const config = JSON.parse(fs.readFileSync(path.join(root, "biome.json"), "utf8")) as Record<string, unknown>;
        config.vcs = { enabled: false };
        delete config.$schema;
        fs.writeFileSync(path.join(dir, "biome.json"), JSON.stringify(config));
        fs.mkdirSync(path.join(dir, "lint"));
        fs.copyFileSync(
            path.join(root, "lint", "pack-no-aws-values.grit"),
            path.join(dir, "lint", "pack-no-aws-values.grit"),
        );
        for (const [file, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), text);
        }
        const result = spawnSync(
            process.execPath,
            [BIOME, "lint", "--reporter=json", "--max-diagnostics=none", ...Object.keys(files)],
            { cwd: dir, encoding: "utf8", timeout: 60_000 },
        );
        assert.ok(result.status === 0 || result.status === 1, `biome exited ${result.status}: ${result.stderr}`);
        // The JSON reporter is marked experimental in Biome 2: pin @biomejs/biome (package.json) and adapt here.
        const report = JSON.parse(result.stdout) as {
            diagnostics: { category: string; location: { start: { line: number } } }[];
        };
        return report.diagnostics.map((d) => ({ line: d.location.start.line, rule: d.category }));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function linesFlagged(findings: Finding[], rule: string): number[] {
    return findings.filter((f) => f.rule === rule).map((f) => f.line);
}

describe("what the pack may import (biome.json)", function () {
    this.timeout(120_000);

    it("@pulumi/aws: type-only imports pass; value, side-effect, re-export and require imports are errors", () => {
        const probe = [
            'import type { KeyArgs } from "@pulumi/aws/kms/key";', // 1 ok
            'import type * as aws from "@pulumi/aws";', // 2 ok
            'import type {\n    TopicArgs,\n} from "@pulumi/aws/sns/topic";', // 3-5 ok
            'import * as provider from "@pulumi/aws";', // 6
            'import { Key } from "@pulumi/aws/kms/key";', // 7
            'import { type BucketArgs } from "@pulumi/aws/s3/bucket";', // 8: kept as an import under some settings
            'import "@pulumi/aws";', // 9
            'export { Bucket } from "@pulumi/aws/s3";', // 10
            'export type { GrantArgs } from "@pulumi/aws/kms/grant";', // 11 ok
            'const loaded = require("@pulumi/aws/kms");', // 12
            'import { lookalike } from "@pulumi/awsguard";', // 13 ok: another package
            "export type T = KeyArgs | aws.kms.KeyArgs | TopicArgs | BucketArgs;",
            "export const values = [provider, Key, loaded, lookalike];",
            "",
        ].join("\n");
        const findings = lintProbe({ "policy-pack/lib/probe.ts": probe });
        assert.deepEqual(linesFlagged(findings, "plugin"), [6, 7, 8, 9, 10, 12]);
        // Outside the pack the provider is the program's own dependency.
        assert.deepEqual(linesFlagged(lintProbe({ "infra/probe.ts": probe }), "plugin"), []);
    });

    it("a rule file imports lib/ but no other rule file; the registry rules/index.ts imports them all", () => {
        const rule = [
            'import { problem } from "../lib/rule";', // 1 ok
            'import { kmsKeyRotation } from "./kmsKey";', // 2
            'import { snsTopicKmsEncrypted } from "../rules/sns";', // 3
            'import { allRules } from ".";', // 4 (the registry, from inside rules/)
            "export const all = [problem, kmsKeyRotation, snsTopicKmsEncrypted, allRules];",
            "",
        ].join("\n");
        const restricted = "lint/style/noRestrictedImports";
        const findings = lintProbe({ "policy-pack/rules/probe.ts": rule });
        assert.deepEqual(linesFlagged(findings, restricted), [2, 3, 4]);
        const registry = 'import { kmsKeyRotation } from "./kmsKey";\nexport const all = [kmsKeyRotation];\n';
        assert.deepEqual(linesFlagged(lintProbe({ "policy-pack/rules/index.ts": registry }), restricted), []);
        assert.deepEqual(linesFlagged(lintProbe({ "policy-pack/lib/probe.ts": rule }), restricted), []);
    });

    it("loading the compiled pack's policies loads no module of @pulumi/aws", () => {
        // policies.js sits beside the pack's entry point, wherever the build puts it (package.json `main`).
        const manifest = JSON.parse(fs.readFileSync(path.join(root, "policy-pack", "package.json"), "utf8")) as {
            main: string;
        };
        const compiledDir = path.join(root, "policy-pack", path.dirname(manifest.main));
        const compiled = path.join(compiledDir, "policies.js");
        assert.ok(fs.existsSync(compiled), `${compiled} is missing: npm test compiles the pack first`);
        const script =
            `require(${JSON.stringify(compiled)});` +
            "process.stdout.write(JSON.stringify(Object.keys(require.cache)));";
        const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
        assert.equal(result.status, 0, result.stderr);
        const loaded = JSON.parse(result.stdout) as string[];
        assert.ok(loaded.includes(path.join(compiledDir, "rules", "index.js")), "the rules were loaded");
        // The shared vocabulary is compiled beside the pack (bin/vocabulary/) and ships with it.
        assert.ok(
            loaded.some((m) => m.endsWith(path.join("bin", "vocabulary", "awsTypes.js"))),
            "vocabulary loaded",
        );
        assert.deepEqual(
            loaded.filter((m) => m.includes(`${path.sep}@pulumi${path.sep}aws${path.sep}`)),
            [],
        );
    });
});
