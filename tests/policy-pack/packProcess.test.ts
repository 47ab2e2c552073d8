import * as assert from "assert";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { ensurePackBuilt } from "./harness/build";
import { PackProcess } from "./harness/packProcess";
import { findings } from "./helpers";
import { T, baselineStack, keyProps, without } from "./fixtures";
import { ruleCatalog, parseWaivedMessage } from "../../policy-pack/catalog";
import { STACK_RULES_POLICY } from "../../policy-pack/lib/toPolicy";
import * as prodConfig from "../../policy-pack/config/prod.json";
import * as devConfig from "../../policy-pack/config/dev.json";
import * as packManifest from "../../policy-pack/package.json";

const badKey = { type: T.key, name: "key", props: { ...keyProps, enableKeyRotation: false } };

describe("the pack started as the Pulumi CLI starts it, over gRPC", () => {
    let pack: PackProcess;
    before(async () => {
        ensurePackBuilt();
        pack = await PackProcess.start();
        console.log(
            `      pack cold start: ${pack.figures.msToPort} ms to port, peak RSS ${pack.figures.peakRssMb} MB`,
        );
    });
    after(() => pack?.stop());
    beforeEach(() => pack.configure({}));

    it("GetAnalyzerInfo lists every catalogue rule with severity, framework, remediation and URL", async () => {
        const info = await pack.info();
        assert.strictEqual(info.getName(), "kms-audit");
        assert.strictEqual(info.getVersion(), packManifest.version);
        const policies = info.getPoliciesList();
        const [resourceRules, stackRules] = ["resource", "stack"].map((kind) =>
            ruleCatalog.filter((r) => r.kind === kind).map((r) => r.name),
        );
        assert.deepStrictEqual(policies.map((p) => p.getName()).sort(), [...resourceRules, STACK_RULES_POLICY].sort());
        const rotation = policies.find((p) => p.getName() === "kms-key-rotation")!;
        assert.strictEqual(rotation.getSeverity(), pb.PolicySeverity.POLICY_SEVERITY_MEDIUM);
        assert.strictEqual(rotation.getFramework()?.getReference(), "3.6");
        assert.ok(rotation.getTagsList().includes("FSBP:KMS.4"));
        assert.ok(rotation.getRemediationSteps().includes("enableKeyRotation"));
        assert.ok(rotation.getUrl().startsWith("https://docs.aws.amazon.com/"));
        const stack = policies.find((p) => p.getName() === STACK_RULES_POLICY)!;
        assert.strictEqual(stack.getPolicyType(), pb.PolicyType.POLICY_TYPE_STACK);
        const entries = stack.getConfigschema()?.getProperties()?.toJavaScript() as Record<
            string,
            { properties: object }
        >;
        assert.deepStrictEqual(Object.keys(entries).sort(), [...stackRules].sort());
        assert.ok(Object.values(entries).every((e) => "waivers" in e.properties && "enforcementLevel" in e.properties));
    });

    it("Analyze reports a key without rotation and marks other types not applicable", async () => {
        const analysis = await pack.analyze(badKey);
        assert.strictEqual(findings(analysis, "kms-key-rotation").length, 1);
        const topic = await pack.analyze({ type: T.topic, name: "t", props: { kmsMasterKeyId: "arn:aws:kms:k" } });
        assert.ok(topic.notApplicable.some((n) => n.policyName === "kms-key-rotation"));
    });

    it("AnalyzeStack passes the baseline and reports a bucket whose encryption is missing", async () => {
        assert.deepStrictEqual((await pack.analyzeStack(baselineStack("preview"))).diagnostics, []);
        const missing = await pack.analyzeStack(without(baselineStack("preview"), "data-sse"));
        assert.strictEqual(findings(missing, "s3-bucket-sse-kms").length, 1);
    });

    describe("stack rules, served by one policy", () => {
        const sseMissing = () => without(baselineStack("preview"), "data-sse");
        const sseLevels = async (stack = sseMissing()) =>
            findings(await pack.analyzeStack(stack), "s3-bucket-sse-kms").map((d) => d.enforcementLevel);

        it("each finding names its rule, starts with the rule's description and has its URN", async () => {
            const [d] = findings(await pack.analyzeStack(sseMissing()), "s3-bucket-sse-kms");
            const rule = ruleCatalog.find((r) => r.name === "s3-bucket-sse-kms")!;
            assert.ok(d.message.startsWith(`${rule.description}\n`), d.message);
            assert.ok(d.urn.endsWith("::data"), d.urn);
        });

        it("a rule's level comes from its entry, else from the stack-rules policy's level", async () => {
            await pack.configure({ [STACK_RULES_POLICY]: { "s3-bucket-sse-kms": { enforcementLevel: "advisory" } } });
            assert.deepStrictEqual(await sseLevels(), ["advisory"]);
            await pack.configure({ [STACK_RULES_POLICY]: "advisory" });
            assert.deepStrictEqual(await sseLevels(), ["advisory"]);
            await pack.configure({
                [STACK_RULES_POLICY]: {
                    enforcementLevel: "advisory",
                    "s3-bucket-sse-kms": { enforcementLevel: "mandatory" },
                },
            });
            assert.deepStrictEqual(await sseLevels(), ["mandatory"]);
            await pack.configure({ [STACK_RULES_POLICY]: { "s3-bucket-sse-kms": { enforcementLevel: "remediate" } } });
            assert.deepStrictEqual(
                await sseLevels(),
                ["mandatory"],
                "stack rules cannot remediate: reported as mandatory",
            );
        });

        it("disabling one rule leaves the other stack rules running; disabling the policy stops them all", async () => {
            const stack = without(baselineStack("preview"), "data-sse", "audit");
            await pack.configure({ [STACK_RULES_POLICY]: { "s3-bucket-sse-kms": { enforcementLevel: "disabled" } } });
            const some = await pack.analyzeStack(stack);
            assert.deepStrictEqual(findings(some, "s3-bucket-sse-kms"), []);
            assert.ok(findings(some, "cloudtrail-stack-coverage").length > 0);
            await pack.configure({ [STACK_RULES_POLICY]: "disabled" });
            assert.deepStrictEqual((await pack.analyzeStack(stack)).diagnostics, []);
        });

        it("an unknown rule or a bad level in its config is reported, saying what is allowed", async () => {
            await pack.configure({ [STACK_RULES_POLICY]: { "s3-bucket-kms": {} } });
            const [unknown] = findings(await pack.analyzeStack(baselineStack("preview")), STACK_RULES_POLICY);
            assert.ok(
                unknown.message.includes("unknown rule(s) s3-bucket-kms; allowed: s3-bucket-sse-kms"),
                unknown.message,
            );
            await pack.configure({ [STACK_RULES_POLICY]: { "s3-bucket-tls-only": { enforcementLevel: "loud" } } });
            const [level] = findings(await pack.analyzeStack(baselineStack("preview")), "s3-bucket-tls-only");
            assert.ok(
                level.message.includes("optional enforcementLevel (advisory, mandatory, remediate, disabled)"),
                level.message,
            );
        });
    });

    it("kms-grant-same-account: trustedAccountIds admits a deliberate cross-account grant", async () => {
        const grant = {
            type: "aws:kms/grant:Grant",
            name: "g",
            props: {
                keyId: "arn:aws:kms:eu-west-1:111122223333:key/1",
                operations: ["Decrypt"],
                granteePrincipal: "arn:aws:iam::999988887777:role/partner",
            },
        };
        assert.strictEqual(findings(await pack.analyze(grant), "kms-grant-same-account").length, 1);
        await pack.configure({
            "kms-grant-same-account": { enforcementLevel: "mandatory", trustedAccountIds: ["999988887777"] },
        });
        assert.deepStrictEqual(findings(await pack.analyze(grant), "kms-grant-same-account"), []);
    });

    it("the prod and dev config files apply: levels and settings per environment", async () => {
        await pack.configure(devConfig);
        const dev = findings(await pack.analyze(badKey), "kms-key-rotation");
        assert.strictEqual(dev[0].enforcementLevel, "advisory");
        const shortWindow = { ...badKey, props: { ...keyProps, deletionWindowInDays: 7 } };
        assert.deepStrictEqual(findings(await pack.analyze(shortWindow), "kms-key-deletion-window"), []);
        await pack.configure(prodConfig);
        assert.strictEqual(
            findings(await pack.analyze(shortWindow), "kms-key-deletion-window")[0].enforcementLevel,
            "mandatory",
        );
    });

    it("remediation at the remediate level turns rotation on and keeps the other properties", async () => {
        await pack.configure({ "kms-key-rotation": "remediate" });
        const [fix] = await pack.remediate(badKey);
        assert.strictEqual(fix.policyName, "kms-key-rotation");
        assert.strictEqual(fix.properties?.enableKeyRotation, true);
        assert.strictEqual(fix.properties?.deletionWindowInDays, 30);
    });

    it("remediation turns on all four public access block flags and log file validation", async () => {
        await pack.configure({
            "s3-public-access-block-flags": "remediate",
            "cloudtrail-log-file-validation": "remediate",
        });
        const [pab] = await pack.remediate({ type: T.pab, name: "p", props: { bucket: "b", blockPublicAcls: true } });
        assert.deepStrictEqual(
            [
                pab.properties?.blockPublicPolicy,
                pab.properties?.ignorePublicAcls,
                pab.properties?.restrictPublicBuckets,
            ],
            [true, true, true],
        );
        const [trail] = await pack.remediate({ type: T.trail, name: "t", props: { s3BucketName: "b" } });
        assert.strictEqual(trail.properties?.enableLogFileValidation, true);
    });

    describe("waivers", () => {
        const waive = (waiver: Record<string, unknown>) =>
            pack.configure({ "kms-key-rotation": { enforcementLevel: "mandatory", waivers: [waiver] } });

        it("an active waiver keeps the finding visible, advisory, with its reason (gate contract)", async () => {
            await waive({ resource: "key", reason: "HSM migration, ticket SEC-12", expires: "2999-12-31" });
            const [d] = findings(await pack.analyze(badKey), "kms-key-rotation");
            assert.strictEqual(d.enforcementLevel, "advisory");
            const parsed = parseWaivedMessage(d.message);
            assert.deepStrictEqual([parsed?.reason, parsed?.expires], ["HSM migration, ticket SEC-12", "2999-12-31"]);
            assert.ok(parsed?.finding.includes('Key "key"'));
        });
        it("matches URN globs, and does not waive other resources", async () => {
            await waive({
                resource: "urn:pulumi:*::kms-audit::aws:kms/key:Key::k*",
                reason: "r",
                expires: "2999-12-31",
            });
            assert.strictEqual(
                findings(await pack.analyze(badKey), "kms-key-rotation")[0].enforcementLevel,
                "advisory",
            );
            await waive({ resource: "other-key", reason: "r", expires: "2999-12-31" });
            assert.strictEqual(
                findings(await pack.analyze(badKey), "kms-key-rotation")[0].enforcementLevel,
                "mandatory",
            );
        });
        it("an expired waiver blocks again and says so", async () => {
            await waive({ resource: "key", reason: "old exception", expires: "2000-01-01" });
            const [d] = findings(await pack.analyze(badKey), "kms-key-rotation");
            assert.strictEqual(d.enforcementLevel, "mandatory");
            assert.ok(d.message.includes("expired on 2000-01-01"));
        });
        it("a waiver without a reason is rejected", async () => {
            await waive({ resource: "key", reason: " ", expires: "2999-12-31" });
            const [d] = findings(await pack.analyze(badKey), "kms-key-rotation");
            assert.strictEqual(d.enforcementLevel, "mandatory");
            assert.ok(d.message.includes("no reason"));
        });
        it("a waived resource is not remediated", async () => {
            await pack.configure({
                "kms-key-rotation": {
                    enforcementLevel: "remediate",
                    waivers: [{ resource: "key", reason: "r", expires: "2999-12-31" }],
                },
            });
            assert.deepStrictEqual(await pack.remediate(badKey), []);
        });
        it("stack findings are waived too, and `<stack>` waives stack-wide ones", async () => {
            await pack.configure({
                [STACK_RULES_POLICY]: {
                    "cloudtrail-stack-coverage": {
                        enforcementLevel: "mandatory",
                        waivers: [
                            {
                                resource: "<stack>",
                                reason: "account trail lives in the org stack",
                                expires: "2999-12-31",
                            },
                            { resource: "data", reason: "data events in org trail", expires: "2999-12-31" },
                        ],
                    },
                },
            });
            const stack = findings(
                await pack.analyzeStack(without(baselineStack("preview"), "audit")),
                "cloudtrail-stack-coverage",
            );
            assert.deepStrictEqual(stack.map((d) => d.enforcementLevel).sort(), ["advisory", "advisory", "mandatory"]);
        });
    });

    it("a config value of the wrong kind is reported with the key, the problem and what is allowed", async () => {
        await pack.configure({
            "kms-key-rotation": { enforcementLevel: "mandatory", maxRotationPeriodDays: "yearly" },
        });
        const [d] = findings(await pack.analyze(badKey), "kms-key-rotation");
        assert.ok(d.message.includes("maxRotationPeriodDays") && d.message.includes("90 to 2560"), d.message);
    });
});
