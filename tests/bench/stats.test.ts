import * as assert from "assert";
import { ratio, spread } from "../../bench/stats";

describe("bench: summarizing repeated runs", () => {
    it("gives the middle value of an odd number of runs, with min and max", () => {
        assert.deepStrictEqual(spread([30, 10, 20]), { median: 20, min: 10, max: 30, runs: 3 });
    });

    it("averages the two middle values of an even number of runs", () => {
        assert.strictEqual(spread([4, 1, 3, 2]).median, 2.5);
    });

    it("refuses to summarize no runs or a non-number", () => {
        assert.throws(() => spread([]), /no measurements/);
        assert.throws(() => spread([1, NaN]), /finite numbers/);
    });

    it("compares figures by their medians, and refuses a zero reference", () => {
        assert.strictEqual(ratio(spread([1, 2, 9]), spread([4, 4, 4])), 0.5);
        assert.throws(() => ratio(spread([1]), spread([0])), /reference median is 0/);
    });
});
