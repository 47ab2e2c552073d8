import * as assert from "assert";
import { analyze, analyzeStack } from "./harness/inProcess";
import { UNKNOWN } from "./harness/requests";
import type { Analysis, ResourceSpec } from "./harness/requests";
import { ruleCatalog } from "../../policy-pack/catalog";
import { T } from "./fixtures";
import { judgeWaivers, parseWaivers } from "../../policy-pack/lib/waivers";

const types = [...new Set([...ruleCatalog.flatMap((r) => r.types), ...Object.values(T)])];
const oddValues: unknown[] = [UNKNOWN, "a string", 42, true, null, [], [1, "x"], {}, { rule: "x" }, [[]], "{not json"];
const oddProps = (seed: number): Record<string, unknown> =>
    Object.fromEntries(
        [
            "policy",
            "rules",
            "rule",
            "bucket",
            "enableKeyRotation",
            "eventSelectors",
            "advancedEventSelectors",
            "insightSelectors",
            "serverSideEncryptionConfiguration",
            "serverSideEncryptionConfigurations",
            "versioning",
            "versionings",
            "logging",
            "loggings",
            "versioningConfiguration",
            "kmsKeyId",
            "kmsMasterKeyId",
            "storageEncrypted",
            "retentionInDays",
            "customerMasterKeySpec",
            "grants",
            "acl",
            "enabled",
            "targetBucket",
            "s3BucketName",
            "deletionWindowInDays",
        ].map((k, i) => [k, oddValues[(i + seed) % oddValues.length]]),
    );

describe("unexpected property shapes never make a rule throw", () => {
    it("every resource rule answers (finding or silence) for odd shapes of every type", async () => {
        for (let seed = 0; seed < oddValues.length; seed++) {
            for (const type of types) {
                const analysis = await analyze({ type, name: "odd", props: oddProps(seed) }); // a throw would reject
                assert.ok(
                    analysis.diagnostics.every((d) => !d.message.includes("could not be evaluated")),
                    analysis.diagnostics.map((d) => d.message).join("\n"),
                );
            }
        }
    });
    it("every stack rule answers for a stack of odd shapes linked to each other", async () => {
        for (let seed = 0; seed < oddValues.length; seed++) {
            const stack: ResourceSpec[] = types.map((type, i) => ({
                type,
                name: `r${i}`,
                props: oddProps(seed + i),
                deps:
                    i > 0
                        ? { bucket: [`r${i - 1}`], rules: ["r0"], s3BucketName: ["r0"], eventSelectors: ["r0"] }
                        : undefined,
            }));
            const analysis = await analyzeStack(stack);
            assert.ok(
                analysis.diagnostics.every((d) => !d.message.includes("could not be evaluated")),
                analysis.diagnostics.map((d) => d.message).join("\n"),
            );
        }
    });
});

describe("adversarial sizes and odd values: bounded work, one resource at a time, readable messages", () => {
    const statement = (i: number) => ({
        Sid: `S${i}`,
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::111122223333:role/r${i}` },
        Action: ["kms:Decrypt", "kms:PutKeyPolicy"],
        Resource: "*",
    });
    const named = (analysis: Analysis, name: string) => analysis.diagnostics.filter((d) => d.policyName === name);
    it("an 8,000-statement key policy is answered at once: it is larger than the 32 KB AWS accepts", async () => {
        const policy = JSON.stringify({ Statement: Array.from({ length: 8000 }, (_, i) => statement(i)) });
        const started = Date.now();
        const analysis = await analyze({ type: T.key, name: "big", props: { enableKeyRotation: true, policy } });
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
        const messages = named(analysis, "kms-key-policy-no-public-principal").map((d) => d.message);
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /more than the 32768 bytes AWS accepts for a KMS key policy/);
    });
    it("a key policy at AWS's size limit with hundreds of administrators is judged quickly", async () => {
        const statements: unknown[] = [];
        while (JSON.stringify({ Statement: statements }).length < 32_000) {
            statements.push(statement(statements.length));
        }
        statements.pop();
        const started = Date.now();
        const policy = JSON.stringify({ Statement: statements });
        const analysis = await analyze({ type: T.key, name: "wide", props: { enableKeyRotation: true, policy } });
        assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
        assert.strictEqual(named(analysis, "kms-key-admin-separation").length, statements.length);
    });
    it("a stack rule gives up only on the bucket it cannot read; the others are still judged", async () => {
        const principals = Array.from({ length: 150_000 }, (_, i) => `arn:aws:iam::111122223333:user/u${i}`);
        const huge = JSON.stringify({
            Statement: [
                {
                    Effect: "Deny",
                    Principal: { AWS: principals },
                    Action: "s3:*",
                    Resource: "*",
                    Condition: { Bool: { "aws:SecureTransport": { odd: "object" } } },
                },
            ],
        });
        const stack: ResourceSpec[] = [
            { type: T.bucket, name: "odd", props: { bucket: "odd-bucket", policy: huge } },
            { type: T.bucket, name: "plain", props: { bucket: "plain-bucket" } },
        ];
        const started = Date.now();
        const findings = named(await analyzeStack(stack), "s3-bucket-tls-only");
        assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
        assert.deepStrictEqual(findings.map((f) => f.urn.split("::").pop()).sort(), ["odd", "plain"]);
        assert.match(
            findings.find((f) => f.urn.endsWith("::odd"))!.message,
            /more than the 20480 bytes AWS accepts for an S3 bucket policy/,
        );
        assert.match(findings.find((f) => f.urn.endsWith("::plain"))!.message, /no bucket policy statement denies/);
    });
    it("a condition value that is an object confines nothing and is reported readably", async () => {
        const policy = JSON.stringify({
            Statement: [
                {
                    Effect: "Allow",
                    Principal: "*",
                    Action: "s3:GetObject",
                    Resource: "arn:aws:s3:::b/*",
                    Condition: { StringEquals: { "aws:SourceAccount": { nested: ["111122223333"] } } },
                },
            ],
        });
        const analysis = await analyze({ type: T.policy, name: "bp", props: { bucket: "b", policy } });
        const messages = analysis.diagnostics.map((d) => d.message);
        assert.ok(
            messages.some((m) => m.includes("public principal")),
            messages.join("\n"),
        );
        assert.ok(
            messages.every((m) => !m.includes("[object Object]") && !m.includes("could not be evaluated")),
            messages.join("\n"),
        );
    });
    it("a statement without Effect says so; an odd Effect is quoted, never undefined or [object Object]", async () => {
        const judge = async (statement: unknown) =>
            (
                await analyze({
                    type: T.key,
                    name: "k",
                    props: {
                        enableKeyRotation: true,
                        policy: JSON.stringify({ Statement: [statement] }),
                    },
                })
            ).diagnostics
                .map((d) => d.message)
                .join("\n");
        const missing = await judge({ Principal: "*", Action: "kms:*", Resource: "*" });
        assert.match(missing, /statement 1 has no Effect/);
        assert.ok(!missing.includes("undefined"), missing);
        const odd = await judge({ Effect: { allow: true }, Principal: "*", Action: "kms:*", Resource: "*" });
        assert.match(odd, /has Effect \{"allow":true\}/);
        assert.ok(!odd.includes("[object Object]"), odd);
    });
    it("a catastrophic waiver glob is matched in bounded time", () => {
        const waivers = parseWaivers([{ resource: `${"*a".repeat(40)}*b`, reason: "test", expires: "2999-12-31" }]);
        const started = Date.now();
        const long = "a".repeat(50_000);
        assert.strictEqual(judgeWaivers(waivers, { urn: `urn:${long}`, name: long }, "2026-01-01").kind, "none");
        assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
    });
});
