/**
 * `npm run bench:profile`: where a pack's CPU time goes in one evaluation phase, for the profile notes of
 * docs/benchmarks.md. Starts the pack as the bench does, under `node --cpu-prof` (V8's sampling profiler,
 * https://nodejs.org/docs/latest-v20.x/api/cli.html#--cpu-prof), sends the same requests as figure 2, stops the
 * pack and prints the functions with the most self time and the most total time (time in them and what they
 * call). The .cpuprofile file is kept for Chrome DevTools.
 */
import * as fs from "fs";
import * as path from "path";
import { exitCodes, oneOf, parseFlags, runCommand, UsageError, wholeNumber } from "../core/cli";
import { floorPack, ourPack, workDir } from "./comparisonPacks";
import { syntheticStack } from "./syntheticStack";
import { evaluateOnce, prepareRequests } from "./throughput";

const spec = {
    name: "bench:profile",
    usage:
        "usage: npm run bench:profile -- [--pack ours|floor] [--phase analyze|stack] [--size <1000..50000>] " +
        "[--top <5..200>]",
    flags: {
        pack: { type: "string" },
        phase: { type: "string" },
        size: { type: "string" },
        top: { type: "string" },
        help: { type: "boolean" },
    },
} as const;

/** One node of V8's .cpuprofile format (the Chrome DevTools protocol's Profiler.ProfileNode). */
interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
}

interface CpuProfile {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
}

export interface FrameTime {
    frame: string;
    selfMs: number;
    totalMs: number;
}

function frameName(node: ProfileNode, root: string): string {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.startsWith("file://") ? url.slice("file://".length) : url;
    const shown = file.startsWith(root) ? path.relative(root, file) : file;
    return `${functionName || "(anonymous)"} ${shown ? `${shown}:${lineNumber + 1}` : ""}`.trim();
}

/**
 * Self and total milliseconds per function (name and location), from the samples. Total time counts a sample once
 * per function even when the function is on the stack several times (recursion).
 */
export function frameTimes(profile: CpuProfile, root: string): FrameTime[] {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) {
        for (const child of node.children ?? []) {
            parent.set(child, node.id);
        }
    }
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, i) => {
        selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    const times = new Map<string, FrameTime>();
    const entry = (frame: string): FrameTime => {
        let t = times.get(frame);
        if (!t) {
            t = { frame, selfMs: 0, totalMs: 0 };
            times.set(frame, t);
        }
        return t;
    };
    for (const [id, us] of selfUs) {
        const node = byId.get(id);
        if (!node) {
            continue;
        }
        entry(frameName(node, root)).selfMs += us / 1000;
        const seen = new Set<string>();
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
            const frame = frameName(byId.get(at)!, root);
            if (!seen.has(frame)) {
                seen.add(frame);
                entry(frame).totalMs += us / 1000;
            }
        }
    }
    return [...times.values()];
}

function table(rows: FrameTime[], key: "selfMs" | "totalMs", top: number, totalMs: number): string {
    return [...rows]
        .sort((a, b) => b[key] - a[key])
        .slice(0, top)
        .map(
            (r) =>
                `${r[key].toFixed(0).padStart(7)} ms ${((100 * r[key]) / totalMs).toFixed(1).padStart(5)}%  ${r.frame}`,
        )
        .join("\n");
}

async function main(): Promise<number> {
    const flags = parseFlags(spec, process.argv.slice(2));
    if (flags.help) {
        process.stdout.write(`${spec.usage}\n`);
        return exitCodes.ok;
    }
    const which = oneOf("pack", flags.pack ?? "ours", ["ours", "floor"] as const);
    const phase = oneOf("phase", flags.phase ?? "analyze", ["analyze", "stack"] as const);
    const size = wholeNumber("size", flags.size ?? "10000", 1000, 50_000);
    const top = wholeNumber("top", flags.top ?? "25", 5, 200);
    const pack = which === "ours" ? ourPack() : floorPack();
    const profileDir = path.join(workDir, "profiles", `${which}-${phase}-${size}-${Date.now()}`);
    fs.mkdirSync(profileDir, { recursive: true });
    const stack = syntheticStack(size);
    const prepared = prepareRequests(stack);
    const run = await evaluateOnce(pack, prepared, stack, {
        analyzePhase: phase === "analyze",
        stackPhase: phase === "stack",
        checkFindings: which === "ours",
        // The pack is stopped with SIGTERM, which would end it before V8 writes the profile: exit normally instead.
        nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--require", path.join(__dirname, "exitOnTerm.js")],
    });
    const measured = phase === "analyze" ? run.resourcePhase : run.stackPhase;
    const files = fs.readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile"));
    if (files.length !== 1 || !measured) {
        throw new UsageError(`expected one .cpuprofile in ${profileDir}, found ${files.length}`);
    }
    const file = path.join(profileDir, files[0]);
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
    const rows = frameTimes(profile, path.resolve(__dirname, ".."));
    const sampledMs = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
    process.stdout.write(
        `${pack.label}, ${phase} phase, ${size} resources: wall ${(measured.wallMs / 1000).toFixed(2)} s, ` +
            `pack CPU ${measured.packCpuS.toFixed(2)} s in the phase; the profile covers the whole process ` +
            `(${(sampledMs / 1000).toFixed(2)} s sampled, start-up and idle included)\n` +
            `profile: ${path.relative(process.cwd(), file)}\n\n` +
            `self time\n${table(rows, "selfMs", top, sampledMs)}\n\n` +
            `total time\n${table(rows, "totalMs", top, sampledMs)}\n`,
    );
    return exitCodes.ok;
}

if (require.main === module) {
    runCommand(spec.name, main);
}
