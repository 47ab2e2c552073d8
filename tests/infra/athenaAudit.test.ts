import { strict as assert } from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { PackSession, runGate, startPack } from "../../gate";
import { AthenaAuditConfig, parseAthenaAuditConfig } from "../../infra/athena/config";
import { CLOUDTRAIL_COLUMNS, projectionParameters } from "../../infra/athena/cloudTrailTable";
import { BaselineConfigError, parseBaselineConfig } from "../../infra/config";
import { PolicyDocument, PolicyStatement } from "../../vocabulary/policyDocument";
import {
    athenaAuditorIdentityPolicy,
    athenaAuditorKeyStatements,
    athenaAuditorLogBucketStatements,
    athenaAuditorResultsBucketStatements,
} from "../../infra/policies/athenaAudit";
import { BaselineRun, runBaseline } from "./harness";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const AUDITOR = `arn:aws:iam::${ACCOUNT}:role/SecurityAuditors`;
const SETTINGS = { auditors: [AUDITOR], regions: ["eu-west-1", "us-east-1"], firstDay: "2024/01/01" };
const CTX = { partition: "aws", region: REGION, accountId: ACCOUNT };

function problems(value: unknown): Array<{ setting: string; value: string; allowed: string }> {
    const found: Array<{ setting: string; value: string; allowed: string }> = [];
    parseAthenaAuditConfig(typeof value === "string" ? value : JSON.stringify(value), (setting, shown, allowed) =>
        found.push({ setting, value: shown, allowed }),
    );
    return found;
}

function problemFor(value: unknown, setting: string): { value: string; allowed: string } {
    const found = problems(value).find((p) => p.setting === setting);
    assert.ok(found, `expected a problem for ${setting} in ${JSON.stringify(problems(value))}`);
    return found;
}

describe("infra: athenaAudit config", () => {
    it("is off unless configured", () => {
        assert.equal(
            parseAthenaAuditConfig(undefined, () => assert.fail("no problem expected")),
            undefined,
        );
        assert.equal(
            parseBaselineConfig(
                {
                    keyAdministrators: JSON.stringify([AUDITOR.replace("SecurityAuditors", "Admins")]),
                    deploymentPrincipals: JSON.stringify([AUDITOR.replace("SecurityAuditors", "Deploy")]),
                },
                "dev",
            ).athenaAudit,
            undefined,
        );
    });

    it("applies the defaults for the optional settings", () => {
        const config = parseAthenaAuditConfig(JSON.stringify(SETTINGS), () => assert.fail("no problem expected"));
        assert.deepEqual(config, {
            ...SETTINGS,
            accounts: [],
            bytesScannedCutoffPerQuery: 10_000_000_000,
            resultExpirationDays: 7,
        } satisfies AthenaAuditConfig);
    });

    it("requires auditors, regions and the first day, naming what is allowed", () => {
        assert.match(problemFor({}, "auditors").allowed, /required: a non-empty list of IAM principal ARNs/);
        assert.match(problemFor({}, "regions").allowed, /required: a non-empty list of region names/);
        assert.match(problemFor({}, "firstDay").allowed, /required: the oldest log folder to query, as YYYY\/MM\/DD/);
    });

    it("rejects bad values one by one", () => {
        assert.equal(
            problemFor({ ...SETTINGS, auditors: ["arn:aws:iam::123456789012:role/*"] }, "auditors").value,
            '"arn:aws:iam::123456789012:role/*"',
        );
        assert.match(problemFor({ ...SETTINGS, auditors: [AUDITOR, AUDITOR] }, "auditors").allowed, /at most once/);
        assert.match(problemFor({ ...SETTINGS, regions: ["Ireland"] }, "regions").allowed, /region names/);
        assert.match(problemFor({ ...SETTINGS, accounts: ["1234"] }, "accounts").allowed, /12-digit account IDs/);
        assert.equal(problemFor({ ...SETTINGS, firstDay: "2024/02/30" }, "firstDay").value, '"2024/02/30"');
        assert.equal(problemFor({ ...SETTINGS, firstDay: "2024-01-01" }, "firstDay").value, '"2024-01-01"');
        assert.match(
            problemFor({ ...SETTINGS, bytesScannedCutoffPerQuery: 1000 }, "bytesScannedCutoffPerQuery").allowed,
            /at least 10000000/,
        );
        assert.match(
            problemFor({ ...SETTINGS, resultExpirationDays: 0 }, "resultExpirationDays").allowed,
            /at least 1/,
        );
        assert.match(problemFor({ ...SETTINGS, workgroup: "x" }, "workgroup").allowed, /not an athenaAudit setting/);
        assert.match(problemFor("true", "").allowed, /a map with auditors/);
    });

    it("reports its problems through the stack config error, under kms-audit:athenaAudit.<setting>", () => {
        const raw = {
            keyAdministrators: JSON.stringify([`arn:aws:iam::${ACCOUNT}:role/Admins`]),
            athenaAudit: JSON.stringify({ auditors: [AUDITOR] }),
        };
        assert.throws(
            () => parseBaselineConfig(raw, "dev"),
            (error: unknown) =>
                error instanceof BaselineConfigError &&
                /kms-audit:athenaAudit\.regions = \(unset\): required/.test(error.message) &&
                /kms-audit:athenaAudit\.firstDay = \(unset\)/.test(error.message),
        );
    });
});

describe("infra: auditor statements (pure)", () => {
    const logs = "arn:aws:s3:::kms-audit-dev-logs-abc1234";
    const results = "arn:aws:s3:::kms-audit-dev-athena-results-def5678";

    it("lets auditors decrypt only through S3 in this region and account, for the log and results buckets", () => {
        const [decrypt, results_] = athenaAuditorKeyStatements({
            account: CTX,
            auditors: [AUDITOR],
            logBucketArn: logs,
            resultsBucketArn: results,
        });
        assert.deepEqual(decrypt.Action, "kms:Decrypt");
        assert.deepEqual(decrypt.Condition, {
            StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com`, "kms:CallerAccount": ACCOUNT },
            StringLike: { "kms:EncryptionContext:aws:s3:arn": [logs, `${logs}/AWSLogs/*`] },
        });
        assert.deepEqual(results_.Action, ["kms:GenerateDataKey", "kms:Decrypt"]);
        assert.deepEqual(results_.Condition?.StringLike, {
            "kms:EncryptionContext:aws:s3:arn": [results, `${results}/*`],
        });
    });

    it("lets auditors read the trail's log files only in queries Athena runs for them", () => {
        const statements = athenaAuditorLogBucketStatements(logs, [AUDITOR]);
        assert.deepEqual(
            statements.map((s) => [s.Action, s.Resource]),
            [
                [["s3:ListBucket", "s3:GetBucketLocation"], logs],
                ["s3:GetObject", `${logs}/AWSLogs/*`],
            ],
        );
        for (const statement of statements) {
            assert.deepEqual(statement.Condition, {
                "ForAnyValue:StringEquals": { "aws:CalledVia": "athena.amazonaws.com" },
            });
        }
        assert.ok(
            athenaAuditorResultsBucketStatements(results, [AUDITOR]).every((s) =>
                String(s.Resource).startsWith(results),
            ),
        );
    });

    it("gives the auditor's identity policy this workgroup and this table only", () => {
        const policy = athenaAuditorIdentityPolicy({
            account: CTX,
            workgroupName: "kms-audit-dev",
            databaseName: "kms_audit_dev",
            tableName: "cloudtrail",
        });
        assert.equal(policy.Statement[0].Resource, `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/kms-audit-dev`);
        assert.deepEqual(policy.Statement[1].Resource, [
            `arn:aws:glue:${REGION}:${ACCOUNT}:catalog`,
            `arn:aws:glue:${REGION}:${ACCOUNT}:database/kms_audit_dev`,
            `arn:aws:glue:${REGION}:${ACCOUNT}:table/kms_audit_dev/cloudtrail`,
        ]);
    });

    it("projects account, region and day onto CloudTrail's folders", () => {
        const parameters = projectionParameters({
            logsLocation: "s3://b/AWSLogs/",
            accounts: [ACCOUNT],
            regions: ["eu-west-1"],
            startDate: "2024/01/01",
        });
        assert.equal(
            parameters["storage.location.template"],
            "s3://b/AWSLogs/${account}/CloudTrail/${region}/${timestamp}",
        );
        assert.equal(parameters["projection.timestamp.range"], "2024/01/01,NOW");
        assert.equal(parameters["projection.timestamp.format"], "yyyy/MM/dd");
        assert.equal(parameters["projection.account.values"], ACCOUNT);
    });
});

const T = {
    database: "aws:glue/catalogDatabase:CatalogDatabase",
    table: "aws:glue/catalogTable:CatalogTable",
    workgroup: "aws:athena/workgroup:Workgroup",
    bucket: "aws:s3/bucket:Bucket",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    key: "aws:kms/key:Key",
    iamPolicy: "aws:iam/policy:Policy",
};

function parsed(run: BaselineRun, type: string, name: string | RegExp, property = "policy"): PolicyDocument {
    return JSON.parse(run.one(type, name).inputs[property]) as PolicyDocument;
}

function sid(document: PolicyDocument, id: string): PolicyStatement | undefined {
    return document.Statement.find((s) => s.Sid === id);
}

describe("infra: athenaAudit provisioned (dev stack)", () => {
    let run: BaselineRun;
    let plain: BaselineRun;
    const athenaAudit = JSON.stringify({
        ...SETTINGS,
        bytesScannedCutoffPerQuery: 5_000_000_000,
        resultExpirationDays: 3,
    });

    before(async () => {
        run = await runBaseline("dev", { overrides: { athenaAudit } });
        plain = await runBaseline("dev");
    });

    const arnOf = (r: BaselineRun, name: string) => r.one(T.bucket, name).serializedOutputs.arn as string;
    const bucketName = (r: BaselineRun, name: string) => r.one(T.bucket, name).serializedOutputs.bucket as string;

    it("registers a Glue database and a CloudTrail table over the trail bucket with partition projection", () => {
        assert.equal(run.one(T.database).inputs.name, "kms_audit_dev");
        const table = run.one(T.table).inputs;
        const location = `s3://${bucketName(run, "kms-audit-dev-logs")}/AWSLogs/`;
        assert.equal(table.name, "cloudtrail");
        assert.equal(table.databaseName, "kms_audit_dev");
        assert.equal(table.tableType, "EXTERNAL_TABLE");
        assert.deepEqual(table.partitionKeys, [
            { name: "account", type: "string" },
            { name: "region", type: "string" },
            { name: "timestamp", type: "string" },
        ]);
        assert.equal(table.storageDescriptor.location, location);
        assert.equal(table.storageDescriptor.inputFormat, "com.amazon.emr.cloudtrail.CloudTrailInputFormat");
        assert.equal(table.storageDescriptor.serDeInfo.serializationLibrary, "org.apache.hive.hcatalog.data.JsonSerDe");
        assert.deepEqual(
            table.storageDescriptor.columns,
            CLOUDTRAIL_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
        );
        assert.equal(table.parameters["projection.enabled"], "true");
        assert.equal(table.parameters["projection.account.values"], ACCOUNT, "the deploying account by default");
        assert.equal(table.parameters["projection.region.values"], "eu-west-1,us-east-1");
        assert.equal(
            table.parameters["storage.location.template"],
            `${location}\${account}/CloudTrail/\${region}/\${timestamp}`,
        );
    });

    it("enforces the workgroup's settings: engine 3, SSE-KMS results under the key, a bytes-scanned cap", () => {
        const workgroup = run.one(T.workgroup).inputs;
        const keyArn = run.one(T.key).serializedOutputs.arn;
        assert.equal(workgroup.name, "kms-audit-dev");
        assert.equal(workgroup.configuration.enforceWorkgroupConfiguration, true);
        assert.equal(workgroup.configuration.bytesScannedCutoffPerQuery, 5_000_000_000);
        assert.equal(workgroup.configuration.engineVersion.selectedEngineVersion, "Athena engine version 3");
        assert.deepEqual(workgroup.configuration.resultConfiguration, {
            outputLocation: `s3://${bucketName(run, "kms-audit-dev-athena-results")}/`,
            encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: keyArn },
            expectedBucketOwner: ACCOUNT,
        });
    });

    it("keeps results in a bucket of the baseline's kind that expires them", () => {
        const name = "kms-audit-dev-athena-results";
        const sse = run.one(T.sse, name).inputs.rules[0];
        assert.equal(sse.applyServerSideEncryptionByDefault.kmsMasterKeyId, run.one(T.key).serializedOutputs.arn);
        assert.equal(run.one(T.pab, name).inputs.restrictPublicBuckets, true);
        const rules = run.one(T.lifecycle, name).inputs.rules as Array<{ id: string; expiration?: { days: number } }>;
        assert.equal(rules.find((r) => r.id === "age-current-objects")?.expiration?.days, 3);
        const selectors = run.one("aws:cloudtrail/trail:Trail").inputs.eventSelectors[0].dataResources[0]
            .values as string[];
        assert.ok(selectors.includes(`${arnOf(run, name)}/`), "the trail records who reads query results");
        const logged = run.ofType("aws:s3/bucketLogging:BucketLogging").map((l) => l.inputs.bucket as string);
        assert.ok(logged.includes(bucketName(run, name)), "server access logs for the results bucket");
        const policy = parsed(run, T.policy, name);
        assert.ok(sid(policy, "DenyInsecureTransport"));
        assert.deepEqual(sid(policy, "AthenaAuditorsWriteQueryResults")?.Principal, { AWS: [AUDITOR] });
    });

    it("adds the auditors' statements with the real log and results bucket ARNs, never the data bucket's", () => {
        const keyPolicy = parsed(run, T.key, /.*/);
        const decrypt = sid(keyPolicy, "AthenaAuditorsDecryptTrailLogsThroughS3");
        const logs = arnOf(run, "kms-audit-dev-logs");
        assert.deepEqual(decrypt?.Condition?.StringLike, {
            "kms:EncryptionContext:aws:s3:arn": [logs, `${logs}/AWSLogs/*`],
        });
        const results = arnOf(run, "kms-audit-dev-athena-results");
        const write = sid(keyPolicy, "AthenaAuditorsEncryptQueryResultsThroughS3");
        assert.deepEqual(write?.Condition?.StringLike, {
            "kms:EncryptionContext:aws:s3:arn": [results, `${results}/*`],
        });
        assert.ok(
            !JSON.stringify(keyPolicy).includes(arnOf(run, "kms-audit-dev-data")),
            "the data bucket is named nowhere",
        );
        const logPolicy = parsed(run, T.policy, "kms-audit-dev-logs");
        assert.equal(sid(logPolicy, "AthenaAuditorsReadTrailLogs")?.Resource, `${logs}/AWSLogs/*`);
        assert.ok(sid(logPolicy, "CloudTrailWrite"), "CloudTrail's delivery grant stays");
        assert.ok(!JSON.stringify(parsed(run, T.policy, "kms-audit-dev-data")).includes("Athena"));
    });

    it("registers the auditor identity policy for the workgroup", () => {
        const policy = JSON.parse(run.one(T.iamPolicy, "kms-audit-dev-athena-auditor").inputs.policy) as PolicyDocument;
        assert.equal(policy.Statement[0].Resource, `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/kms-audit-dev`);
    });

    it("also runs in a first preview, where the buckets' ARNs are still unknown (prod stack)", async () => {
        const preview = await runBaseline("prod", { preview: true, overrides: { athenaAudit } });
        assert.equal(preview.one(T.workgroup).inputs.configuration.enforceWorkgroupConfiguration, true);
        assert.equal(preview.one(T.table).inputs.name, "cloudtrail");
    });

    it("provisions nothing of it, and grants auditors nothing, when athenaAudit is not configured", () => {
        for (const type of [T.database, T.table, T.workgroup, T.iamPolicy])
            assert.deepEqual(plain.ofType(type), [], type);
        assert.deepEqual(
            plain
                .ofType(T.bucket)
                .map((b) => b.name)
                .filter((n) => n.includes("athena")),
            [],
        );
        const everything = JSON.stringify([parsed(plain, T.key, /.*/), parsed(plain, T.policy, "kms-audit-dev-logs")]);
        assert.ok(!everything.includes("AthenaAuditors"));
    });
});

describe("infra: athenaAudit through the offline gate (policy pack, prod config)", function () {
    // The gate starts the precompiled pack (npm run build, part of npm test).
    this.timeout(300_000);
    let session: PackSession;
    let projectDir: string;

    before(async () => {
        const repo = path.resolve(__dirname, "..", "..");
        projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "athena-gate-"));
        const project = yaml.load(fs.readFileSync(path.join(repo, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
        // The gate compiles only the project folder's own files (gate/programHost.ts): a copy of the program and the
        // vocabulary it imports, with the repository's compiler options and packages.
        fs.cpSync(path.join(repo, "infra"), path.join(projectDir, "infra"), { recursive: true });
        fs.cpSync(path.join(repo, "vocabulary"), path.join(projectDir, "vocabulary"), { recursive: true });
        fs.symlinkSync(path.join(repo, "node_modules"), path.join(projectDir, "node_modules"), "dir");
        fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), yaml.dump(project));
        const prod = yaml.load(fs.readFileSync(path.join(repo, "Pulumi.prod.yaml"), "utf8")) as {
            config: Record<string, unknown>;
        };
        prod.config["kms-audit:athenaAudit"] = SETTINGS;
        fs.writeFileSync(path.join(projectDir, "Pulumi.prod.yaml"), yaml.dump(prod));
        fs.copyFileSync(path.join(repo, "tsconfig.json"), path.join(projectDir, "tsconfig.json"));
        session = await startPack(path.join(repo, "policy-pack"), {
            project: "kms-audit",
            stack: "prod",
            dryRun: true,
        });
        policyPack = path.join(repo, "policy-pack");
    });
    let policyPack: string;
    after(async () => {
        await session?.close();
        fs.rmSync(projectDir, { recursive: true, force: true });
    });

    for (const mode of ["preview", "update"] as const) {
        it(`passes with --${mode}: the results bucket is logged, traced and encrypted like the data bucket`, async () => {
            const result = await runGate({ projectDir, stack: "prod", mode, policyPack }, session);
            const blocking = result.findings.filter((f) => f.level === "mandatory" && !f.waived);
            assert.deepEqual(
                blocking.map((f) => `${f.policy}: ${f.message}`),
                [],
            );
            assert.ok(
                result.resources.some((r) => r.type === T.workgroup),
                "the workgroup was registered",
            );
        });
    }
});
