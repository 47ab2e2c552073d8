import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const repo = path.resolve(__dirname, "..", "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lookupFiles = require("mocha/lib/cli/lookup-files") as (
    pattern: string,
    extensions: string[],
    recursive: boolean,
) => string[];

function testFilesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? testFilesUnder(full) : entry.name.endsWith(".test.ts") ? [full] : [];
    });
}

/**
 * .mocharc.json names the longest test files first, one by one (per-file wall times from
 * `KMS_AUDIT_TEST_TIMINGS=<file> npm test`, docs/benchmarks.md), then each folder's other files with a pattern that
 * leaves those out (`tests/audit/!(s3|cli).test.ts`). Mocha's parallel mode hands files to its workers in that
 * order: the two workers start on the longest files and the short ones fill in behind them, so neither is left with
 * a long file at the end. A new file in a listed folder is picked up by its folder's pattern; a new folder needs a
 * line. This checks that the list covers every test file exactly once.
 */
describe("the test suite's configuration (.mocharc.json)", () => {
    const config = JSON.parse(fs.readFileSync(path.join(repo, ".mocharc.json"), "utf8")) as {
        spec: string[];
        jobs: number;
    };

    it("runs every test file under tests/ exactly once", () => {
        const listed = config.spec.flatMap((pattern) => lookupFiles(path.join(repo, pattern), ["ts"], false));
        const present = testFilesUnder(path.join(repo, "tests"));
        const unlisted = present.filter((file) => !listed.includes(file)).map((file) => path.relative(repo, file));
        assert.deepStrictEqual(unlisted, [], `.mocharc.json's spec does not list ${unlisted.join(", ")}`);
        assert.deepStrictEqual([...listed].sort(), present.sort());
        assert.strictEqual(new Set(listed).size, listed.length, "a file matched by two spec patterns would run twice");
    });

    it("runs files in parallel, two at a time (the 2-core machine the suite's budget is set for)", () => {
        assert.strictEqual(config.jobs, 2);
    });
});
