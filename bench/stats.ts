/** Median, min and max of repeated measurements: the form every figure of the benchmark takes. */

export interface Spread {
    median: number;
    min: number;
    max: number;
    runs: number;
}

export function spread(values: readonly number[]): Spread {
    if (values.length === 0) {
        throw new Error("spread: no measurements to summarize (a figure needs at least one run)");
    }
    if (values.some((v) => !Number.isFinite(v))) {
        throw new Error(`spread: measurements must be finite numbers, got ${JSON.stringify(values)}`);
    }
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** Ratio of two medians (a / b), the way every comparison of the benchmark is stated. */
export function ratio(a: Spread, b: Spread): number {
    if (b.median === 0) {
        throw new Error("ratio: the reference median is 0, so no ratio can be formed");
    }
    return a.median / b.median;
}
