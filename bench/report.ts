/**
 * The benchmark's result as a Markdown document (docs/benchmarks.md), also printed to stdout.
 * Over 350 lines with one job, the document: a third is its prose (design and profile notes), kept beside the
 * tables and targets it explains so that figures and words change together.
 */
import { ruleCatalog } from "../policy-pack/catalog";
import type { ColdStart } from "./coldStart";
import type { CommandFigure } from "./endToEnd";
import { ratio, Spread } from "./stats";
import { analyzeInFlight, Comparison, PackEvaluation, PhaseFigures } from "./throughput";

export interface Machine {
    cpu: string;
    cores: number;
    memoryGb: number;
    node: string;
    os: string;
    /** 1-minute load average before and after the run: other work on the machine inflates wall times. */
    loadBefore: number;
    loadAfter: number;
}

export interface BenchResult {
    date: string;
    machine: Machine;
    totalS: number;
    coldStarts: ColdStart[];
    /** The pack against the floor pack: 10k with both phases, 50k with AnalyzeStack only. */
    comparisons: Comparison[];
    composition: Record<string, number>;
    commands: CommandFigure[];
    /** How the pack's rules are served: resource policies and stack policies. */
    policies: { resource: number; stack: number; stackRules: number };
}

export interface Target {
    name: string;
    measured: string;
    met: boolean;
    why?: string;
}

/** The goals of issue 14, as ratios of medians measured in one run. */
export const limits = {
    coldStartVsUsual: 1 / 3,
    coldStartMb: 200,
    stackVsFloor: 1.3,
    stackGrowth: 5.5,
    analyzeVsFloor: 1.3,
    peakRssVsFloor: 1.3,
    gateVsProgram: 1.5,
    npmTestS: 60,
} as const;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const cpuSeconds = (s: number) => `${s.toFixed(2)} s`;

function cell(s: Spread, show: (v: number) => string): string {
    return `${show(s.median)} (${show(s.min)}–${show(s.max)})`;
}
const secondsCell = (s: Spread) => cell(s, seconds);
const mbCell = (s: Spread) => cell(s, (v) => `${v.toFixed(0)} MB`);
const cpuCell = (s: Spread) => cell(s, cpuSeconds);

function table(header: string[], rows: string[][]): string {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

function bySize(result: BenchResult, size: number): Comparison {
    const c = result.comparisons.find((x) => x.size === size);
    if (!c) {
        throw new Error(`no evaluation figure for ${size} resources`);
    }
    return c;
}

function resourcePhase(evaluation: PackEvaluation, size: number): PhaseFigures {
    if (!evaluation.resourcePhase) {
        throw new Error(`no Analyze phase was measured for ${evaluation.label} at ${size} resources`);
    }
    return evaluation.resourcePhase;
}

/** "1.12 (pack CPU 1.05 s vs floor 0.94 s; wall 1.20)": the judged CPU ratio first, wall beside it. */
function versusFloor(ours: PhaseFigures, floor: PhaseFigures): { cpu: number; text: string } {
    const cpu = ratio(ours.packCpuS, floor.packCpuS);
    return {
        cpu,
        text:
            `${cpu.toFixed(2)} (pack CPU ${cpuSeconds(ours.packCpuS.median)} vs floor ` +
            `${cpuSeconds(floor.packCpuS.median)}; wall ${ratio(ours.wallMs, floor.wallMs).toFixed(2)}: ` +
            `${seconds(ours.wallMs.median)} vs ${seconds(floor.wallMs.median)})`,
    };
}

function npmTest(result: BenchResult): CommandFigure | undefined {
    return result.commands.find((c) => c.command === "npm test");
}

/** The gate command of a stack and the same stack's program alone under mocks (bench/programAlone.ts). */
export const gateCommand = (stack: string) => `npm run check -- --stack ${stack}`;
export const programCommand = (stack: string) => `npm run bench:program -- --stack ${stack}`;

/** One target per stack measured both ways: the gate's wall time against the program's alone. */
function gateTargets(result: BenchResult): Target[] {
    const list: Target[] = [];
    for (const gate of result.commands) {
        const stack = /^npm run check -- --stack (\S+)$/.exec(gate.command)?.[1];
        const program = stack && result.commands.find((c) => c.command === programCommand(stack));
        if (!stack || !program) {
            continue;
        }
        const wall = ratio(gate.wallMs, program.wallMs);
        const cpu = ratio(gate.cpuS, program.cpuS);
        list.push({
            name: `Offline gate, stack ${stack}: within ${limits.gateVsProgram}x of the program under mocks alone`,
            measured:
                `${wall.toFixed(2)} wall (${seconds(gate.wallMs.median)} vs ${seconds(program.wallMs.median)}); ` +
                `CPU ${cpu.toFixed(2)} (${cpuSeconds(gate.cpuS.median)} vs ${cpuSeconds(program.cpuS.median)})`,
            met: wall <= limits.gateVsProgram && !gate.failure && !program.failure,
            why:
                "The gate starts the pack while the program runs (gate/index.ts runGate), so what it adds to the " +
                "program's time is the pack's Analyze and AnalyzeStack calls and the report.",
        });
    }
    return list;
}

export function targets(result: BenchResult): Target[] {
    const [ours, usual] = result.coldStarts;
    const startRatio = ratio(ours.msToPort, usual.msToPort);
    const c10k = bySize(result, 10_000);
    const c50k = bySize(result, 50_000);
    const stack = versusFloor(c10k.ours.stackPhase, c10k.floor.stackPhase);
    const growth = ratio(c50k.ours.stackPhase.packCpuS, c10k.ours.stackPhase.packCpuS);
    const wallGrowth = ratio(c50k.ours.stackPhase.wallMs, c10k.ours.stackPhase.wallMs);
    const floorGrowth = ratio(c50k.floor.stackPhase.packCpuS, c10k.floor.stackPhase.packCpuS);
    const analyze = versusFloor(resourcePhase(c10k.ours, 10_000), resourcePhase(c10k.floor, 10_000));
    const rss = ratio(c50k.ours.packPeakRssMb, c50k.floor.packPeakRssMb);
    const tests = npmTest(result);
    const list: Target[] = [
        {
            name: "Cold start: ours at most 1/3 of the usual way",
            measured: `${startRatio.toFixed(2)} (1/${(1 / startRatio).toFixed(1)})`,
            met: startRatio <= limits.coldStartVsUsual,
            why:
                "Ours is precompiled JavaScript: no ts-node type check of @pulumi/aws at start. What remains is " +
                "loading @pulumi/pulumi through @pulumi/policy (about a second on this machine); a pack cannot " +
                "avoid it.",
        },
        {
            name: `Cold start: ours under ${limits.coldStartMb} MB`,
            measured: `${ours.peakRssMb.max.toFixed(0)} MB (highest run)`,
            met: ours.peakRssMb.max < limits.coldStartMb,
            why:
                "At its port the pack holds @pulumi/policy, @pulumi/pulumi's runtime and gRPC, and the rules; " +
                "nothing of @pulumi/aws.",
        },
        {
            name: `AnalyzeStack at 10k resources: within ${limits.stackVsFloor}x of the floor pack`,
            measured: stack.text,
            met: stack.cpu <= limits.stackVsFloor,
            why:
                `The floor is one deserialization and one walk of the stack. This pack serves its ` +
                `${result.policies.stackRules} stack rules from ${result.policies.stack} stack policy, so the server ` +
                "deserializes the stack once as for the floor (server.js, makeAnalyzeStackRpcFun), and builds one " +
                "StackGraph (policy-pack/lib/graph.ts). What remains above the floor is the rules' own work, run " +
                "once per process before the JIT has warmed up, and the garbage it leaves; the profile notes below " +
                "list it per rule. Closing the gap means cheaper rules (policy-pack/rules, lib/graph.ts), not wiring.",
        },
        {
            name: `AnalyzeStack growth 50k / 10k resources: at most ${limits.stackGrowth}`,
            measured:
                `${growth.toFixed(2)} pack CPU (wall ${wallGrowth.toFixed(2)}; ` +
                `floor pack ${floorGrowth.toFixed(2)})`,
            met: growth <= limits.stackGrowth,
            why:
                "Growth beyond 5 comes from garbage collection of the larger heap (the 50k request alone is tens " +
                "of MB of protobuf objects); the floor pack shows the same library-side growth. The rules link " +
                "resources through maps built once, so no rule scans the stack per resource.",
        },
        {
            name: `Analyze (per resource) at 10k resources: within ${limits.analyzeVsFloor}x of the floor pack`,
            measured: analyze.text,
            met: analyze.cpu <= limits.analyzeVsFloor,
            why:
                `The floor is one policy reading one property. This pack has ${result.policies.resource} resource ` +
                "policies (one per rule, so that each keeps its own name, level, config, remediation and " +
                "not-applicable record). For each request @pulumi/policy's server (server.js, makeAnalyzeRpcFun) " +
                "loops over every policy, deserializes the properties and the provider again for each policy it " +
                "calls, builds one not-applicable entry per policy that does not apply and encodes them into the " +
                "response; a rule that covers several types is called for every resource and must throw to be " +
                "reported not applicable. Those costs are the server's, per policy; the profile notes below measure " +
                "them and what the pack already removed.",
        },
        {
            name: `Peak RSS at 50k resources: within ${limits.peakRssVsFloor}x of the floor pack`,
            measured:
                `${rss.toFixed(2)} (${c50k.ours.packPeakRssMb.median.toFixed(0)} MB vs floor ` +
                `${c50k.floor.packPeakRssMb.median.toFixed(0)} MB)`,
            met: rss <= limits.peakRssVsFloor,
            why:
                "The request's protobuf objects and one deserialized copy dominate both packs; the StackGraph " +
                "adds a node per resource and reads the server's deserialized properties without copying them.",
        },
        ...gateTargets(result),
    ];
    if (tests) {
        list.push({
            name: `\`npm test\`: at most ${limits.npmTestS} s`,
            measured:
                `${seconds(tests.wallMs.median)} wall, ${tests.cpuS.median.toFixed(0)} s CPU over the ` +
                "process tree",
            met: tests.wallMs.median <= limits.npmTestS * 1000 && !tests.failure,
            why:
                "The suite's CPU time is above what 2 cores can do in 60 s, whatever the parallelism (see the CPU " +
                "figure and the test suite notes below): the gate tests run their stack program in a child process " +
                "per run (about 1.1 s of CPU each once ts-node's output is cached, most of it @pulumi/pulumi " +
                "loading its automation API eagerly; the SDK's bookkeeping stack traces, a third of a run before, " +
                "are no longer source-mapped in the gate's program host), the " +
                "published-pack test runs npm pack and npm install (about 13 s of CPU), and the audit S3 tests start " +
                "an S3 server and the audit CLI five times (about 11 s). Wall time on a shared machine also " +
                "includes waiting for a core (load average above).",
        });
    }
    return list;
}

function coldStartSection(result: BenchResult): string {
    const usual = result.coldStarts[1];
    return table(
        ["pack", "how it is loaded", "spawn → port (median, min–max)", "peak RSS", "time vs usual way"],
        result.coldStarts.map((c) => [
            c.pack.label,
            c.pack.how,
            secondsCell(c.msToPort),
            mbCell(c.peakRssMb),
            ratio(c.msToPort, usual.msToPort).toFixed(2),
        ]),
    );
}

function evaluationRows(c: Comparison): string[][] {
    const row = (e: PackEvaluation) => [
        c.size.toLocaleString("en-US"),
        e.label,
        String(e.stackPhase.wallMs.runs),
        e.resourcePhase ? secondsCell(e.resourcePhase.wallMs) : "not run",
        e.resourcePhase ? cpuCell(e.resourcePhase.packCpuS) : "–",
        secondsCell(e.stackPhase.wallMs),
        cpuCell(e.stackPhase.packCpuS),
        mbCell(e.packPeakRssMb),
    ];
    const both =
        c.ours.resourcePhase && c.floor.resourcePhase
            ? { ours: c.ours.resourcePhase, floor: c.floor.resourcePhase }
            : undefined;
    const ratios = [
        c.size.toLocaleString("en-US"),
        "**ratio ours / floor**",
        "",
        both ? ratio(both.ours.wallMs, both.floor.wallMs).toFixed(2) : "–",
        both ? `**${ratio(both.ours.packCpuS, both.floor.packCpuS).toFixed(2)}**` : "–",
        ratio(c.ours.stackPhase.wallMs, c.floor.stackPhase.wallMs).toFixed(2),
        `**${ratio(c.ours.stackPhase.packCpuS, c.floor.stackPhase.packCpuS).toFixed(2)}**`,
        `**${ratio(c.ours.packPeakRssMb, c.floor.packPeakRssMb).toFixed(2)}**`,
    ];
    return [row(c.ours), row(c.floor), ratios];
}

function evaluationSection(result: BenchResult): string {
    const header = [
        "resources",
        "pack",
        "runs",
        "Analyze phase wall",
        "pack CPU",
        "AnalyzeStack wall",
        "pack CPU",
        "pack peak RSS",
    ];
    return table(header, result.comparisons.flatMap(evaluationRows));
}

function commandSection(result: BenchResult): string {
    const header = [
        "command",
        "runs",
        "wall (median, min–max)",
        "CPU, process tree",
        "peak RSS, process tree",
        "exit codes",
    ];
    return table(
        header,
        result.commands.map((c) => [
            `\`${c.command}\``,
            String(c.wallMs.runs),
            secondsCell(c.wallMs),
            cpuCell(c.cpuS),
            mbCell(c.peakRssMb),
            c.exitCodes.join(", ") + (c.failure ? " **(did not complete)**" : ""),
        ]),
    );
}

function failures(result: BenchResult): string {
    const failed = result.commands.filter((c) => c.failure);
    if (failed.length === 0) {
        return "";
    }
    return (
        "\n**Runs that did not complete** (their times are not the command's real cost):\n\n" +
        failed.map((c) => `- \`${c.command}\`: ${"```"}\n${c.failure}\n${"```"}`).join("\n") +
        "\n"
    );
}

export function renderMarkdown(result: BenchResult): string {
    const m = result.machine;
    const c10k = bySize(result, 10_000);
    const all = targets(result);
    const targetRows = all.map((t) => [t.name, t.measured, t.met ? "met" : "**missed**"]);
    const missed = all.filter((t) => !t.met);
    const whyMissed =
        missed.length === 0
            ? ""
            : `\n### Why targets were missed\n\n${missed.map((t) => `- **${t.name}**: ${t.why}`).join("\n")}\n`;
    const driverCpu = c10k.ours.resourcePhase?.driverCpuS.median.toFixed(2) ?? "–";
    const composition = Object.entries(result.composition)
        .map(([t, n]) => `${t.split(":").pop()} ${n}`)
        .join(", ");
    return `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts) on ${result.date}; the whole run took ${result.totalS.toFixed(0)} s.
Each figure is the median of the runs shown, with min–max in brackets; every ratio compares medians of the same run.

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb.toFixed(0)} GB memory, Node.js ${m.node}, ${m.os}.
Load average (1 min) ${m.loadBefore.toFixed(2)} before and ${m.loadAfter.toFixed(2)} after the run: the machine is
shared, so wall times include waiting for a core. The pack-against-floor targets are therefore judged on the pack
process's own CPU time (user + system, /proc); wall-time ratios are shown beside them.

## Targets

${table(["target", "measured", "result"], targetRows)}
${whyMissed}
## 1. Pack cold start, as the Pulumi CLI starts a pack

${coldStartSection(result)}

Timed: from spawning \`node <pack's @pulumi/pulumi>/cmd/run-policy-pack <engine> .\` in the pack folder (ts-node
and Pulumi variables cleared from the environment) to the port line on its stdout. Peak RSS: the process's VmHWM
at that moment (its memory sampled every 25 ms is never higher). The usual-way pack (bench/.work/usual-pack) is one
rule in TypeScript importing \`@pulumi/aws\` with the policy template's tsconfig, using this project's node_modules;
@pulumi/awsguard 0.3.1 (\`new AwsGuard({ all: "mandatory" })\` in TypeScript) has its own node_modules in
bench/.work/awsguard with @pulumi/aws 4.38.1, installed once by the script. run-policy-pack registers ts-node with
type checking for both. Rounds alternate the packs so that background load falls on all alike.

## 2. Policy evaluation against the floor pack

${evaluationSection(result)}

The floor pack (bench/floor-pack/index.js) is what @pulumi/policy costs any pack for the same requests: one
resource policy without a type filter that reads one property of each resource (the server deserializes each
Analyze request once), and one stack policy that walks every resource once (the server deserializes the stack once).
This pack serves ${result.policies.resource} resource policies and ${result.policies.stack} stack policy
(\`stack-rules\`, running all ${result.policies.stackRules} stack rules on one StackGraph).

Timed, per run on a freshly started pack (start not included), ours and the floor alternating run by run: the
Analyze phase, from the first of the stack's Analyze requests to the last response, ${analyzeInFlight} requests in
flight as the gate keeps them; then the AnalyzeStack phase, one request with every resource's state and property
dependencies (${c10k.stackRequestMb.toFixed(1)} MB at 10k). At 50k only AnalyzeStack is sent (the Analyze phase
scales per request and is measured at 10k), so those runs fit the 10-minute budget; peak RSS is the pack's VmHWM
after the run. Requests are built with the gate's engine-message builders (gate/analyzerCodec.ts) and serialized
before the clock starts.
Pack CPU is the pack process's user+system time over the phase (/proc); the driver's gRPC client shares the 2
cores (its CPU in the Analyze phase at 10k: ${driverCpu} s). A run of ours counts only if
it reports exactly the violations built into the stack (every 4th cell's SNS topic without KMS, every 5th cell's
second data bucket outside its trail's data events); findings per rule in the first run at 10k:
${Object.entries(c10k.ours.findings)
    .map(([p, n]) => `${p} ${n}`)
    .join(", ")}.

Stack composition at 10k resources (bench/syntheticStack.ts): ${composition}.
Trails grow with the stack (one per group of ten cells, each covering its group's buckets by ARN and by
dependency edge), so a per-bucket scan over all trails would show as quadratic growth.

## 3. Offline gate end to end, and the test suite

${commandSection(result)}
${failures(result)}
Timed: the whole command from spawn to exit, npm included. CPU: user+system time of the command and every process
it started (the shell that runs it reads its children's times from /proc after the command exits). Peak RSS: the
highest sum of resident memory over the command's process tree (npm, node, the policy pack it starts), sampled
every 100 ms, or the highest single-process VmHWM seen if larger. \`npm run check\` exits 1 when it finds blocking
violations; that is a complete run.

${designNotes}
${profileNotes(result)}`;
}

/**
 * The measured trade-off behind the pack's policy layout and the test suite's set-up (issue 14). These figures come
 * from one-off comparisons, not from this run: they need the old layout, which no longer exists in the tree.
 */
export const designNotes = `## Design choice: one stack policy for the stack rules

Measured on this machine on 2026-11-30, when the pack had five stack rules (busy: load average 10-16, so pack CPU
time, not wall), 10,000 resources, the same requests, ours and the floor pack alternating:

| layout | AnalyzeStack pack CPU | floor | ratio | pack peak RSS (both phases) | floor |
|---|---|---|---|---|---|
| 5 stack policies, one per stack rule (before) | 1.95 s, 1.95 s | 0.85 s, 0.83 s | 2.3 | \
386 MB, 387 MB | 285 MB, 289 MB |
| 1 stack policy \`stack-rules\` running the 5 rules on one StackGraph (after) | 1.10 s, 1.10 s | \
0.88 s, 1.01 s | 1.1-1.25 | 296 MB, 301 MB | 283 MB, 293 MB |

What a user gives up for it, and what is kept (details in policy-pack/README.md, "Stack rules share one policy"):
findings keep their rule's name, description, severity and configured level, because @pulumi/policy's
\`reportViolation\` accepts an object with \`name\`, \`enforcementLevel\` and \`severity\` (server.js,
\`makeReportViolationFun\`), so the CLI's report and the gate's findings name the rule exactly as before: the
gate's JSON report (exit code and every field of every finding but the pack's version) was identical with the
pack before (main at fbbf0a5) and after this change, for prod and dev, in preview and update, on the baseline and
its 10 mutations (44 runs); the gRPC tests (tests/policy-pack) pass, changed only where they list the policies
or configure a stack rule. The gate's SARIF \`rules\` list is built from the pack's policy list, so it now shows
\`stack-rules\` where the stack rules were; their results still carry the rule's id. The stack rules'
configuration moves under \`stack-rules\` (\`{"stack-rules": {"<rule>": {"enforcementLevel": ..., "waivers":
[...]}}}\`), validated by that policy's schema (one object per rule) in the CLI and in Pulumi Cloud; in a Pulumi
Cloud policy group the level picker of \`stack-rules\` sets all of them at once, and a level per stack rule is set
in its JSON config.

Resource rules stay one policy each, deliberately. Measured the same way (10,000 resources, two rounds), an
experiment serving every resource rule from one policy that dispatches by type (bench/merged-resource-pack) took
2.60 s and 2.28 s of pack CPU in the Analyze phase, against 4.01 s and 4.00 s for this pack and 2.32 s and 1.93 s
for the floor: 1.12-1.18x instead of 1.7-2.1x. It would meet the Analyze target, at the price of what users and
the engine get per resource rule today: its own policy in the pack's policy list and in a Pulumi Cloud policy group
(level picker, \`remediate\` level that the server only honours per policy, config schema), and the engine's
not-applicable record per rule and resource. The pack keeps those; the Analyze target stays missed by their
cost (profile notes). These figures predate turning off the runner's debugger (profile notes), which took about
0.7 s off this pack's Analyze CPU; the merged-policy experiment was not measured again since.

## The test suite: where \`npm test\` time went, and what changed

Per file, each run alone with mocha (wall and CPU of the mocha process and its children), measured at load
average ~1.5 before any change: \`tests/gate/gate.test.ts\` 28.0 s (30.0 s CPU), \`tests/gate/baseline.test.ts\`
26.7 s (30.1 s), \`tests/audit/s3.test.ts\` 17.9 s (17.4 s), \`tests/access/mutations.test.ts\` 5.6 s,
\`tests/audit/cli.test.ts\` 5.6 s, \`tests/access/matrix.test.ts\` 3.3 s, \`tests/infra/baseline.test.ts\` 3.3 s,
\`tests/policy-pack/packProcess.test.ts\` 2.5 s, 21 others 0.7-2.2 s each (mostly mocha and ts-node start-up).
The whole suite in one mocha process: 108 s CPU. The pack was type-checked twice (\`npm run build\`, then
\`tsc --noEmit -p .\`, 9-10 s CPU). The gate files are slow because every gate run starts a child process that
loads ts-node, @pulumi/pulumi and @pulumi/aws to run the stack program under mocks (about 1.7 s of CPU each; a
profile of one: 0.47 s ts-node transpiling gate/ and infra/, 0.3 s formatting source-mapped stack traces that
@pulumi/pulumi takes for every promise it tracks, 0.29 s loading @pulumi/pulumi's automation API); the audit S3
file spawns the audit CLI five times against a local S3 server. Since then the suite grew (the rules' fuzz and
semantics tests, the published-pack test: \`npm pack\` plus \`npm install\`, about 13 s of CPU).

Now (\`npm test\`, tests/support/suite.ts): the pack is emitted without a type check (\`tsc --noCheck\`), the one
type check of the project runs beside mocha (incremental, state in node_modules/.cache, so a second run re-checks
only what changed), and mocha runs files in parallel on 2 workers (.mocharc.json), slowest folders first so the
two gate files start at once; tests/support/suite.test.ts checks that the folder list covers every test file
exactly once. tests/support/sharedRuns.ts, loaded into each worker, lets a gate run whose program inputs were
already run in that worker reuse the captured resources (a deep copy): gate.test.ts runs the fixture's plain
preview six times (config checks) and one mutation twice. Parallel files must not change what other files read:
the published-pack test's \`npm pack\` (whose \`prepack\` deletes and rebuilds policy-pack/bin) now runs in a copy
of the pack's sources (tests/policy-pack/harness/publishedPack.ts). No test was removed or weakened.

Issue 14 (tests/support, .mocharc.json): measured first, per file. \`KMS_AUDIT_TEST_TIMINGS=<file> npm test\` writes
one line per test file (wall ms, CPU ms of the mocha worker plus the children it waited for, worker pid;
tests/support/fileTimings.ts). Profiles showed where child processes spend their CPU: \`node -r
ts-node/register/transpile-only audit/cli.ts --help\` 1.4 s, 1.1 s of it TypeScript's emitter; a gate program host
2.2 s, 0.86 s of it TypeScript. The suite starts well over a hundred such processes (audit, diff and gate CLIs,
program hosts, the S3 server). Changes, none removing or weakening an assertion:
- tests/support/transpileCache.js, which suite.ts preloads into every process of the run (NODE_OPTIONS, and by
  name into the gate's program host, which drops NODE_OPTIONS: gate/runProgram.ts \`suitePreload\`), keeps ts-node's
  output on disk under node_modules/.cache/kms-audit/transpile, keyed by a SHA-256 of the file's text, its path,
  the compiler options and the ts-node and TypeScript versions: the code that runs is what ts-node produced, and
  stack traces still map to TypeScript lines. Audit CLI start: 1.4 s to 0.2 s of CPU.
- .mocharc.json names the longest files first (mocha hands files to its workers in spec order), then each
  folder's others by a pattern that leaves those out, so that both workers start on long files and finish together.
- In-process baseline runs (tests/infra/harness.ts) format the stack traces @pulumi/pulumi takes for every
  resource and promise with V8's own formatter instead of the source-mapped one: a third of each run's CPU, read
  by nothing. tests/access/mutations.test.ts reuses the simulator's decision for a request byte for byte already
  decided (simulate is pure). The S3 paging test's 1,005 objects moved to a bucket of their own, so the tests that
  read a whole bucket stop re-reading them; the published pack installs with \`--prefer-offline\`. The bench test's
  0.6 s CPU spin asked getrusage at every turn and spent about 7 s in the kernel; it asks every 100,000 turns.
Per file, alone, CPU before and after (warm cache, load average 5-12): gate/baseline 34.8 s to 20.6 s,
gate/programs 30.6 s to 23.7 s, audit/s3 21.8 s to 11.4 s, access/mutations 19.2 s to 7.2 s, audit/robustness
18.0 s to 5.0 s, audit/cli 12.2 s to 2.9 s. What remains is mostly the gate's program runs: each loads
@pulumi/pulumi (its automation API and @npmcli/arborist, about 0.8 s) and source-maps Pulumi's stack captures
(about 0.5 s), both in gate/ (production) code paths. Whole suite, 1,441 tests, same tree and hour (load average
5-8): mocha alone without the transpile cache 290 s CPU (test files 288 s), 5 min 38 s wall; \`npm test\` with it
(lint, type check and mocha) 218 s CPU (185 s user, 33 s system; test files 198 s), 3 min 41 s wall, the two
workers busy 211 s and 212 s. On a quiet machine (load average 1.1-2.5, 1,447 tests after a merge): \`npm test\` 1
min 46 s wall, 195 s CPU (170 s user, 25 s system, 184% of one core), workers busy 101.0 s and 101.4 s. The 60 s
target stays missed: 195 s of CPU needs at least 98 s on 2 cores, and the suite is now at that floor. A cache of
program runs shared between the workers was tried and dropped: the files that run the same program with the same
inputs are few (most use a temporary project folder of their own), so it saved about one run.
`;

/** What profiles of the pack showed; kept with the figures so that a reader can re-check them. */
export function profileNotes(result: BenchResult): string {
    const multiType = ruleCatalog.filter((r) => r.kind === "resource" && r.types.length > 1).length;
    const resource = result.policies.resource;
    return `## Profile notes (CPU profiles of the pack process; re-check after pack changes)

Profile one phase of either pack with \`npm run bench:profile -- --phase analyze|stack [--pack ours|floor]
[--size <n>]\` (bench/profile.ts): it starts the pack as the bench does under \`node --cpu-prof\`, sends the same
requests, and prints the functions with the most self and total time; the .cpuprofile file stays in
bench/.work/profiles for Chrome DevTools. The figures below are pack CPU at 10,000 resources on this machine
(2 cores shared, load average 5-14 while measuring), ours and the floor alternating; ranges are over 2-4 runs.

- **Analyze: the runner's debugger.** The Pulumi CLI starts every pack with @pulumi/pulumi's
  \`cmd/run-policy-pack\`, which opens an inspector session and sends \`Debugger.enable\` before loading the pack
  (pulumi/pulumi sdk/nodejs/cmd/run-policy-pack/index.ts, sdk/nodejs/runtime/closure/v8Hooks.ts), for closure
  serialization, which no policy pack uses. With the debugger on, V8 does debugger work for every exception, and
  the server learns that a rule does not apply only from a thrown \`NotApplicableError\`: the ${multiType} rules that
  cover several types throw for nearly every resource. A throw of a prepared error cost about 0.5 µs in a bare
  process and about 5 µs with the debugger on (a micro-benchmark, Node.js 20). The pack now sends
  \`Debugger.disable\` on the runner's session once it is loaded (policy-pack/lib/runnerDebugger.ts): pack CPU in
  the Analyze phase went from 3.8-4.0 s to 3.1-3.4 s (floor 2.0-2.2 s), and the throwing frame's self time in a
  profile from 0.6 s to 0.15 s. Findings, levels and not-applicable records are unchanged (it changes no request
  or response).
- **Analyze: what remains is per policy, in the server.** For each request the server visits ${resource} resource
  policies. ${resource - multiType} have one type and are skipped by the server's \`__pulumiType\` check with a
  not-applicable entry; the ${multiType} multi-type ones are called for every resource, and for each call the server
  deserializes the properties and the provider again (server.js \`deserializeProperties\`,
  \`getProviderResource\`) before the rule can say it does not apply. Every response carries ${resource - 1}-${resource}
  \`PolicyNotApplicable\` messages that the floor's single policy never builds or encodes. Those allocations
  show as garbage collection: 1.1-1.3 s in a profile of the pack process against 0.9 s for the floor's (whole
  processes, start included). The pack's own rule code is about 0.25 s. Measured alternatives, none kept:
  returning instead of throwing for other types (0.5-0.6 s less,
  but the engine would record the rule as passed on resources it does not cover); caching the server's
  deserialization per request by replacing its internal \`deserializeProperties\` (about 0.1 s less, for patching
  @pulumi/policy's internals); one policy for all resource rules (bench/merged-resource-pack, 1.12-1.18x the floor,
  but it loses each rule's own policy, level picker, \`remediate\` level and not-applicable record in the engine and
  in Pulumi Cloud; see the design choice above). The pack keeps per-rule policies, and this target is missed by
  what the server charges per policy.
- **AnalyzeStack.** @pulumi/policy's server (server.js, \`makeAnalyzeStackRpcFun\`) deserializes every resource of
  the request, and its provider's properties, once **per stack policy**; the pack serves all stack rules from one
  policy, \`stack-rules\` (policy-pack/lib/toPolicy.ts), on one StackGraph, and each finding still names its rule
  and carries its level through the object form of \`reportViolation\` (server.js, \`makeReportViolationFun\`).
  Above the floor remain the StackGraph and the rules, which run once per process, mostly before the JIT has
  compiled them. Their CPU on the first call, 10,000 resources, measured in a fresh process by running the stack
  rules directly on the resource objects the server builds (median of 3 processes): about 0.18 s in all, of which
  the StackGraph 0.02-0.04 s,
  s3-bucket-sse-kms and cloudtrail-stack-coverage 0.04-0.06 s each (each bucket's settings resources looked up
  through the graph), s3-bucket-tls-only 0.03-0.06 s (parsing every bucket policy). The StackGraph is built in two
  indexed passes that look each URN up once, keeps reverse links on the target node, and turns a dependency list
  into nodes only when a rule asks (policy-pack/lib/graph.ts); rules read the server's deserialized property bag
  directly instead of a copy (lib/values.ts \`plainProps\`, through the Proxy's own unwrapping key,
  node_modules/@pulumi/policy/proxy.js). Together about 0.06 s of the pack's first-call rule time went.
`;
}
