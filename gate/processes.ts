/**
 * Every child process the gate starts (policy packs, program hosts) is tracked here, so that none outlives the gate:
 * on failure, on SIGTERM/SIGINT, and at exit. Only these PIDs are ever signalled.
 */
import { ChildProcess } from "child_process";

const live = new Set<ChildProcess>();
let hooksInstalled = false;

/** Sends SIGTERM, then SIGKILL if the child has not exited after `graceMs`. Resolves when it has exited. */
export function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
        live.delete(child);
        return Promise.resolve();
    }
    return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        child.once("exit", () => {
            clearTimeout(timer);
            live.delete(child);
            resolve();
        });
        child.kill("SIGTERM");
    });
}

/** Kills every tracked child at once, synchronously (for `exit` handlers, where nothing can be awaited). */
export function killAllChildrenNow(): void {
    for (const child of live) {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGKILL");
        }
    }
    live.clear();
}

export function liveChildCount(): number {
    return [...live].filter((c) => c.exitCode === null && c.signalCode === null).length;
}

function installHooks(): void {
    if (hooksInstalled) {
        return;
    }
    hooksInstalled = true;
    process.on("exit", killAllChildrenNow);
}

/** Registers a child for clean-up; it leaves the registry when it exits. */
export function track(child: ChildProcess): ChildProcess {
    installHooks();
    live.add(child);
    child.once("exit", () => live.delete(child));
    return child;
}

/** Stops every tracked child (SIGTERM, then SIGKILL after the grace period). */
export async function stopAllChildren(graceMs = 2000): Promise<void> {
    await Promise.all([...live].map((c) => stopChild(c, graceMs)));
}
