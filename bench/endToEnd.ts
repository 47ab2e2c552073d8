/** Figure 3: the offline gate end to end per stack, and the whole test suite, as a user runs them. */
import { runToExit } from "./measure";
import { projectDir } from "./comparisonPacks";
import { spread, Spread } from "./stats";

export interface CommandFigure {
    command: string;
    wallMs: Spread;
    /** CPU time of the whole process tree: on a shared machine, what the command costs whatever the wait. */
    cpuS: Spread;
    peakRssMb: Spread;
    /** Exit codes seen; for the gate 0 (passed) and 1 (blocking findings) are both complete runs. */
    exitCodes: number[];
    /** Set when a run did not complete as the command promises (output tail of the first such run). */
    failure?: string;
}

/** Runs `npm <args>` `runs` times; `completed` says which exit codes mean the command did its job. */
export async function measureCommand(
    args: string[],
    runs: number,
    timeoutMs: number,
    completed: (code: number | null) => boolean,
    progress: (line: string) => void,
): Promise<CommandFigure> {
    const command = `npm ${args.join(" ")}`;
    const wall: number[] = [];
    const rss: number[] = [];
    const cpu: number[] = [];
    const exitCodes: number[] = [];
    let failure: string | undefined;
    for (let run = 1; run <= runs; run++) {
        const result = await runToExit("npm", args, projectDir, timeoutMs);
        wall.push(result.wallMs);
        rss.push(result.peakRssMb);
        cpu.push(result.cpuS);
        exitCodes.push(result.exitCode ?? -1);
        if (!completed(result.exitCode) && failure === undefined) {
            failure = `exit code ${result.exitCode ?? "none (killed after the timeout)"}:\n${result.output}`;
        }
        progress(
            `${command} ${run}/${runs}: ${(result.wallMs / 1000).toFixed(1)} s, CPU ${result.cpuS.toFixed(1)} s, ` +
                `${result.peakRssMb.toFixed(0)} MB, exit ${result.exitCode}`,
        );
    }
    return { command, wallMs: spread(wall), cpuS: spread(cpu), peakRssMb: spread(rss), exitCodes, failure };
}

export const gateCompleted = (code: number | null): boolean => code === 0 || code === 1;
export const testsPassed = (code: number | null): boolean => code === 0;
/** `npm run bench:program` exits 0 once the program ran to the end under mocks. */
export const programCompleted = testsPassed;
