/**
 * Seeded fuzz test of the gate: generated checkpoints (valid, odd and hostile), command lines and policy configs.
 * Every run must end with a documented outcome (a verdict 0/1, or a GateError = exit 2), never an internal error,
 * and must leave no process behind. `npm test` runs a short round; `npm run fuzz:gate` a long one.
 *
 * FUZZ_SEED repeats a run; FUZZ_ITERATIONS and FUZZ_LARGE (resources in the large checkpoint) set its size.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv from "ajv";
import { specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { evaluate, GateError, PackSession, runGate, startPack } from "../../gate";
import { parseArgs } from "../../gate/args";
import { EngineResource, PolicyDiagnostic } from "../../gate/engineTypes";
import { parsePolicyConfig, reconcilePolicyConfig } from "../../gate/policyConfig";
import { liveChildCount } from "../../gate/processes";
import { jsonReport, textReport } from "../../gate/report";
import { sarifReport } from "../../gate/sarif";
import { fuzzSeed, SeededRandom, seededRandom } from "../support/seededRandom";

const repo = path.resolve(__dirname, "../..");
const iterations = Number(process.env.FUZZ_ITERATIONS ?? 30);
const largeCount = Number(process.env.FUZZ_LARGE ?? 1500);
const seed = fuzzSeed(20261130);
const ciphertext = "v1:FUZZ-CIPHERTEXT-MUST-NOT-LEAK";

const types = [
    "aws:kms/key:Key",
    "aws:kms/alias:Alias",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:cloudtrail/trail:Trail",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:sns/topic:Topic",
    "aws:ebs/volume:Volume",
    "aws:rds/instance:Instance",
    "my:component:Thing",
    "pulumi:providers:aws",
    "random:index/randomId:RandomId",
];
const propertyNames = [
    "policy",
    "enableKeyRotation",
    "deletionWindowInDays",
    "bucket",
    "rules",
    "kmsKeyId",
    "tags",
    "isMultiRegionTrail",
    "retentionInDays",
    "kmsMasterKeyId",
    "blockPublicAcls",
    "name",
    "arn",
    "description",
];

function policyText(r: SeededRandom): string {
    const statement = {
        Effect: r.pick(["Allow", "Deny", "Maybe"]),
        Principal: r.pick([
            "*",
            { AWS: "*" },
            { AWS: "arn:aws:iam::123456789012:root" },
            { Service: "logs.amazonaws.com" },
        ]),
        Action: r.pick(["kms:*", "s3:*", ["kms:Decrypt", "kms:Encrypt"], "*"]),
        Resource: "*",
        ...(r.chance(0.3) ? { Condition: { Bool: { "aws:SecureTransport": "false" } } } : {}),
    };
    const document = { Version: "2012-10-17", Statement: r.chance(0.5) ? [statement] : statement };
    return r.chance(0.1) ? "{not json" : JSON.stringify(document);
}

function value(r: SeededRandom, depth: number, urns: string[]): unknown {
    const kind = r.int(0, depth > 3 ? 5 : 11);
    switch (kind) {
        case 0:
            return r.pick([
                "",
                "x",
                "arn:aws:kms:eu-west-1:123456789012:key/abc",
                "aws:kms",
                "AES256",
                "ünïcødé",
                "\u0000",
            ]);
        case 1:
            return r.pick([0, -1, 7, 30, 365, 1e308, Number.MAX_SAFE_INTEGER, 0.5]);
        case 2:
            return r.chance(0.5);
        case 3:
            return null;
        case 4:
            return unknownValue;
        case 5:
            return policyText(r);
        case 6:
            return { [specialSigKey]: specialSecretSig, ciphertext };
        case 7:
            return { [specialSigKey]: specialSecretSig, plaintext: JSON.stringify(value(r, depth + 1, urns)) };
        case 8:
            return {
                [specialSigKey]: specialResourceSig,
                urn: r.pick(urns.length ? urns : ["urn:x"]),
                ...(r.chance(0.5) ? { id: r.pick(["id-1", ""]) } : {}),
            };
        case 9:
            return Array.from({ length: r.int(0, 4) }, () => value(r, depth + 1, urns));
        case 10:
            return properties(r, 4, depth + 1, urns);
        default:
            return { [specialSigKey]: specialSecretSig, junk: true };
    }
}

function properties(r: SeededRandom, max: number, depth: number, urns: string[]): Record<string, unknown> {
    const entry = (): [string, unknown] => [r.pick(propertyNames), value(r, depth, urns)];
    return Object.fromEntries(Array.from({ length: r.int(0, max) }, entry));
}

function urnFor(r: SeededRandom, stack: string, project: string, type: string, name: string): string {
    if (r.chance(0.005)) {
        return r.pick([
            "urn:pulumi:../..::p::t::n",
            "not-a-urn",
            "urn:pulumi:",
            `urn:pulumi:${stack}::${project}::${type}`,
        ]);
    }
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/** A `pulumi stack export` document: mostly well formed, sometimes odd, now and then hostile. */
function checkpoint(r: SeededRandom, count: number, stack: string): unknown {
    const project = r.pick(["fuzz", "kms-audit", "p::q"]);
    const urns: string[] = [];
    const resources: unknown[] = [];
    if (r.chance(0.9)) {
        const root = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
        urns.push(root);
        resources.push({ urn: root, type: "pulumi:pulumi:Stack", custom: false, outputs: { out: value(r, 0, urns) } });
    }
    for (let i = 0; i < count; i++) {
        const type = r.pick(types);
        const urn = urnFor(r, stack, project, type, `r${i}`);
        const props = properties(r, 6, 0, urns);
        const resource: Record<string, unknown> = {
            urn,
            type,
            custom: !type.startsWith("my:"),
            id: `id-${i}`,
            inputs: props,
            outputs: r.chance(0.5) ? props : { ...props, arn: `arn:aws:x:eu-west-1:123456789012:r/${i}` },
            parent: r.chance(0.7) ? urns[0] : r.pick([undefined, "", urns[r.int(0, Math.max(0, urns.length - 1))]]),
            dependencies: r.chance(0.3) ? [r.pick(urns.length ? urns : ["x"])] : [],
            propertyDependencies: r.chance(0.2) ? { bucket: [r.pick(urns.length ? urns : ["x"])] } : {},
        };
        if (r.chance(0.1)) resource.delete = true;
        if (r.chance(0.05)) resource.pendingReplacement = true;
        urns.push(urn);
        resources.push(resource);
    }
    // Now and then one hostile change that the engine itself would refuse.
    if (resources.length > 1 && r.chance(0.25)) {
        const target = resources[r.int(1, resources.length - 1)] as Record<string, unknown>;
        switch (r.int(0, 4)) {
            case 0:
                target.dependencies = "not a list";
                break;
            case 1:
                target.inputs = r.pick(["text", 42, []]);
                break;
            case 2:
                resources.push(r.pick([null, 42, "x", { type: "no urn" }]));
                break;
            case 3:
                target.inputs = { x: { [specialSigKey]: "weird-sig" } };
                break;
            default:
                target.propertyDependencies = { bucket: "x" };
        }
    }
    const doc = { version: r.chance(0.97) ? 3 : r.pick([1, 4, "3"]), deployment: { manifest: {}, resources } };
    return r.chance(0.02) ? { deployment: null } : doc;
}

function tempFile(name: string, content: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-fuzz-")), name);
    fs.writeFileSync(file, content);
    return file;
}

const schema = JSON.parse(fs.readFileSync(path.join(repo, "gate/report.schema.json"), "utf8"));
const validateReport = new Ajv({ allErrors: true }).compile(schema);

describe(`gate fuzz (FUZZ_SEED=${seed}, ${iterations} iterations)`, function () {
    let session: PackSession;
    const packDir = path.join(repo, "policy-pack");
    const newSession = () => startPack(packDir, { project: "fuzz", stack: "prod", dryRun: false });
    before(async function () {
        session = await newSession();
    });
    after(async function () {
        await session?.close();
        assert.equal(liveChildCount(), 0, "a pack or program host was left running");
    });

    it("checkpoints: a verdict or a named error, a valid report, no secret leaked, no process left", async function () {
        const r = seededRandom(seed);
        const outcomes = { verdicts: 0, errors: 0 };
        for (let i = 0; i < iterations; i++) {
            const stack = r.chance(0.8) ? "prod" : r.pick(["dev", "../../etc", "pr od"]);
            const text = r.chance(0.02)
                ? r.pick(["", "[", "{}", "null", "[".repeat(20_000) + "]".repeat(20_000)])
                : JSON.stringify(checkpoint(r, r.int(0, 40), stack));
            const file = tempFile(`cp-${i}.json`, text);
            // Mostly the checkpoint's own stack; sometimes another, or none (then an explicit --policy-config).
            const given = r.chance(0.7) ? "prod" : r.pick(["dev", stack, undefined]);
            const where = `iteration ${i} (FUZZ_SEED=${seed}), ${file}`;
            if (process.env.FUZZ_VERBOSE) {
                process.stderr.write(`${where}\n`);
            }
            try {
                const policyConfig = given ? undefined : path.join(packDir, "config/prod.json");
                const result = await runGate({ state: file, stack: given, policyConfig }, session);
                outcomes.verdicts++;
                assert.ok(result.exitCode === 0 || result.exitCode === 1, where);
                const report = jsonReport(result);
                assert.ok(validateReport(report), `${where}: ${JSON.stringify(validateReport.errors)}`);
                const rendered =
                    JSON.stringify(report) + textReport(result, false) + JSON.stringify(sarifReport(result, "0.0.0"));
                assert.equal(rendered.includes(ciphertext), false, `${where}: ciphertext in a report`);
                assert.ok(
                    result.findings.every((f) => !f.notEvaluated || f.level === "advisory"),
                    where,
                );
            } catch (e) {
                assert.ok(e instanceof GateError, `${where}: internal error ${(e as Error).stack}`);
                assert.doesNotMatch(
                    (e as Error).message,
                    /^\s+at .*\(node:internal/m,
                    `${where}: stack trace in a user error`,
                );
                outcomes.errors++;
                if (/policy pack .* failed/.test((e as Error).message)) {
                    session = await newSession();
                }
            }
            assert.ok(liveChildCount() <= 1, `${where}: ${liveChildCount()} children running`);
        }
        assert.ok(outcomes.verdicts >= iterations / 4 && outcomes.errors > 0, JSON.stringify(outcomes));
    });

    it("a large checkpoint: every resource failing a rule, thousands of findings, no overflow", async function () {
        const resources = Array.from({ length: largeCount }, (_, i) => ({
            urn: `urn:pulumi:prod::fuzz::aws:kms/key:Key::k${i}`,
            type: "aws:kms/key:Key",
            custom: true,
            id: `k${i}`,
            inputs: { enableKeyRotation: false, deletionWindowInDays: 7 },
            outputs: { enableKeyRotation: false, deletionWindowInDays: 7 },
        }));
        const file = tempFile("large.json", JSON.stringify({ version: 3, deployment: { resources } }));
        const result = await runGate({ state: file, stack: "prod" }, session);
        assert.equal(result.exitCode, 1);
        assert.ok(result.findings.length >= largeCount, `${result.findings.length} findings`);
        assert.ok(textReport(result, false).length > 0);
    });

    it("evaluation holds 150,000 resource and 150,000 stack findings (no spreading into push)", async function () {
        const count = 150_000;
        const resources: EngineResource[] = Array.from({ length: count }, (_, i) => ({
            urn: `urn:pulumi:prod::fuzz::aws:kms/key:Key::k${i}`,
            type: "aws:kms/key:Key",
            name: `k${i}`,
            custom: true,
            inputs: {},
            outputs: {},
            dependencies: [],
            propertyDependencies: {},
            protect: false,
            ignoreChanges: [],
            additionalSecretOutputs: [],
            aliases: [],
        }));
        const diagnostic = (urn: string): PolicyDiagnostic => ({
            policy: "p",
            policyPack: "fake",
            policyPackVersion: "1",
            description: "d",
            message: "m",
            level: "mandatory",
            urn,
        });
        const fake: PackSession = {
            packDir: "/fake",
            info: { name: "fake", version: "1", policies: [], initialConfig: {} },
            configure: async () => undefined,
            configureStack: async () => undefined,
            remediate: async () => [],
            analyze: async (r) => [diagnostic(r.urn)],
            close: async () => undefined,
            analyzeStack: async (rs) => rs.map((r) => diagnostic(r.urn)),
        };
        const findings = await evaluate(fake, resources, { remediations: "skip", concurrency: 1000 });
        assert.equal(findings.length, 2 * count);
    });

    it("command lines: parsed or refused with a GateError, never a crash", function () {
        const r = seededRandom(seed + 1);
        const tokens = [
            "--stack",
            "--state",
            "--preview",
            "--update",
            "--policy-pack",
            "--policy-config",
            "--format",
            "--out",
            "--transform",
            "--project-dir",
            "--timeout",
            "--help",
            "-h",
            "dev",
            "prod",
            "json",
            "sarif",
            "xml",
            "=",
            "--stack=",
            "--format=json",
            "--timeout=0",
            "--timeout=abc",
            "--timeout=5",
            "x.json",
            "#",
            "m.ts#",
            "",
            "--",
            "--verbose",
        ];
        for (let i = 0; i < iterations * 20; i++) {
            const argv = Array.from({ length: r.int(0, 6) }, () => r.pick(tokens));
            try {
                parseArgs(argv, "/tmp");
            } catch (e) {
                assert.ok(e instanceof GateError, `${JSON.stringify(argv)}: ${(e as Error).stack}`);
            }
        }
    });

    it("policy configs: accepted or refused with a GateError naming the file, at any enforcement level", function () {
        const r = seededRandom(seed + 2);
        const names = [...session.info.policies.map((p) => p.name), "all", "no-such-policy"];
        const values = () =>
            r.pick<unknown>([
                "advisory",
                "mandatory",
                "remediate",
                "disabled",
                "fatal",
                3,
                null,
                [],
                { enforcementLevel: r.pick(["advisory", "disabled", "loud"]) },
                {
                    enforcementLevel: "disabled",
                    [r.pick(["minDeletionWindowDays", "minDeletionWindowDay", "waivers", "x"])]: r.pick([
                        30,
                        "30",
                        [],
                        -1,
                    ]),
                },
            ]);
        for (let i = 0; i < iterations * 5; i++) {
            const doc = Object.fromEntries(Array.from({ length: r.int(0, 4) }, () => [r.pick(names), values()]));
            const text = r.chance(0.05) ? "{" : JSON.stringify(doc);
            try {
                reconcilePolicyConfig(session.info, parsePolicyConfig("fuzz.json", text), "fuzz.json");
            } catch (e) {
                assert.ok(e instanceof GateError, `${text}: ${(e as Error).stack}`);
                assert.match((e as Error).message, /fuzz\.json/);
            }
        }
    });
});
