/**
 * Memory and CPU of a process and its descendants, read from Linux /proc. A sampled tree figure is what a CI
 * runner's memory limit sees (npm -> node -> pack process all at once); VmHWM is the kernel's exact peak for
 * one live process.
 */
import * as fs from "fs";

const clockTicksPerSecond = 100; // USER_HZ; Linux fixes it at 100 for the /proc/<pid>/stat interface

function readOrUndefined(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined; // the process exited between listing and reading
    }
}

function statusKb(status: string, field: "VmRSS" | "VmHWM"): number {
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
}

/** Fields after the parenthesised command name of /proc/<pid>/stat (the name itself may contain spaces). */
function statFields(pid: number): string[] | undefined {
    const stat = readOrUndefined(`/proc/${pid}/stat`);
    return stat === undefined ? undefined : stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** The process and all its live descendants. */
export function processTree(rootPid: number): number[] {
    const children = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        const parent = Number(statFields(Number(entry))?.[1]);
        if (Number.isInteger(parent)) {
            children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
        }
    }
    const tree: number[] = [];
    const pending = [rootPid];
    while (pending.length > 0) {
        const pid = pending.pop()!;
        tree.push(pid);
        pending.push(...(children.get(pid) ?? []));
    }
    return tree;
}

/** Peak resident memory of one live process (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
    const status = readOrUndefined(`/proc/${pid}/status`);
    if (status === undefined) {
        throw new Error(`peakRssMb: process ${pid} is gone; read its VmHWM before it exits`);
    }
    return statusKb(status, "VmHWM") / 1024;
}

/** User plus system CPU time a live process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
    const fields = statFields(pid);
    if (fields === undefined) {
        throw new Error(`cpuSeconds: process ${pid} is gone`);
    }
    // utime and stime are fields 14 and 15 of stat; `fields` starts at field 3 (state).
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/**
 * Samples a process tree's memory until stopped. The peak is the larger of the highest sum of VmRSS over the
 * tree at one sample and the highest VmHWM of any single process seen (which catches a short spike between
 * samples in one process).
 */
export class TreeMemoryProbe {
    private peakTreeKb = 0;
    private peakProcessKb = 0;
    private readonly timer: NodeJS.Timeout;

    constructor(
        private readonly rootPid: number,
        intervalMs: number,
    ) {
        this.sample();
        this.timer = setInterval(() => this.sample(), intervalMs);
    }

    sample(): void {
        let treeKb = 0;
        for (const pid of processTree(this.rootPid)) {
            const status = readOrUndefined(`/proc/${pid}/status`);
            if (status !== undefined) {
                treeKb += statusKb(status, "VmRSS");
                this.peakProcessKb = Math.max(this.peakProcessKb, statusKb(status, "VmHWM"));
            }
        }
        this.peakTreeKb = Math.max(this.peakTreeKb, treeKb);
    }

    /** Stops sampling; returns the peak in MB. */
    stop(): number {
        clearInterval(this.timer);
        return Math.max(this.peakTreeKb, this.peakProcessKb) / 1024;
    }
}
