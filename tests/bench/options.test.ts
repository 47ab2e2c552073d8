import * as assert from "assert";
import * as path from "path";
import { parseOptions, runsFor } from "../../bench/run";

describe("bench: command line", () => {
    it("writes docs/benchmarks.md at the default scale when given no options", () => {
        const options = parseOptions([]);
        assert.strictEqual(options.runsScale, 1);
        assert.strictEqual(options.out, path.resolve(__dirname, "../../docs/benchmarks.md"));
    });

    it("accepts a run scale and an output file", () => {
        assert.deepStrictEqual(parseOptions(["--runs-scale", "2", "--out", "x.md"]), {
            runsScale: 2,
            out: path.resolve("x.md"),
        });
    });

    it("rejects a scale out of range, a missing value and unknown options, saying what is allowed", () => {
        assert.throws(() => parseOptions(["--runs-scale", "10"]), /--runs-scale 10: must be a number from 0.2 to 3/);
        // Missing values and unknown flags are worded by core/cli.ts, as for every command.
        assert.throws(() => parseOptions(["--runs-scale"]), /--runs-scale needs a value/);
        assert.throws(() => parseOptions(["--out"]), /--out needs a value/);
        assert.throws(
            () => parseOptions(["--fast"]),
            /unknown argument "--fast"; allowed: --runs-scale, --out, --help/,
        );
    });

    it("never takes fewer than 3 runs for a median", () => {
        assert.strictEqual(runsFor(5, 0.2), 3);
        assert.strictEqual(runsFor(5, 2), 10);
    });
});
