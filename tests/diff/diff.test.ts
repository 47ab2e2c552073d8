import { strict as assert } from "assert";
import * as path from "path";
import * as fs from "fs";
import { runDiff, DiffResult } from "../../diff";
import { AccessChange } from "../../diff/access";
import { ANYONE_ELSE } from "../../diff/accessEvaluation";
import { ActionCatalogue } from "../../diff/catalogue";
import { exitCodeFor, markdownReport, textReport } from "../../diff/report";
import {
    KEY_USER_REMOVED,
    removeTempDirs,
    mutationsModule,
    packDir,
    projectWithStackFile,
    repoRoot,
    withoutKeyUser,
} from "./helpers";
import { contextFor, simulateChange, SOMEONE_ELSE } from "./oracle";
import { simulate } from "../access/simulator";

const KEY_TYPE = "aws:kms/key:Key";
const USE_ACTIONS = [
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:DescribeKey",
];

function keyPolicyChanges(result: DiffResult, principal: string): AccessChange[] {
    const keyPolicy = result.documents.head.find((d) => d.type === KEY_TYPE && d.path === "policy")!;
    return result.access.filter((c) => c.document === keyPolicy.id && c.principal === principal);
}

/**
 * An account root named in a resource policy delegates to the account's IAM policies; the diff reports it as that
 * principal. The simulator asks for an identity policy to allow a request from it, so it gets one granting the action.
 */
function needsIdentityGrant(principal: string): boolean {
    return /^arn:aws:iam::\d{12}:root$/.test(principal);
}

/** Every gained, lost, widened and deny change of the run, checked against the simulator's before/after decisions. */
async function assertOracleAgrees(result: DiffResult): Promise<number> {
    let checked = 0;
    for (const c of result.access) {
        const withGrant = c.kind === "deny-removed" || c.kind === "deny-added" || needsIdentityGrant(c.principal);
        const satisfy =
            c.kind === "conditions-widened" && c.conditions.length === 0 ? c.lifted[0] : (c.conditions[0] ?? []);
        // Other Denies still standing must not decide the request: the context keeps clear of them where it can.
        const context = contextFor(satisfy, c.kind === "deny-removed" ? c.after.denyWhen : c.unless);
        const { before, after } = await simulateChange(result, c, context, withGrant);
        const where = `${c.kind} ${c.principal} ${c.action} ${c.resource} ${JSON.stringify(context)}`;
        switch (c.kind) {
            case "gained":
            case "conditions-widened":
                assert.notEqual(before.outcome, "Allowed", `before: ${where}`);
                assert.equal(after.outcome, "Allowed", `after: ${where}`);
                break;
            case "lost":
            case "conditions-narrowed":
                assert.equal(before.outcome, "Allowed", `before: ${where}`);
                assert.notEqual(after.outcome, "Allowed", `after: ${where}`);
                break;
            case "deny-removed":
                assert.equal(before.outcome, "ExplicitlyDenied", `before: ${where}`);
                assert.notEqual(after.outcome, "ExplicitlyDenied", `after: ${where}`);
                break;
            case "deny-added":
                assert.notEqual(before.outcome, "ExplicitlyDenied", `before: ${where}`);
                assert.equal(after.outcome, "ExplicitlyDenied", `after: ${where}`);
                break;
        }
        checked++;
    }
    return checked;
}

/**
 * Requests the diff does not list must get the same decision before and after: every principal a key policy names
 * (and anyone else) for every KMS action on the key, without context.
 */
async function assertUnlistedUnchanged(result: DiffResult): Promise<number> {
    const doc = result.documents.head.find((d) => d.type === KEY_TYPE && d.path === "policy")!;
    const base = result.documents.base.find((d) => d.id === doc.id)!;
    const listed = new Set(result.access.map((c) => `${c.principal} ${c.action}`));
    const catalogue = new ActionCatalogue();
    const kms = (await catalogue.service("kms"))!;
    const principals = new Set<string>([ANYONE_ELSE]);
    for (const d of [doc, base]) {
        if (d.content.state === "parsed") {
            d.content.statements.forEach((s) =>
                (s.principals ?? []).filter((p) => p !== "*").forEach((p) => principals.add(p)),
            );
        }
    }
    let checked = 0;
    for (const principal of principals) {
        for (const action of kms.actions.filter((a) => catalogue.actsOn(a, doc.governs!))) {
            if (listed.has(`${principal} ${action}`)) {
                continue;
            }
            const change = { document: doc.id, principal, action, resource: doc.governs! };
            const { before, after } = await simulateChange(result, change, {}, needsIdentityGrant(principal));
            assert.equal(
                after.outcome,
                before.outcome,
                `${principal} ${action}: not listed, yet the simulator decides differently`,
            );
            checked++;
        }
    }
    return checked;
}

describe("security diff on the real program", function () {
    this.timeout(300000);
    // Made in a hook, not at load time, so that another file's cleanup cannot remove it first.
    let reduced: string;
    before(function () {
        reduced = projectWithStackFile("dev", withoutKeyUser("dev", KEY_USER_REMOVED));
    });
    after(removeTempDirs);
    const transform = (name: string) => [{ module: mutationsModule, name }];
    const sameProgram = { kind: "program" as const, projectDir: repoRoot };

    describe("no change", function () {
        let result: DiffResult;
        before(async function () {
            result = await runDiff({ projectDir: repoRoot, stack: "dev", base: sameProgram, policyPack: packDir });
        });
        it("has verdict none and lists nothing", function () {
            assert.equal(result.verdict.kind, "none");
            assert.deepEqual(result.verdict.items, []);
            assert.deepEqual(
                [result.resources, result.statements, result.access, result.findings, result.settings],
                [[], [], [], [], []],
            );
            assert.equal(exitCodeFor(result, "broadening"), 0);
            assert.equal(exitCodeFor(result, "any"), 0);
            assert.match(
                textReport(result, "broadening", false),
                /Verdict: none\n  nothing security-relevant changed\n\nResources: 0 changed\n/,
            );
            assert.match(
                markdownReport(result, "broadening"),
                /Verdict: none\..*\n\nNothing security-relevant changed\./,
            );
        });
        it("costs at most about two gate runs: one pack process, two program runs", function () {
            assert.ok(result.head.resources > 30 && result.base.resources === result.head.resources);
            assert.ok(result.timings.compare < result.timings.head, `comparing took ${result.timings.compare} ms`);
        });
    });

    describe("removing a key user (dev)", function () {
        let result: DiffResult;
        before(async function () {
            result = await runDiff({ projectDir: reduced, stack: "dev", base: sameProgram, policyPack: packDir });
        });
        it("is narrowing: the user loses kms:Decrypt and the other use actions, and gains nothing", function () {
            assert.equal(result.verdict.kind, "narrowing");
            const lost = keyPolicyChanges(result, KEY_USER_REMOVED);
            assert.ok(
                lost.every((c) => c.kind === "lost"),
                JSON.stringify(lost.filter((c) => c.kind !== "lost")),
            );
            const actions = lost.map((c) => c.action);
            for (const action of [...USE_ACTIONS, "kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext"]) {
                assert.ok(actions.includes(action), `${action} not among ${actions.join(", ")}`);
            }
            const grant = lost.find((c) => c.action === "kms:CreateGrant")!;
            assert.deepEqual(
                grant.conditions,
                [["Bool kms:GrantIsForAWSResource true"]],
                "the condition travels with the grant",
            );
            const decrypt = lost.find((c) => c.action === "kms:Decrypt")!;
            assert.equal(
                decrypt.accountStillDelegates,
                "arn:aws:iam::123456789012:root",
                "the key policy keeps IAM delegation",
            );
            const reasons = result.verdict.items.map((i) => i.reason);
            assert.ok(
                reasons.some((r) => /SecurityAuditors loses the direct grant of .*kms:Decrypt/.test(r)),
                reasons.join("\n"),
            );
            assert.equal(
                result.access.some((c) => c.broadening),
                false,
            );
            assert.deepEqual([exitCodeFor(result, "broadening"), exitCodeFor(result, "any")], [0, 1]);
        });
        it("shows the statement change and the key as updated, without guessing replacement", function () {
            assert.deepEqual(
                result.resources.map((r) => [r.type, r.change, r.properties.map((p) => p.path)]),
                [[KEY_TYPE, "update", ["policy"]]],
            );
            const users = result.statements.filter((s) => s.after?.sid === "KeyUsersUse");
            assert.equal(users.length, 1);
            assert.equal(users[0].change, "changed");
            assert.ok(users[0].before!.principals.includes(KEY_USER_REMOVED));
            assert.ok(!users[0].after!.principals.includes(KEY_USER_REMOVED));
        });
        it("agrees with the simulator on every change and on every unlisted KMS request", async function () {
            assert.ok((await assertOracleAgrees(result)) >= USE_ACTIONS.length);
            assert.ok((await assertUnlistedUnchanged(result)) > 100);
        });
    });

    describe("adding the key user back (dev)", function () {
        let result: DiffResult;
        before(async function () {
            result = await runDiff({
                projectDir: repoRoot,
                stack: "dev",
                base: { kind: "program", projectDir: reduced },
                policyPack: packDir,
            });
        });
        it("is broadening, names the user and the actions, and fails --fail-on broadening", function () {
            assert.equal(result.verdict.kind, "broadening");
            const gained = keyPolicyChanges(result, KEY_USER_REMOVED);
            assert.ok(gained.length >= USE_ACTIONS.length && gained.every((c) => c.kind === "gained"));
            const reasons = result.verdict.items.filter((i) => i.broadening).map((i) => i.reason);
            assert.ok(
                reasons.some((r) => r.startsWith(`${KEY_USER_REMOVED} gains`) && r.includes("kms:Decrypt")),
                reasons.join("\n"),
            );
            assert.equal(exitCodeFor(result, "broadening"), 1);
            assert.equal(exitCodeFor(result, "never"), 0);
        });
        it("agrees with the simulator", async function () {
            assert.ok((await assertOracleAgrees(result)) >= USE_ACTIONS.length);
        });
    });

    describe("removing the TLS-only Deny from the data bucket policy", function () {
        let result: DiffResult;
        before(async function () {
            result = await runDiff({
                projectDir: repoRoot,
                stack: "dev",
                base: sameProgram,
                policyPack: packDir,
                transforms: transform("no-tls-deny"),
            });
        });
        it("is broadening: a Deny no longer stops anyone from s3 actions without TLS", function () {
            assert.equal(result.verdict.kind, "broadening");
            const removed = result.access.filter((c) => c.kind === "deny-removed" && c.principal === ANYONE_ELSE);
            assert.ok(
                removed.some(
                    (c) =>
                        c.action === "s3:GetObject" &&
                        c.conditions.some((s) => s.includes("Bool aws:SecureTransport false")),
                ),
            );
            assert.ok(
                removed.some((c) => c.action === "s3:ListBucket" && !c.resource.endsWith("/*")),
                "bucket-level actions pair with the bucket ARN",
            );
            assert.ok(
                !removed.some((c) => c.action === "s3:GetObject" && !c.resource.endsWith("/*")),
                "object actions never pair with the bucket ARN",
            );
            assert.ok(
                result.statements.some(
                    (s) =>
                        s.change === "removed" &&
                        s.before?.effect === "Deny" &&
                        s.before.conditions.some((x) => x.includes("aws:SecureTransport")),
                ),
            );
            assert.ok(result.findings.some((f) => f.change === "introduced" && f.policy === "s3-bucket-tls-only"));
            const text = textReport(result, "broadening", false);
            assert.match(text, /\+ deny-removed: .*s3:GetObject.* when Bool aws:SecureTransport false/);
            assert.match(text, /--fail-on broadening: FAILS\n$/);
        });
        it("agrees with the simulator", async function () {
            assert.ok((await assertOracleAgrees(result)) > 50);
        });
    });

    describe('a public Principal "*" grant in the key policy', function () {
        let result: DiffResult;
        before(async function () {
            result = await runDiff({
                projectDir: repoRoot,
                stack: "dev",
                base: sameProgram,
                policyPack: packDir,
                transforms: transform("key-policy-wildcard-principal"),
            });
        });
        it("is broadening: anyone gains kms:Decrypt, and conditioned service grants widen", function () {
            assert.equal(result.verdict.kind, "broadening");
            const anyone = keyPolicyChanges(result, ANYONE_ELSE);
            assert.deepEqual(
                anyone.map((c) => [c.kind, c.action, c.conditions]),
                [["gained", "kms:Decrypt", [[]]]],
            );
            const widened = result.access.filter((c) => c.kind === "conditions-widened");
            assert.ok(widened.some((c) => c.principal === "cloudtrail.amazonaws.com" && c.action === "kms:Decrypt"));
            assert.ok(result.verdict.items.some((i) => i.broadening && i.reason.startsWith("anyone")));
            assert.ok(
                result.findings.some(
                    (f) => f.change === "introduced" && f.policy === "kms-key-policy-no-public-principal" && f.blocking,
                ),
            );
        });
        it("agrees with the simulator on every change and on every unlisted KMS request", async function () {
            assert.ok((await assertOracleAgrees(result)) >= 2);
            assert.ok((await assertUnlistedUnchanged(result)) > 100);
        });
    });

    describe("rotation turned off", function () {
        let result: DiffResult;
        before(async function () {
            result = await runDiff({
                projectDir: repoRoot,
                stack: "prod",
                base: sameProgram,
                policyPack: packDir,
                transforms: transform("rotation-off"),
            });
        });
        it("introduces the rotation finding and reports the weakened setting: broadening", function () {
            assert.equal(result.verdict.kind, "broadening");
            const introduced = result.findings.filter((f) => f.change === "introduced");
            assert.deepEqual(
                introduced.map((f) => [f.policy, f.resourceType]),
                [["kms-key-rotation", KEY_TYPE]],
            );
            assert.deepEqual(
                result.settings.map((s) => [s.path, s.before, s.after, s.weakened]),
                [["enableKeyRotation", true, false, true]],
            );
            assert.deepEqual(result.access, [], "no policy document changed");
        });
    });

    it("is not fooled by a copy: the reduced project really lacks the user", function () {
        assert.ok(!fs.readFileSync(path.join(reduced, "Pulumi.dev.yaml"), "utf8").includes("SecurityAuditors"));
    });

    it(
        "the oracle itself tells allowed from denied (a SOMEONE_ELSE " +
            "request with a grant and no policy is allowed)",
        async function () {
            const decision = await simulate({
                principal: SOMEONE_ELSE,
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/o",
                resourceAccount: "123456789012",
                context: {},
                identityPolicies: [
                    {
                        name: "grant",
                        document: {
                            Version: "2012-10-17",
                            Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
                        },
                    },
                ],
            });
            assert.equal(decision.outcome, "Allowed");
        },
    );
});
