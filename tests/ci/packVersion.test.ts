/**
 * .ci/pack-version-bumped, which the pull-request workflow runs against the base branch: a change to what the
 * published pack ships must come with a new version in policy-pack/package.json (docs/policy-publishing.md).
 * Each case builds a throwaway git repository outside this one with a copy of the script.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

const root = path.resolve(__dirname, "..", "..");
const SCRIPT = path.join(root, ".ci", "pack-version-bumped");

interface Result {
    code: number | null;
    stderr: string;
    stdout: string;
}

class Repository {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-audit-pack-version-"));

    constructor() {
        fs.mkdirSync(path.join(this.dir, ".ci"));
        fs.copyFileSync(SCRIPT, path.join(this.dir, ".ci", "pack-version-bumped"));
        fs.chmodSync(path.join(this.dir, ".ci", "pack-version-bumped"), 0o755);
        this.git("init", "-q", "-b", "main");
        this.write("policy-pack/package.json", manifest("0.1.0", "3.248.0"));
        this.write("policy-pack/rules/kms.ts", "export const rule = 1;\n");
        this.write("policy-pack/config/prod.json", "{}\n");
        this.write("policy-pack/README.md", "# pack\n");
        this.commit("base");
        this.git("checkout", "-q", "-b", "change");
    }

    git(...args: string[]): string {
        const result = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
            cwd: this.dir,
            encoding: "utf8",
            timeout: 30_000,
        });
        assert.equal(result.status, 0, `git ${args.join(" ")}: ${result.stderr}`);
        return result.stdout;
    }

    write(relative: string, text: string): void {
        fs.mkdirSync(path.dirname(path.join(this.dir, relative)), { recursive: true });
        fs.writeFileSync(path.join(this.dir, relative), text);
    }

    commit(message: string): void {
        this.git("add", "-A");
        this.git("commit", "-q", "--allow-empty", "-m", message);
    }

    check(...args: string[]): Result {
        const result = spawnSync(path.join(this.dir, ".ci", "pack-version-bumped"), args, {
            cwd: this.dir,
            encoding: "utf8",
            timeout: 30_000,
        });
        return { code: result.status, stderr: result.stderr, stdout: result.stdout };
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function manifest(version: string, pulumi: string): string {
    return JSON.stringify({ name: "p", version, dependencies: { "@pulumi/pulumi": pulumi } }, null, 2) + "\n";
}

describe(".ci/pack-version-bumped", () => {
    let repo: Repository;
    beforeEach(() => {
        repo = new Repository();
    });
    afterEach(() => repo.remove());

    it("fails when a rule changes and the version does not, naming the file and the fix", () => {
        repo.write("policy-pack/rules/kms.ts", "export const rule = 2;\n");
        repo.commit("rule");
        const result = repo.check("main");
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /keeps version 0\.1\.0/);
        assert.match(result.stderr, /^ {2}policy-pack\/rules\/kms\.ts$/m);
        assert.match(result.stderr, /npm version <major\|minor\|patch> --no-git-tag-version/);
    });

    it("passes when the same change bumps the version", () => {
        repo.write("policy-pack/rules/kms.ts", "export const rule = 2;\n");
        repo.write("policy-pack/package.json", manifest("0.1.1", "3.248.0"));
        repo.commit("rule and version");
        const result = repo.check("main");
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /from 0\.1\.0 to 0\.1\.1/);
    });

    it("fails when the shared vocabulary the pack compiles into its bin/ changes and the version does not", () => {
        repo.write("vocabulary/kmsActions.ts", "export const actions = [];\n");
        repo.commit("vocabulary");
        const result = repo.check("main");
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /^ {2}vocabulary\/kmsActions\.ts$/m);
    });

    it("fails when a dependency pin changes and the version does not", () => {
        repo.write("policy-pack/package.json", manifest("0.1.0", "3.249.0"));
        repo.commit("dependency");
        const result = repo.check("main");
        assert.equal(result.code, 1);
        assert.match(result.stderr, /policy-pack\/package\.json \(besides its version\)/);
    });

    it("passes when only the per-environment config or the README change (they do not ship in the tarball)", () => {
        repo.write("policy-pack/config/prod.json", '{"kms-key-rotation": "mandatory"}\n');
        repo.write("policy-pack/README.md", "# pack, explained\n");
        repo.commit("config");
        assert.equal(repo.check("main").code, 0);
    });

    it("exits 2 with a usage line without a base, and with a clear message for an unknown one", () => {
        const usage = repo.check();
        assert.equal(usage.code, 2);
        assert.match(usage.stderr, /^usage: \.ci\/pack-version-bumped <base commit or ref>$/m);
        const unknown = repo.check("no-such-branch");
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /cannot find a common ancestor of 'no-such-branch' and HEAD/);
    });

    it("the pull-request workflow runs it against the base branch with history fetched", () => {
        type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
        const wf = yaml.load(fs.readFileSync(path.join(root, ".github", "workflows", "pull-request.yml"), "utf8")) as {
            jobs: Record<string, { steps: Step[] }>;
        };
        const job = Object.values(wf.jobs).find((j) =>
            j.steps.some((s) => s.run?.startsWith(".ci/pack-version-bumped")),
        );
        assert.ok(job, "a job runs .ci/pack-version-bumped");
        const checkout = job.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
        assert.equal(checkout?.with?.["fetch-depth"], 0);
        assert.ok(job.steps.some((s) => s.run === ".ci/pack-version-bumped origin/${{ github.base_ref }}"));
    });
});
