import { strict as assert } from "assert";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import {
    analyzeRequest,
    analyzeStackRequest,
    configureRequest,
    diagnosticsFrom,
    packInfoFrom,
    remediationsFrom,
    stackConfigureRequest,
    stackResourceMessage,
} from "../../gate/analyzerCodec";
import { EngineResource } from "../../gate/engineTypes";

const bucketUrn = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::logs";
const providerUrn = "urn:pulumi:dev::p::pulumi:providers:aws::default";

function resource(overrides: Partial<EngineResource> = {}): EngineResource {
    return {
        urn: bucketUrn,
        type: "aws:s3/bucket:Bucket",
        name: "logs",
        custom: true,
        parent: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
        inputs: { bucket: "logs", __defaults: ["acl"] },
        outputs: { bucket: "logs", arn: "arn:aws:s3:::logs", __meta: "x" },
        dependencies: [providerUrn],
        propertyDependencies: { bucket: [providerUrn], tags: [] },
        protect: true,
        ignoreChanges: ["tags"],
        additionalSecretOutputs: ["arn"],
        aliases: ["urn:pulumi:dev::p::aws:s3/bucket:Bucket::old"],
        provider: { urn: providerUrn, type: "pulumi:providers:aws", name: "default", inputs: { region: "eu-west-1" } },
        ...overrides,
    };
}

/** Through the wire and back: what the pack would decode. */
function overTheWire<T extends { serializeBinary(): Uint8Array }>(message: T, decode: (bytes: Uint8Array) => T): T {
    return decode(message.serializeBinary());
}

describe("gate/analyzerCodec: the Analyzer messages, built and read without a pack", () => {
    it("builds AnalyzeRequest from the inputs, without the engine's __ keys, with options, parent and provider", () => {
        const req = overTheWire(analyzeRequest(resource()), analyzerpb.AnalyzeRequest.deserializeBinary);
        assert.equal(req.getUrn(), bucketUrn);
        assert.equal(req.getType(), "aws:s3/bucket:Bucket");
        assert.equal(req.getName(), "logs");
        assert.deepEqual(req.getProperties()?.toJavaScript(), { bucket: "logs" });
        const options = req.getOptions();
        assert.ok(options);
        assert.equal(options.getProtect(), true);
        assert.deepEqual(options.getIgnorechangesList(), ["tags"]);
        assert.deepEqual(options.getAdditionalsecretoutputsList(), ["arn"]);
        assert.deepEqual(options.getAliasesList(), ["urn:pulumi:dev::p::aws:s3/bucket:Bucket::old"]);
        assert.equal(options.getParent(), "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev");
        assert.equal(options.getDeletebeforereplacedefined(), false);
        assert.equal(req.getProvider()?.getUrn(), providerUrn);
        assert.deepEqual(req.getProvider()?.getProperties()?.toJavaScript(), { region: "eu-west-1" });
    });

    it("leaves provider, parent and deleteBeforeReplace out of AnalyzeRequest when the resource has none", () => {
        const req = analyzeRequest(resource({ provider: undefined, parent: undefined, deleteBeforeReplace: false }));
        assert.equal(req.hasProvider(), false);
        assert.equal(req.getOptions()?.getParent(), "");
        assert.equal(req.getOptions()?.getDeletebeforereplacedefined(), true);
        assert.equal(req.getOptions()?.getDeletebeforereplace(), false);
    });

    it("builds AnalyzeStack entries from the outputs, with parent, dependencies and non-empty property deps", () => {
        const msg = overTheWire(stackResourceMessage(resource()), analyzerpb.AnalyzerResource.deserializeBinary);
        assert.deepEqual(msg.getProperties()?.toJavaScript(), { bucket: "logs", arn: "arn:aws:s3:::logs" });
        assert.equal(msg.getParent(), "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev");
        assert.deepEqual(msg.getDependenciesList(), [providerUrn]);
        const deps = msg.getPropertydependenciesMap();
        assert.deepEqual(deps.get("bucket")?.getUrnsList(), [providerUrn]);
        assert.equal(deps.has("tags"), false, "a property with no dependencies is left out, as the engine does");
        // The options' parent is carried on the resource itself in AnalyzeStack.
        assert.equal(msg.getOptions()?.getParent(), "");
        const stack = analyzeStackRequest([resource(), resource({ urn: `${bucketUrn}2`, parent: undefined })]);
        assert.deepEqual(
            stack.getResourcesList().map((r) => [r.getUrn(), r.getParent()]),
            [
                [bucketUrn, "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"],
                [`${bucketUrn}2`, ""],
            ],
        );
    });

    it("configures each policy's level and properties, advisory when the entry names no level", () => {
        const req = overTheWire(
            configureRequest({
                "kms-rotation": { enforcementLevel: "mandatory", properties: { maxRotationPeriodDays: 365 } },
                "s3-logging": {},
            }),
            analyzerpb.ConfigureAnalyzerRequest.deserializeBinary,
        );
        const map = req.getPolicyconfigMap();
        assert.equal(map.get("kms-rotation")?.getEnforcementlevel(), analyzerpb.EnforcementLevel.MANDATORY);
        assert.deepEqual(map.get("kms-rotation")?.getProperties()?.toJavaScript(), { maxRotationPeriodDays: 365 });
        assert.equal(map.get("s3-logging")?.getEnforcementlevel(), analyzerpb.EnforcementLevel.ADVISORY);
        assert.deepEqual(map.get("s3-logging")?.getProperties()?.toJavaScript(), {});
        assert.equal(map.has("kms-deletion"), false);
    });

    it("configures the stack with its identity, preview flag and config", () => {
        const req = stackConfigureRequest({ project: "p", stack: "dev", dryRun: true, config: { "aws:region": "x" } });
        assert.equal(req.getProject(), "p");
        assert.equal(req.getStack(), "dev");
        assert.equal(req.getDryRun(), true);
        assert.equal(req.getConfigMap().get("aws:region"), "x");
        assert.equal(
            stackConfigureRequest({ project: "p", stack: "dev", dryRun: false }).getConfigMap().getLength(),
            0,
        );
    });

    it("reads diagnostics: remediate and disabled as mandatory, the manifest's version first, unknown severity none", () => {
        const resp = new analyzerpb.AnalyzeResponse();
        const diagnostic = (name: string, level: analyzerpb.EnforcementLevel, severity: number) => {
            const d = new analyzerpb.AnalyzeDiagnostic();
            d.setPolicyname(name);
            d.setPolicypackname("kms-audit");
            d.setPolicypackversion("0.0.1");
            d.setMessage(`${name} failed`);
            d.setEnforcementlevel(level);
            d.setUrn(bucketUrn);
            d.setSeverity(severity);
            return d;
        };
        resp.setDiagnosticsList([
            diagnostic("a", analyzerpb.EnforcementLevel.ADVISORY, analyzerpb.PolicySeverity.POLICY_SEVERITY_HIGH),
            diagnostic("b", analyzerpb.EnforcementLevel.REMEDIATE, analyzerpb.PolicySeverity.POLICY_SEVERITY_LOW),
            diagnostic("c", analyzerpb.EnforcementLevel.DISABLED, 0),
        ]);
        const read = diagnosticsFrom(resp, "1.2.3");
        assert.deepEqual(
            read.map((d) => [d.policy, d.level, d.severity, d.policyPackVersion]),
            [
                ["a", "advisory", "high", "1.2.3"],
                ["b", "mandatory", "low", "1.2.3"],
                ["c", "mandatory", undefined, "1.2.3"],
            ],
        );
        assert.equal(diagnosticsFrom(resp, "")[0].policyPackVersion, "0.0.1", "no manifest version: the pack's");
    });

    it("reads the pack's info: policy kinds, config schema, initial config, the manifest's version winning", () => {
        const info = new analyzerpb.AnalyzerInfo();
        info.setName("kms-audit");
        info.setVersion("0.0.1");
        const policy = (name: string, type: analyzerpb.PolicyType) => {
            const p = new analyzerpb.PolicyInfo();
            p.setName(name);
            p.setDescription(`${name} checks`);
            p.setPolicyType(type);
            p.setEnforcementlevel(analyzerpb.EnforcementLevel.MANDATORY);
            return p;
        };
        const withSchema = policy("kms-rotation", analyzerpb.PolicyType.POLICY_TYPE_RESOURCE);
        const schema = new analyzerpb.PolicyConfigSchema();
        schema.setProperties(Struct.fromJavaScript({ maxRotationPeriodDays: { type: "number" } }));
        schema.setRequiredList(["maxRotationPeriodDays"]);
        withSchema.setConfigschema(schema);
        info.setPoliciesList([
            withSchema,
            policy("stack-rules", analyzerpb.PolicyType.POLICY_TYPE_STACK),
            policy("odd", analyzerpb.PolicyType.POLICY_TYPE_UNKNOWN),
        ]);
        const initial = new analyzerpb.PolicyConfig();
        initial.setEnforcementlevel(analyzerpb.EnforcementLevel.ADVISORY);
        initial.setProperties(Struct.fromJavaScript({ days: 7 }));
        info.getInitialconfigMap().set("kms-deletion", initial);

        const read = packInfoFrom(overTheWire(info, analyzerpb.AnalyzerInfo.deserializeBinary), "2.0.0");
        assert.equal(read.version, "2.0.0");
        assert.equal(packInfoFrom(info, undefined).version, "0.0.1", "no manifest version: the pack's");
        assert.deepEqual(
            read.policies.map((p) => [p.name, p.kind, p.enforcementLevel]),
            [
                ["kms-rotation", "resource", "mandatory"],
                ["stack-rules", "stack", "mandatory"],
                ["odd", "unknown", "mandatory"],
            ],
        );
        assert.deepEqual(read.policies[0].configSchema, {
            properties: { maxRotationPeriodDays: { type: "number" } },
            required: ["maxRotationPeriodDays"],
        });
        assert.equal(read.policies[1].configSchema, undefined);
        assert.equal(read.policies[1].framework, undefined);
        assert.deepEqual(read.initialConfig, {
            "kms-deletion": { enforcementLevel: "advisory", properties: { days: 7 } },
        });
    });

    it("reads remediations, an empty diagnostic as none", () => {
        const resp = new analyzerpb.RemediateResponse();
        const fix = new analyzerpb.Remediation();
        fix.setPolicyname("s3-versioning");
        fix.setProperties(Struct.fromJavaScript({ versioning: { enabled: true } }));
        const note = new analyzerpb.Remediation();
        note.setPolicyname("tags");
        note.setDiagnostic("could not fix");
        resp.setRemediationsList([fix, note]);
        assert.deepEqual(remediationsFrom(resp), [
            { policy: "s3-versioning", properties: { versioning: { enabled: true } }, diagnostic: undefined },
            { policy: "tags", properties: undefined, diagnostic: "could not fix" },
        ]);
        assert.deepEqual(remediationsFrom(new analyzerpb.RemediateResponse()), []);
    });
});
