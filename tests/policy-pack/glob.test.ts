import * as assert from "assert";
import { compileGlob, globCoversPrefix } from "../../policy-pack/lib/glob";
import { eachResource } from "../../policy-pack/lib/rule";

describe("globs for actions, resources and waivers", () => {
    it("match like IAM wildcards: * any text, ? one character, case-insensitive, anchored", () => {
        const cases: [string, string, boolean][] = [
            ["s3:*", "s3:GetObject", true],
            ["s3:Get*", "s3:PutObject", false],
            ["kms:ReEncrypt*", "kms:reencryptfrom", true],
            ["*", "", true],
            ["a?c", "abc", true],
            ["a?c", "ac", false],
            ["*bucket*", "urn:...:bucket:x", true],
            ["legacy-*", "legacy-", true],
            ["legacy-*", "legac", false],
            ["a*b*c", "aXbYc", true],
            ["a*b*c", "aXcYb", false],
            ["*.txt", "a.txt.bak", false],
            ["a*a", "a", false],
            ["[x]", "[x]", true],
            ["(.*)", "(.*)", true],
        ];
        for (const [pattern, text, expected] of cases) {
            assert.strictEqual(compileGlob(pattern).test(text), expected, `${pattern} ~ ${text}`);
        }
    });
    it("take linear-bounded time on catastrophic patterns (a regular expression took tens of seconds)", () => {
        const started = Date.now();
        const glob = compileGlob(`${"*a".repeat(30)}*b`);
        assert.strictEqual(glob.test("a".repeat(20_000)), false);
        assert.strictEqual(compileGlob(`${"*?".repeat(50)}x`).test("y".repeat(20_000)), false);
        assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    });
    it("know when a pattern covers every string with a prefix (every S3 action, every object of a bucket)", () => {
        assert.ok(globCoversPrefix(compileGlob("s3:*"), "s3:"));
        assert.ok(globCoversPrefix(compileGlob("*"), "s3:"));
        assert.ok(globCoversPrefix(compileGlob("s*"), "s3:"));
        assert.ok(!globCoversPrefix(compileGlob("s3:Get*"), "s3:"));
        assert.ok(!globCoversPrefix(compileGlob("s3:GetObject"), "s3:"));
        assert.ok(globCoversPrefix(compileGlob("arn:aws:s3:::b/*"), "arn:aws:s3:::b/"));
        assert.ok(globCoversPrefix(compileGlob("arn:aws:s3:::b*"), "arn:aws:s3:::b/"));
        assert.ok(!globCoversPrefix(compileGlob("arn:aws:s3:::b/logs/*"), "arn:aws:s3:::b/"));
    });
});

describe("eachResource: one unreadable resource does not stop a stack rule", () => {
    it("reports the failure on that resource and still judges the others", () => {
        const resources = ["a", "b", "c"].map((name) => ({ type: "t", name, urn: `urn:${name}`, props: {} }));
        const problems = eachResource(resources, (r) => {
            if (r.name === "b") {
                throw new Error("odd value");
            }
            return [{ problem: `judged ${r.name}`, fix: "none" }];
        });
        assert.deepStrictEqual(
            problems.map((p) => [p.resource?.name, p.problem]),
            [
                ["a", "judged a"],
                ["b", "could not be evaluated (odd value)."],
                ["c", "judged c"],
            ],
        );
    });
});
