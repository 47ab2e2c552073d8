/** Figure 1: pack cold start as the Pulumi CLI starts it, ours against the usual way and @pulumi/awsguard. */
import { startPackProcess } from "./measure";
import { PackUnderTest } from "./comparisonPacks";
import { spread, Spread } from "./stats";

export interface ColdStart {
    pack: PackUnderTest;
    msToPort: Spread;
    peakRssMb: Spread;
}

/** Rounds interleave the packs, so that background load on the machine falls on all of them alike. */
export async function measureColdStarts(
    packs: PackUnderTest[],
    runs: number,
    timeoutMs: number,
    progress: (line: string) => void,
): Promise<ColdStart[]> {
    const samples = packs.map(() => ({ ms: [] as number[], mb: [] as number[] }));
    for (let round = 1; round <= runs; round++) {
        for (const [i, pack] of packs.entries()) {
            const started = await startPackProcess(pack.runner, pack.dir, timeoutMs);
            await started.stop();
            samples[i].ms.push(started.msToPort);
            samples[i].mb.push(started.peakRssMbAtPort);
            progress(
                `cold start ${round}/${runs} ${pack.label}: ${(started.msToPort / 1000).toFixed(2)} s, ` +
                    `${started.peakRssMbAtPort.toFixed(0)} MB`,
            );
        }
    }
    return packs.map((pack, i) => ({ pack, msToPort: spread(samples[i].ms), peakRssMb: spread(samples[i].mb) }));
}
