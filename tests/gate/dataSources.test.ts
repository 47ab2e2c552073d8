import { strict as assert } from "assert";
import { invocationDirectory } from "../../gate/args";
import { DataSourceError } from "../../gate/dataSourceError";
import { dataSource, parseArn, partitionOfRegion } from "../../gate/dataSources";
import { policyDocument } from "../../gate/policyDocumentSource";

const account = { accountId: "123456789012", region: "eu-west-1", partition: "aws" };

function statements(args: Record<string, unknown>): Record<string, unknown>[] {
    return JSON.parse(policyDocument(args).json as string).Statement;
}

describe("data sources under the gate's mocks", function () {
    describe("aws.iam.getPolicyDocument, as the provider's data source documents it", function () {
        it("renders statements: Allow by default, single values as strings, principals by type", function () {
            const doc = JSON.parse(
                policyDocument({
                    policyId: "key-policy",
                    statements: [
                        {
                            sid: "Use",
                            actions: ["kms:Decrypt"],
                            resources: ["*", "arn:aws:kms:eu-west-1:123456789012:key/k"],
                            principals: [
                                { type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/a"] },
                                { type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/b"] },
                                { type: "Service", identifiers: ["logs.amazonaws.com"] },
                            ],
                            conditions: [
                                { test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] },
                                { test: "StringLike", variable: "s3:prefix", values: ["home/&{aws:username}/", ""] },
                            ],
                        },
                    ],
                }).json as string,
            );
            assert.deepEqual(doc, {
                Version: "2012-10-17",
                Id: "key-policy",
                Statement: [
                    {
                        Sid: "Use",
                        Effect: "Allow",
                        Action: "kms:Decrypt",
                        Resource: ["*", "arn:aws:kms:eu-west-1:123456789012:key/k"],
                        Principal: {
                            AWS: ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"],
                            Service: "logs.amazonaws.com",
                        },
                        Condition: {
                            StringEquals: { "aws:SourceAccount": "123456789012" },
                            StringLike: { "s3:prefix": ["home/${aws:username}/", ""] },
                        },
                    },
                ],
            });
        });

        it('renders type * with identifier * as Principal "*"; notPrincipals, notActions, notResources', () => {
            const [s] = statements({
                statements: [
                    {
                        effect: "Deny",
                        notActions: ["kms:Describe*"],
                        notResources: ["x"],
                        principals: [{ type: "*", identifiers: ["*"] }],
                        notPrincipals: [{ type: "AWS", identifiers: ["arn:aws:iam::1:root"] }],
                    },
                ],
            });
            assert.deepEqual(s, {
                Effect: "Deny",
                NotAction: "kms:Describe*",
                NotResource: "x",
                Principal: "*",
                NotPrincipal: { AWS: "arn:aws:iam::1:root" },
            });
        });

        it("merges sourcePolicyDocuments, statements (same Sid replaces), then overridePolicyDocuments", function () {
            const source = JSON.stringify({
                Statement: [
                    { Sid: "A", Effect: "Allow", Action: "s3:Get*", Resource: "*" },
                    { Effect: "Allow", Action: "s3:List*", Resource: "*" },
                ],
            });
            const override = JSON.stringify({
                Statement: [
                    { Sid: "B", Effect: "Deny", Action: "s3:*", Resource: "*" },
                    { Sid: "C", Effect: "Allow", Action: "sqs:*", Resource: "*" },
                ],
            });
            const result = statements({
                sourcePolicyDocuments: [source],
                statements: [
                    { sid: "A", actions: ["s3:GetObject"], resources: ["*"] },
                    { sid: "B", actions: ["s3:PutObject"], resources: ["*"] },
                ],
                overridePolicyDocuments: [override],
            });
            assert.deepEqual(
                result.map((s) => [s.Sid, s.Effect, s.Action]),
                [
                    ["A", "Allow", "s3:GetObject"],
                    [undefined, "Allow", "s3:List*"],
                    ["B", "Deny", "s3:*"],
                    ["C", "Allow", "sqs:*"],
                ],
            );
        });

        it("refuses what the provider refuses, naming the argument", function () {
            assert.throws(
                () => policyDocument({ statements: [{ effect: "Maybe" }] }),
                /statements\[0\]\.effect "Maybe"; allowed: Allow, Deny/,
            );
            const duplicate = JSON.stringify({ Statement: [{ Sid: "X" }, { Sid: "X" }] });
            assert.throws(
                () => policyDocument({ sourcePolicyDocuments: [duplicate] }),
                /duplicate Sid \(X\) in sourcePolicyDocuments/,
            );
            assert.throws(
                () => policyDocument({ overridePolicyDocuments: ["{not json"] }),
                /overridePolicyDocuments\[0\] is not valid JSON/,
            );
            assert.throws(() => policyDocument({ version: "2020-01-01" }), DataSourceError);
            assert.throws(
                () => policyDocument({ statements: [{ principals: [{ identifiers: ["x"] }] }] }),
                /principals\[0\] needs a type/,
            );
        });

        it("gives json and minifiedJson the same document and a stable id", function () {
            const out = policyDocument({ statements: [{ actions: ["s3:*"], resources: ["*"] }] });
            assert.deepEqual(JSON.parse(out.json as string), JSON.parse(out.minifiedJson as string));
            assert.equal(out.id, policyDocument({ statements: [{ actions: ["s3:*"], resources: ["*"] }] }).id);
        });
    });

    describe("account and ARN data sources", function () {
        it("derives the partition from the region, and parses ARNs", function () {
            assert.equal(partitionOfRegion("cn-north-1").partition, "aws-cn");
            assert.equal(partitionOfRegion("us-gov-west-1").partition, "aws-us-gov");
            assert.equal(partitionOfRegion("eu-west-1").dnsSuffix, "amazonaws.com");
            const arn = "arn:aws:iam::123456789012:role/path/name";
            assert.deepEqual(parseArn(arn), {
                arn,
                id: arn,
                partition: "aws",
                service: "iam",
                region: "",
                account: "123456789012",
                resource: "role/path/name",
            });
            assert.throws(() => parseArn("not:an:arn"), /is not an ARN/);
        });

        it("answers caller identity, region, service principals as computed, and zones as mocked", function () {
            assert.deepEqual(dataSource("aws:index/getCallerIdentity:getCallerIdentity", {}, account), {
                mocked: false,
                outputs: {
                    accountId: "123456789012",
                    arn: "arn:aws:iam::123456789012:user/kms-audit-ci",
                    userId: "AIDAKMSAUDITMOCK",
                    id: "123456789012",
                },
            });
            assert.equal(dataSource("aws:index/getRegion:getRegion", {}, account)?.outputs.name, "eu-west-1");
            const token = "aws:index/getServicePrincipal:getServicePrincipal";
            const principal = dataSource(token, { serviceName: "s3" }, account);
            assert.equal(principal?.outputs.name, "s3.amazonaws.com");
            const zones = dataSource("aws:index/getAvailabilityZones:getAvailabilityZones", {}, account)!;
            assert.equal(zones.mocked, true);
            assert.deepEqual(zones.outputs.names, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
            assert.deepEqual(zones.outputs.zoneIds, ["euw1-az1", "euw1-az2", "euw1-az3"]);
            assert.equal(dataSource("aws:rds/getEngineVersion:getEngineVersion", {}, account), undefined);
        });
    });

    describe("the directory relative paths are taken from", function () {
        it("is npm's INIT_CWD under npm run, else the working directory", function () {
            assert.equal(invocationDirectory({ INIT_CWD: "/home/u/their-program" }, "/repo"), "/home/u/their-program");
            assert.equal(invocationDirectory({}, "/repo"), "/repo");
            assert.equal(invocationDirectory({ INIT_CWD: "relative" }, "/repo"), "/repo");
        });
    });
});
