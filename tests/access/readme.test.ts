import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { END_MARKER, MATRIX_DOC, RENDER_COMMAND, START_MARKER, renderMatrixSection, withMatrixSection } from "./render";
import { ACCESS_MATRIX } from "./matrix";

describe("access matrix document (docs/access-matrix.md)", () => {
    it("is the table rendered from the matrix data", () => {
        const doc = fs.readFileSync(MATRIX_DOC, "utf8");
        const expected = withMatrixSection(doc, renderMatrixSection());
        assert.ok(
            doc === expected,
            `docs/access-matrix.md is out of date with tests/access/matrix.ts: run \`npm run access-matrix\` ` +
                `(${RENDER_COMMAND})`,
        );
    });

    it("is linked from the README, which no longer carries the table", () => {
        const readme = fs.readFileSync(path.join(path.dirname(MATRIX_DOC), "..", "README.md"), "utf8");
        assert.ok(readme.includes("](docs/access-matrix.md)"));
        assert.ok(!readme.includes(START_MARKER) && !readme.includes("| `key-admin-decrypts`"));
    });

    it("has one table line per row, with its expected outcome and deciding statements", () => {
        const lines = renderMatrixSection()
            .split("\n")
            .filter((l) => l.startsWith("| `"));
        assert.equal(lines.length, ACCESS_MATRIX.length);
        const adminDecrypt = lines.find((l) => l.startsWith("| `key-admin-decrypts`"));
        assert.match(
            adminDecrypt ?? "",
            /\| denied \(explicit Deny\) \| `KeyAdministratorsNeverUse` \(key policy\) \|$/,
        );
    });

    it("replaces only what lies between the markers", () => {
        const readme = `# Title\n\nbefore\n${START_MARKER}\nstale table\n${END_MARKER}\nafter\n`;
        assert.equal(
            withMatrixSection(readme, "NEW"),
            `# Title\n\nbefore\n${START_MARKER}\nNEW\n${END_MARKER}\nafter\n`,
        );
    });

    it("refuses a document without the markers, naming them", () => {
        assert.throws(
            () => withMatrixSection("# Title\n", "NEW"),
            /docs\/access-matrix.md must contain <!-- access-matrix:start --> followed by <!-- access-matrix:end -->/,
        );
        assert.throws(() => withMatrixSection(`${END_MARKER}\n${START_MARKER}\n`, "NEW"), /must contain/);
    });
});
