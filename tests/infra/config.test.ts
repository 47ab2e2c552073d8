import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { BaselineConfigError, configWarnings, namespacedConfig, parseBaselineConfig } from "../../infra/config";
import { kmsAuditProgram } from "../../infra/program";
import { captureProgram } from "../../gate/capture";
import { stackConfig } from "./harness";

const ADMIN = "arn:aws:iam::123456789012:role/KeyAdmins";
const USER = "arn:aws:iam::123456789012:role/App";
const DEPLOYER = "arn:aws:iam::123456789012:role/Deploy";
const ROOT = "arn:aws:iam::123456789012:root";
const minimal = { keyAdministrators: JSON.stringify([ADMIN]), deploymentPrincipals: JSON.stringify([DEPLOYER]) };

function problemsOf(raw: Record<string, string>): { key: string; value: string; allowed: string }[] {
    try {
        parseBaselineConfig(raw, "dev");
    } catch (err) {
        assert.ok(err instanceof BaselineConfigError, `expected BaselineConfigError, got ${err}`);
        return err.problems;
    }
    return [];
}

function rejects(raw: Record<string, string>, key: string, allowedFragment: RegExp): void {
    const problems = problemsOf({ ...minimal, ...raw });
    const problem = problems.find((p) => p.key === key);
    assert.ok(problem, `expected a problem for ${key}, got ${JSON.stringify(problems)}`);
    assert.match(problem.allowed, allowedFragment);
}

describe("infra config", () => {
    it("applies the secure defaults when only the administrators and the deployment are given", () => {
        const config = parseBaselineConfig(minimal, "staging");
        assert.deepEqual(config, {
            environment: "staging",
            keyAdministrators: [ADMIN],
            keyUsers: [],
            keyRotationPeriodDays: 365,
            keyDeletionWindowDays: 30,
            multiRegionKey: false,
            trailInsights: true,
            trailExtraDataEventBuckets: [],
            logRetentionDays: 365,
            logBucketTransitionDays: 90,
            logBucketExpirationDays: 2557,
            noncurrentVersionExpirationDays: 90,
            alarmEmails: [],
            protect: true,
            ebsDefaultEncryption: false,
            deploymentPrincipals: [DEPLOYER],
            breakGlassPrincipals: [],
            keyPolicyManagers: [],
            logBucketObjectLock: { mode: "none" },
        });
    });

    it("reads the dev and prod stack files without a problem", () => {
        const dev = parseBaselineConfig(namespacedConfig(stackConfig("dev")), "dev");
        const prod = parseBaselineConfig(namespacedConfig(stackConfig("prod")), "prod");
        assert.equal(dev.protect, false);
        assert.equal(prod.protect, true);
        assert.equal(prod.logRetentionDays, 3653);
        assert.deepEqual(prod.trailExtraDataEventBuckets, ["example-corp-prod-exports"]);
        assert.deepEqual(prod.logBucketObjectLock, { mode: "GOVERNANCE", days: 365 });
        assert.deepEqual(dev.logBucketObjectLock, { mode: "none" });
        assert.ok(prod.alarmEmails.length >= 1, "prod's stack file names at least one alarm recipient");
        for (const config of [dev, prod]) {
            assert.ok(config.deploymentPrincipals.length >= 1 && config.breakGlassPrincipals.length >= 1);
        }
    });

    it("requires at least one key administrator and one deployment principal", () => {
        assert.deepEqual(
            problemsOf({}).map((p) => p.key),
            ["keyAdministrators", "deploymentPrincipals"],
        );
        rejects({ keyAdministrators: "[]" }, "keyAdministrators", /non-empty list/);
        rejects({ deploymentPrincipals: "[]" }, "deploymentPrincipals", /non-empty list.*pulumi up/);
    });

    it("accepts only IAM user and role ARNs as principals", () => {
        for (const bad of [
            "*",
            "arn:aws:iam::123456789012:*",
            "arn:aws:sts::123456789012:assumed-role/App/session",
            "arn:aws:iam::12345:role/App",
            "App",
        ]) {
            rejects({ keyUsers: JSON.stringify([bad]) }, "keyUsers", /IAM principal ARNs/);
        }
        for (const good of ["arn:aws:iam::123456789012:user/alice", "arn:aws-us-gov:iam::123456789012:role/path/App"]) {
            assert.deepEqual(problemsOf({ ...minimal, keyUsers: JSON.stringify([good]) }), []);
        }
    });

    it("rejects the account root in every principal list, saying why", () => {
        const lists = ["keyAdministrators", "keyUsers", "deploymentPrincipals", "breakGlassPrincipals"];
        for (const key of [...lists, "keyPolicyManagers"]) {
            const problems = problemsOf({ ...minimal, [key]: JSON.stringify([ROOT]) }).filter((p) => p.key === key);
            assert.equal(problems.length, 1, `${key}: ${JSON.stringify(problems)}`);
            assert.equal(problems[0].value, JSON.stringify(ROOT));
            assert.match(problems[0].allowed, /not the account root .*a Deny naming it binds them all/);
        }
        rejects(
            { keyUsers: JSON.stringify(["arn:aws-cn:iam::123456789012:root"]) },
            "keyUsers",
            /not the account root/,
        );
    });

    it("reads the custody keys and keeps policy managers apart from key users", () => {
        const config = parseBaselineConfig(
            {
                ...minimal,
                breakGlassPrincipals: JSON.stringify([ADMIN]),
                keyPolicyManagers: JSON.stringify(["arn:aws:iam::123456789012:role/Policy"]),
            },
            "dev",
        );
        assert.deepEqual(config.breakGlassPrincipals, [ADMIN]);
        assert.deepEqual(config.keyPolicyManagers, ["arn:aws:iam::123456789012:role/Policy"]);
        rejects(
            { keyUsers: JSON.stringify([USER]), keyPolicyManagers: JSON.stringify([USER]) },
            "keyPolicyManagers",
            /may not also be a key user/,
        );
        rejects(
            { keyUsers: JSON.stringify([DEPLOYER]), keyPolicyManagers: JSON.stringify([USER]) },
            "deploymentPrincipals",
            /not also a key user while keyPolicyManagers/,
        );
        // Without policy managers the deployment's kms:PutKeyPolicy comes from IAM alone; a deployer may be a key user.
        assert.deepEqual(problemsOf({ ...minimal, keyUsers: JSON.stringify([DEPLOYER]) }), []);
    });

    it("turns Object Lock on by default in the production environment only, with mode and days configurable", () => {
        assert.deepEqual(
            parseBaselineConfig({ ...minimal, alarmEmails: '["a@example.com"]' }, "prod").logBucketObjectLock,
            { mode: "GOVERNANCE", days: 365 },
        );
        assert.deepEqual(parseBaselineConfig(minimal, "staging").logBucketObjectLock, { mode: "none" });
        const compliance = parseBaselineConfig(
            { ...minimal, logBucketObjectLockMode: "COMPLIANCE", logBucketObjectLockDays: "30" },
            "dev",
        );
        assert.deepEqual(compliance.logBucketObjectLock, { mode: "COMPLIANCE", days: 30 });
        const off = parseBaselineConfig(
            { ...minimal, environment: "prod", alarmEmails: '["a@example.com"]', logBucketObjectLockMode: "none" },
            "x",
        );
        assert.deepEqual(off.logBucketObjectLock, { mode: "none" });
        const modes = /one of none, GOVERNANCE, COMPLIANCE/;
        rejects({ logBucketObjectLockMode: "governance" }, "logBucketObjectLockMode", modes);
        rejects({ logBucketObjectLockDays: "0" }, "logBucketObjectLockDays", /at least 1/);
    });

    it("keeps Object Lock retention within the lifecycle's expiry (lifecycle never meets a locked version)", () => {
        rejects(
            { logBucketObjectLockMode: "GOVERNANCE", logBucketObjectLockDays: "400", logBucketExpirationDays: "365" },
            "logBucketObjectLockDays",
            /at most logBucketExpirationDays \(365\)/,
        );
        const equal = parseBaselineConfig(
            {
                ...minimal,
                logBucketObjectLockMode: "GOVERNANCE",
                logBucketObjectLockDays: "365",
                logBucketExpirationDays: "365",
            },
            "dev",
        );
        assert.deepEqual(equal.logBucketObjectLock, { mode: "GOVERNANCE", days: 365 });
        // Without Object Lock the retention days do not matter, so a short lifecycle is no problem.
        const short = { ...minimal, logBucketTransitionDays: "30", logBucketExpirationDays: "100" };
        const off = parseBaselineConfig(short, "dev");
        assert.deepEqual(off.logBucketObjectLock, { mode: "none" });
    });

    it("requires an alarm recipient in the production environment and warns elsewhere when there is none", () => {
        rejects({ environment: "prod" }, "alarmEmails", /required in the prod environment/);
        rejects(
            { environment: "prod", alarmEmails: "[]" },
            "alarmEmails",
            /required in the prod environment: at least one e-mail address/,
        );
        const malformed = problemsOf({ ...minimal, environment: "prod", alarmEmails: "oncall" });
        const alarmProblems = malformed.filter((p) => p.key === "alarmEmails").map((p) => p.allowed);
        assert.deepEqual(alarmProblems, ["a YAML list of e-mail addresses"]);
        const quiet = parseBaselineConfig(minimal, "dev");
        assert.deepEqual(configWarnings(quiet), [
            "kms-audit:alarmEmails is empty: the tamper alarms (CIS 4.5, 4.7, 4.8) will fire into an SNS topic " +
                "nobody is subscribed to",
        ]);
        assert.deepEqual(
            configWarnings(parseBaselineConfig({ ...minimal, alarmEmails: '["a@example.com"]' }, "dev")),
            [],
        );
    });

    it("rejects lists that are not YAML lists of strings", () => {
        rejects({ keyUsers: USER }, "keyUsers", /YAML list/);
        rejects({ keyUsers: "[1, 2]" }, "keyUsers", /YAML list/);
    });

    it("rejects a principal listed twice or as both administrator and user", () => {
        rejects({ keyUsers: JSON.stringify([USER, USER]) }, "keyUsers", /at most once/);
        rejects({ keyUsers: JSON.stringify([ADMIN]) }, "keyUsers", /administrator may not also be a key user/);
    });

    it("bounds the rotation period to AWS's 90..2560 days", () => {
        rejects({ keyRotationPeriodDays: "89" }, "keyRotationPeriodDays", /90 to 2560/);
        rejects({ keyRotationPeriodDays: "2561" }, "keyRotationPeriodDays", /90 to 2560/);
        rejects({ keyRotationPeriodDays: "one year" }, "keyRotationPeriodDays", /90 to 2560/);
        assert.equal(parseBaselineConfig({ ...minimal, keyRotationPeriodDays: "90" }, "dev").keyRotationPeriodDays, 90);
        assert.equal(
            parseBaselineConfig({ ...minimal, keyRotationPeriodDays: "2560" }, "dev").keyRotationPeriodDays,
            2560,
        );
    });

    it("bounds the deletion window to AWS's 7..30 days", () => {
        rejects({ keyDeletionWindowDays: "6" }, "keyDeletionWindowDays", /7 to 30/);
        rejects({ keyDeletionWindowDays: "31" }, "keyDeletionWindowDays", /7 to 30/);
        rejects({ keyDeletionWindowDays: "7.5" }, "keyDeletionWindowDays", /7 to 30/);
    });

    it("accepts only retention periods CloudWatch Logs supports", () => {
        rejects({ logRetentionDays: "100" }, "logRetentionDays", /3653/);
        rejects({ logRetentionDays: "0" }, "logRetentionDays", /one of the values/);
        assert.equal(parseBaselineConfig({ ...minimal, logRetentionDays: "400" }, "dev").logRetentionDays, 400);
    });

    it("keeps log-bucket expiry after the transition, and the transition at 30 days or more", () => {
        rejects({ logBucketTransitionDays: "29" }, "logBucketTransitionDays", /at least 30/);
        rejects(
            { logBucketTransitionDays: "90", logBucketExpirationDays: "90" },
            "logBucketExpirationDays",
            /more than logBucketTransitionDays/,
        );
        rejects({ noncurrentVersionExpirationDays: "0" }, "noncurrentVersionExpirationDays", /at least 1/);
    });

    it("takes booleans only as true or false", () => {
        for (const key of ["multiRegionKey", "trailInsights", "protect", "ebsDefaultEncryption"]) {
            rejects({ [key]: "yes" }, key, /true or false/);
        }
    });

    it("checks environment names, bucket names and e-mail addresses", () => {
        rejects({ environment: "Prod_1" }, "environment", /lower-case/);
        rejects(
            { trailExtraDataEventBuckets: JSON.stringify(["Not_A_Bucket"]) },
            "trailExtraDataEventBuckets",
            /bucket names/,
        );
        rejects({ alarmEmails: JSON.stringify(["oncall"]) }, "alarmEmails", /e-mail/);
    });

    it("names a misspelt key instead of ignoring it", () => {
        rejects({ keyRotationDays: "365" }, "keyRotationDays", /not a kms-audit setting/);
    });

    it("reports every problem at once, each with key, value and what is allowed", () => {
        const error = (() => {
            try {
                parseBaselineConfig(
                    { keyAdministrators: "[]", keyDeletionWindowDays: "3", logRetentionDays: "12", protect: "maybe" },
                    "dev",
                );
            } catch (err) {
                return err as BaselineConfigError;
            }
            throw new Error("expected the config to be rejected");
        })();
        assert.deepEqual(
            error.problems.map((p) => p.key),
            ["keyAdministrators", "deploymentPrincipals", "keyDeletionWindowDays", "logRetentionDays", "protect"],
        );
        assert.match(error.message, /5 problems/);
        assert.match(error.message, /kms-audit:keyDeletionWindowDays = "3": a whole number of days from 7 to 30/);
    });

    it("stops the program with every problem and registers no resource at all", async () => {
        const config = { "kms-audit:keyAdministrators": "[]", "kms-audit:keyDeletionWindowDays": "99" };
        await assert.rejects(
            captureProgram(() => kmsAuditProgram(config, "dev"), {
                project: "kms-audit",
                stack: "dev",
                preview: true,
                config,
            }),
            (err: Error) =>
                err instanceof pulumi.RunError &&
                /kms-audit:keyAdministrators/.test(err.message) &&
                /kms-audit:keyDeletionWindowDays/.test(err.message),
        );
        const monitor = settings.getMonitor() as unknown as { resources: Map<string, unknown> };
        assert.equal(monitor.resources.size, 0);
    });

    it("prints the empty-alarmEmails warning when the program runs at preview", async () => {
        const config: Record<string, string> = { ...stackConfig("dev") };
        delete config["kms-audit:alarmEmails"];
        const warnings: string[] = [];
        const original = pulumi.log.warn;
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (message: string) => {
            warnings.push(message);
        };
        try {
            const options = { project: "kms-audit", stack: "dev", preview: true, config };
            await captureProgram(() => kmsAuditProgram(config, "dev"), options);
        } finally {
            (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
        }
        assert.deepEqual(
            warnings.filter((w) => w.includes("alarmEmails")),
            [configWarnings(parseBaselineConfig(namespacedConfig(config), "dev"))[0]],
        );
    });
});
