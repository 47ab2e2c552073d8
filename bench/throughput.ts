/**
 * Figure 2: policy evaluation through the pack's analyzer handling, as the engine drives it: Analyze once per
 * resource (its inputs), then AnalyzeStack once (every resource's final state and property dependencies).
 *
 * What is timed: from sending the first request to receiving the last response of a phase. Every request is
 * built and serialized with the gate's own engine-message builders (gate/packSession.ts) before the clock
 * starts and sent as ready bytes, so the figure is the pack's work (decode, policies, encode) plus the loopback
 * transfer, not the driver's protobuf building. The pack's own CPU time (/proc utime+stime) is read beside it.
 */
import * as grpc from "@grpc/grpc-js";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { analyzeRequest, stackResourceMessage } from "../gate/packSession";
import type { PackUnderTest } from "./comparisonPacks";
import { startPackProcess } from "./measure";
import { cpuSeconds, peakRssMb } from "./procfs";
import { spread, Spread } from "./stats";
import { injectedPolicies, SyntheticStack } from "./syntheticStack";

/** As many Analyze calls in flight as the gate keeps (gate/evaluate.ts); the engine overlaps them too. */
export const analyzeInFlight = 32;
/** The engine's limit for analyzer messages; a 50k-resource AnalyzeStack request is tens of MB. */
const maxMessageBytes = 400 * 1024 * 1024;

export interface PhaseRun {
    wallMs: number;
    packCpuS: number;
    /** CPU this driver spent in the phase (gRPC client): shares the same 2 cores, so it is reported too. */
    driverCpuS: number;
}

export interface EvaluationRun {
    resourcePhase: PhaseRun;
    stackPhase: PhaseRun;
    packPeakRssMb: number;
    /** Findings per policy, both phases. */
    findings: Record<string, number>;
}

export interface Throughput {
    size: number;
    stackRequestMb: number;
    resourceMs: Spread;
    resourcePackCpuS: Spread;
    resourceDriverCpuS: Spread;
    stackMs: Spread;
    stackPackCpuS: Spread;
    totalMs: Spread;
    resourcesPerSecond: number;
    packPeakRssMb: Spread;
    findings: Record<string, number>;
}

interface PreparedStack {
    analyze: Buffer[];
    analyzeStack: Buffer;
}

export function prepareRequests(stack: SyntheticStack): PreparedStack {
    const request = new analyzerpb.AnalyzeStackRequest();
    request.setResourcesList(stack.resources.map(stackResourceMessage));
    return {
        analyze: stack.resources.map(r => Buffer.from(analyzeRequest(r).serializeBinary())),
        analyzeStack: Buffer.from(request.serializeBinary()),
    };
}

function call(client: grpc.Client, method: "Analyze" | "AnalyzeStack", bytes: Buffer): Promise<analyzerpb.AnalyzeResponse> {
    return new Promise((resolve, reject) => {
        client.makeUnaryRequest(`/pulumirpc.Analyzer/${method}`, (b: Buffer) => b,
            (b: Buffer) => analyzerpb.AnalyzeResponse.deserializeBinary(b), bytes,
            (error, response) => (error ? reject(new Error(`${method} failed in the pack: ${error.details ?? error.message}`)) : resolve(response!)));
    });
}

async function analyzeAll(client: grpc.Client, requests: Buffer[]): Promise<analyzerpb.AnalyzeResponse[]> {
    const responses: analyzerpb.AnalyzeResponse[] = new Array(requests.length);
    let next = 0;
    const worker = async () => {
        while (next < requests.length) {
            const i = next++;
            responses[i] = await call(client, "Analyze", requests[i]);
        }
    };
    await Promise.all(Array.from({ length: analyzeInFlight }, worker));
    return responses;
}

function countFindings(responses: analyzerpb.AnalyzeResponse[], into: Record<string, number>): void {
    for (const response of responses) {
        for (const d of response.getDiagnosticsList()) {
            into[d.getPolicyname()] = (into[d.getPolicyname()] ?? 0) + 1;
        }
    }
}

async function timed<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; phase: PhaseRun }> {
    const cpuBefore = cpuSeconds(pid);
    const driverBefore = process.cpuUsage();
    const startedAt = process.hrtime.bigint();
    const result = await work();
    const wallMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
    const driver = process.cpuUsage(driverBefore);
    return { result, phase: { wallMs, packCpuS: cpuSeconds(pid) - cpuBefore, driverCpuS: (driver.user + driver.system) / 1e6 } };
}

/**
 * One evaluation on a freshly started pack (its start is not timed here; figure 1 covers it). `checkFindings`:
 * the run counts only if the pack reports exactly the injected violations (off for the floor pack, which has no rules).
 */
export async function evaluateOnce(pack: PackUnderTest, prepared: PreparedStack, stack: SyntheticStack,
    checkFindings = true): Promise<EvaluationRun> {
    const running = await startPackProcess(pack.runner, pack.dir, 120_000);
    const client = new grpc.Client(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": maxMessageBytes,
        "grpc.max_send_message_length": maxMessageBytes,
    });
    try {
        const pid = running.child.pid!;
        const resources = await timed(pid, () => analyzeAll(client, prepared.analyze));
        const stackPhase = await timed(pid, () => call(client, "AnalyzeStack", prepared.analyzeStack));
        const packPeakRssMb = peakRssMb(pid);
        const resourceFindings: Record<string, number> = {};
        countFindings(resources.result, resourceFindings);
        const stackFindings: Record<string, number> = {};
        countFindings([stackPhase.result], stackFindings);
        if (checkFindings) {
            checkInjectedFindings(stack, resourceFindings, stackFindings);
        }
        const findings = { ...resourceFindings };
        for (const [policy, n] of Object.entries(stackFindings)) {
            findings[policy] = (findings[policy] ?? 0) + n;
        }
        return { resourcePhase: resources.phase, stackPhase: stackPhase.phase, packPeakRssMb, findings };
    } finally {
        client.close();
        await running.stop();
    }
}

/** A run only counts if the pack found exactly the violations the stack was built with. */
function checkInjectedFindings(stack: SyntheticStack, resourceFindings: Record<string, number>, stackFindings: Record<string, number>): void {
    const got = { resource: resourceFindings[injectedPolicies.resource] ?? 0, stack: stackFindings[injectedPolicies.stack] ?? 0 };
    if (got.resource !== stack.expectedFindings.resource || got.stack !== stack.expectedFindings.stack) {
        throw new Error(`the pack did not evaluate the ${stack.resources.length}-resource stack fully: expected ` +
            `${stack.expectedFindings.resource} ${injectedPolicies.resource} and ${stack.expectedFindings.stack} ` +
            `${injectedPolicies.stack} findings, got ${got.resource} and ${got.stack}`);
    }
}

export async function measureThroughput(pack: PackUnderTest, stack: SyntheticStack, runs: number,
    progress: (line: string) => void): Promise<Throughput> {
    const prepared = prepareRequests(stack);
    const size = stack.resources.length;
    const samples: EvaluationRun[] = [];
    for (let run = 1; run <= runs; run++) {
        const result = await evaluateOnce(pack, prepared, stack);
        samples.push(result);
        progress(`evaluation ${size} resources ${run}/${runs}: Analyze ${(result.resourcePhase.wallMs / 1000).toFixed(2)} s, ` +
            `AnalyzeStack ${(result.stackPhase.wallMs / 1000).toFixed(2)} s, pack peak ${result.packPeakRssMb.toFixed(0)} MB`);
    }
    const resourceMs = spread(samples.map(s => s.resourcePhase.wallMs));
    return {
        size,
        stackRequestMb: prepared.analyzeStack.length / 1024 / 1024,
        resourceMs,
        resourcePackCpuS: spread(samples.map(s => s.resourcePhase.packCpuS)),
        resourceDriverCpuS: spread(samples.map(s => s.resourcePhase.driverCpuS)),
        stackMs: spread(samples.map(s => s.stackPhase.wallMs)),
        stackPackCpuS: spread(samples.map(s => s.stackPhase.packCpuS)),
        totalMs: spread(samples.map(s => s.resourcePhase.wallMs + s.stackPhase.wallMs)),
        resourcesPerSecond: size / (resourceMs.median / 1000),
        packPeakRssMb: spread(samples.map(s => s.packPeakRssMb)),
        findings: samples[0].findings,
    };
}
