import { strict as assert } from "assert";
import { ACCESS_MATRIX, MatrixRow, STACKS, Stack } from "./matrix";
import { DocumentTransforms, evaluateRow, requestFor, stacksOf } from "./evaluate";
import { MUTATIONS, Mutation, weaken } from "./mutations";
import { Decision, Outcome, simulate } from "./simulator";
import { PROGRAM_DOCUMENTS, ProgramDocumentName, stackDocuments } from "./stackDocuments";
import { PolicyDocument } from "../../vocabulary/policyDocument";

/** Removes, from the program's documents, every statement a row names as deciding it. */
function withoutDecidingStatements(decidedBy: readonly string[]): DocumentTransforms {
    const sidsByDocument = new Map<ProgramDocumentName, string[]>();
    for (const label of decidedBy) {
        const [policy, sid] = label.split(":");
        if ((PROGRAM_DOCUMENTS as readonly string[]).includes(policy)) {
            const name = policy as ProgramDocumentName;
            sidsByDocument.set(name, [...(sidsByDocument.get(name) ?? []), sid]);
        }
    }
    return Object.fromEntries(
        [...sidsByDocument].map(([name, sids]) => [
            name,
            (doc: PolicyDocument) => ({ ...doc, Statement: doc.Statement.filter((s) => !sids.includes(s.Sid)) }),
        ]),
    );
}

/**
 * Each mutation re-evaluates every row of the stack, and most rows do not read the mutated document: their request
 * to the simulator is then byte for byte the one already decided. simulate() is a pure function of its request, so
 * such a row takes the decision already made; every request that differs in any byte is simulated.
 */
const decisions = new Map<string, Promise<Decision>>();

async function decide(row: MatrixRow, stack: Stack, transforms: DocumentTransforms): Promise<Decision> {
    const request = requestFor(row, await stackDocuments(stack, row.config), transforms);
    const key = JSON.stringify(request);
    let decision = decisions.get(key);
    if (!decision) {
        decision = simulate(request);
        decisions.set(key, decision);
    }
    return decision;
}

async function outcomes(stack: Stack, mutation?: Mutation): Promise<Map<string, Outcome>> {
    const result = new Map<string, Outcome>();
    for (const row of ACCESS_MATRIX.filter((r) => stacksOf(r).includes(stack))) {
        // A mutation of statements that only a config variant has applies to the rows evaluated with that variant.
        const applies =
            mutation !== undefined && (mutation.onlyConfig === undefined || mutation.onlyConfig === row.config);
        result.set(row.id, (await decide(row, stack, applies ? transformsFor(mutation) : {})).outcome);
    }
    return result;
}

function transformsFor(mutation: Mutation): DocumentTransforms {
    return { [mutation.document]: (doc: Parameters<typeof weaken>[0]) => weaken(doc, mutation) };
}

describe("access matrix: weakening a policy changes exactly the rows that depend on it", () => {
    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            const unmutated = new Map<string, Outcome>();
            before(async () => {
                for (const [id, outcome] of await outcomes(stack)) unmutated.set(id, outcome);
            });

            for (const mutation of MUTATIONS) {
                it(`${mutation.id}: ${mutation.description}`, async () => {
                    const mutated = await outcomes(stack, mutation);
                    const changed = [...mutated]
                        .filter(([id, outcome]) => unmutated.get(id) !== outcome)
                        .map(([id]) => id);
                    const expected = mutation.changesRows.filter((id) => unmutated.has(id));
                    assert.deepEqual(changed.sort(), [...expected].sort());
                });
            }
        });
    }

    describe("without the statements a row names as deciding it, the row's outcome changes", () => {
        for (const stack of STACKS) {
            // Rows decided only by an assumed identity policy have no program statement to take away.
            const rows = ACCESS_MATRIX.filter(
                (r) => stacksOf(r).includes(stack) && Object.keys(withoutDecidingStatements(r.decidedBy)).length > 0,
            );
            for (const row of rows) {
                it(`${stack}: ${row.id} (${row.decidedBy.join(", ")})`, async () => {
                    const decision = await evaluateRow(row, stack, withoutDecidingStatements(row.decidedBy));
                    assert.notEqual(decision.outcome, row.expected);
                });
            }
        }
    });

    it("lists only existing rows, and at least one row per mutation", () => {
        const ids = new Set(ACCESS_MATRIX.map((r) => r.id));
        for (const mutation of MUTATIONS) {
            assert.ok(mutation.changesRows.length > 0, `${mutation.id} changes no row`);
            for (const id of mutation.changesRows) assert.ok(ids.has(id), `${mutation.id}: no row ${id}`);
        }
    });

    it("refuses to weaken a statement or condition the document does not have", async () => {
        const docs = await stackDocuments("dev");
        const bogusStatement: Mutation = {
            ...MUTATIONS[0],
            id: "bogus",
            document: "keyPolicy",
            weakenings: [{ removeStatement: "NoSuchSid" }],
        };
        assert.throws(
            () => weaken(docs.documents.keyPolicy, bogusStatement),
            /mutation bogus: no statement NoSuchSid; the document has EnableIamPolicies/,
        );
        const bogusKey: Mutation = {
            ...bogusStatement,
            weakenings: [{ removeConditionKey: { sid: "KeyUsersUse", key: "aws:SourceArn" } }],
        };
        assert.throws(
            () => weaken(docs.documents.keyPolicy, bogusKey),
            /statement KeyUsersUse has no condition on aws:SourceArn/,
        );
    });

    it("leaves the program's document untouched and drops a condition operator it empties", async () => {
        const docs = await stackDocuments("dev");
        const before = JSON.stringify(docs.documents.trailLogBucketPolicy);
        const mutation = MUTATIONS.find((m) => m.id === "trail-write-without-source-arn")!;
        const weakened = weaken(docs.documents.trailLogBucketPolicy, mutation);
        assert.equal(JSON.stringify(docs.documents.trailLogBucketPolicy), before);
        assert.deepEqual(weakened.Statement.find((s) => s.Sid === "CloudTrailWrite")?.Condition, {
            StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" },
        });
    });
});
