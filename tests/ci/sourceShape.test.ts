/**
 * The shape the project promises its source files (docs/architecture.md, issue 15): no line over 120 characters,
 * which the formatter cannot enforce for strings and comments, and no file over 350 lines without the reason at its
 * top. Tests and fixtures are exempt; a fixture keeps the shape of the public program it was taken from.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
const MAX_COLUMNS = 120;
const MAX_LINES = 350;

/** Tracked and new (not ignored) source files outside tests/, as git lists them. */
function sourceFiles(): string[] {
    const listed = execFileSync(
        "git",
        ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*.ts", "*.js", "*.mjs"],
        { cwd: root, encoding: "utf8", timeout: 30_000 },
    );
    return [...new Set(listed.split("\n").filter(Boolean))].filter(
        (file) => !file.startsWith("tests/") && fs.existsSync(path.join(root, file)),
    );
}

/** Lines longer than the limit, as `file:line (length)`. */
function longLines(file: string, text: string): string[] {
    return text
        .split("\n")
        .flatMap((line, i) => (line.length > MAX_COLUMNS ? [`${file}:${i + 1} (${line.length})`] : []));
}

/** Whether a long file says why at its top: "350 lines" in the comment before its first import or code. */
function saysWhyItIsLong(text: string): boolean {
    const lines = text.split("\n");
    if (lines.length <= MAX_LINES) {
        return true;
    }
    const firstCode = lines.findIndex((line) => line.trim() !== "" && !/^\s*(\/\*\*?|\*|\/\/)/.test(line));
    return lines
        .slice(0, firstCode === -1 ? lines.length : firstCode)
        .join("\n")
        .includes(`${MAX_LINES} lines`);
}

describe("source files keep the project's shape", () => {
    const files = sourceFiles();

    it("finds the sources (the listing works)", () => {
        assert.ok(files.includes("core/cli.ts") && files.includes("policy-pack/index.ts"), files.join(", "));
    });

    it(`no source line is over ${MAX_COLUMNS} characters`, () => {
        const long = files.flatMap((file) => longLines(file, fs.readFileSync(path.join(root, file), "utf8")));
        assert.deepEqual(long, []);
    });

    it(`a source file over ${MAX_LINES} lines says at its top why it is one file`, () => {
        const silent = files.filter((file) => !saysWhyItIsLong(fs.readFileSync(path.join(root, file), "utf8")));
        assert.deepEqual(silent, []);
    });

    it("the checks see what they look for", () => {
        assert.deepEqual(longLines("x.ts", `ok\n${"a".repeat(121)}`), ["x.ts:2 (121)"]);
        assert.deepEqual(longLines("x.ts", "a".repeat(120)), []);
        const body = "const x = 1;\n".repeat(MAX_LINES);
        assert.equal(saysWhyItIsLong(`/** Parses things. */\n${body}`), false);
        assert.equal(
            saysWhyItIsLong(`/**\n * One job over 350 lines: the parser.\n */\nimport * as fs from "fs";\n${body}`),
            true,
        );
        // The reason must come before the code, not in a comment further down.
        assert.equal(saysWhyItIsLong(`${body}// over 350 lines\n`), false);
    });
});
