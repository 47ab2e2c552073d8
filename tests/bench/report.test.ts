import * as assert from "assert";
import type { ColdStart } from "../../bench/coldStart";
import type { CommandFigure } from "../../bench/endToEnd";
import { BenchResult, gateCommand, programCommand, renderMarkdown, targets } from "../../bench/report";
import { spread } from "../../bench/stats";
import type { Comparison, PackEvaluation, PhaseFigures } from "../../bench/throughput";

function coldStart(label: string, seconds: number, mb: number): ColdStart {
    return {
        pack: { label, dir: "/x", runner: "/x/run", how: "how" },
        msToPort: spread([seconds * 1000]),
        peakRssMb: spread([mb]),
    };
}

function phase(cpuS: number): PhaseFigures {
    return { wallMs: spread([cpuS * 1100]), packCpuS: spread([cpuS]), driverCpuS: spread([cpuS / 2]) };
}

function pack(label: string, analyzeS: number | undefined, stackS: number, mb: number): PackEvaluation {
    return {
        label,
        resourcePhase: analyzeS === undefined ? undefined : phase(analyzeS),
        stackPhase: phase(stackS),
        packPeakRssMb: spread([mb]),
        findings: { "sns-topic-kms-encrypted": 3 },
    };
}

interface Figures {
    start?: { s: number; mb: number };
    /** ours / floor at 10k, AnalyzeStack CPU */
    stack?: number;
    /** ours at 50k / ours at 10k, AnalyzeStack CPU */
    growth?: number;
    /** ours / floor at 10k, Analyze CPU */
    analyze?: number;
    /** ours / floor at 50k, peak RSS */
    rss?: number;
    testsS?: number;
    /** gate / program alone for stack dev, wall */
    gate?: number;
}

function command(name: string, seconds: number): CommandFigure {
    return {
        command: name,
        wallMs: spread([seconds * 1000]),
        cpuS: spread([seconds * 1.5]),
        peakRssMb: spread([500]),
        exitCodes: [0],
    };
}

function result(f: Figures = {}): BenchResult {
    const start = f.start ?? { s: 2, mb: 150 };
    const floorStack10k = 1;
    const c10k: Comparison = {
        size: 10_000,
        stackRequestMb: 7,
        ours: pack("ours", 2 * (f.analyze ?? 1.2), floorStack10k * (f.stack ?? 1.1), 300),
        floor: pack("floor", 2, floorStack10k, 280),
    };
    const ours50kStack = floorStack10k * (f.stack ?? 1.1) * (f.growth ?? 5);
    const c50k: Comparison = {
        size: 50_000,
        stackRequestMb: 35,
        ours: pack("ours", undefined, ours50kStack, 1000 * (f.rss ?? 1.1)),
        floor: pack("floor", undefined, 5, 1000),
    };
    const testsMs = (f.testsS ?? 50) * 1000;
    return {
        date: "2026-01-01T00:00:00Z",
        machine: { cpu: "cpu", cores: 2, memoryGb: 8, node: "v20", os: "Linux", loadBefore: 1, loadAfter: 1 },
        totalS: 400,
        coldStarts: [coldStart("ours", start.s, start.mb), coldStart("usual", 12, 700), coldStart("awsguard", 9, 300)],
        comparisons: [c10k, c50k],
        composition: { "aws:s3/bucket:Bucket": 10 },
        commands: [
            command(gateCommand("dev"), 3 * (f.gate ?? 1.2)),
            command(programCommand("dev"), 3),
            // A gate figure without its program (an older result): no target for it.
            command(gateCommand("prod"), 30),
            {
                command: "npm test",
                wallMs: spread([testsMs]),
                cpuS: spread([80]),
                peakRssMb: spread([900]),
                exitCodes: [0],
            },
        ],
        policies: { resource: 19, stack: 1, stackRules: 5 },
    };
}

const verdicts = (r: BenchResult) => targets(r).map((t) => t.met);
const allMet = [true, true, true, true, true, true, true, true];

describe("bench: targets in the report", () => {
    it("are all met by a fast, small, linear pack close to the floor and a quick test suite", () => {
        assert.deepStrictEqual(verdicts(result()), allMet);
    });

    it("are missed one by one: start, size, stack phase, growth, Analyze, memory, gate, test suite", () => {
        const missedAt = (i: number) => allMet.map((_, j) => j !== i);
        assert.deepStrictEqual(verdicts(result({ start: { s: 5, mb: 150 } })), missedAt(0));
        assert.deepStrictEqual(verdicts(result({ start: { s: 2, mb: 250 } })), missedAt(1));
        assert.deepStrictEqual(verdicts(result({ stack: 1.4 })), missedAt(2));
        assert.deepStrictEqual(verdicts(result({ growth: 6.45 })), missedAt(3));
        assert.deepStrictEqual(verdicts(result({ analyze: 1.44 })), missedAt(4));
        assert.deepStrictEqual(verdicts(result({ rss: 1.5 })), missedAt(5));
        assert.deepStrictEqual(verdicts(result({ gate: 1.6 })), missedAt(6));
        assert.deepStrictEqual(verdicts(result({ testsS: 77 })), missedAt(7));
    });

    it("meets a target exactly at its limit", () => {
        assert.deepStrictEqual(
            verdicts(result({ stack: 1.3, analyze: 1.3, rss: 1.3, growth: 5.5, gate: 1.5, testsS: 60 })),
            allMet,
        );
    });

    it("states the ratio with the floor's absolute figures, and explains each missed target", () => {
        const markdown = renderMarkdown(result({ analyze: 1.5 }));
        assert.match(
            markdown,
            /\| Analyze \(per resource\) at 10k resources: within 1\.3x of the floor pack \| 1\.50 \(pack CPU 3\.00 s vs floor 2\.00 s; wall 1\.50: 3\.30 s vs 2\.20 s\) \| \*\*missed\*\* \|/,
        );
        assert.match(markdown, /### Why targets were missed[\s\S]*makeAnalyzeRpcFun/);
        assert.match(markdown, /\| 10,000 \| \*\*ratio ours \/ floor\*\* \|/);
        assert.doesNotMatch(renderMarkdown(result()), /Why targets were missed/);
        assert.match(
            renderMarkdown(result({ gate: 1.6 })),
            /\| Offline gate, stack dev: within 1\.5x of the program under mocks alone \| 1\.60 wall \(4\.80 s vs 3\.00 s\); CPU 1\.60 \(7\.20 s vs 4\.50 s\) \| \*\*missed\*\* \|/,
        );
    });

    it("shows a test run that did not complete as missed, with its output", () => {
        const failed = result();
        const last = failed.commands.length - 1;
        failed.commands[last] = { ...failed.commands[last], exitCodes: [1], failure: "exit code 1:\n2 failing" };
        assert.strictEqual(targets(failed).at(-1)!.met, false);
        const markdown = renderMarkdown(failed);
        assert.match(markdown, /`npm test`.*\*\*\(did not complete\)\*\*/);
        assert.match(markdown, /2 failing/);
    });
});
