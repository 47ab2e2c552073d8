import { strict as assert } from "assert";
import { ACCESS_MATRIX, IDENTITY_FIXTURES, ROWS_CHANGED_BY_EBS_DEFAULT_ENCRYPTION, STACKS } from "./matrix";
import { evaluateRow, stacksOf } from "./evaluate";
import { OUTCOMES } from "./simulator";
import { PROGRAM_DOCUMENTS } from "./stackDocuments";

describe("access matrix: who can reach the key and the buckets", () => {
    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            for (const row of ACCESS_MATRIX.filter((r) => stacksOf(r).includes(stack))) {
                it(`${row.id}: ${row.request} -> ${row.expected}`, async () => {
                    const decision = await evaluateRow(row, stack);
                    assert.deepEqual(
                        { outcome: decision.outcome, decidedBy: decision.decidedBy },
                        { outcome: row.expected, decidedBy: [...row.decidedBy].sort() },
                        `row ${row.id} in ${stack}`,
                    );
                });
            }
        });
    }
});

describe("access matrix with ebsDefaultEncryption: true", () => {
    // Every as-filed row, evaluated against the documents of the same stack with EBS default encryption on: only the
    // rows listed as depending on it may change (the Auto Scaling statements add access, they take none away).
    for (const stack of STACKS) {
        describe(`stack ${stack} with ebsDefaultEncryption: true`, () => {
            for (const row of ACCESS_MATRIX.filter((r) => r.config === undefined && stacksOf(r).includes(stack))) {
                const changes = (ROWS_CHANGED_BY_EBS_DEFAULT_ENCRYPTION as readonly string[]).includes(row.id);
                it(`${row.id} ${changes ? "changes" : `stays ${row.expected}`}`, async () => {
                    const decision = await evaluateRow({ ...row, config: "ebs-default-encryption" }, stack);
                    if (changes) {
                        assert.notEqual(decision.outcome, row.expected, `row ${row.id} in ${stack}`);
                    } else {
                        assert.equal(decision.outcome, row.expected, `row ${row.id} in ${stack}`);
                    }
                });
            }
        });
    }
});

describe("access matrix data", () => {
    it("gives every row a unique id", () => {
        const ids = ACCESS_MATRIX.map((r) => r.id);
        assert.deepEqual(
            ids.filter((id, i) => ids.indexOf(id) !== i),
            [],
        );
    });

    it("names a deciding statement exactly when something decides (an implicit deny has none)", () => {
        const wrong = ACCESS_MATRIX.filter(
            (r) => (r.expected === "ImplicitlyDenied") !== (r.decidedBy.length === 0),
        ).map((r) => r.id);
        assert.deepEqual(wrong, []);
    });

    it("uses only known outcomes and policies", () => {
        const policies = new Set<string>([...PROGRAM_DOCUMENTS, ...Object.keys(IDENTITY_FIXTURES)]);
        for (const row of ACCESS_MATRIX) {
            assert.ok(OUTCOMES.includes(row.expected), `${row.id}: expected ${row.expected}`);
            for (const label of row.decidedBy) {
                assert.ok(policies.has(label.split(":")[0]), `${row.id}: ${label} names no known policy`);
            }
        }
    });

    it("states aws:SecureTransport on every S3 request, as S3 always sets it", () => {
        const missing = ACCESS_MATRIX.filter(
            (r) => r.action.startsWith("s3:") && r.context?.["aws:SecureTransport"] === undefined,
        ).map((r) => r.id);
        assert.deepEqual(missing, []);
    });

    it("covers every outcome for every resource policy the program registers", () => {
        for (const doc of [
            "keyPolicy",
            "dataBucketPolicy",
            "trailLogBucketPolicy",
            "accessLogBucketPolicy",
            "deliveryRoleTrustPolicy",
        ]) {
            const rows = ACCESS_MATRIX.filter((r) => r.resourcePolicy === doc);
            assert.ok(
                rows.some((r) => r.expected === "Allowed"),
                `${doc}: no allowed row`,
            );
            assert.ok(
                rows.some((r) => r.expected !== "Allowed"),
                `${doc}: no denied row`,
            );
        }
    });

    // The newcomer variants are a pair instead: added allows, removed denies.
    it("shows both outcomes for each opt-in setting", () => {
        for (const variant of ["key-policy-managers", "ebs-default-encryption"]) {
            const rows = ACCESS_MATRIX.filter((r) => r.config === variant);
            assert.ok(
                rows.some((r) => r.expected === "Allowed"),
                `${variant}: no allowed row`,
            );
            assert.ok(
                rows.some((r) => r.expected !== "Allowed"),
                `${variant}: no denied row`,
            );
        }
    });
});
