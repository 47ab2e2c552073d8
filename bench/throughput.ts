/**
 * Figure 2: policy evaluation through the pack's analyzer handling, as the engine drives it: Analyze once per
 * resource (its inputs), then AnalyzeStack once (every resource's final state and property dependencies).
 *
 * What is timed: from sending the first request to receiving the last response of a phase. Every request is
 * built and serialized with the gate's own engine-message builders (gate/analyzerCodec.ts) before the clock
 * starts and sent as ready bytes, so the figure is the pack's work (decode, policies, encode) plus the loopback
 * transfer, not the driver's protobuf building. The pack's own CPU time (/proc utime+stime) is read beside it.
 */
import * as grpc from "@grpc/grpc-js";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { analyzeRequest, stackResourceMessage } from "../gate/analyzerCodec";
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
    /** Absent when the run sent only the AnalyzeStack request (see `EvaluationOptions.analyzePhase`). */
    resourcePhase?: PhaseRun;
    /** Absent only when the run was told not to send it (`EvaluationOptions.stackPhase`). */
    stackPhase?: PhaseRun;
    packPeakRssMb: number;
    /** Findings per policy, both phases. */
    findings: Record<string, number>;
}

export interface PhaseFigures {
    wallMs: Spread;
    packCpuS: Spread;
    driverCpuS: Spread;
}

/** One pack's figures over repeated runs on the same requests. */
export interface PackEvaluation {
    label: string;
    resourcePhase?: PhaseFigures;
    stackPhase: PhaseFigures;
    packPeakRssMb: Spread;
    /** Findings per policy in the first run. */
    findings: Record<string, number>;
}

/** The pack and the floor pack, measured in alternating runs on the same stack. */
export interface Comparison {
    size: number;
    stackRequestMb: number;
    ours: PackEvaluation;
    floor: PackEvaluation;
}

export interface EvaluationOptions {
    /** Send every resource's Analyze request before AnalyzeStack (false: AnalyzeStack only). */
    analyzePhase: boolean;
    /** Send the AnalyzeStack request (default true; bench/profile.ts profiles the Analyze phase alone). */
    stackPhase?: boolean;
    /** The run counts only if the pack reports exactly the injected violations (not for the floor pack). */
    checkFindings: boolean;
    /** Arguments for node before the pack's runner (bench/profile.ts: --cpu-prof). */
    nodeArgs?: readonly string[];
}

interface PreparedStack {
    analyze: Buffer[];
    analyzeStack: Buffer;
}

export function prepareRequests(stack: SyntheticStack): PreparedStack {
    const request = new analyzerpb.AnalyzeStackRequest();
    request.setResourcesList(stack.resources.map(stackResourceMessage));
    return {
        analyze: stack.resources.map((r) => Buffer.from(analyzeRequest(r).serializeBinary())),
        analyzeStack: Buffer.from(request.serializeBinary()),
    };
}

function call(
    client: grpc.Client,
    method: "Analyze" | "AnalyzeStack",
    bytes: Buffer,
): Promise<analyzerpb.AnalyzeResponse> {
    return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
            `/pulumirpc.Analyzer/${method}`,
            (b: Buffer) => b,
            (b: Buffer) => analyzerpb.AnalyzeResponse.deserializeBinary(b),
            bytes,
            (error, response) =>
                error
                    ? reject(new Error(`${method} failed in the pack: ${error.details ?? error.message}`))
                    : resolve(response!),
        );
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
    return {
        result,
        phase: { wallMs, packCpuS: cpuSeconds(pid) - cpuBefore, driverCpuS: (driver.user + driver.system) / 1e6 },
    };
}

/** One evaluation on a freshly started pack (its start is not timed here; figure 1 covers it). */
export async function evaluateOnce(
    pack: PackUnderTest,
    prepared: PreparedStack,
    stack: SyntheticStack,
    options: EvaluationOptions,
): Promise<EvaluationRun> {
    const running = await startPackProcess(pack.runner, pack.dir, 120_000, options.nodeArgs);
    const client = new grpc.Client(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": maxMessageBytes,
        "grpc.max_send_message_length": maxMessageBytes,
    });
    try {
        const pid = running.child.pid!;
        const resources = options.analyzePhase
            ? await timed(pid, () => analyzeAll(client, prepared.analyze))
            : undefined;
        const stackPhase =
            options.stackPhase === false
                ? undefined
                : await timed(pid, () => call(client, "AnalyzeStack", prepared.analyzeStack));
        const packPeakRssMb = peakRssMb(pid);
        const resourceFindings: Record<string, number> = {};
        countFindings(resources?.result ?? [], resourceFindings);
        const stackFindings: Record<string, number> = {};
        countFindings(stackPhase ? [stackPhase.result] : [], stackFindings);
        if (options.checkFindings) {
            checkInjectedFindings(
                stack,
                options.analyzePhase ? resourceFindings : undefined,
                stackPhase ? stackFindings : undefined,
            );
        }
        const findings = { ...resourceFindings };
        for (const [policy, n] of Object.entries(stackFindings)) {
            findings[policy] = (findings[policy] ?? 0) + n;
        }
        return { resourcePhase: resources?.phase, stackPhase: stackPhase?.phase, packPeakRssMb, findings };
    } finally {
        client.close();
        await running.stop();
    }
}

/** A run only counts if the pack found exactly the violations the stack was built with. */
function checkInjectedFindings(
    stack: SyntheticStack,
    resourceFindings: Record<string, number> | undefined,
    stackFindings: Record<string, number> | undefined,
): void {
    const got = {
        resource: resourceFindings?.[injectedPolicies.resource] ?? 0,
        stack: stackFindings?.[injectedPolicies.stack] ?? 0,
    };
    const resourceOk = resourceFindings === undefined || got.resource === stack.expectedFindings.resource;
    const stackOk = stackFindings === undefined || got.stack === stack.expectedFindings.stack;
    if (!resourceOk || !stackOk) {
        throw new Error(
            `the pack did not evaluate the ${stack.resources.length}-resource stack fully: expected ` +
                `${stack.expectedFindings.resource} ${injectedPolicies.resource} and ${stack.expectedFindings.stack} ` +
                `${injectedPolicies.stack} findings, got ${got.resource} and ${got.stack}`,
        );
    }
}

function phaseFigures(runs: PhaseRun[]): PhaseFigures {
    return {
        wallMs: spread(runs.map((r) => r.wallMs)),
        packCpuS: spread(runs.map((r) => r.packCpuS)),
        driverCpuS: spread(runs.map((r) => r.driverCpuS)),
    };
}

function stackPhaseOf(run: EvaluationRun): PhaseRun {
    if (!run.stackPhase) {
        throw new Error("a comparison run must send the AnalyzeStack request");
    }
    return run.stackPhase;
}

function summarize(label: string, samples: EvaluationRun[]): PackEvaluation {
    const resourceRuns = samples.flatMap((s) => (s.resourcePhase ? [s.resourcePhase] : []));
    return {
        label,
        resourcePhase: resourceRuns.length > 0 ? phaseFigures(resourceRuns) : undefined,
        stackPhase: phaseFigures(samples.map(stackPhaseOf)),
        packPeakRssMb: spread(samples.map((s) => s.packPeakRssMb)),
        findings: samples[0].findings,
    };
}

/**
 * Evaluates the same stack `runs` times with each pack, alternating ours and the floor run by run, so that
 * background load on the machine falls on both alike; each run on a freshly started pack.
 */
export async function compareWithFloor(
    ours: PackUnderTest,
    floor: PackUnderTest,
    stack: SyntheticStack,
    runs: number,
    analyzePhase: boolean,
    progress: (line: string) => void,
): Promise<Comparison> {
    const prepared = prepareRequests(stack);
    const size = stack.resources.length;
    const samples = { ours: [] as EvaluationRun[], floor: [] as EvaluationRun[] };
    for (let run = 1; run <= runs; run++) {
        for (const [which, pack] of [
            ["ours", ours],
            ["floor", floor],
        ] as const) {
            const result = await evaluateOnce(pack, prepared, stack, { analyzePhase, checkFindings: which === "ours" });
            samples[which].push(result);
            const analyze = result.resourcePhase
                ? `Analyze ${(result.resourcePhase.wallMs / 1000).toFixed(2)} s ` +
                  `(pack CPU ${result.resourcePhase.packCpuS.toFixed(2)} s), `
                : "";
            progress(
                `evaluation ${size} resources ${run}/${runs} ${pack.label}: ${analyze}AnalyzeStack ` +
                    `${(stackPhaseOf(result).wallMs / 1000).toFixed(2)} s ` +
                    `(pack CPU ${stackPhaseOf(result).packCpuS.toFixed(2)} s), ` +
                    `pack peak ${result.packPeakRssMb.toFixed(0)} MB`,
            );
        }
    }
    return {
        size,
        stackRequestMb: prepared.analyzeStack.length / 1024 / 1024,
        ours: summarize(ours.label, samples.ours),
        floor: summarize(floor.label, samples.floor),
    };
}
