/**
 * vocabulary/ is what every room imports, and the policy pack compiles it into its own bin/: it may import only its
 * own files and Node.js built-ins. biome.json enforces that (noRestrictedImports on vocabulary/**); this runs the
 * linter with the project's configuration on probe files, one allowed and one per kind of forbidden import.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");
const BIOME = path.join(REPO, "node_modules", ".bin", "biome");

/**
 * Lints one probe file at vocabulary/<name> under a scratch copy of biome.json (without the git integration) and of
 * the lint plugins it names.
 */
function lintProbe(name: string, source: string): { status: number | null; output: string } {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kms-audit-vocabulary-"));
    try {
        const config = JSON.parse(fs.readFileSync(path.join(REPO, "biome.json"), "utf8")) as Record<string, unknown>;
        delete config.$schema;
        config.vcs = { enabled: false };
        fs.writeFileSync(path.join(scratch, "biome.json"), JSON.stringify(config));
        // Plugins the configuration names (lint/*.grit) are loaded whatever the file.
        fs.cpSync(path.join(REPO, "lint"), path.join(scratch, "lint"), { recursive: true });
        fs.mkdirSync(path.join(scratch, "vocabulary"));
        fs.writeFileSync(path.join(scratch, "vocabulary", "pulumiValues.ts"), "export const isUnknown = 1;\n");
        fs.writeFileSync(path.join(scratch, "vocabulary", name), source);
        const run = spawnSync(BIOME, ["lint", "--colors=off", `vocabulary/${name}`], {
            cwd: scratch,
            encoding: "utf8",
            timeout: 60_000,
        });
        return { status: run.status, output: `${run.stdout}${run.stderr}` };
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

describe("vocabulary: imports nothing but its own files and Node.js built-ins (biome.json)", () => {
    it("accepts a sibling module and a node: built-in", () => {
        const { status, output } = lintProbe(
            "allowed.ts",
            'import * as fs from "node:fs";\n' +
                'import { isUnknown } from "./pulumiValues";\n' +
                "export const a = [fs, isUnknown];\n",
        );
        assert.equal(status, 0, output);
    });

    const forbidden: Record<string, string> = {
        "@pulumi/aws (a provider value)": 'import * as aws from "@pulumi/aws";\nexport const a = aws;\n',
        "@pulumi/pulumi": 'import * as pulumi from "@pulumi/pulumi";\nexport const a = pulumi;\n',
        "a room (core/)": 'import { parseFlags } from "../core/cli";\nexport const a = parseFlags;\n',
        "a room (policy-pack/lib)": 'import { glob } from "../policy-pack/lib/glob";\nexport const a = glob;\n',
        "another package": 'import * as yaml from "js-yaml";\nexport const a = yaml;\n',
    };
    for (const [what, source] of Object.entries(forbidden)) {
        it(`refuses ${what}`, () => {
            const { status, output } = lintProbe("forbidden.ts", source);
            assert.equal(status, 1, output);
            assert.match(output, /noRestrictedImports/);
            assert.match(output, /vocabulary\/ is shared by every room/);
        });
    }
});
