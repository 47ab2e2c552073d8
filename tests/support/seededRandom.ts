/**
 * A small seeded pseudo-random generator for the fuzz tests, so that a failing run can be repeated exactly from its
 * seed. mulberry32: 32-bit state, fast, and good enough for generating test inputs (not for cryptography).
 */
export interface SeededRandom {
    readonly seed: number;
    /** A float in [0, 1). */
    next(): number;
    /** An integer in [min, max], both ends included. */
    int(min: number, max: number): number;
    /** One element of a non-empty list. */
    pick<T>(items: readonly T[]): T;
    /** True with the given probability. */
    chance(probability: number): boolean;
}

export function seededRandom(seed: number): SeededRandom {
    let state = seed >>> 0;
    const next = (): number => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return {
        seed,
        next,
        int: (min, max) => min + Math.floor(next() * (max - min + 1)),
        pick: (items) => {
            if (items.length === 0) throw new Error("seededRandom.pick needs a non-empty list");
            return items[Math.floor(next() * items.length)];
        },
        chance: (probability) => next() < probability,
    };
}

/** The seed for a fuzz run: FUZZ_SEED when set (to repeat a failure), otherwise the given default. */
export function fuzzSeed(defaultSeed: number): number {
    const fromEnv = process.env.FUZZ_SEED;
    if (fromEnv === undefined || fromEnv === "") return defaultSeed;
    const parsed = Number(fromEnv);
    if (!Number.isInteger(parsed)) throw new Error(`FUZZ_SEED must be an integer, got "${fromEnv}"`);
    return parsed;
}
