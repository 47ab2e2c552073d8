import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { validateAction, validateWorkflow } from "@action-validator/core";

const root = path.resolve(__dirname, "..", "..");
const workflowDir = path.join(root, ".github", "workflows");
const workflows = fs.readdirSync(workflowDir).filter((f) => f.endsWith(".yml"));
const actionFile = path.join(root, ".github", "actions", "pulumi", "action.yml");

type Step = { uses?: string; run?: string; with?: Record<string, string> };
type Job = { steps: Step[]; permissions?: Record<string, string>; environment?: string; strategy?: { matrix?: { stack?: string[] } } };
type Workflow = { permissions?: Record<string, string>; jobs: Record<string, Job> };

const load = (file: string) => yaml.load(fs.readFileSync(file, "utf8")) as any;
const allSteps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);

describe("GitHub workflows", () => {
    it("finds the pull-request and deploy workflows", () => {
        assert.deepEqual(workflows.sort(), ["deploy.yml", "pull-request.yml"]);
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
            const wf = load(path.join(workflowDir, file)) as Workflow;
            assert.deepEqual(wf.permissions, { contents: "read" });
            assert.doesNotMatch(text, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|PULUMI_ACCESS_TOKEN/);
            for (const [name, job] of Object.entries(wf.jobs)) {
                const usesPulumi = job.steps.some((s) => s.uses === "./.github/actions/pulumi");
                assert.equal(job.permissions?.["id-token"] === "write", usesPulumi, `${name}: id-token only where OIDC is used`);
            }
        });

        it(`${file} pins every third-party action to a major version`, () => {
            for (const step of allSteps(load(path.join(workflowDir, file)))) {
                if (step.uses && !step.uses.startsWith("./")) assert.match(step.uses, /@v\d+$/, step.uses);
            }
        });
    }

    it("the shared Pulumi action is valid, signs in with OIDC and always runs the policy pack with the stack's config", () => {
        assert.deepEqual(validateAction(fs.readFileSync(actionFile, "utf8")).errors, []);
        const action = load(actionFile);
        const pulumiStep = action.runs.steps.find((s: Step) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(pulumiStep.with.policyPacks, "policy-pack");
        assert.equal(pulumiStep.with.policyPackConfigs, "policy-pack/config/${{ inputs.stack }}.json");
        assert.ok(action.runs.steps.some((s: Step) => s.uses?.startsWith("pulumi/auth-actions@")));
        assert.ok(action.runs.steps.some((s: Step) => s.uses?.startsWith("aws-actions/configure-aws-credentials@")));
    });

    it("gates every stack that has a stack file, offline and with a preview, and each has a pack config", () => {
        const stacks = fs
            .readdirSync(root)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => !!s)
            .sort();
        const pr = load(path.join(workflowDir, "pull-request.yml")) as Workflow;
        assert.deepEqual(pr.jobs["offline-gate"].strategy?.matrix?.stack?.slice().sort(), stacks);
        assert.deepEqual(pr.jobs.preview.strategy?.matrix?.stack?.slice().sort(), stacks);
        for (const stack of stacks) {
            assert.ok(fs.existsSync(path.join(root, "policy-pack", "config", `${stack}.json`)), `policy-pack/config/${stack}.json`);
        }
    });

    it("deploys prod only after dev is up and prod was previewed, behind the protected production environment", () => {
        const deploy = load(path.join(workflowDir, "deploy.yml")) as Workflow & { jobs: Record<string, Job & { needs: string }> };
        assert.equal(deploy.jobs["deploy-dev"].needs, "test");
        assert.equal(deploy.jobs["preview-prod"].needs, "deploy-dev");
        assert.equal(deploy.jobs["deploy-prod"].needs, "preview-prod");
        assert.equal(deploy.jobs["deploy-prod"].environment, "production");
        const commands = ["deploy-dev", "preview-prod", "deploy-prod"].map((j) => deploy.jobs[j].steps.find((s) => s.uses === "./.github/actions/pulumi")?.with?.command);
        assert.deepEqual(commands, ["up", "preview", "up"]);
    });

    it("runs the README's test command and the offline gate, as CI here does", () => {
        const steps = allSteps(load(path.join(workflowDir, "pull-request.yml"))).map((s) => s.run ?? "");
        assert.ok(steps.includes("npm ci") && steps.includes("npm test"));
        assert.ok(steps.some((r) => r.startsWith("npm run check -- --stack ${{ matrix.stack }} --format sarif")));
        assert.match(fs.readFileSync(path.join(root, ".ci", "run"), "utf8"), /npm ci\nnpm test/);
    });
});
