import { strict as assert } from "assert";
import * as fs from "fs";
import { END_MARKER, README, RENDER_COMMAND, START_MARKER, renderMatrixSection, withMatrixSection } from "./render";
import { ACCESS_MATRIX } from "./matrix";

describe("README access matrix", () => {
    it("is the table rendered from the matrix data", () => {
        const readme = fs.readFileSync(README, "utf8");
        const expected = withMatrixSection(readme, renderMatrixSection());
        assert.ok(readme === expected, `README.md's access matrix is out of date with tests/access/matrix.ts: run \`${RENDER_COMMAND}\``);
    });

    it("has one table line per row, with its expected outcome and deciding statements", () => {
        const lines = renderMatrixSection().split("\n").filter((l) => l.startsWith("| `"));
        assert.equal(lines.length, ACCESS_MATRIX.length);
        const adminDecrypt = lines.find((l) => l.startsWith("| `key-admin-decrypts`"));
        assert.match(adminDecrypt ?? "", /\| denied \(explicit Deny\) \| `KeyAdministratorsNeverUse` \(key policy\) \|$/);
    });

    it("replaces only what lies between the markers", () => {
        const readme = `# Title\n\nbefore\n${START_MARKER}\nstale table\n${END_MARKER}\nafter\n`;
        assert.equal(withMatrixSection(readme, "NEW"), `# Title\n\nbefore\n${START_MARKER}\nNEW\n${END_MARKER}\nafter\n`);
    });

    it("refuses a README without the markers, naming them", () => {
        assert.throws(() => withMatrixSection("# Title\n", "NEW"), /README.md must contain <!-- access-matrix:start --> followed by <!-- access-matrix:end -->/);
        assert.throws(() => withMatrixSection(`${END_MARKER}\n${START_MARKER}\n`, "NEW"), /must contain/);
    });
});
