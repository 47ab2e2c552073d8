import { strict as assert } from "assert";
import type { EngineResource } from "../../gate";
import { accessChanges } from "../../diff/access";
import { ActionCatalogue } from "../../diff/catalogue";
import { stackDocuments } from "../../diff/documents";
import { resourceChanges } from "../../diff/resources";
import { settingChanges } from "../../diff/settings";
import { verdictOf } from "../../diff/verdict";
import { findingChanges } from "../../diff/findings";
import type { Finding } from "../../gate";
import { simulate } from "../access/simulator";

const ACCOUNT = "123456789012";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app-role`;
const POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/app-read`;

function resource(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    outputs: Record<string, unknown> = {},
): EngineResource {
    return {
        urn: `urn:pulumi:dev::p::${type}::${name}`,
        type,
        name,
        custom: true,
        inputs,
        outputs: { ...inputs, ...outputs },
        dependencies: [],
        propertyDependencies: {},
        protect: false,
        ignoreChanges: [],
        additionalSecretOutputs: [],
        aliases: [],
    };
}

const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const trust = doc([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);
const readBucket = doc([{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::data/*" }]);

function stack(extra: EngineResource[] = [], trustPolicy = trust): EngineResource[] {
    return [
        resource(
            "aws:iam/role:Role",
            "app",
            {
                name: "app-role",
                assumeRolePolicy: trustPolicy,
                inlinePolicies: [
                    { name: "logs", policy: doc([{ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }]) },
                ],
            },
            { arn: ROLE_ARN },
        ),
        resource("aws:iam/policy:Policy", "read", { policy: readBucket }, { arn: POLICY_ARN }),
        resource("aws:s3/bucketPolicy:BucketPolicy", "data", {
            bucket: "data",
            policy: doc([
                {
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ]),
        }),
        resource("aws:sns/topicPolicy:TopicPolicy", "alarms", {
            arn: `arn:aws:sns:eu-west-1:${ACCOUNT}:alarms`,
            policy: doc([
                {
                    Effect: "Allow",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: "sns:Publish",
                    Resource: "*",
                },
            ]),
        }),
        ...extra,
    ];
}

describe("security diff: documents across a stack", function () {
    it("finds and classifies every document: trust, identity (inline, managed), resource (bucket, topic)", function () {
        const attach = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach", {
            role: "app-role",
            policyArn: POLICY_ARN,
        });
        const found = stackDocuments(stack([attach])).map((d) => [
            d.type,
            d.path,
            d.kind,
            d.governs ?? null,
            d.homeService ?? null,
            d.holders,
        ]);
        assert.deepEqual(found, [
            ["aws:iam/role:Role", "assumeRolePolicy", "trust", ROLE_ARN, "sts", []],
            ["aws:iam/role:Role", "inlinePolicies[0].policy", "identity", null, null, [ROLE_ARN]],
            ["aws:iam/policy:Policy", "policy", "identity", null, null, [ROLE_ARN]],
            ["aws:s3/bucketPolicy:BucketPolicy", "policy", "resource", "arn:aws:s3:::data", "s3", []],
            [
                "aws:sns/topicPolicy:TopicPolicy",
                "policy",
                "resource",
                `arn:aws:sns:eu-west-1:${ACCOUNT}:alarms`,
                "sns",
                [],
            ],
        ]);
    });

    it("attaching a managed policy: the role gains its actions (holders from attachments)", async function () {
        const attach = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach", {
            role: "app-role",
            policyArn: POLICY_ARN,
        });
        const changes = await accessChanges(
            stackDocuments(stack()),
            stackDocuments(stack([attach])),
            new ActionCatalogue(),
        );
        assert.deepEqual(
            changes.map((c) => [c.principal, c.action, c.resource, c.kind]),
            [[ROLE_ARN, "s3:GetObject", "arn:aws:s3:::data/*", "gained"]],
        );
        // The oracle: the role's request, same account, no bucket policy grant, before and after the attachment.
        const request = (identityPolicies: { name: string; document: object }[]) =>
            simulate({
                principal: ROLE_ARN,
                action: "s3:GetObject",
                resource: "arn:aws:s3:::data/reports/a.json",
                resourceAccount: ACCOUNT,
                context: {},
                identityPolicies,
            });
        assert.equal((await request([])).outcome, "ImplicitlyDenied");
        assert.equal((await request([{ name: "read", document: JSON.parse(readBucket) }])).outcome, "Allowed");
    });

    it("a managed policy dropped from a role's managedPolicyArns: the role loses its actions", async function () {
        const listing = (arns: string[]) =>
            stack().map((r) =>
                r.type === "aws:iam/role:Role" ? { ...r, inputs: { ...r.inputs, managedPolicyArns: arns } } : r,
            );
        const changes = await accessChanges(
            stackDocuments(listing([POLICY_ARN])),
            stackDocuments(listing([])),
            new ActionCatalogue(),
        );
        assert.deepEqual(
            changes.map((c) => [c.principal, c.action, c.kind]),
            [[ROLE_ARN, "s3:GetObject", "lost"]],
        );
    });

    it("a trust policy opened to another account: that account gains sts:AssumeRole on the role", async function () {
        const opened = doc([
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
            { Effect: "Allow", Principal: { AWS: "999999999999" }, Action: "sts:AssumeRole" },
        ]);
        const changes = await accessChanges(
            stackDocuments(stack()),
            stackDocuments(stack([], opened)),
            new ActionCatalogue(),
        );
        assert.deepEqual(
            changes.map((c) => [c.principal, c.action, c.resource, c.kind]),
            [["arn:aws:iam::999999999999:root", "sts:AssumeRole", ROLE_ARN, "gained"]],
        );
        // The oracle: a role of that account whose own policy allows the call, before and after.
        const request = (trustPolicy: string) =>
            simulate({
                principal: "arn:aws:iam::999999999999:role/Caller",
                action: "sts:AssumeRole",
                resource: ROLE_ARN,
                resourceAccount: ACCOUNT,
                context: {},
                identityPolicies: [
                    {
                        name: "caller",
                        document: JSON.parse(doc([{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }])),
                    },
                ],
                resourcePolicy: { name: "trust", document: JSON.parse(trustPolicy) },
            });
        assert.notEqual((await request(trust)).outcome, "Allowed");
        assert.equal((await request(opened)).outcome, "Allowed");
    });

    it("attaching a policy the stack does not hold (an AWS managed policy) is broadening and says why", function () {
        const base = stack();
        const attach = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin", {
            role: "app-role",
            policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        });
        const head = stack([attach]);
        const resources = resourceChanges(base, head);
        const verdict = verdictOf({
            accessGroups: [],
            findings: [],
            settings: [],
            unreadable: [],
            statements: [],
            resources,
            headResources: head,
        });
        assert.equal(verdict.kind, "broadening");
        assert.match(
            verdict.items[0].reason,
            /attaches arn:aws:iam::aws:policy\/AdministratorAccess, whose document is not in the stack/,
        );
    });
});

describe("security diff: settings and findings", function () {
    const key = (inputs: Record<string, unknown>) => resource("aws:kms/key:Key", "key", inputs);
    const logs = (inputs: Record<string, unknown>) => resource("aws:cloudwatch/logGroup:LogGroup", "trail", inputs);
    const trail = (inputs: Record<string, unknown>) => resource("aws:cloudtrail/trail:Trail", "trail", inputs);

    function judged(base: EngineResource[], head: EngineResource[]) {
        return settingChanges(base, head, resourceChanges(base, head)).map((s) => [s.path, s.weakened]);
    }

    it(
        "judges direction: rotation off and a longer period weaken; a shorter " +
            "retention weakens; absent retention is the longest",
        function () {
            assert.deepEqual(
                judged(
                    [key({ enableKeyRotation: true, rotationPeriodInDays: 90 })],
                    [key({ enableKeyRotation: false, rotationPeriodInDays: 365 })],
                ),
                [
                    ["enableKeyRotation", true],
                    ["rotationPeriodInDays", true],
                ],
            );
            assert.deepEqual(judged([logs({ retentionInDays: 365 })], [logs({ retentionInDays: 30 })]), [
                ["retentionInDays", true],
            ]);
            assert.deepEqual(judged([logs({ retentionInDays: 365 })], [logs({})]), [["retentionInDays", false]]);
            assert.deepEqual(judged([trail({ kmsKeyId: "arn:k" })], [trail({})]), [["kmsKeyId", true]]);
            assert.deepEqual(
                judged([trail({ kmsKeyId: "arn:k" })], [trail({ kmsKeyId: "arn:k", tags: { a: "b" } })]),
                [],
                "unrelated change: nothing judged",
            );
        },
    );

    it("deleting a control resource (the trail) weakens; creating one strengthens", function () {
        assert.deepEqual(judged([trail({})], []), [["(resource)", true]]);
        assert.deepEqual(judged([], [trail({})]), [["(resource)", false]]);
    });

    it(
        "findings: introduced and resolved by policy, resource and " +
            "message; a waived introduction is not broadening",
        function () {
            const finding = (policy: string, waived = false): Finding => ({
                policy,
                policyPack: "p",
                policyPackVersion: "1",
                level: waived ? "advisory" : "mandatory",
                urn: "urn:x",
                resourceType: "t",
                resourceName: "n",
                message: `${policy} failed`,
                description: "",
                phase: "resource",
                waived,
                notEvaluated: false,
            });
            const changes = findingChanges(
                [finding("a"), finding("b")],
                [finding("b"), finding("c"), finding("d", true)],
            );
            assert.deepEqual(
                changes.map((c) => [c.change, c.policy]),
                [
                    ["introduced", "c"],
                    ["introduced", "d"],
                    ["resolved", "a"],
                ],
            );
            const verdict = verdictOf({
                accessGroups: [],
                findings: changes,
                settings: [],
                unreadable: [],
                statements: [],
                resources: [],
                headResources: [],
            });
            assert.deepEqual(
                verdict.items.map((i) => i.broadening),
                [true, false, false],
            );
        },
    );
});
