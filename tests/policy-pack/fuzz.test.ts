/**
 * Seeded fuzzing of the policy pack: generated stacks of every resource type the pack reads, with property
 * values drawn from plausible shapes (policy documents, event selectors, encryption blocks, block devices)
 * and from odd ones (objects where strings belong, unknowns, huge lists, bad JSON). Every call must end with
 * a verdict (a response, findings or none) and no internal error; messages must stay readable.
 * Repeat a failing run with FUZZ_SEED=<seed printed in the failure>.
 */
import * as assert from "assert";
import { analyze, analyzeStack } from "./harness/inProcess";
import { UNKNOWN } from "./harness/requests";
import type { Diagnostic, ResourceSpec } from "./harness/requests";
import { ruleCatalog } from "../../policy-pack/catalog";
import { DISTRIBUTION } from "../../policy-pack/lib/types";
import { T } from "./fixtures";
import { SeededRandom, fuzzSeed, seededRandom } from "../support/seededRandom";

const TYPES = [...new Set([...ruleCatalog.flatMap((r) => r.types), ...Object.values(T), DISTRIBUTION])];

const STRINGS = [
    "",
    "*",
    "s3:*",
    "kms:*",
    "arn:aws:s3:::b",
    "arn:aws:s3:::b/",
    "arn:aws:s3:::b/*",
    "arn:aws:s3",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::*:root",
    "o-*",
    "${aws:PrincipalAccount}",
    "111122223333",
    "aws:kms",
    "aws:kms:dsse",
    "AES256",
    "alias/aws/s3",
    "All",
    "ReadOnly",
    "WriteOnly",
    "true",
    "false",
    "BucketOwnerEnforced",
    "ObjectWriter",
    "public-read",
    "Data",
    "Management",
    "AWS::S3::Object",
    "b.s3.amazonaws.com",
    "{not json",
    "\u0000",
    "ü".repeat(40),
];
const FIELDS = [
    "eventCategory",
    "resources.type",
    "resources.ARN",
    "readOnly",
    "eventName",
    "eventSource",
    "userIdentity.arn",
    "odd",
];
const OPERATORS = ["equals", "startsWiths", "endsWiths", "notEquals", "notStartsWiths", "notEndsWiths"];
const PROPERTY_NAMES = [
    "policy",
    "rules",
    "rule",
    "bucket",
    "arn",
    "enableKeyRotation",
    "eventSelectors",
    "advancedEventSelectors",
    "insightSelectors",
    "serverSideEncryptionConfiguration",
    "serverSideEncryptionConfigurations",
    "versioning",
    "logging",
    "loggings",
    "versioningConfiguration",
    "kmsKeyId",
    "kmsMasterKeyId",
    "storageEncrypted",
    "retentionInDays",
    "customerMasterKeySpec",
    "keySpec",
    "grants",
    "acl",
    "enabled",
    "targetBucket",
    "s3BucketName",
    "deletionWindowInDays",
    "bypassPolicyLockoutSafetyCheck",
    "granteePrincipal",
    "keyId",
    "operations",
    "encrypted",
    "rootBlockDevice",
    "ebsBlockDevices",
    "blockDeviceMappings",
    "launchTemplate",
    "loggingConfig",
    "origins",
    "blockPublicAcls",
    "isMultiRegionTrail",
    "enableLogging",
    "rotationPeriodInDays",
    "replicateSourceDb",
];

function scalar(rng: SeededRandom): unknown {
    return rng.pick<() => unknown>([
        () => rng.pick(STRINGS),
        () => UNKNOWN,
        () => rng.int(-5, 4000),
        () => rng.chance(0.5),
        () => null,
        () => rng.next() * 1e6,
        () => `${rng.pick(STRINGS)}${rng.int(0, 9)}`,
    ])();
}

/** Rarely, sizes beyond what AWS accepts: a long string or a long list (bounded work is part of the contract). */
function oversized(rng: SeededRandom): unknown {
    return rng.chance(0.5)
        ? "x".repeat(rng.int(3000, 40_000))
        : Array.from({ length: rng.int(500, 5000) }, (_, i) => `arn:aws:iam::111122223333:user/u${i}`);
}

function value(rng: SeededRandom, depth: number): unknown {
    if (depth <= 0 || rng.chance(0.45)) {
        return scalar(rng);
    }
    return rng.pick<() => unknown>([
        () => Array.from({ length: rng.int(0, 4) }, () => value(rng, depth - 1)),
        () =>
            Object.fromEntries(
                Array.from({ length: rng.int(0, 4) }, () => [rng.pick(PROPERTY_NAMES), value(rng, depth - 1)]),
            ),
        () => policyDocument(rng),
        () => advancedSelectors(rng),
        () => (rng.chance(0.1) ? oversized(rng) : scalar(rng)),
    ])();
}

function statement(rng: SeededRandom): Record<string, unknown> {
    const s: Record<string, unknown> = {};
    const set = (key: string, make: () => unknown) => {
        if (rng.chance(0.8)) {
            s[key] = make();
        }
    };
    set("Effect", () => (rng.chance(0.85) ? rng.pick(["Allow", "Deny"]) : value(rng, 1)));
    set(rng.chance(0.85) ? "Principal" : "NotPrincipal", () =>
        rng.pick<() => unknown>([
            () => "*",
            () => ({ AWS: "*" }),
            () => ({ AWS: Array.from({ length: rng.int(1, 40) }, (_, i) => `arn:aws:iam::111122223333:role/r${i}`) }),
            () => ({ Service: "cloudtrail.amazonaws.com" }),
            () => value(rng, 2),
        ])(),
    );
    set(rng.chance(0.8) ? "Action" : "NotAction", () =>
        rng.pick<() => unknown>([
            () => "s3:*",
            () => "*",
            () => "kms:*",
            () => ["s3:GetObject", "s3:PutObject"],
            () => ["kms:Decrypt", "kms:PutKeyPolicy"],
            () => value(rng, 1),
        ])(),
    );
    set(rng.chance(0.9) ? "Resource" : "NotResource", () =>
        rng.pick<() => unknown>([
            () => "*",
            () => ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            () => "arn:aws:s3:::b/*",
            () => value(rng, 1),
        ])(),
    );
    set("Condition", () =>
        rng.pick<() => unknown>([
            () => ({ Bool: { "aws:SecureTransport": rng.pick(["false", "true", false, { odd: 1 }]) } }),
            () => ({
                [rng.pick(["StringEquals", "StringLike", "ArnLike", "StringEqualsIfExists", "ForAnyValue:StringLike"])]:
                    {
                        [rng.pick([
                            "aws:SourceAccount",
                            "aws:PrincipalOrgID",
                            "kms:ViaService",
                            "aws:SourceArn",
                            "kms:CallerAccount",
                            "aws:PrincipalOrgPaths",
                            "aws:SourceVpce",
                        ])]: rng.chance(0.7) ? scalar(rng) : value(rng, 2),
                    },
            }),
            () => value(rng, 2),
        ])(),
    );
    return s;
}

function policyDocument(rng: SeededRandom): unknown {
    const document = { Version: "2012-10-17", Statement: Array.from({ length: rng.int(0, 6) }, () => statement(rng)) };
    return rng.chance(0.85) ? JSON.stringify(document) : rng.chance(0.5) ? document : '{"Statement": [';
}

function advancedSelectors(rng: SeededRandom): unknown {
    return Array.from({ length: rng.int(0, 4) }, () => ({
        fieldSelectors: Array.from({ length: rng.int(0, 5) }, () => {
            const f: Record<string, unknown> = { field: rng.chance(0.95) ? rng.pick(FIELDS) : value(rng, 1) };
            for (const op of OPERATORS.filter(() => rng.chance(0.3))) {
                f[op] = rng.chance(0.9) ? Array.from({ length: rng.int(0, 4) }, () => scalar(rng)) : value(rng, 1);
            }
            return f;
        }),
    }));
}

function resource(rng: SeededRandom, index: number, names: string[]): ResourceSpec {
    const props: Record<string, unknown> = {};
    for (const key of PROPERTY_NAMES.filter(() => rng.chance(0.25))) {
        props[key] =
            key === "policy"
                ? policyDocument(rng)
                : key === "advancedEventSelectors"
                  ? advancedSelectors(rng)
                  : value(rng, 3);
    }
    const deps: Record<string, string[]> = {};
    if (names.length > 0) {
        for (const key of PROPERTY_NAMES.filter(() => rng.chance(0.1))) {
            deps[key] = Array.from({ length: rng.int(1, 3) }, () => rng.pick(names));
        }
    }
    return { type: rng.pick(TYPES), name: `r${index}`, props, deps };
}

const BAD_MESSAGE = /could not be evaluated|\[object Object\]|\bundefined\b|\bNaN\b/;

function checkMessages(diagnostics: Diagnostic[], seed: number, where: string): void {
    for (const d of diagnostics) {
        assert.ok(
            !BAD_MESSAGE.test(d.message),
            `FUZZ_SEED=${seed} ${where}: ${d.policyName}: ${d.message.slice(0, 500)}`,
        );
        assert.ok(
            d.message.length < 5000,
            `FUZZ_SEED=${seed} ${where}: ${d.policyName}: message of ${d.message.length} characters`,
        );
    }
}

describe("policy pack fuzz (seeded)", function () {
    this.timeout(60_000);
    const seed = fuzzSeed(18);
    it(`every generated resource and stack gets a verdict and no internal error (seed ${seed})`, async () => {
        const rng = seededRandom(seed);
        const started = Date.now();
        let calls = 0;
        for (let round = 0; round < 30; round++) {
            const stack: ResourceSpec[] = [];
            const size = rng.int(1, 25);
            for (let i = 0; i < size; i++) {
                stack.push(
                    resource(
                        rng,
                        i,
                        stack.map((r) => r.name),
                    ),
                );
            }
            for (const spec of stack) {
                checkMessages((await analyze(spec)).diagnostics, seed, `round ${round} ${spec.type} ${spec.name}`);
                calls++;
            }
            checkMessages((await analyzeStack(stack)).diagnostics, seed, `round ${round} stack of ${stack.length}`);
            calls++;
        }
        const elapsed = Date.now() - started;
        assert.ok(calls > 30);
        assert.ok(elapsed < 20_000, `FUZZ_SEED=${seed}: ${calls} calls took ${elapsed} ms`);
    });
});
