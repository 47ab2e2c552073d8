import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { validateAction, validateWorkflow } from "@action-validator/core";
import { dryRunCi } from "./ciScript";

const root = path.resolve(__dirname, "..", "..");
const workflowDir = path.join(root, ".github", "workflows");
const workflows = fs.readdirSync(workflowDir).filter((f) => f.endsWith(".yml"));
const actionFile = path.join(root, ".github", "actions", "pulumi", "action.yml");
const SHARED_ACTION = "./.github/actions/pulumi";

type Step = { uses?: string; run?: string; with?: Record<string, string> };
type Concurrency = { group: string; "cancel-in-progress"?: boolean };
type Job = {
    steps: Step[];
    needs?: string | string[];
    if?: string;
    permissions?: Record<string, string>;
    environment?: string;
    concurrency?: Concurrency;
    strategy?: { matrix?: { stack?: string[]; mode?: string[] } };
};
type Workflow = {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    concurrency?: Concurrency;
    jobs: Record<string, Job>;
};
type Action = { inputs: Record<string, { default?: string }>; runs: { steps: Step[] } };

const load = <T>(file: string): T => yaml.load(fs.readFileSync(file, "utf8")) as T;
const workflow = (file: string) => load<Workflow>(path.join(workflowDir, file));
const allSteps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);
const action = load<Action>(actionFile);
const pulumiStep = action.runs.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
const stacks = fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();

/** The shared action's inputs as a job passes them, with the action's defaults filled in. */
function sharedActionInputs(job: Job): Record<string, string> | undefined {
    const step = job.steps.find((s) => s.uses === SHARED_ACTION);
    if (!step) return undefined;
    const defaults = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? ""]));
    return { ...defaults, ...step.with };
}

/** A job's concurrency groups, one per matrix stack, lower-cased as GitHub compares them; job level wins. */
function concurrencyGroups(wf: Workflow, job: Job): string[] {
    const concurrency = job.concurrency ?? wf.concurrency;
    if (!concurrency) return [];
    return (job.strategy?.matrix?.stack ?? [""]).map((stack) =>
        concurrency.group
            .replace(/\$\{\{\s*matrix\.stack\s*\}\}/g, stack)
            .replace(/\$\{\{\s*github\.event\.pull_request\.number\s*\}\}/g, "<pr>")
            .toLowerCase(),
    );
}

/** Concurrency groups of deploy.yml's Pulumi jobs (the promotion path) that a job of another workflow also uses. */
function groupsSharedWithDeploys(all: Record<string, Workflow>): string[] {
    const deploy = all["deploy.yml"];
    const deployGroups = Object.values(deploy.jobs)
        .filter((job) => sharedActionInputs(job))
        .flatMap((job) => concurrencyGroups(deploy, job));
    const otherGroups = new Set(
        Object.entries(all)
            .filter(([file]) => file !== "deploy.yml")
            .flatMap(([, wf]) => Object.values(wf.jobs).flatMap((job) => concurrencyGroups(wf, job))),
    );
    return [...new Set(deployGroups)].filter((group) => otherGroups.has(group));
}

describe("GitHub workflows", () => {
    it("finds the pull-request, deploy and drift workflows", () => {
        assert.deepEqual(workflows.sort(), ["deploy.yml", "drift.yml", "pull-request.yml"]);
    });

    it("the validator rejects a broken workflow, so a pass below means something", () => {
        const broken = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: npm test\n";
        assert.notEqual(validateWorkflow(broken).errors.length, 0);
    });

    for (const file of workflows) {
        it(`${file} is valid against the workflow schema`, () => {
            const { errors } = validateWorkflow(fs.readFileSync(path.join(workflowDir, file), "utf8"));
            assert.deepEqual(errors, []);
        });

        it(`${file} grants only read access by default and never uses long-lived AWS keys`, () => {
            const text = fs.readFileSync(path.join(workflowDir, file), "utf8");
            const wf = workflow(file);
            assert.deepEqual(wf.permissions, { contents: "read" });
            assert.doesNotMatch(text, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|PULUMI_ACCESS_TOKEN/);
            for (const [name, job] of Object.entries(wf.jobs)) {
                const usesPulumi = job.steps.some((s) => s.uses === SHARED_ACTION);
                assert.equal(
                    job.permissions?.["id-token"] === "write",
                    usesPulumi,
                    `${name}: id-token only where OIDC is used`,
                );
            }
        });

        it(`${file} pins every third-party action to a major version`, () => {
            for (const step of allSteps(workflow(file))) {
                if (step.uses && !step.uses.startsWith("./")) assert.match(step.uses, /@v\d+$/, step.uses);
            }
        });
    }

    it("the shared Pulumi action is valid, signs in with OIDC and runs the policy pack with the stack's config", () => {
        assert.deepEqual(validateAction(fs.readFileSync(actionFile, "utf8")).errors, []);
        assert.ok(pulumiStep?.with);
        assert.equal(pulumiStep.with.policyPacks, "${{ inputs.local-policy-pack == 'true' && 'policy-pack' || '' }}");
        assert.equal(
            pulumiStep.with.policyPackConfigs,
            "${{ inputs.local-policy-pack == 'true' && format('policy-pack/config/{0}.json', inputs.stack) || '' }}",
        );
        assert.equal(action.inputs["local-policy-pack"].default, "true");
        assert.ok(action.runs.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@")));
        for (const step of action.runs.steps) {
            if (step.uses) assert.match(step.uses, /@v\d+$/, step.uses);
        }
    });

    it("uses the current majors of pulumi/actions (v7, node24) and pulumi/auth-actions (v2, node24)", () => {
        // pulumi/actions v7.0.0 and pulumi/auth-actions v2.0.0 moved to `runs.using: node24` (their action.yml and
        // CHANGELOG.md); v6 and v1 run on node20.
        assert.equal(pulumiStep?.uses, "pulumi/actions@v7");
        assert.ok(action.runs.steps.some((s) => s.uses === "pulumi/auth-actions@v2"));
    });

    it("passes upsert, refresh and expect-no-changes through to pulumi/actions", () => {
        for (const input of ["upsert", "refresh", "expect-no-changes"]) {
            assert.equal(pulumiStep?.with?.[input], `\${{ inputs.${input} }}`, input);
        }
    });

    it("the first run creates missing stacks: every deploy and pull-request preview runs with upsert", () => {
        for (const file of ["deploy.yml", "pull-request.yml"]) {
            for (const [name, job] of Object.entries(workflow(file).jobs)) {
                const inputs = sharedActionInputs(job);
                if (inputs) assert.equal(inputs.upsert, "true", `${file} ${name}`);
            }
        }
    });

    it("every preview refreshes from AWS first", () => {
        for (const file of workflows) {
            for (const [name, job] of Object.entries(workflow(file).jobs)) {
                const inputs = sharedActionInputs(job);
                if (inputs?.command === "preview") assert.equal(inputs.refresh, "true", `${file} ${name}`);
            }
        }
    });

    it("gates every stack file's stack offline in both modes and with a preview; each has a pack config", () => {
        const pr = workflow("pull-request.yml");
        const gate = pr.jobs["offline-gate"];
        assert.deepEqual(gate.strategy?.matrix?.stack?.slice().sort(), stacks);
        assert.deepEqual(gate.strategy?.matrix?.mode?.slice().sort(), ["preview", "update"]);
        const command = "npm run check -- --stack ${{ matrix.stack }} --${{ matrix.mode }} ";
        assert.ok(gate.steps.some((s) => s.run?.startsWith(command)));
        assert.deepEqual(pr.jobs.preview.strategy?.matrix?.stack?.slice().sort(), stacks);
        for (const stack of stacks) {
            assert.ok(
                fs.existsSync(path.join(root, "policy-pack", "config", `${stack}.json`)),
                `policy-pack/config/${stack}.json`,
            );
        }
    });

    it(".ci/run, which deploy.yml's test job runs, gates every stack with --preview and with --update", () => {
        const run = dryRunCi();
        assert.equal(run.status, 0, run.stderr);
        for (const stack of stacks) {
            for (const mode of ["--preview", "--update"]) {
                const command = `npm run check -- --stack ${stack} ${mode}`;
                assert.ok(run.commands.includes(command), `.ci/run: ${command}`);
            }
        }
        assert.ok(workflow("deploy.yml").jobs.test.steps.some((s) => s.run === ".ci/run"));
    });

    it(".ci/run gates a stack file added later without being edited, and refuses a folder with no stack file", () => {
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "ci-run-"));
        try {
            fs.mkdirSync(path.join(copy, ".ci"));
            fs.copyFileSync(path.join(root, ".ci", "run"), path.join(copy, ".ci", "run"));
            const empty = dryRunCi(copy);
            assert.equal(empty.status, 2);
            assert.match(empty.stderr, /no Pulumi\.<stack>\.yaml stack file/);
            assert.deepEqual(empty.commands, []);
            fs.writeFileSync(path.join(copy, "Pulumi.staging.yaml"), "config: {}\n");
            const staging = dryRunCi(copy);
            assert.equal(staging.status, 0, staging.stderr);
            assert.deepEqual(staging.commands, [
                "npm ci",
                "npm test",
                "npm run check -- --stack staging --preview",
                "npm run check -- --stack staging --update",
            ]);
        } finally {
            fs.rmSync(copy, { recursive: true, force: true });
        }
    });

    it("deploys prod only after dev is up and prod was previewed, behind the protected production environment", () => {
        const deploy = workflow("deploy.yml");
        assert.equal(deploy.jobs["deploy-dev"].needs, "test");
        assert.equal(deploy.jobs["preview-prod"].needs, "deploy-dev");
        assert.equal(deploy.jobs["deploy-prod"].needs, "preview-prod");
        assert.equal(deploy.jobs["deploy-prod"].environment, "production");
        const commands = ["deploy-dev", "preview-prod", "deploy-prod"].map(
            (j) => sharedActionInputs(deploy.jobs[j])?.command,
        );
        assert.deepEqual(commands, ["up", "preview", "up"]);
    });

    it("deploys share no concurrency group with pull requests or the drift check, and are never cancelled", () => {
        const all = Object.fromEntries(workflows.map((f) => [f, workflow(f)]));
        assert.deepEqual(groupsSharedWithDeploys(all), []);
        for (const [name, job] of Object.entries(all["deploy.yml"].jobs)) {
            if (sharedActionInputs(job)) {
                assert.ok(job.concurrency, `deploy.yml ${name} has a concurrency group`);
                assert.equal(job.concurrency["cancel-in-progress"], false, `deploy.yml ${name}`);
            }
        }
        assert.equal(all["drift.yml"].jobs.drift.concurrency?.["cancel-in-progress"], false);
    });

    it("the concurrency check finds the old layout, where a preview could cancel a pending prod deploy", () => {
        const deploy = workflow("deploy.yml");
        const pr = workflow("pull-request.yml");
        const old: Record<string, Workflow> = {
            "deploy.yml": {
                ...deploy,
                jobs: {
                    ...deploy.jobs,
                    "deploy-prod": { ...deploy.jobs["deploy-prod"], concurrency: { group: "pulumi-prod" } },
                },
            },
            "pull-request.yml": {
                ...pr,
                jobs: {
                    ...pr.jobs,
                    preview: { ...pr.jobs.preview, concurrency: { group: "pulumi-${{ matrix.stack }}" } },
                },
            },
        };
        assert.deepEqual(groupsSharedWithDeploys(old), ["pulumi-prod"]);
    });

    it("a scheduled drift check previews every stack with --refresh --expect-no-changes and reports failures", () => {
        const drift = workflow("drift.yml");
        const schedule = drift.on.schedule as { cron: string }[];
        assert.equal(schedule.length, 1);
        assert.match(schedule[0].cron, /^\S+ \S+ \* \* \*$/, "runs every day");
        const job = drift.jobs.drift;
        assert.deepEqual(job.strategy?.matrix?.stack?.slice().sort(), stacks);
        const inputs = sharedActionInputs(job);
        assert.deepEqual(
            [inputs?.command, inputs?.refresh, inputs?.["expect-no-changes"], inputs?.upsert],
            ["preview", "true", "true", "false"],
        );
        assert.equal(job.environment, "${{ matrix.stack }}-preview", "read-only preview roles");
        const report = drift.jobs.report;
        assert.equal(report.needs, "drift");
        assert.equal(report.if, "failure()");
        assert.equal(report.permissions?.issues, "write");
    });

    it("no job but the drift check passes expect-no-changes", () => {
        for (const file of ["deploy.yml", "pull-request.yml"]) {
            for (const [name, job] of Object.entries(workflow(file).jobs)) {
                assert.notEqual(sharedActionInputs(job)?.["expect-no-changes"], "true", `${file} ${name}`);
            }
        }
    });

    it("CODEOWNERS guards the pack config, so a pull request cannot weaken its own gate unreviewed", () => {
        const owners = fs
            .readFileSync(path.join(root, ".github", "CODEOWNERS"), "utf8")
            .split("\n")
            .filter((l) => l.trim() && !l.startsWith("#"))
            .map((l) => l.trim().split(/\s+/));
        // vocabulary/ holds the type tokens and KMS action groups the rules match: editing it can weaken them too.
        for (const guarded of ["/policy-pack/config/", "/policy-pack/rules/", "/vocabulary/", "/.github/"]) {
            const rule = owners.find(([pattern]) => pattern === guarded);
            assert.ok(rule && rule.length > 1 && rule.slice(1).every((o) => o.startsWith("@")), guarded);
        }
    });

    it("runs the README's test command and the offline gate, as CI here does", () => {
        const steps = allSteps(workflow("pull-request.yml")).map((s) => s.run ?? "");
        assert.ok(steps.includes("npm ci") && steps.includes("npm test"));
        assert.deepEqual(dryRunCi().commands.slice(0, 2), ["npm ci", "npm test"]);
    });
});
