import * as assert from "assert";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { ensurePackBuilt } from "./harness/build";
import { PackProcess } from "./harness/packProcess";
import { findings } from "./helpers";
import { T, baselineStack, keyProps, without } from "./fixtures";
import { ruleCatalog, parseWaivedMessage } from "../../policy-pack/catalog";
import * as prodConfig from "../../policy-pack/config/prod.json";
import * as devConfig from "../../policy-pack/config/dev.json";
import * as packManifest from "../../policy-pack/package.json";

const badKey = { type: T.key, name: "key", props: { ...keyProps, enableKeyRotation: false } };

describe("the pack started as the Pulumi CLI starts it, over gRPC", () => {
    let pack: PackProcess;
    before(async () => {
        ensurePackBuilt();
        pack = await PackProcess.start();
        console.log(`      pack cold start: ${pack.figures.msToPort} ms to port, peak RSS ${pack.figures.peakRssMb} MB`);
    });
    after(() => pack?.stop());
    beforeEach(() => pack.configure({}));

    it("GetAnalyzerInfo lists every catalogue rule with severity, framework, remediation and URL", async () => {
        const info = await pack.info();
        assert.strictEqual(info.getName(), "kms-audit");
        assert.strictEqual(info.getVersion(), packManifest.version);
        const policies = info.getPoliciesList();
        assert.deepStrictEqual(policies.map(p => p.getName()).sort(), ruleCatalog.map(r => r.name).sort());
        const rotation = policies.find(p => p.getName() === "kms-key-rotation")!;
        assert.strictEqual(rotation.getSeverity(), pb.PolicySeverity.POLICY_SEVERITY_MEDIUM);
        assert.strictEqual(rotation.getFramework()?.getReference(), "3.6");
        assert.ok(rotation.getTagsList().includes("FSBP:KMS.4"));
        assert.ok(rotation.getRemediationSteps().includes("enableKeyRotation"));
        assert.ok(rotation.getUrl().startsWith("https://docs.aws.amazon.com/"));
        const stack = policies.find(p => p.getName() === "s3-bucket-sse-kms")!;
        assert.strictEqual(stack.getPolicyType(), pb.PolicyType.POLICY_TYPE_STACK);
        assert.ok(stack.getConfigschema()?.getProperties()?.toJavaScript().waivers);
    });

    it("Analyze reports a key without rotation and marks other types not applicable", async () => {
        const analysis = await pack.analyze(badKey);
        assert.strictEqual(findings(analysis, "kms-key-rotation").length, 1);
        const topic = await pack.analyze({ type: T.topic, name: "t", props: { kmsMasterKeyId: "arn:aws:kms:k" } });
        assert.ok(topic.notApplicable.some(n => n.policyName === "kms-key-rotation"));
    });

    it("AnalyzeStack passes the baseline and reports a bucket whose encryption is missing", async () => {
        assert.deepStrictEqual((await pack.analyzeStack(baselineStack("preview"))).diagnostics, []);
        const missing = await pack.analyzeStack(without(baselineStack("preview"), "data-sse"));
        assert.strictEqual(findings(missing, "s3-bucket-sse-kms").length, 1);
    });

    it("kms-grant-same-account: trustedAccountIds admits a deliberate cross-account grant", async () => {
        const grant = { type: "aws:kms/grant:Grant", name: "g", props: {
            keyId: "arn:aws:kms:eu-west-1:111122223333:key/1", operations: ["Decrypt"],
            granteePrincipal: "arn:aws:iam::999988887777:role/partner" } };
        assert.strictEqual(findings(await pack.analyze(grant), "kms-grant-same-account").length, 1);
        await pack.configure({ "kms-grant-same-account": { enforcementLevel: "mandatory",
            trustedAccountIds: ["999988887777"] } });
        assert.deepStrictEqual(findings(await pack.analyze(grant), "kms-grant-same-account"), []);
    });

    it("the prod and dev config files apply: levels and settings per environment", async () => {
        await pack.configure(devConfig);
        const dev = findings(await pack.analyze(badKey), "kms-key-rotation");
        assert.strictEqual(dev[0].enforcementLevel, "advisory");
        const shortWindow = { ...badKey, props: { ...keyProps, deletionWindowInDays: 7 } };
        assert.deepStrictEqual(findings(await pack.analyze(shortWindow), "kms-key-deletion-window"), []);
        await pack.configure(prodConfig);
        assert.strictEqual(findings(await pack.analyze(shortWindow), "kms-key-deletion-window")[0].enforcementLevel, "mandatory");
    });

    it("remediation at the remediate level turns rotation on and keeps the other properties", async () => {
        await pack.configure({ "kms-key-rotation": "remediate" });
        const [fix] = await pack.remediate(badKey);
        assert.strictEqual(fix.policyName, "kms-key-rotation");
        assert.strictEqual(fix.properties?.enableKeyRotation, true);
        assert.strictEqual(fix.properties?.deletionWindowInDays, 30);
    });

    it("remediation turns on all four public access block flags and log file validation", async () => {
        await pack.configure({ "s3-public-access-block-flags": "remediate", "cloudtrail-log-file-validation": "remediate" });
        const [pab] = await pack.remediate({ type: T.pab, name: "p", props: { bucket: "b", blockPublicAcls: true } });
        assert.deepStrictEqual([pab.properties?.blockPublicPolicy, pab.properties?.ignorePublicAcls, pab.properties?.restrictPublicBuckets], [true, true, true]);
        const [trail] = await pack.remediate({ type: T.trail, name: "t", props: { s3BucketName: "b" } });
        assert.strictEqual(trail.properties?.enableLogFileValidation, true);
    });

    describe("waivers", () => {
        const waive = (waiver: Record<string, unknown>) => pack.configure({ "kms-key-rotation": { enforcementLevel: "mandatory", waivers: [waiver] } });

        it("an active waiver keeps the finding visible, advisory, with its reason (gate contract)", async () => {
            await waive({ resource: "key", reason: "HSM migration, ticket SEC-12", expires: "2999-12-31" });
            const [d] = findings(await pack.analyze(badKey), "kms-key-rotation");
            assert.strictEqual(d.enforcementLevel, "advisory");
            const parsed = parseWaivedMessage(d.message);
            assert.deepStrictEqual([parsed?.reason, parsed?.expires], ["HSM migration, ticket SEC-12", "2999-12-31"]);
            assert.ok(parsed?.finding.includes('Key "key"'));
        });
        it("matches URN globs, and does not waive other resources", async () => {
            await waive({ resource: "urn:pulumi:*::kms-audit::aws:kms/key:Key::k*", reason: "r", expires: "2999-12-31" });
            assert.strictEqual(findings(await pack.analyze(badKey), "kms-key-rotation")[0].enforcementLevel, "advisory");
            await waive({ resource: "other-key", reason: "r", expires: "2999-12-31" });
            assert.strictEqual(findings(await pack.analyze(badKey), "kms-key-rotation")[0].enforcementLevel, "mandatory");
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
            await pack.configure({ "kms-key-rotation": { enforcementLevel: "remediate", waivers: [{ resource: "key", reason: "r", expires: "2999-12-31" }] } });
            assert.deepStrictEqual(await pack.remediate(badKey), []);
        });
        it("stack findings are waived too, and `<stack>` waives stack-wide ones", async () => {
            await pack.configure({ "cloudtrail-stack-coverage": { enforcementLevel: "mandatory", waivers: [
                { resource: "<stack>", reason: "account trail lives in the org stack", expires: "2999-12-31" },
                { resource: "data", reason: "data events in org trail", expires: "2999-12-31" }] } });
            const stack = findings(await pack.analyzeStack(without(baselineStack("preview"), "audit")), "cloudtrail-stack-coverage");
            assert.deepStrictEqual(stack.map(d => d.enforcementLevel).sort(), ["advisory", "advisory", "mandatory"]);
        });
    });

    it("a config value of the wrong kind is reported with the key, the problem and what is allowed", async () => {
        await pack.configure({ "kms-key-rotation": { enforcementLevel: "mandatory", maxRotationPeriodDays: "yearly" } });
        const [d] = findings(await pack.analyze(badKey), "kms-key-rotation");
        assert.ok(d.message.includes("maxRotationPeriodDays") && d.message.includes("90 to 2560"), d.message);
    });
});
