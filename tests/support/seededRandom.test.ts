import { strict as assert } from "assert";
import { fuzzSeed, seededRandom } from "./seededRandom";

describe("seededRandom: the fuzz tests' generator", () => {
    it("repeats the same sequence for the same seed and differs for another", () => {
        const a = seededRandom(42);
        const b = seededRandom(42);
        const c = seededRandom(43);
        const seqA = Array.from({ length: 5 }, () => a.next());
        assert.deepEqual(
            seqA,
            Array.from({ length: 5 }, () => b.next()),
        );
        assert.notDeepEqual(
            seqA,
            Array.from({ length: 5 }, () => c.next()),
        );
    });

    it("keeps int() inside its bounds and reaches both ends", () => {
        const r = seededRandom(7);
        const seen = new Set<number>();
        for (let i = 0; i < 500; i++) {
            const v = r.int(1, 3);
            assert.ok(v >= 1 && v <= 3);
            seen.add(v);
        }
        assert.deepEqual([...seen].sort(), [1, 2, 3]);
    });

    it("refuses pick() on an empty list and a non-integer FUZZ_SEED", () => {
        assert.throws(() => seededRandom(1).pick([]), /non-empty/);
        const saved = process.env.FUZZ_SEED;
        try {
            process.env.FUZZ_SEED = "abc";
            assert.throws(() => fuzzSeed(1), /FUZZ_SEED must be an integer/);
            process.env.FUZZ_SEED = "99";
            assert.equal(fuzzSeed(1), 99);
        } finally {
            if (saved === undefined) delete process.env.FUZZ_SEED;
            else process.env.FUZZ_SEED = saved;
        }
    });
});
