/**
 * The gate on programs this project did not write (tests/gate/fixtures/programs, see the README there) and on
 * misbehaving programs and packs: one test group per class of failure in issue 17.
 */
import { strict as assert } from "assert";
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { GateError, GateResult, PackSession, runGate, startPack } from "../../gate";
import { analyzerValue } from "../../gate/engineView";
import { liveChildCount } from "../../gate/processes";
import { jsonReport, textReport } from "../../gate/report";

const repo = path.resolve(__dirname, "../..");
const programs = path.join(__dirname, "fixtures", "programs");
const faultyPrograms = path.join(__dirname, "fixtures", "faulty-programs");
const faultyPacks = path.join(__dirname, "fixtures", "faulty-packs");
const prodConfig = path.join(repo, "policy-pack", "config", "prod.json");

function findings(result: GateResult, policy: string) {
    return result.findings.filter((f) => f.policy === policy);
}

function writeTemp(name: string, content: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-programs-")), name);
    fs.writeFileSync(file, content);
    return file;
}

describe("gate on public programs and misbehaving ones (issue 17)", function () {
    let session: PackSession;
    before(async function () {
        session = await startPack(path.join(repo, "policy-pack"), { project: "fixtures", stack: "dev", dryRun: true });
    });
    after(async function () {
        await session?.close();
    });

    describe("resource objects as inputs reach policies as the engine sends them (ID; URN for components)", () => {
        it("converts references: a custom resource's ID, unknown while its ID is, a component's URN", function () {
            const custom = {
                [specialSigKey]: specialResourceSig,
                urn: "urn:pulumi:s::p::aws:s3/bucket:Bucket::b",
                id: "b-123",
            };
            const pending = { ...custom, id: unknownValue };
            const component = { [specialSigKey]: specialResourceSig, urn: "urn:pulumi:s::p::my:Comp::c" };
            const secret = { [specialSigKey]: specialSecretSig, value: custom };
            assert.deepEqual(analyzerValue({ bucket: custom, list: [pending, component], secret }), {
                bucket: "b-123",
                list: [unknownValue, component.urn],
                secret: { [specialSigKey]: specialSecretSig, value: "b-123" },
            });
        });

        it("reaches a verdict on aws-ts-s3-folder (`bucket: siteBucket`) with policies at remediate", async () => {
            const projectDir = path.join(programs, "aws-ts-s3-folder");
            const options = { projectDir, stack: "dev", mode: "update" as const, policyConfig: prodConfig };
            const result = await runGate(options, session);
            assert.equal(result.exitCode, 1);
            const object = result.resources.find((r) => r.type === "aws:s3/bucketObject:BucketObject")!;
            const bucket = result.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
            assert.equal(object.inputs.bucket, bucket.outputs.bucket, "the reference arrives as the bucket's ID");
            assert.equal(findings(result, "s3-public-access-block-flags")[0]?.level, "remediate");
            assert.equal(findings(result, "s3-bucket-sse-kms")[0]?.level, "mandatory");
        });
    });

    describe("ES-module programs run as Pulumi runs them", function () {
        it('runs aws-ts-s3-folder ("type": "module", a CommonJS import, ts-node ESM hooks)', async function () {
            const projectDir = path.join(programs, "aws-ts-s3-folder");
            const result = await runGate({ projectDir, stack: "dev" }, session);
            const types = result.resources.map((r) => r.type);
            const expected = [
                "aws:s3/bucket:Bucket",
                "aws:s3/bucketPolicy:BucketPolicy",
                "aws:s3/bucketObject:BucketObject",
            ];
            for (const type of expected) {
                assert.ok(types.includes(type), `${type} missing from ${types.join(", ")}`);
            }
            const stack = result.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
            assert.ok("bucketName" in stack.outputs, "the module's exports become stack outputs");
        });
    });

    describe("data sources are computed (policy documents) or well formed, and named when mocked", function () {
        const projectDir = path.join(programs, "policy-documents");

        it("judges a key policy built with getPolicyDocument like the literal: kms:* to * blocks", async function () {
            const open = await runGate({ projectDir, stack: "open", mode: "update" }, session);
            const publicKey = findings(open, "kms-key-policy-no-public-principal");
            assert.equal(publicKey.length, 1, JSON.stringify(open.findings, null, 1));
            assert.equal(publicKey[0].level, "mandatory");
            assert.equal(publicKey[0].resourceType, "aws:kms/key:Key");
            assert.equal(open.exitCode, 1);
        });

        it("passes the same program without the open statement, and sees its TLS-only bucket policy", async () => {
            const result = await runGate({ projectDir, stack: "dev", mode: "update" }, session);
            assert.deepEqual(findings(result, "kms-key-policy-no-public-principal"), []);
            assert.deepEqual(
                findings(result, "s3-bucket-tls-only"),
                [],
                "the getPolicyDocument bucket policy is not 'absent'",
            );
            const key = result.resources.find((r) => r.type === "aws:kms/key:Key")!;
            const policy = JSON.parse(key.inputs.policy);
            assert.deepEqual(policy.Statement[0].Principal, { AWS: "arn:aws:iam::123456789012:root" });
            assert.equal(policy.Statement[1].Principal.Service, "logs.amazonaws.com");
        });

        it("gives programs well-formed availability zones and lists which data sources were mocked", async function () {
            const result = await runGate({ projectDir, stack: "dev", mode: "update" }, session);
            const stack = result.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
            assert.equal(stack.outputs.firstZone, "eu-central-1a");
            const answers = Object.fromEntries(result.dataSources.map((d) => [d.token, d.answer]));
            assert.equal(answers["aws:iam/getPolicyDocument:getPolicyDocument"], "computed");
            assert.equal(answers["aws:index/getCallerIdentity:getCallerIdentity"], "computed");
            assert.equal(answers["aws:index/getAvailabilityZones:getAvailabilityZones"], "mocked");
            assert.match(
                textReport(result, false),
                /MOCKED aws:index\/getAvailabilityZones:getAvailabilityZones[\s\S]*rest on invented values/,
            );
            assert.ok(jsonReport(result).dataSources.length >= 4);
        });

        it("names the data source and the argument when a program passes it bad arguments", async function () {
            const projectDir = path.join(faultyPrograms, "bad-data-source");
            await assert.rejects(
                runGate({ projectDir, stack: "dev" }, session),
                new RegExp(
                    "invoke aws:iam/getPolicyDocument:getPolicyDocument failed: " +
                        'getPolicyDocument: statements\\[0\\]\\.effect "Maybe"; allowed: Allow, Deny',
                ),
            );
        });
    });

    describe("resources registered at exit are seen", function () {
        it("sees the BucketNotification that onObjectCreated registers on beforeExit (copyzip)", async function () {
            const projectDir = path.join(programs, "aws-ts-s3-lambda-copyzip");
            const result = await runGate({ projectDir, stack: "dev" }, session);
            const types = result.resources.map((r) => r.type);
            assert.ok(types.includes("aws:s3/bucketNotification:BucketNotification"), types.join(", "));
            assert.ok(types.includes("aws:lambda/function:Function"));
        });
    });

    describe("preview: rules that cannot read a document are counted and shown as not evaluated", function () {
        it("reports the TLS rule on a getPolicyDocument bucket policy built from the bucket ARN", async function () {
            const projectDir = path.join(programs, "policy-documents");
            const preview = await runGate({ projectDir, stack: "dev" }, session);
            const tls = findings(preview, "s3-bucket-tls-only");
            assert.equal(tls.length, 1, JSON.stringify(preview.findings, null, 1));
            assert.equal(tls[0].notEvaluated, true);
            assert.match(tls[0].message, /unknown at preview[\s\S]*--update/);
            // The bucket policy's own rule cannot read it either: judged per resource, so named on the BucketPolicy.
            const own = findings(preview, "s3-bucket-policy-no-public-principal");
            assert.deepEqual(
                own.map((f) => [f.resourceType, f.notEvaluated]),
                [["aws:s3/bucketPolicy:BucketPolicy", true]],
            );
            const count = preview.findings.filter((f) => f.notEvaluated).length;
            assert.equal(
                count,
                2,
                JSON.stringify(
                    preview.findings.filter((f) => f.notEvaluated),
                    null,
                    1,
                ),
            );
            assert.equal(jsonReport(preview).summary.notEvaluated, count);
            assert.match(textReport(preview, false), new RegExp(`${count} not evaluated at preview`));
            const update = await runGate({ projectDir, stack: "dev", mode: "update" }, session);
            assert.equal(update.findings.filter((f) => f.notEvaluated).length, 0, "--update judges them all");
        });
    });

    describe("relative paths and defaults under npm run", function () {
        it("takes --project-dir . from where the user ran npm (INIT_CWD), with this repository's pack", function () {
            const projectDir = path.join(programs, "policy-documents");
            const cli = ["-r", "ts-node/register/transpile-only", path.join(repo, "gate/cli.ts")];
            const args = ["--project-dir", ".", "--stack", "open", "--update", "--format", "json"];
            const run = spawnSync(process.execPath, [...cli, ...args], {
                cwd: repo,
                encoding: "utf8",
                env: { ...process.env, INIT_CWD: projectDir },
            });
            assert.equal(run.status, 1, run.stderr);
            const report = JSON.parse(run.stdout);
            assert.equal(report.source.project, "policy-documents");
            assert.equal(report.policyPack.name, "kms-audit");
        });
    });

    describe("robustness: every failure is exit 2 with a named cause, nothing hangs, nothing left running", () => {
        const project = path.join(programs, "policy-documents");

        async function gateError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
            await assert.rejects(promise, (e: Error) => {
                assert.ok(e instanceof GateError, `not a GateError: ${e.stack}`);
                assert.match(e.message, pattern);
                return true;
            });
        }

        it("a pack that never prints its port: stopped at the start deadline", async function () {
            const started = Date.now();
            const policyPack = path.join(faultyPacks, "silent");
            await gateError(
                runGate({ projectDir: project, stack: "dev", policyPack, packTimeouts: { startMs: 1500 } }),
                /policy pack .*silent did not print its port within 1\.5 s/,
            );
            assert.ok(Date.now() - started < 60_000);
            assert.equal(liveChildCount(), 1, "only the shared pack session runs");
        });

        it("a policy in an endless loop: the Analyze deadline names the pack, the call and the resource", async () => {
            const policyPack = path.join(faultyPacks, "endless-loop");
            await gateError(
                runGate({ projectDir: project, stack: "dev", policyPack, packTimeouts: { callMs: 3000 } }),
                new RegExp(
                    "policy pack faulty-endless-loop .* failed in Analyze for resource " +
                        "urn:pulumi:dev::policy-documents::aws:kms/key:Key::data: no answer within 3 s",
                ),
            );
            assert.equal(liveChildCount(), 1);
        });

        it("a policy that throws: exit 2 naming the pack, the call, the resource and the pack's message", async () => {
            const policyPack = path.join(faultyPacks, "throws");
            await gateError(
                runGate({ projectDir: project, stack: "dev", policyPack }),
                new RegExp(
                    "policy pack faulty-throws .* failed in Analyze for resource " +
                        "urn:pulumi:dev::policy-documents::aws:kms/key:Key::data: [\\s\\S]*Error: policy bug[\\s\\S]*" +
                        "at validateResource \\(index\\.js:12:23\\)",
                ),
            );
            assert.equal(liveChildCount(), 1);
        });

        it("a program whose export never settles fails instead of hanging", async function () {
            await gateError(
                runGate({ projectDir: path.join(faultyPrograms, "never-settles"), stack: "dev" }, session),
                /never settles \(\d+ resources were registered\)/,
            );
        });

        it("a program that never stops is stopped at the deadline", async function () {
            const projectDir = path.join(faultyPrograms, "runs-forever");
            await gateError(
                runGate({ projectDir, stack: "dev", timeoutMs: 4000 }, session),
                /did not finish within 4 s and was stopped/,
            );
            assert.equal(liveChildCount(), 1);
        });

        it("an unhandled promise rejection fails the run as it fails pulumi preview, no stack trace", async () => {
            const projectDir = path.join(faultyPrograms, "unhandled-rejection");
            await assert.rejects(runGate({ projectDir, stack: "dev" }, session), (e: Error) => {
                assert.match(e.message, /Error: lookup of the deployment bucket failed/);
                assert.doesNotMatch(e.message, /node_modules|node:internal/);
                return true;
            });
        });

        it("a program error names its TypeScript lines, not the emitted JavaScript's (after resources were made)", async () => {
            // The host formats the SDK's own bookkeeping stacks without source maps (gate/programHost.ts); a
            // program's error must still be mapped: the throw is on line 15 of index.ts, line 9 of its JavaScript.
            const projectDir = path.join(faultyPrograms, "throws-in-typescript");
            await assert.rejects(runGate({ projectDir, stack: "dev" }, session), (e: Error) => {
                assert.match(e.message, /Error: no log bucket among 1 planned buckets/);
                assert.match(e.message, /at checkPlans \(index\.ts:15:11\)/);
                assert.match(e.message, /index\.ts:17:1\)/);
                return true;
            });
        });

        it("a project without tsconfig.json runs (policy-documents has none)", function () {
            assert.equal(fs.existsSync(path.join(project, "tsconfig.json")), false);
        });

        it("a typo in a rule option is exit 2 at every enforcement level", async function () {
            for (const level of ["disabled", "advisory", "mandatory", "remediate"]) {
                const entry = { enforcementLevel: level, minDeletionWindowDay: 30 };
                const config = writeTemp("typo.json", JSON.stringify({ "kms-key-deletion-window": entry }));
                await gateError(
                    runGate({ projectDir: project, stack: "dev", policyConfig: config }, session),
                    new RegExp(
                        'kms-key-deletion-window: unknown option "minDeletionWindowDay"; ' +
                            "allowed: enforcementLevel, minDeletionWindowDays",
                    ),
                );
            }
        });

        it("a ciphertext-only secret is not evaluated, never judged as text; with --show-secrets it is", async () => {
            const urn = (type: string, name: string) => `urn:pulumi:prod::legacy::${type}::${name}`;
            const openPolicy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }],
            });
            const checkpoint = (policy: unknown) =>
                JSON.stringify({
                    version: 3,
                    deployment: {
                        resources: [
                            {
                                urn: urn("pulumi:pulumi:Stack", "legacy-prod"),
                                type: "pulumi:pulumi:Stack",
                                custom: false,
                            },
                            {
                                urn: urn("aws:kms/key:Key", "k"),
                                type: "aws:kms/key:Key",
                                custom: true,
                                id: "k",
                                inputs: { enableKeyRotation: true, deletionWindowInDays: 30, policy },
                                outputs: {
                                    enableKeyRotation: true,
                                    deletionWindowInDays: 30,
                                    policy,
                                    arn: "arn:aws:kms:eu-west-1:123456789012:key/k",
                                },
                            },
                        ],
                    },
                });
            const cipher = { [specialSigKey]: specialSecretSig, ciphertext: "v1:AAAA" };
            const hidden = await runGate({ stack: "prod", state: writeTemp("c.json", checkpoint(cipher)) }, session);
            const notRead = findings(hidden, "kms-key-policy-no-public-principal");
            assert.equal(notRead.length, 1, JSON.stringify(hidden.findings, null, 1));
            assert.equal(notRead[0].notEvaluated, true);
            assert.match(notRead[0].message, /secret exported only as ciphertext/);
            const shown = await runGate(
                {
                    stack: "prod",
                    state: writeTemp(
                        "p.json",
                        checkpoint({ [specialSigKey]: specialSecretSig, plaintext: JSON.stringify(openPolicy) }),
                    ),
                },
                session,
            );
            const judged = findings(shown, "kms-key-policy-no-public-principal");
            assert.equal(judged[0]?.level, "mandatory");
            assert.equal(judged[0].notEvaluated, false);
        });

        it("checkpoints with no resources, or only pending deletes, get a verdict, not an internal error", async () => {
            const empty = writeTemp("empty.json", JSON.stringify({ version: 3, deployment: { resources: [] } }));
            // prod's config requires a trail in every stack, so the empty one is blocked, by the stack rule alone.
            const none = await runGate({ stack: "prod", state: empty }, session);
            assert.equal(none.exitCode, 1);
            assert.deepEqual(
                none.findings.map((f) => [f.policy, f.phase, f.resourceName]),
                [["cloudtrail-stack-coverage", "stack", "(stack)"]],
            );
            const pending = writeTemp(
                "pending.json",
                JSON.stringify({
                    version: 3,
                    deployment: {
                        resources: [
                            {
                                urn: "urn:pulumi:prod::p::aws:kms/key:Key::old",
                                type: "aws:kms/key:Key",
                                custom: true,
                                delete: true,
                                inputs: { enableKeyRotation: false },
                            },
                        ],
                    },
                }),
            );
            const result = await runGate({ stack: "prod", state: pending }, session);
            assert.deepEqual(result.resources, []);
            assert.equal(findings(result, "kms-key-rotation").length, 0, "a key pending deletion is not audited");
        });

        it("SIGTERM: the CLI stops its program host and pack, and exits 2", async function () {
            const entry = ["-r", "ts-node/register/transpile-only", path.join(repo, "gate/cli.ts")];
            const cli = spawn(
                process.execPath,
                [...entry, "--project-dir", path.join(faultyPrograms, "runs-forever"), "--stack", "dev"],
                {
                    cwd: repo,
                    env: { ...process.env, INIT_CWD: "" },
                    stdio: ["ignore", "pipe", "pipe"],
                },
            );
            let stderr = "";
            cli.stderr.on("data", (c) => (stderr += c));
            const children = await new Promise<number[]>((resolve) => {
                const poll = setInterval(() => {
                    let listing = "";
                    try {
                        listing = execFileSync("ps", ["-o", "pid=", "--ppid", String(cli.pid)], { encoding: "utf8" });
                    } catch {
                        // ps exits 1 while the CLI has no children yet.
                    }
                    const pids = listing
                        .split("\n")
                        .map((s) => Number(s.trim()))
                        .filter((n) => n > 0);
                    if (pids.length >= 2) {
                        clearInterval(poll);
                        resolve(pids);
                    }
                }, 200);
            });
            const exited = new Promise<number | null>((resolve) => cli.on("exit", (code) => resolve(code)));
            cli.kill("SIGTERM");
            assert.equal(await exited, 2);
            assert.match(stderr, /interrupted by SIGTERM; no verdict/);
            for (const pid of children) {
                assert.throws(() => process.kill(pid, 0), /ESRCH/, `child ${pid} still running`);
            }
        });
    });
});
