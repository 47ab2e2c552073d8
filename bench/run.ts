/**
 * `npm run bench`: the pack's cold start against the usual way, its evaluation against a floor pack at 10k and 50k
 * resources, the gate and the test suite end to end (issues 7 and 14). Prints the targets with their ratios and
 * writes docs/benchmarks.md. Options: --runs-scale <0.2..3> scales every figure's run count (never
 * below 3 runs, or the median means nothing); --out <file> writes the document elsewhere.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { exitCodes, parseFlags, runCommand, UsageError } from "../core/cli";
import { ruleCatalog } from "../policy-pack/catalog";
import { policies } from "../policy-pack/policies";
import { measureColdStarts } from "./coldStart";
import { awsGuardPack, floorPack, ourPack, projectDir, usualPack, workDir } from "./comparisonPacks";
import { CommandFigure, gateCompleted, measureCommand, programCompleted, testsPassed } from "./endToEnd";
import { BenchResult, renderMarkdown, targets } from "./report";
import { syntheticStack } from "./syntheticStack";
import { compareWithFloor, Comparison } from "./throughput";

interface Options {
    runsScale: number;
    out: string;
    /** --help: print the usage and measure nothing (set only when asked, so the options compare plainly). */
    help?: true;
}

const usage = "usage: npm run bench [-- --runs-scale <0.2..3>] [--out <file>]";

const command = {
    name: "bench",
    usage: `${usage}\n`,
    flags: { "runs-scale": { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
} as const;

export function parseOptions(argv: string[]): Options {
    const values = parseFlags(command, argv);
    const options: Options = { runsScale: 1, out: path.join(projectDir, "docs", "benchmarks.md") };
    if (values.help === true) options.help = true;
    if (values["runs-scale"] !== undefined) {
        const value = values["runs-scale"];
        const scale = Number(value);
        if (!(scale >= 0.2 && scale <= 3)) {
            throw new UsageError(`--runs-scale ${value}: must be a number from 0.2 to 3. ${usage}`);
        }
        options.runsScale = scale;
    }
    if (values.out !== undefined) options.out = path.resolve(values.out);
    return options;
}

/**
 * Runs per figure at scale 1: at least 3 everywhere, 5 for the fast ones; `npm test` is measured once (see below).
 * Each evaluation run is made with both packs (ours and the floor), so 3 runs are 6 pack starts.
 */
const baseRuns = { coldStart: 3, evaluation10k: 3, evaluation50k: 3, gate: 5 };

export function runsFor(base: number, scale: number): number {
    return Math.max(3, Math.round(base * scale));
}

function log(line: string): void {
    process.stderr.write(`[bench] ${line}\n`);
}

async function main(options: Options): Promise<number> {
    const started = process.hrtime.bigint();
    const loadBefore = os.loadavg()[0];
    const runs = (base: number) => runsFor(base, options.runsScale);

    const packs = [ourPack(), usualPack(), awsGuardPack(log)];
    const coldStarts = await measureColdStarts(packs, runs(baseRuns.coldStart), 180_000, log);

    const comparisons: Comparison[] = [];
    let composition: Record<string, number> = {};
    // 10k: both phases; 50k: AnalyzeStack only (the growth and memory targets), which keeps the bench in 10 minutes.
    for (const [size, base, analyzePhase] of [
        [10_000, baseRuns.evaluation10k, true],
        [50_000, baseRuns.evaluation50k, false],
    ] as const) {
        const stack = syntheticStack(size);
        if (size === 10_000) {
            composition = stack.composition;
        }
        comparisons.push(await compareWithFloor(packs[0], floorPack(), stack, runs(base), analyzePhase, log));
    }

    const commands: CommandFigure[] = [];
    // Each stack through the gate, then the same stacks' programs alone under the gate's mocks: what the gate's
    // time is compared with.
    for (const [script, completed] of [
        ["check", gateCompleted],
        ["bench:program", programCompleted],
    ] as const) {
        for (const stack of ["dev", "prod"]) {
            const args = ["run", script, "--", "--stack", stack];
            commands.push(await measureCommand(args, runs(baseRuns.gate), 300_000, completed, log));
        }
    }
    commands.push(
        // One run only: three would push the whole bench past 10 minutes.
        await measureCommand(["test"], 1, 900_000, testsPassed, log),
    );

    const cpus = os.cpus();
    const result: BenchResult = {
        date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        machine: {
            cpu: cpus[0]?.model ?? "unknown CPU",
            cores: cpus.length,
            memoryGb: os.totalmem() / 1024 ** 3,
            node: process.version,
            os: `${os.type()} ${os.release()}`,
            loadBefore,
            loadAfter: os.loadavg()[0],
        },
        totalS: Number(process.hrtime.bigint() - started) / 1e9,
        coldStarts,
        comparisons,
        composition,
        commands,
        policies: {
            resource: policies.filter((p) => !("validateStack" in p)).length,
            stack: policies.filter((p) => "validateStack" in p).length,
            stackRules: ruleCatalog.filter((r) => r.kind === "stack").length,
        },
    };
    // The raw figures too (git-ignored), so that the document can be re-rendered without measuring again.
    fs.mkdirSync(workDir, { recursive: true });
    fs.writeFileSync(path.join(workDir, "result.json"), JSON.stringify(result, null, 2));
    const markdown = renderMarkdown(result);
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, markdown);
    process.stdout.write(markdown);
    const missed = targets(result).filter((t) => !t.met).length;
    const written = path.relative(projectDir, options.out);
    log(`total ${result.totalS.toFixed(0)} s; ${missed} target(s) missed; written to ${written}`);
    // A missed target is reported in the document, not as a failed run.
    return exitCodes.ok;
}

if (require.main === module) {
    runCommand(command.name, async () => {
        const options = parseOptions(process.argv.slice(2));
        if (options.help === true) {
            process.stdout.write(command.usage);
            return exitCodes.ok;
        }
        return main(options);
    });
}
