import { strict as assert } from "assert";
import { execFileSync, spawn, spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv from "ajv";
import * as yaml from "js-yaml";
import { GateError, runGate } from "../../gate";
import { runDiff } from "../../diff";
import { parseArgs } from "../../diff/args";
import { jsonReport } from "../../diff/report";
import {
    KEY_USER_REMOVED,
    packDir,
    projectWithStackFile,
    removeTempDirs,
    readStackFile,
    repoRoot,
    tempDir,
    withoutKeyUser,
} from "./helpers";

type DiffJson = ReturnType<typeof jsonReport>;

const cli = path.join(repoRoot, "diff", "cli.ts");
const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, "diff", "report.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true }).compile(schema);

function diff(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), cli, ...args], {
        cwd,
        encoding: "utf8",
        timeout: 240000,
        // Not npm's INIT_CWD from `npm test` (the repository): each case runs from `cwd` unless it names one.
        env: { ...process.env, NO_COLOR: "1", INIT_CWD: "", ...env },
    });
}

function git(cwd: string, ...args: string[]): void {
    const r = spawnSync("git", args, { cwd, encoding: "utf8", timeout: 30000 });
    assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
}

/** Base trees this process's diffs may leave in the temp folder (none, if cleanup works). */
function baseTrees(): string[] {
    return fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("kms-audit-diff-base-"));
}

/** A git repository holding a copy of the project, node_modules linked as in a checkout with `npm ci` done. */
function projectRepository(): string {
    const dir = tempDir("kms-audit-diff-repo-");
    for (const entry of [
        "Pulumi.yaml",
        "Pulumi.dev.yaml",
        "Pulumi.prod.yaml",
        "tsconfig.json",
        "package.json",
        "infra",
        "vocabulary",
    ]) {
        fs.cpSync(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
    }
    fs.writeFileSync(path.join(dir, ".gitignore"), "node_modules\n");
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    git(dir, "init", "-q", "-b", "main");
    git(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A");
    git(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "baseline");
    return dir;
}

describe("npm run diff (CLI)", function () {
    this.timeout(600000);
    after(removeTempDirs);

    describe("--base <git-ref> in a repository", function () {
        let repo: string;
        let treesBefore: string[];
        before(function () {
            treesBefore = baseTrees();
            repo = projectRepository();
        });

        it(
            "removing a key user against HEAD: narrowing, JSON valid against " +
                "the schema, exit 0 under --fail-on broadening",
            function () {
                fs.writeFileSync(
                    path.join(repo, "Pulumi.dev.yaml"),
                    yaml.dump(withoutKeyUser("dev", KEY_USER_REMOVED)),
                );
                const out = path.join(repo, "diff.json");
                const r = diff(
                    [
                        "--stack",
                        "dev",
                        "--base",
                        "HEAD",
                        "--policy-pack",
                        packDir,
                        "--format",
                        "json",
                        "--out",
                        out,
                        "--fail-on",
                        "broadening",
                    ],
                    repo,
                );
                assert.equal(r.status, 0, r.stderr);
                const report: DiffJson = JSON.parse(fs.readFileSync(out, "utf8"));
                assert.ok(validate(report), JSON.stringify(validate.errors));
                assert.equal(report.broadening, false);
                assert.equal(report.verdict, "narrowing");
                assert.equal(report.base.kind, "ref");
                assert.match(report.base.commit ?? "", /^[0-9a-f]{40}$/);
                const lost = report.access.filter((a) => a.principal === KEY_USER_REMOVED && a.kind === "lost");
                assert.ok(lost.some((a) => a.actions.includes("kms:Decrypt")));
                assert.match(r.stderr, /verdict narrowing; json report written to/);
            },
        );

        it("adding the user back against the commit removing them: broadening, named in markdown, exit 1", function () {
            git(
                repo,
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "commit",
                "-q",
                "-am",
                "remove a key user",
            );
            fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), yaml.dump(readStackFile("dev")));
            const json = path.join(repo, "diff.json");
            const r = diff(
                [
                    "--stack",
                    "dev",
                    "--base",
                    "main",
                    "--policy-pack",
                    packDir,
                    "--format",
                    "markdown",
                    "--fail-on",
                    "broadening",
                    "--json-out",
                    json,
                ],
                repo,
            );
            assert.equal(r.status, 1, r.stderr);
            const report: DiffJson = JSON.parse(fs.readFileSync(json, "utf8"));
            assert.deepEqual([report.broadening, report.exitCode, report.failOn], [true, 1, "broadening"]);
            assert.match(r.stdout, /^### Security diff: stack `dev`/);
            assert.match(r.stdout, /Verdict: \*\*BROADENING\*\*/);
            assert.ok(r.stdout.includes(`${KEY_USER_REMOVED} gains kms:Decrypt`), r.stdout);
            assert.match(r.stdout, /\| \+ \| arn:aws:iam::123456789012:role\/SecurityAuditors \| gained \|/);
        });

        it("a ref that is not a commit is a usage error (exit 2) naming the ref", function () {
            const r = diff(["--stack", "dev", "--base", "no-such-branch", "--policy-pack", packDir], repo);
            assert.equal(r.status, 2);
            assert.match(r.stderr, /--base no-such-branch: not a commit in the repository at /);
            assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace for a user error");
        });

        it("a base stack file the program rejects: exit 2, naming the side and the bad key", function () {
            const broken = readStackFile("dev");
            git(repo, "checkout", "-q", "-b", "broken");
            fs.writeFileSync(
                path.join(repo, "Pulumi.dev.yaml"),
                yaml.dump({ config: { ...broken.config, "kms-audit:keyDeletionWindowDays": 3 } }),
            );
            git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-am", "broken window");
            fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), yaml.dump(broken));
            const r = diff(["--stack", "dev", "--base", "broken", "--policy-pack", packDir], repo);
            assert.equal(r.status, 2, r.stdout);
            assert.match(r.stderr, /kms-audit diff: error: --base broken: program .* failed/);
            assert.match(r.stderr, /kms-audit:keyDeletionWindowDays = "3": a whole number of days from 7 to 30/);
        });

        it("a stack the change introduces: empty base, every resource created, access gained", async function () {
            const qa = readStackFile("dev");
            fs.writeFileSync(
                path.join(repo, "Pulumi.qa.yaml"),
                yaml.dump({ config: { ...qa.config, "kms-audit:environment": "qa" } }),
            );
            const result = await runDiff({
                projectDir: repo,
                stack: "qa",
                base: { kind: "ref", ref: "main" },
                policyPack: packDir,
            });
            fs.rmSync(path.join(repo, "Pulumi.qa.yaml"));
            assert.equal(result.base.kind, "empty");
            assert.match(result.base.description, /no Pulumi\.qa\.yaml there/);
            assert.ok(result.resources.length > 30 && result.resources.every((r) => r.change === "create"));
            assert.equal(result.verdict.kind, "broadening");
            assert.ok(
                result.access.some(
                    (c) => c.kind === "gained" && c.action === "kms:Decrypt" && c.principal === KEY_USER_REMOVED,
                ),
            );
        });

        it("SIGTERM: stops the gate runs' program hosts and packs, removes the base tree, exits 2", async function () {
            const args = ["-r", require.resolve("ts-node/register/transpile-only"), cli, "--stack", "dev"];
            const run = spawn(process.execPath, [...args, "--base", "HEAD", "--policy-pack", packDir], {
                cwd: repo,
                env: { ...process.env, NO_COLOR: "1", INIT_CWD: "" },
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stderr = "";
            run.stderr.on("data", (chunk) => (stderr += chunk));
            const exited = new Promise<number | null>((resolve) => run.on("exit", (code) => resolve(code)));
            const children = await new Promise<number[]>((resolve, reject) => {
                const deadline = setTimeout(() => reject(new Error(`the diff started no child: ${stderr}`)), 60000);
                const poll = setInterval(() => {
                    let listing = "";
                    try {
                        listing = execFileSync("ps", ["-o", "pid=", "--ppid", String(run.pid)], { encoding: "utf8" });
                    } catch {
                        // ps exits 1 while the diff has no children yet.
                    }
                    const pids = listing
                        .split("\n")
                        .map((s) => Number(s.trim()))
                        .filter((n) => n > 0);
                    if (pids.length > 0) {
                        clearInterval(poll);
                        clearTimeout(deadline);
                        resolve(pids);
                    }
                }, 100);
            });
            run.kill("SIGTERM");
            assert.equal(await exited, 2);
            assert.match(stderr, /interrupted by SIGTERM; no verdict/);
            for (const pid of children) {
                assert.throws(() => process.kill(pid, 0), /ESRCH/, `child ${pid} still running`);
            }
        });

        it("removes every base tree it wrote (the interrupted run's too)", function () {
            assert.deepEqual(
                baseTrees().filter((t) => !treesBefore.includes(t)),
                [],
            );
        });
    });

    describe("--base-state <export.json>", function () {
        it("vs a deployed stack lacking a key user: broadening, the user gains use of the key", async function () {
            const reduced = projectWithStackFile("dev", withoutKeyUser("dev", KEY_USER_REMOVED));
            const deployed = await runGate({
                projectDir: reduced,
                stack: "dev",
                mode: "update",
                policyPack: packDir,
            });
            const providerId = "04da6b54-0000-4000-8000-000000000000";
            const exported = {
                version: 3,
                deployment: {
                    manifest: { time: "2026-11-30T00:00:00Z", magic: "test", version: "v3.200.0" },
                    resources: deployed.resources.map((r) => ({
                        urn: r.urn,
                        custom: r.custom,
                        id: r.custom ? `${r.name}-id` : undefined,
                        type: r.type,
                        inputs: r.inputs,
                        outputs: r.outputs,
                        parent: r.parent,
                        dependencies: r.dependencies,
                        propertyDependencies: r.propertyDependencies,
                        provider: r.provider ? `${r.provider.urn}::${providerId}` : undefined,
                    })),
                },
            };
            const file = path.join(tempDir("kms-audit-diff-state-"), "dev-export.json");
            fs.writeFileSync(file, JSON.stringify(exported));
            const r = diff(
                [
                    "--stack",
                    "dev",
                    "--base-state",
                    file,
                    "--policy-pack",
                    packDir,
                    "--format",
                    "json",
                    "--fail-on",
                    "broadening",
                ],
                repoRoot,
            );
            assert.equal(r.status, 1, r.stderr);
            const report: DiffJson = JSON.parse(r.stdout);
            assert.ok(validate(report), JSON.stringify(validate.errors));
            assert.equal(report.base.kind, "state");
            assert.equal(report.broadening, true);
            assert.deepEqual(
                report.resources.map((x) => [x.type, x.change]),
                [["aws:kms/key:Key", "update"]],
            );
            const gained = report.access.filter((a) => a.principal === KEY_USER_REMOVED && a.kind === "gained");
            assert.ok(gained.some((a) => a.actions.includes("kms:Decrypt")));
        });

        it("a missing export file is a usage error naming it", function () {
            const r = diff(["--stack", "dev", "--base-state", "nowhere.json"], repoRoot);
            assert.equal(r.status, 2);
            assert.match(r.stderr, /--base-state .*nowhere\.json: file not found/);
        });

        it("takes relative paths from where the user ran npm (INIT_CWD), else from its working directory", function () {
            const userDir = tempDir("kms-audit-diff-user-");
            const underNpm = diff(["--stack", "dev", "--base-state", "nowhere.json"], repoRoot, { INIT_CWD: userDir });
            assert.equal(underNpm.status, 2);
            assert.ok(
                underNpm.stderr.includes(`--base-state ${path.join(userDir, "nowhere.json")}: file not found`),
                underNpm.stderr,
            );
            const fromRepo = diff(["--stack", "dev", "--base-state", "nowhere.json"], repoRoot, { INIT_CWD: "" });
            assert.ok(fromRepo.stderr.includes(`--base-state ${path.join(repoRoot, "nowhere.json")}: file not found`));
        });
    });

    describe("usage (parsed in-process; the exit code 2 path is the CLI's, shown above)", function () {
        const cases: [string[], RegExp][] = [
            [["--stack", "dev"], /one of --base <git-ref> or --base-state <file> is required/],
            [["--base", "HEAD"], /--stack <name> is required/],
            [
                ["--stack", "dev", "--base", "HEAD", "--fail-on", "sometimes"],
                /--fail-on "sometimes" is not supported; allowed: broadening, any, never/,
            ],
            [
                ["--stack", "dev", "--base", "HEAD", "--format", "sarif"],
                /--format "sarif" is not supported; allowed: text, json, markdown/,
            ],
            [
                ["--stack", "dev", "--base", "HEAD", "--base-state", "x.json"],
                /--base and --base-state exclude each other/,
            ],
            [["--stack", "dev", "--base"], /--base needs a value/],
            [["--stack", "dev", "--base", "HEAD", "--timeout", "0"], /--timeout "0": expected a number of seconds/],
            [["--stack", "dev", "--base", "HEAD", "--colour"], /unknown argument "--colour"/],
        ];
        for (const [args, message] of cases) {
            it(`${args.join(" ")}: ${message.source.slice(0, 60)}`, function () {
                assert.throws(
                    () => parseArgs(args, repoRoot),
                    (e: Error) => e instanceof GateError && message.test(e.message),
                );
            });
        }
        it("defaults: text, --fail-on never, the current folder", function () {
            const options = parseArgs(["--stack", "dev", "--base=main"], repoRoot);
            assert.deepEqual(
                [options.format, options.failOn, options.diff.projectDir, options.diff.base],
                ["text", "never", repoRoot, { kind: "ref", ref: "main" }],
            );
        });
        it("a ref starting with '-' and a stack without a file are refused before anything runs", async function () {
            await assert.rejects(
                runDiff({ projectDir: repoRoot, stack: "dev", base: { kind: "ref", ref: "-x" } }),
                /--base "-x": a git ref cannot start with '-'/,
            );
            await assert.rejects(
                runDiff({ projectDir: repoRoot, stack: "qa", base: { kind: "ref", ref: "HEAD" } }),
                /Pulumi\.qa\.yaml: not found; stacks with a config file here: dev, prod/,
            );
        });
    });

    it("the schema rejects a report without the top-level broadening boolean", function () {
        const minimal = {
            schemaVersion: 1,
            stack: "dev",
            base: { kind: "program", description: "x", resources: 0, findings: 0 },
            head: { kind: "program", description: "x", resources: 0, findings: 0 },
            policyPack: { name: "p", version: "1" },
            verdict: "none",
            reasons: [],
            failOn: "never",
            exitCode: 0,
            replacement: "",
            resources: [],
            statements: [],
            unreadableDocuments: [],
            access: [],
            findings: [],
            settings: [],
            timingsMs: { base: 0, head: 0, compare: 0, total: 0 },
        };
        assert.equal(validate(minimal), false);
        assert.equal(validate({ ...minimal, broadening: false }), true);
    });
});
