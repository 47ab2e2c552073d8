import * as assert from "assert";
import type { ColdStart } from "../../bench/coldStart";
import { BenchResult, renderMarkdown, targets } from "../../bench/report";
import { spread } from "../../bench/stats";
import type { Throughput } from "../../bench/throughput";

function coldStart(label: string, seconds: number, mb: number): ColdStart {
    return { pack: { label, dir: "/x", runner: "/x/run", how: "how" }, msToPort: spread([seconds * 1000]), peakRssMb: spread([mb]) };
}

function evaluation(size: number, resourceS: number, stackS: number): Throughput {
    const s = (v: number) => spread([v]);
    return {
        size, stackRequestMb: size / 1000, resourceMs: s(resourceS * 1000), resourcePackCpuS: s(resourceS),
        resourceDriverCpuS: s(resourceS / 2), stackMs: s(stackS * 1000), stackPackCpuS: s(stackS),
        totalMs: s((resourceS + stackS) * 1000), resourcesPerSecond: size / resourceS, packPeakRssMb: s(300),
        findings: { "sns-topic-kms-encrypted": 3 },
    };
}

function result(ours: { s: number; mb: number }, stack10kS: number, growth: number): BenchResult {
    return {
        date: "2026-01-01T00:00:00Z",
        machine: { cpu: "cpu", cores: 2, memoryGb: 8, node: "v20", os: "Linux", loadBefore: 1, loadAfter: 1 },
        totalS: 400,
        coldStarts: [coldStart("ours", ours.s, ours.mb), coldStart("usual", 12, 700), coldStart("awsguard", 9, 300)],
        throughput: [evaluation(1_000, 0.4, 0.1), evaluation(10_000, 4, stack10kS), evaluation(50_000, 4 * growth, stack10kS * growth)],
        composition: { "aws:s3/bucket:Bucket": 10 },
        commands: [{ command: "npm test", wallMs: spread([60_000]), peakRssMb: spread([900]), exitCodes: [1], failure: "exit code 1:\n2 failing" }],
        stackPolicies: 5,
    };
}

const verdicts = (r: BenchResult) => targets(r).map(t => t.met);

describe("bench: targets in the report", () => {
    it("are all met by a fast, small, linear pack", () => {
        assert.deepStrictEqual(verdicts(result({ s: 2, mb: 150 }, 0.5, 5)), [true, true, true, true]);
    });

    it("are missed one by one: slow start, big start, slow stack phase, quadratic growth", () => {
        assert.deepStrictEqual(verdicts(result({ s: 5, mb: 150 }, 0.5, 5)), [false, true, true, true]);
        assert.deepStrictEqual(verdicts(result({ s: 2, mb: 250 }, 0.5, 5)), [true, false, true, true]);
        assert.deepStrictEqual(verdicts(result({ s: 2, mb: 150 }, 1.5, 5)), [true, true, false, true]);
        assert.deepStrictEqual(verdicts(result({ s: 2, mb: 150 }, 0.5, 25)), [true, true, true, false]);
    });

    it("explains each missed target in the document, and shows runs that did not complete", () => {
        const markdown = renderMarkdown(result({ s: 2, mb: 150 }, 1.5, 5));
        assert.match(markdown, /\| 10k resources: stack evaluation \(AnalyzeStack\) under 1 s \| 1\.50 s wall.* \| \*\*missed\*\* \|/);
        assert.match(markdown, /### Why targets were missed[\s\S]*makeAnalyzeStackRpcFun/);
        assert.match(markdown, /`npm test`.*\*\*\(did not complete\)\*\*/);
        assert.match(markdown, /2 failing/);
        assert.doesNotMatch(renderMarkdown(result({ s: 2, mb: 150 }, 0.5, 5)), /Why targets were missed/);
    });
});
