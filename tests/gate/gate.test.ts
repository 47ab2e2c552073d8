import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv from "ajv";
import { unknownValue, specialSigKey, specialSecretSig } from "@pulumi/pulumi/runtime/rpc";
import { GateError, GateOptions, GateResult, runGate, startPack, PackSession } from "../../gate";
import { parseArgs } from "../../gate/args";
import { jsonReport, textReport } from "../../gate/report";
import { sarifReport } from "../../gate/sarif";
import { parseTransformSpec } from "../../gate/transforms";
import { fixtureMutations } from "./fixtureMutations";

const repo = path.resolve(__dirname, "../..");
const fixtures = path.join(__dirname, "fixtures");
const projectDir = path.join(fixtures, "project");
const packDir = path.join(fixtures, "pack");
const mutationsModule = path.join(__dirname, "fixtureMutations.ts");

function byType(result: GateResult, type: string) {
    const found = result.resources.find((r) => r.type === type);
    assert.ok(found, `no ${type} among ${result.resources.map((r) => r.type).join(", ")}`);
    return found;
}

function writeTemp(name: string, content: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-test-"));
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
}

describe("offline gate on the fixture program and pack", function () {
    let session: PackSession;
    const gate = (options: Partial<GateOptions>) =>
        runGate({ projectDir, policyPack: packDir, stack: "dev", ...options }, session);

    before(async function () {
        session = await startPack(packDir, { project: "gate-fixture", stack: "dev", dryRun: true });
    });
    after(async function () {
        await session?.close();
    });

    describe("a first preview (--preview)", function () {
        let result: GateResult;
        before(async function () {
            result = await gate({ mode: "preview" });
        });

        it("passes a compliant stack with no mandatory finding", function () {
            assert.equal(result.exitCode, 0);
            assert.deepEqual(
                result.findings.filter((f) => f.level === "mandatory"),
                [],
            );
        });

        it("sees the root stack, the default aws provider and every program resource, parented as the engine would", function () {
            const stack = byType(result, "pulumi:pulumi:Stack");
            assert.equal(stack.urn, "urn:pulumi:dev::gate-fixture::pulumi:pulumi:Stack::gate-fixture-dev");
            const key = byType(result, "aws:kms/key:Key");
            assert.equal(key.urn, "urn:pulumi:dev::gate-fixture::aws:kms/key:Key::fixture-dev");
            assert.equal(key.parent, stack.urn);
            const provider = byType(result, "pulumi:providers:aws");
            assert.equal(provider.name, "default_7_48_0");
            assert.equal(provider.inputs.region, "eu-west-1");
            assert.equal(key.provider?.urn, provider.urn);
        });

        it("hands dependents the key's ARN as unknown, with the dependency recorded per property", function () {
            const sse = byType(
                result,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            );
            assert.equal(sse.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, unknownValue);
            assert.equal(sse.inputs.bucket, unknownValue);
            const key = byType(result, "aws:kms/key:Key");
            const bucket = byType(result, "aws:s3/bucket:Bucket");
            assert.deepEqual(sse.propertyDependencies.rules, [key.urn]);
            assert.deepEqual(sse.propertyDependencies.bucket, [bucket.urn]);
            assert.equal(key.outputs.arn, unknownValue);
        });

        it("reports a policy that read an unknown value as not evaluated rather than passed", function () {
            const skipped = result.findings.filter((f) => f.policy === "fixture-key-arn-known");
            assert.equal(skipped.length, 1);
            assert.equal(skipped[0].notEvaluated, true);
            assert.equal(skipped[0].level, "advisory");
        });

        it("keeps secret config secret: the stack output is a secret placeholder", function () {
            const stack = byType(result, "pulumi:pulumi:Stack");
            assert.equal(stack.outputs.alarmEmail[specialSigKey], specialSecretSig);
            assert.equal(JSON.stringify(jsonReport(result)).includes("secret-placeholder"), false);
        });
    });

    describe("after an update (--update)", function () {
        it("knows IDs and ARNs, so every policy is evaluated and the stack still passes", async function () {
            const result = await gate({ mode: "update" });
            assert.equal(result.exitCode, 0);
            const sse = byType(
                result,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            );
            assert.match(
                sse.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId,
                /^arn:aws:kms:eu-west-1:123456789012:key\//,
            );
            assert.deepEqual(result.findings, []);
        });
    });

    describe("mutations: each flipped security property blocks, naming the policy and the resource", function () {
        for (const mutation of fixtureMutations) {
            it(`${mutation.what} -> ${mutation.policy}`, async function () {
                const result = await gate({
                    transforms: [parseTransformSpec(`${mutationsModule}#${mutation.id}`, repo)],
                });
                assert.equal(result.exitCode, 1);
                const hits = result.findings.filter((f) => f.policy === mutation.policy && f.level === "mandatory");
                assert.equal(hits.length, 1, JSON.stringify(result.findings, null, 1));
                assert.ok(mutation.reportedOn.includes(hits[0].resourceType), `reported on ${hits[0].resourceType}`);
            });
        }
    });

    describe("policy pack config, applied as the engine applies it", function () {
        it("lets `all: advisory` turn a blocking finding into a warning", async function () {
            const config = writeTemp("advisory.json", JSON.stringify({ all: "advisory" }));
            const result = await gate({
                policyConfig: config,
                transforms: [parseTransformSpec(`${mutationsModule}#rotation-off`, repo)],
            });
            assert.equal(result.exitCode, 0);
            assert.equal(result.findings.find((f) => f.policy === "fixture-kms-rotation")?.level, "advisory");
        });

        it("applies schema defaults and config properties (minimumDays) to a policy", async function () {
            const config = writeTemp(
                "strict.json",
                JSON.stringify({ "fixture-deletion-window": { enforcementLevel: "mandatory", minimumDays: 30 } }),
            );
            assert.equal(
                (await gate({ policyConfig: config })).exitCode,
                0,
                "the fixture key keeps the 30-day default",
            );
            const relaxed = writeTemp(
                "relaxed.json",
                JSON.stringify({ "fixture-provider-region": { regions: ["us-east-1"] } }),
            );
            const result = await gate({ policyConfig: relaxed });
            const region = result.findings.filter((f) => f.policy === "fixture-provider-region");
            assert.ok(
                region.length > 0 && region.every((f) => f.message.includes("eu-west-1")),
                JSON.stringify(region),
            );
        });

        it("rejects a config value the policy's schema forbids, naming the file and the policy", async function () {
            const config = writeTemp("bad.json", JSON.stringify({ "fixture-deletion-window": { minimumDays: 3 } }));
            await assert.rejects(gate({ policyConfig: config }), (e: Error) => {
                assert.ok(e instanceof GateError);
                assert.match(e.message, /bad\.json/);
                assert.match(e.message, /fixture-deletion-window: minimumDays must be >= 7/);
                return true;
            });
        });

        it("rejects an unknown enforcement level and an unknown policy name", async function () {
            const level = writeTemp("level.json", JSON.stringify({ "fixture-kms-rotation": "fatal" }));
            await assert.rejects(
                gate({ policyConfig: level }),
                /level\.json: fixture-kms-rotation: enforcementLevel "fatal" is not valid; allowed: advisory, mandatory, remediate, disabled/,
            );
            const name = writeTemp("name.json", JSON.stringify({ "kms-rotation": "advisory" }));
            await assert.rejects(
                gate({ policyConfig: name }),
                /name\.json: invalid policy pack config:\n {2}- kms-rotation: no such policy/,
            );
        });
    });

    describe("program and config errors", function () {
        it("turns the program's RunError for bad config into a GateError naming the stack file and the keys", async function () {
            await assert.rejects(gate({ stack: "broken" }), (e: Error) => {
                assert.ok(e instanceof GateError);
                assert.match(e.message, /Pulumi\.broken\.yaml/);
                assert.match(e.message, /gate-fixture:environment = "Not Valid!"/);
                assert.match(e.message, /gate-fixture:deletionWindowDays = 3/);
                return true;
            });
        });

        it("names the missing stack file and the stacks that exist", async function () {
            await assert.rejects(
                gate({ stack: "staging" }),
                /Pulumi\.staging\.yaml: not found; stacks with a config file here: (broken, dev|dev, broken)/,
            );
        });
    });

    describe("--state: auditing a `pulumi stack export` checkpoint", function () {
        const stackUrn = "urn:pulumi:prod::gate-fixture::pulumi:pulumi:Stack::gate-fixture-prod";
        const providerUrn = "urn:pulumi:prod::gate-fixture::pulumi:providers:aws::default_7_48_0";
        const keyUrn = "urn:pulumi:prod::gate-fixture::aws:kms/key:Key::legacy-key";
        const bucketUrn = "urn:pulumi:prod::gate-fixture::aws:s3/bucket:Bucket::legacy-data";
        const sseUrn =
            "urn:pulumi:prod::gate-fixture::aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::legacy-data-sse";
        const secret = { [specialSigKey]: specialSecretSig, ciphertext: "v1:AAAA:BBBB" };
        const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
        const checkpoint = {
            version: 3,
            deployment: {
                manifest: { time: "2025-01-01T00:00:00Z", magic: "x", version: "v3.200.0" },
                resources: [
                    { urn: stackUrn, custom: false, type: "pulumi:pulumi:Stack", outputs: { alarmEmail: secret } },
                    {
                        urn: providerUrn,
                        custom: true,
                        id: "prov-id",
                        type: "pulumi:providers:aws",
                        inputs: { region: "eu-west-1", version: "7.48.0" },
                        outputs: { region: "eu-west-1", version: "7.48.0" },
                    },
                    {
                        urn: keyUrn,
                        custom: true,
                        id: "key-id",
                        type: "aws:kms/key:Key",
                        parent: stackUrn,
                        provider: `${providerUrn}::prov-id`,
                        inputs: { enableKeyRotation: false, deletionWindowInDays: 30 },
                        outputs: { enableKeyRotation: false, deletionWindowInDays: 30, arn: keyArn },
                    },
                    {
                        urn: bucketUrn,
                        custom: true,
                        id: "legacy-data",
                        type: "aws:s3/bucket:Bucket",
                        parent: stackUrn,
                        provider: `${providerUrn}::prov-id`,
                        inputs: {},
                        outputs: { bucket: "legacy-data", arn: "arn:aws:s3:::legacy-data" },
                    },
                    {
                        urn: sseUrn,
                        custom: true,
                        id: "legacy-data",
                        type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                        parent: stackUrn,
                        provider: `${providerUrn}::prov-id`,
                        dependencies: [bucketUrn],
                        propertyDependencies: { bucket: [bucketUrn] },
                        inputs: {
                            bucket: "legacy-data",
                            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                        },
                        outputs: {
                            bucket: "legacy-data",
                            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                        },
                    },
                    {
                        urn: "urn:pulumi:prod::gate-fixture::aws:kms/key:Key::being-deleted",
                        custom: true,
                        delete: true,
                        type: "aws:kms/key:Key",
                        inputs: { enableKeyRotation: false },
                        outputs: {},
                    },
                ],
            },
        };
        let result: GateResult;
        before(async function () {
            result = await gate({ stack: "prod", state: writeTemp("prod.json", JSON.stringify(checkpoint)) });
        });

        it("blocks on the known violations, naming policy and resource", function () {
            assert.equal(result.exitCode, 1);
            const rotation = result.findings.filter((f) => f.policy === "fixture-kms-rotation");
            assert.deepEqual(
                rotation.map((f) => f.urn),
                [keyUrn],
                "the key pending deletion is not audited",
            );
            const sse = result.findings.filter((f) => f.policy === "fixture-bucket-sse-kms");
            assert.deepEqual(
                sse.map((f) => f.urn),
                [bucketUrn],
            );
        });

        it("takes the stack name, parents, dependencies and providers from the checkpoint", function () {
            assert.deepEqual(result.source, {
                kind: "state",
                stack: "prod",
                file: result.source.kind === "state" ? result.source.file : "",
            });
            const sse = result.resources.find((r) => r.urn === sseUrn)!;
            assert.equal(sse.parent, stackUrn);
            assert.deepEqual(sse.propertyDependencies, { bucket: [bucketUrn] });
            assert.equal(sse.provider?.urn, providerUrn);
            assert.equal(
                result.findings.some((f) => f.notEvaluated),
                false,
                "a checkpoint has no unknowns",
            );
        });

        it("never prints an exported secret", function () {
            const text = JSON.stringify(jsonReport(result)) + textReport(result, false);
            assert.equal(text.includes("v1:AAAA:BBBB"), false);
        });

        it("rejects a file that is not a stack export, naming it", async function () {
            const file = writeTemp("not-export.json", JSON.stringify({ resources: [] }));
            await assert.rejects(
                gate({ stack: "prod", state: file }),
                /not-export\.json: expected the output of `pulumi stack export`/,
            );
        });

        it("never lets the checkpoint choose its policy config: --stack or --policy-config decides", async function () {
            const file = writeTemp("prod.json", JSON.stringify(checkpoint));
            await assert.rejects(gate({ stack: undefined, state: file }), /--state needs --stack <name>/);
            await assert.rejects(
                gate({ stack: "dev", state: file }),
                /the checkpoint is of stack "prod", but --stack is dev/,
            );
        });
    });

    describe("reports", function () {
        let failing: GateResult;
        before(async function () {
            failing = await gate({ transforms: [parseTransformSpec(mutationsModule, repo)] });
        });

        it("text: a preview-like tree, a count per type, findings grouped by policy, no colour when asked", function () {
            const text = textReport(failing, false, repo);
            assert.match(text, /^ \+ pulumi:pulumi:Stack gate-fixture-dev$/m);
            assert.match(text, /^ \+ {4}aws:kms:Key fixture-dev$/m);
            assert.match(text, /^ +1 aws:s3:BucketPublicAccessBlock$/m);
            assert.match(text, /^ {2}fixture-kms-rotation \(high\)/m);
            assert.match(text, /^ {4}\[mandatory\] aws:kms:Key fixture-dev$/m);
            assert.match(text, /^FAILED: 3 mandatory/m);
            assert.equal(text.includes("\u001b["), false);
            assert.ok(textReport(failing, true, repo).includes("\u001b[31m"));
        });

        it("json: matches the documented schema (gate/report.schema.json)", function () {
            const schema = JSON.parse(fs.readFileSync(path.join(repo, "gate/report.schema.json"), "utf8"));
            const validate = new Ajv({ allErrors: true }).compile(schema);
            const report = jsonReport(failing);
            assert.ok(validate(report), JSON.stringify(validate.errors));
            assert.equal(report.summary.mandatory, 3);
            assert.ok(report.findings.every((f) => typeof f.waived === "boolean"));
        });

        it("sarif: validates against the SARIF 2.1.0 schema, with rule metadata and the resource as location", function () {
            const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "sarif-schema-2.1.0.json"), "utf8"));
            const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
            const validate = ajv.compile(schema);
            const sarif = sarifReport(failing, "0.1.0", repo);
            assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 1));
            const run = sarif.runs[0];
            const rotation = run.tool.driver.rules.find((r) => r.id === "fixture-kms-rotation")!;
            assert.equal(rotation.helpUri, "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html");
            assert.deepEqual(rotation.properties.controls, ["KMS.4", "CIS AWS Foundations:3.6"]);
            assert.equal(rotation.properties["security-severity"], "7.5");
            const result = run.results.find((r) => r.ruleId === "fixture-kms-rotation")!;
            assert.equal(result.level, "error");
            assert.equal(
                result.locations[0].logicalLocations[0].fullyQualifiedName,
                "urn:pulumi:dev::gate-fixture::aws:kms/key:Key::fixture-dev",
            );
            assert.equal(
                result.locations[0].physicalLocation.artifactLocation.uri,
                "tests/gate/fixtures/project/program/index.ts",
            );
        });

        it("sarif: lists a rule that a finding names but the pack serves from a shared policy (as stack-rules does)", function () {
            const shared: GateResult = {
                ...failing,
                findings: failing.findings.map((f, i) =>
                    i === 0 ? { ...f, policy: "rule-served-by-a-shared-policy" } : f,
                ),
            };
            const sarif = sarifReport(shared, "0.1.0", repo);
            const run = sarif.runs[0];
            const index = run.tool.driver.rules.findIndex((r) => r.id === "rule-served-by-a-shared-policy");
            assert.ok(index >= 0, "the finding's rule is listed");
            const result = run.results.find((r) => r.ruleId === "rule-served-by-a-shared-policy")!;
            assert.equal(result.ruleIndex, index);
            const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
            const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "sarif-schema-2.1.0.json"), "utf8"));
            assert.ok(ajv.compile(schema)(sarif));
        });
    });
});

describe("gate command line", function () {
    const cli = (args: string[]) =>
        spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(repo, "gate/cli.ts"), ...args],
            {
                cwd: projectDir,
                encoding: "utf8",
                // As run from a shell in the fixture project: npx/npm would otherwise pass on their own INIT_CWD.
                env: { ...process.env, NO_COLOR: "1", INIT_CWD: "" },
            },
        );

    it("exits 0 on a compliant stack and prints the report", function () {
        const run = cli(["--stack", "dev", "--policy-pack", "../pack"]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^PASSED: 0 mandatory/m);
    });

    it("exits 1 with mandatory findings, writing SARIF to --out", function () {
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-cli-")), "gate.sarif");
        const run = cli([
            "--stack",
            "dev",
            "--policy-pack",
            "../pack",
            "--transform",
            `${mutationsModule}#rotation-off`,
            "--format",
            "sarif",
            "--out",
            out,
        ]);
        assert.equal(run.status, 1, run.stderr);
        const sarif = JSON.parse(fs.readFileSync(out, "utf8"));
        assert.deepEqual(
            sarif.runs[0].results.filter((r: any) => r.level === "error").map((r: any) => r.ruleId),
            ["fixture-kms-rotation"],
        );
    });

    it("exits 2 on a program config error, with the program's message", function () {
        const run = cli(["--stack", "broken", "--policy-pack", "../pack"]);
        assert.equal(run.status, 2);
        assert.match(run.stderr, /Pulumi\.broken\.yaml[\s\S]*gate-fixture:deletionWindowDays = 3: between 7 and 30/);
    });

    it("exits 2 on bad usage, saying what is allowed", function () {
        assert.match(
            cli(["--stack", "dev", "--format", "xml"]).stderr,
            /--format "xml" is not supported; allowed: text, json, sarif/,
        );
        assert.equal(cli([]).status, 2);
        assert.equal(cli(["--state", "x.json", "--update"]).status, 2);
    });
});

describe("gate argument parsing", function () {
    it("reads every flag, with --preview as the default mode", function () {
        const parsed = parseArgs(
            ["--stack", "prod", "--format=json", "--out", "r.json", "--policy-pack", "p", "--transform", "m.ts#x"],
            "/repo",
        );
        assert.equal(parsed.gate.stack, "prod");
        assert.equal(parsed.gate.mode, undefined);
        assert.equal(parsed.format, "json");
        assert.equal(parsed.out, "/repo/r.json");
        assert.deepEqual(parsed.gate.transforms, [{ module: "/repo/m.ts", name: "x" }]);
    });

    it("refuses --preview with --update and unknown flags", function () {
        assert.throws(
            () => parseArgs(["--stack", "dev", "--preview", "--update"], "/"),
            /--preview and --update exclude each other/,
        );
        assert.throws(() => parseArgs(["--stack", "dev", "--verbose"], "/"), /unknown argument "--verbose"/);
        assert.throws(() => parseArgs(["--stack"], "/"), /--stack needs a value/);
    });
});
