/** Spawning measured processes: wall time from spawn, peak memory of the process tree. */
import { ChildProcess, execFileSync, spawn } from "child_process";
import { peakRssMb, TreeMemoryProbe } from "./procfs";

/**
 * The environment of this process without what would change how a child compiles or behaves: ts-node settings
 * (run-policy-pack would inherit TS_NODE_PROJECT), NODE_OPTIONS, and Pulumi's engine variables.
 */
export function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (!/^(TS_NODE_|PULUMI_)/.test(key) && key !== "NODE_OPTIONS") {
            env[key] = value;
        }
    }
    return { ...env, ...extra };
}

function elapsedMs(startedAt: bigint): number {
    return Number(process.hrtime.bigint() - startedAt) / 1e6;
}

function tail(text: string, lines = 15): string {
    return text.trim().split("\n").slice(-lines).join("\n");
}

export interface RunningPack {
    child: ChildProcess;
    port: number;
    /** Spawn to the port line on stdout. */
    msToPort: number;
    /** Peak resident memory of the pack process when it printed its port. */
    peakRssMbAtPort: number;
    stop(): Promise<void>;
}

/**
 * Starts a policy pack as the Pulumi CLI does: `node <pack's @pulumi/pulumi>/cmd/run-policy-pack <engine> .`
 * with the pack folder as working directory. The engine address is a placeholder: run-policy-pack drops it
 * and the pack never dials back. `nodeArgs` go to node before the runner (bench/profile.ts passes --cpu-prof).
 */
export function startPackProcess(
    runner: string,
    packDir: string,
    timeoutMs: number,
    nodeArgs: readonly string[] = [],
): Promise<RunningPack> {
    const startedAt = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, runner, "127.0.0.1:0", "."], {
        cwd: packDir,
        env: cleanEnvironment(),
        stdio: ["ignore", "pipe", "pipe"],
    });
    const probe = new TreeMemoryProbe(child.pid!, 25);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const stop = async (): Promise<void> => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill();
            await exited;
        }
    };
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
        stderr += chunk;
    });
    return new Promise<RunningPack>((resolve, reject) => {
        let stdout = "";
        const fail = (why: string) => {
            probe.stop();
            clearTimeout(timer);
            void stop();
            reject(new Error(`policy pack in ${packDir} ${why}:\n${tail(stderr + stdout)}`));
        };
        const timer = setTimeout(() => fail(`printed no port within ${timeoutMs / 1000} s`), timeoutMs);
        const onData = (chunk: Buffer) => {
            stdout += chunk.toString();
            const port = /^(\d+)\s*$/m.exec(stdout)?.[1];
            if (port === undefined) {
                return;
            }
            const msToPort = elapsedMs(startedAt);
            const peak = Math.max(probe.stop(), peakRssMb(child.pid!));
            clearTimeout(timer);
            child.stdout!.off("data", onData);
            child.removeListener("exit", onEarlyExit);
            child.stdout!.resume(); // keep draining so a chatty pack never blocks on a full pipe
            resolve({ child, port: Number(port), msToPort, peakRssMbAtPort: peak, stop });
        };
        const onEarlyExit = (code: number | null) => fail(`exited (code ${code}) before printing its port`);
        child.stdout!.on("data", onData);
        child.once("exit", onEarlyExit);
    });
}

export interface CompletedRun {
    wallMs: number;
    peakRssMb: number;
    /** CPU time (user + system) of the command and every process it started and waited for. */
    cpuS: number;
    exitCode: number | null;
    /** The last lines of stderr and stdout, to explain a failed run. */
    output: string;
}

let clockTicks: number | undefined;

/** Clock ticks per second, the unit of /proc/<pid>/stat times. */
function clockTicksPerSecond(): number {
    clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    return clockTicks;
}

/**
 * The command runs under `sh`, which reports its own /proc stat on fd 3 after the command exits: its children's
 * CPU (cutime + cstime) then holds the whole tree's, since every process waited for its own children.
 */
const cpuReportingShell = '"$@"; status=$?; cat /proc/$$/stat >&3; exit $status';

function childrenCpuSeconds(stat: string): number {
    const fields = stat
        .slice(stat.lastIndexOf(")") + 2)
        .trim()
        .split(/\s+/);
    // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? ticks / clockTicksPerSecond() : NaN;
}

/** Runs a command to completion, sampling the memory of its whole process tree and adding up its CPU. */
export function runToExit(command: string, args: string[], cwd: string, timeoutMs: number): Promise<CompletedRun> {
    const startedAt = process.hrtime.bigint();
    // Its own process group, so that a timeout ends npm and everything npm started, and nothing else.
    const child = spawn("sh", ["-c", cpuReportingShell, "sh", command, ...args], {
        cwd,
        env: cleanEnvironment(),
        stdio: ["ignore", "pipe", "pipe", "pipe"],
        detached: true,
    });
    const probe = new TreeMemoryProbe(child.pid!, 100);
    let output = "";
    let stat = "";
    child.stdout!.on("data", (chunk) => {
        output = (output + chunk).slice(-20_000);
    });
    child.stderr!.on("data", (chunk) => {
        output = (output + chunk).slice(-20_000);
    });
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk) => {
        stat += chunk;
    });
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), timeoutMs);
    return new Promise((resolve, reject) => {
        child.once("error", (e) => {
            clearTimeout(timer);
            probe.stop();
            reject(e);
        });
        child.once("close", (code) => {
            clearTimeout(timer);
            const wallMs = elapsedMs(startedAt);
            resolve({
                wallMs,
                peakRssMb: probe.stop(),
                cpuS: childrenCpuSeconds(stat),
                exitCode: code,
                output: tail(output),
            });
        });
    });
}
