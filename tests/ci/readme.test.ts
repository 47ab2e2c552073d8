import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { dryRunCi } from "./ciScript";

const root = path.resolve(__dirname, "..", "..");
const read = (relative: string) => fs.readFileSync(path.join(root, relative), "utf8");
const readme = read("README.md");
const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

/** Markdown files a user reads: the README, docs/ and the pack's README. */
const documents = [
    "README.md",
    "policy-pack/README.md",
    ...fs
        .readdirSync(path.join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
];

/** `npm run <name>` references in a text. */
function npmRunScripts(text: string): string[] {
    return [...text.matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]);
}

/** Relative link targets of a markdown text, without anchors. */
function relativeLinks(text: string): string[] {
    return [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
}

describe("README and documentation", () => {
    it("the README stays under 20,000 characters", () => {
        assert.ok(readme.length < 20_000, `README.md has ${readme.length} characters`);
    });

    it("has the sections a newcomer needs, in order", () => {
        const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
        const wanted = ["Quick start", "What gets built", "Configuration", "Deploying", "More documentation"];
        const positions = wanted.map((h) => headings.indexOf(h));
        assert.ok(
            positions.every((p) => p >= 0),
            `missing: ${wanted.filter((_, i) => positions[i] < 0).join(", ")}`,
        );
        assert.deepEqual(
            positions.slice().sort((a, b) => a - b),
            positions,
        );
    });

    it("the quick start runs only scripts that exist, and CI runs each of its commands", () => {
        const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
        const commands = block
            .split("\n")
            .map((l) => l.replace(/#.*$/, "").trim())
            .filter(Boolean);
        assert.deepEqual(commands, ["npm ci", "npm run check -- --stack dev", "npm test"]);
        const ci = dryRunCi();
        assert.equal(ci.status, 0, ci.stderr);
        for (const command of commands) {
            const runs = (line: string) => line === command || line.startsWith(`${command} --`);
            assert.ok(ci.commands.some(runs), `.ci/run runs ${command}`);
        }
    });

    it("every `npm run <script>` in the documentation and workflows names a script of package.json", () => {
        const workflows = fs.readdirSync(path.join(root, ".github", "workflows")).map((f) => `.github/workflows/${f}`);
        for (const file of [...documents, ...workflows, ".ci/run"]) {
            for (const script of npmRunScripts(read(file))) {
                assert.ok(script in scripts, `${file}: npm run ${script} is not a script`);
            }
        }
    });

    it("the key-usage audit is `npm run key-audit`; no script shadows npm's own `npm audit`", () => {
        assert.equal(scripts.audit, undefined);
        assert.match(scripts["key-audit"], /audit\/cli\.ts$/);
    });

    it("the checker above finds a script that does not exist", () => {
        assert.deepEqual(npmRunScripts("run `npm run audit -- --logs x` or npm run check"), ["audit", "check"]);
        assert.equal("audit" in scripts, false);
    });

    it("relative links in the README and docs point at files that exist", () => {
        for (const file of documents) {
            for (const target of relativeLinks(read(file))) {
                const resolved = path.join(root, path.dirname(file), target);
                assert.ok(fs.existsSync(resolved), `${file} links to ${target}, which does not exist`);
            }
        }
    });
});
