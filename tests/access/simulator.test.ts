import { strict as assert } from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { ANONYMOUS, SimulatedRequest, simulate } from "./simulator";
import { requestFor, resolvePlaceholders } from "./evaluate";
import { ACCESS_MATRIX } from "./matrix";
import { stackDocuments } from "./stackDocuments";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const keyUserPolicy = {
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "Use",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::123456789012:role/App" },
            Action: "kms:Decrypt",
            Resource: "*",
        },
    ],
};

function request(overrides: Partial<SimulatedRequest>): SimulatedRequest {
    return {
        principal: "arn:aws:iam::123456789012:role/App",
        action: "kms:Decrypt",
        resource: KEY,
        resourceAccount: "123456789012",
        context: {},
        identityPolicies: [],
        resourcePolicy: { name: "keyPolicy", document: keyUserPolicy },
        ...overrides,
    };
}

describe("access simulator adapter", () => {
    it("names the statement that allows", async () => {
        assert.deepEqual(await simulate(request({})), { outcome: "Allowed", decidedBy: ["keyPolicy:Use"] });
    });

    it("refuses a context key that does not apply to the action, naming key and action", async () => {
        await assert.rejects(
            simulate(request({ context: { "s3:x-amz-server-side-encryption": "aws:kms" } })),
            /context key\(s\) s3:x-amz-server-side-encryption do not apply to kms:Decrypt/,
        );
    });

    it("refuses an action AWS does not have", async () => {
        await assert.rejects(
            simulate(request({ action: "kms:Decrypts" })),
            /the simulator rejects .* kms:Decrypts .*invalid.action/,
        );
    });

    it("refuses identity policies on an anonymous request", async () => {
        await assert.rejects(
            simulate(request({ principal: ANONYMOUS, identityPolicies: [{ name: "x", document: keyUserPolicy }] })),
            /an anonymous request has no identity policies/,
        );
    });

    it("evaluates kms:EncryptionContext keys, which the package's checked entry point drops", async () => {
        const contextBound = {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "LogsOnly",
                    Effect: "Allow",
                    Principal: { Service: "logs.eu-west-1.amazonaws.com" },
                    Action: "kms:Decrypt",
                    Resource: "*",
                    Condition: {
                        ArnEquals: {
                            "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/app",
                        },
                    },
                },
            ],
        };
        const asked = request({
            principal: "logs.eu-west-1.amazonaws.com",
            resourcePolicy: { name: "keyPolicy", document: contextBound },
            context: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/app" },
        });
        const checked = await runSimulation(
            {
                request: {
                    principal: asked.principal,
                    action: asked.action,
                    resource: { resource: KEY, accountId: "123456789012" },
                    contextVariables: asked.context,
                },
                identityPolicies: [],
                serviceControlPolicies: [],
                resourceControlPolicies: [],
                resourcePolicy: contextBound,
            },
            {},
        );
        // When the package starts honouring these keys, the internal call in simulator.ts can go.
        assert.equal(checked.resultType, "single");
        assert.deepEqual(checked.resultType === "single" && checked.result.ignoredContextKeys, [
            "kms:EncryptionContext:aws:logs:arn",
        ]);
        assert.equal(checked.overallResult, "ImplicitlyDenied");

        assert.deepEqual(await simulate(asked), { outcome: "Allowed", decidedBy: ["keyPolicy:LogsOnly"] });
        const otherGroup = {
            ...asked,
            context: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/other" },
        };
        assert.deepEqual(await simulate(otherGroup), { outcome: "ImplicitlyDenied", decidedBy: [] });
    });

    it("names an unknown placeholder, the row and the names allowed", async () => {
        const docs = await stackDocuments("dev");
        assert.throws(
            () => resolvePlaceholders("{keyUsr}", docs.facts, "some-row"),
            /access matrix row some-row: unknown placeholder \{keyUsr\}; allowed: \{account\}/,
        );
    });

    it("applies the buckets' Block Public Access as the program sets it: a public grant added later stays blocked", async () => {
        const docs = await stackDocuments("dev");
        assert.deepEqual(Object.values(docs.restrictPublicBuckets), [true, true, true]);
        const row = ACCESS_MATRIX.find((r) => r.id === "anonymous-gets-data-object")!;
        const asked = requestFor(row, docs, {
            dataBucketPolicy: (doc) => ({
                ...doc,
                Statement: [
                    ...doc.Statement,
                    {
                        Sid: "PublicRead",
                        Effect: "Allow",
                        Principal: "*",
                        Action: "s3:GetObject",
                        Resource: `${docs.facts.dataBucketArn}/*`,
                    },
                ],
            }),
        });
        assert.equal((await simulate(asked)).outcome, "ExplicitlyDenied");
        assert.equal((await simulate({ ...asked, restrictPublicBuckets: false })).outcome, "Allowed");
    });

    it("reads the documents from the program for the stack, not from the stack file alone", async () => {
        const prod = await stackDocuments("prod");
        assert.equal(resolvePlaceholders("{deletionWindowDays}", prod.facts, "r"), "30");
        assert.match(prod.facts.dataBucketArn, /^arn:aws:s3:::kms-audit-prod-data-[0-9a-f]{7}$/);
        assert.match(prod.facts.keyArn, /^arn:aws:kms:eu-west-1:123456789012:key\//);
    });
});
