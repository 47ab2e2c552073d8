/**
 * Each AWS type token is spelled once outside tests, in vocabulary/awsTypes.ts: a scan of every room's sources for
 * quoted token literals.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as tokens from "../../vocabulary/awsTypes";

/**
 * Where tokens may be written: vocabulary/awsTypes.ts alone among the project's sources (tests excepted). Code
 * quotes strings with " or '; a token in backticks is an example in a comment, which the scan leaves alone.
 */
const SOURCE_ROOTS = ["infra", "policy-pack", "gate", "diff", "audit", "bench", "core", "vocabulary"];
const REPO = path.resolve(__dirname, "..", "..");
const QUOTED_TOKEN = /["'](aws:[a-z0-9]+\/[A-Za-z0-9]+:[A-Za-z0-9]+)["']/g;
/** A token assembled in a template literal (`aws:s3/x${v}:X${v}`): a second spelling the literal scan cannot see. */
const TEMPLATE_TOKEN = /`aws:[a-z0-9]+\/[^`\n]*\$\{/g;

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            return ["node_modules", "bin", ".work"].includes(entry.name) ? [] : sourceFiles(full);
        }
        return /\.(ts|js)$/.test(entry.name) ? [full] : [];
    });
}

describe("vocabulary: each AWS type token is spelled once outside tests", () => {
    it("finds token literals only in vocabulary/awsTypes.ts, each once", () => {
        const where = new Map<string, string[]>();
        for (const file of SOURCE_ROOTS.flatMap((root) => sourceFiles(path.join(REPO, root)))) {
            for (const match of fs.readFileSync(file, "utf8").matchAll(QUOTED_TOKEN)) {
                where.set(match[1], [...(where.get(match[1]) ?? []), path.relative(REPO, file)]);
            }
        }
        const elsewhere = [...where].filter(([, files]) => files.some((f) => f !== "vocabulary/awsTypes.ts"));
        assert.deepEqual(elsewhere, [], "import these from vocabulary/awsTypes.ts");
        const twice = [...where].filter(([, files]) => files.length > 1);
        assert.deepEqual(twice, []);
    });

    it("finds no token assembled from pieces in a template literal", () => {
        const assembled = SOURCE_ROOTS.flatMap((root) => sourceFiles(path.join(REPO, root))).flatMap((file) =>
            [...fs.readFileSync(file, "utf8").matchAll(TEMPLATE_TOKEN)].map(
                (m) => `${path.relative(REPO, file)}: ${m[0]}`,
            ),
        );
        assert.deepEqual(assembled, [], "name each token through vocabulary/awsTypes.ts");
        // The scan itself: it sees the form diff/settings.ts once used, and not a comment's example in backticks.
        assert.equal("`aws:s3/bucketServerSideEncryptionConfiguration${v}:X${v}`".match(TEMPLATE_TOKEN)?.length, 1);
        assert.equal("`aws:s3/bucket:Bucket` is an example".match(TEMPLATE_TOKEN), null);
    });

    it("would catch a token written in a room (the scan reads quoted tokens)", () => {
        const sample = 'case "aws:s3/bucket:Bucket":';
        assert.deepEqual(
            [...sample.matchAll(QUOTED_TOKEN)].map((m) => m[1]),
            [tokens.S3_BUCKET],
        );
    });
});
