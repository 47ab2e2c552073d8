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

    it("would catch a token written in a room (the scan reads quoted tokens)", () => {
        const sample = 'case "aws:s3/bucket:Bucket":';
        assert.deepEqual(
            [...sample.matchAll(QUOTED_TOKEN)].map((m) => m[1]),
            [tokens.S3_BUCKET],
        );
    });
});
