import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseArgs } from "../../diff/args";

const root = path.resolve(__dirname, "..", "..");

type Step = {
    id?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, string | number>;
    env?: Record<string, string>;
};
type Job = {
    needs?: string | string[];
    if?: string;
    environment?: string;
    permissions?: Record<string, string>;
    outputs?: Record<string, string>;
    strategy?: { matrix?: { stack?: string[] } };
    steps: Step[];
};

const workflow = yaml.load(fs.readFileSync(path.join(root, ".github", "workflows", "pull-request.yml"), "utf8")) as {
    jobs: Record<string, Job>;
};
const stacks = fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

/** The `npm run diff -- ...` arguments of a step's script, with the step's variables given example values. */
function diffArguments(step: Step): string[] {
    // Shell line continuations joined, as the shell reads them.
    const script = (step.run ?? "").replace(/\\\n\s*/g, "");
    const line = script.split("\n").find((l) => l.trim().startsWith("npm run diff --"));
    assert.ok(line, "the step runs npm run diff");
    const values: Record<string, string> = { STACK: "prod", BASE_SHA: "0123456789abcdef0123456789abcdef01234567" };
    return line
        .trim()
        .slice("npm run diff --".length)
        .trim()
        .split(/\s+/)
        .map((word) => word.replace(/^"|"$/g, "").replace(/\$(\w+)/g, (_, name: string) => values[name] ?? `$${name}`));
}

describe("pull-request workflow: security diff", function () {
    const diffJob = workflow.jobs["security-diff"];
    const diffStep = diffJob.steps.find((s) => s.id === "diff")!;

    it("runs the diff for every stack that has a stack file, against the pull request's base commit", function () {
        assert.deepEqual(diffJob.strategy?.matrix?.stack?.slice().sort(), stacks);
        assert.equal(diffJob.steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.["fetch-depth"], 0);
        assert.equal(diffStep.env?.BASE_SHA, "${{ github.event.pull_request.base.sha }}");
        assert.equal(diffStep.env?.STACK, "${{ matrix.stack }}");
    });

    it("calls the diff with flags the CLI accepts: markdown comment, JSON verdict, --fail-on broadening", function () {
        const options = parseArgs(diffArguments(diffStep), root);
        assert.equal(options.format, "markdown");
        assert.equal(options.failOn, "broadening");
        assert.deepEqual(options.diff.base, { kind: "ref", ref: "0123456789abcdef0123456789abcdef01234567" });
        assert.equal(options.diff.stack, "prod");
        assert.equal(path.basename(options.out ?? ""), "security-diff-prod.md");
        assert.equal(path.basename(options.jsonOut ?? ""), "security-diff-prod.json");
        // Exit 1 (broadening) is recorded as an output; 2 (an error) fails the step.
        assert.match(diffStep.run ?? "", /if \[ "\$code" -ge 2 \]; then exit "\$code"; fi/);
        assert.match(diffStep.run ?? "", /if \[ "\$code" -eq 1 \]; then broadening=true; fi/);
        assert.match(diffStep.run ?? "", /echo "broadening=\$broadening" >> "\$GITHUB_OUTPUT"/);
    });

    it("posts one sticky comment per stack, updated rather than duplicated, with a per-stack header", function () {
        const comment = diffJob.steps.find((s) => s.uses?.startsWith("marocchino/sticky-pull-request-comment@"))!;
        assert.equal(comment.uses, "marocchino/sticky-pull-request-comment@v2");
        assert.equal(comment.with?.header, "security-diff-${{ matrix.stack }}");
        assert.equal(comment.with?.path, "security-diff-${{ matrix.stack }}.md");
        assert.equal(diffJob.permissions?.["pull-requests"], "write");
        assert.equal(diffJob.permissions?.["id-token"], undefined, "the diff is offline: no cloud credentials");
    });

    it("labels a broadening pull request per stack; unlabels it when the stack no longer broadens", function () {
        const label = diffJob.steps.find((s) => (s.run ?? "").includes("--add-label"))!;
        assert.match(label.if ?? "", /steps\.diff\.outputs\.broadening == 'true'/);
        const unlabel = diffJob.steps.find((s) => (s.run ?? "").includes("--remove-label"))!;
        assert.match(unlabel.if ?? "", /steps\.diff\.outputs\.broadening == 'false'/);
        assert.equal(label.env?.LABEL, unlabel.env?.LABEL);
    });

    it("a broadening prod diff needs a reviewer's approval through a protected environment before merge", function () {
        const verdict = workflow.jobs["security-verdict"];
        assert.equal(verdict.needs, "security-diff");
        assert.equal(verdict.if, "always()", "runs, and fails, when the diff itself failed");
        assert.match(verdict.steps[0].if ?? "", /needs\.security-diff\.result != 'success'/);
        assert.match(verdict.steps.map((s) => s.run ?? "").join("\n"), /jq -r '\.broadening' security-diff-prod\.json/);
        const approval = workflow.jobs["prod-broadening-approval"];
        assert.equal(approval.needs, "security-verdict");
        assert.equal(approval.if, "needs.security-verdict.outputs.prod-broadening == 'true'");
        assert.equal(approval.environment, "security-approval");
    });
});
