/**
 * A session with a running policy pack: starts it (gate/packProcess.ts), speaks the Analyzer protocol to it over
 * gRPC with a deadline on every call (messages from gate/analyzerCodec.ts), and turns any pack failure into a
 * GateError that names the pack, the call and the resource.
 */
import { spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
    analyzeRequest,
    analyzeStackRequest,
    configureRequest,
    diagnosticsFrom,
    PackRemediation,
    packInfoFrom,
    remediationsFrom,
    stackConfigureRequest,
} from "./analyzerCodec";
import { EngineResource, PackInfo, PolicyConfigEntry, PolicyDiagnostic } from "./engineTypes";
import { GateError } from "./errors";
import {
    checkPackBuilt,
    packCrash,
    packEnvironment,
    readPackManifest,
    waitForPort,
    withoutInternalFrames,
} from "./packProcess";
import { stopChild, track } from "./processes";

/** The engine raises gRPC's message limit to 400 MB for analyzers; so do we, for large stacks. */
const maxMessageBytes = 400 * 1024 * 1024;

export interface PackStartOptions {
    project: string;
    stack: string;
    dryRun: boolean;
    /** Stack config handed to the pack in PULUMI_CONFIG, as the engine does. */
    config?: Record<string, string>;
    /** Deadlines; a pack that misses one is stopped and the gate exits 2 naming the pack and the call. */
    timeouts?: Partial<PackTimeouts>;
}

export interface PackTimeouts {
    /** From starting the process until it prints its port. */
    startMs: number;
    /** Each unary call (GetAnalyzerInfo, Configure, Analyze, Remediate, ...). */
    callMs: number;
    /** The one AnalyzeStack call, which sees every resource at once. */
    stackMs: number;
}

export const defaultPackTimeouts: PackTimeouts = { startMs: 60_000, callMs: 60_000, stackMs: 300_000 };

/** A per-resource call the pack did not answer in time; `inFlight` are the calls it had not answered then. */
export class PackDeadlineError extends GateError {
    constructor(
        message: string,
        readonly inFlight: { call: "Analyze" | "Remediate"; resource: EngineResource }[],
    ) {
        super(message);
    }
}

/** A running policy pack and a gRPC client speaking the Analyzer protocol to it, as the engine does. */
export interface PackSession {
    readonly packDir: string;
    readonly info: PackInfo;
    configure(config: Record<string, PolicyConfigEntry>): Promise<void>;
    configureStack(options: PackStartOptions): Promise<void>;
    analyze(resource: EngineResource): Promise<PolicyDiagnostic[]>;
    remediate(resource: EngineResource): Promise<PackRemediation[]>;
    analyzeStack(resources: EngineResource[]): Promise<PolicyDiagnostic[]>;
    close(): Promise<void>;
}

type UnaryCall<Req, Resp> = (
    req: Req,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    cb: (err: grpc.ServiceError | null, resp: Resp) => void,
) => unknown;

/**
 * One unary call with a gRPC deadline: the pack that does not answer in time fails with DEADLINE_EXCEEDED. Calls in
 * progress are kept in `active`, so that they can be cancelled at once when the pack crashes.
 */
function unary<Req, Resp>(
    call: UnaryCall<Req, Resp>,
    req: Req,
    timeoutMs: number,
    active?: Set<grpc.ClientUnaryCall>,
): Promise<Resp> {
    return new Promise((resolve, reject) => {
        const handle = call(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, resp) => {
            active?.delete(handle);
            return err ? reject(err) : resolve(resp);
        }) as grpc.ClientUnaryCall;
        active?.add(handle);
    });
}

/** What went wrong in a call, in words: gRPC's deadline and lost-connection codes are the usual pack failures. */
function callFailure(e: unknown, timeoutMs: number): string {
    const err = e as Partial<grpc.ServiceError>;
    if (err.code === grpc.status.DEADLINE_EXCEEDED) {
        return `no answer within ${timeoutMs / 1000} s (deadline exceeded)`;
    }
    if (err.code === grpc.status.CANCELLED) {
        return "the pack failed outside its error handling and would not answer (see its output below)";
    }
    if (err.code === grpc.status.UNAVAILABLE) {
        return `the pack process stopped answering (${err.details ?? err.message})`;
    }
    return String(err.details ?? err.message ?? e);
}

/**
 * Starts the policy pack in `packDir` the way the Pulumi CLI does (`node @pulumi/pulumi/cmd/run-policy-pack
 * <engine> .` in the pack's folder, the pack's own @pulumi/pulumi), waits for its port and asks for its metadata.
 */
export async function startPack(packDir: string, options: PackStartOptions): Promise<PackSession> {
    const dir = path.resolve(packDir);
    const manifest = readPackManifest(dir);
    checkPackBuilt(dir);
    let runner: string;
    try {
        runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
    } catch {
        throw new GateError(`policy pack ${dir}: @pulumi/pulumi is not installed for it; run npm ci`);
    }
    const runtimeArgs = Object.entries(manifest.runtimeOptions)
        .filter(([, v]) => `${v}` !== "")
        .map(([k, v]) => `-${k}=${v}`);
    // The first argument is the engine's address; run-policy-pack drops it, and nothing here calls back.
    const timeouts: PackTimeouts = { ...defaultPackTimeouts, ...options.timeouts };
    const child = track(
        spawn(process.execPath, [runner, "127.0.0.1:0", ".", ...runtimeArgs], {
            cwd: dir,
            env: packEnvironment(options),
            stdio: ["ignore", "pipe", "pipe"],
        }),
    );
    // Keep the tail of the pack's output for error messages; a chatty pack must not grow it without bound.
    let log = "";
    const keepLog = (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-20_000);
    };
    child.stderr!.on("data", keepLog);
    let port: number;
    try {
        port = await waitForPort(child, dir, () => log.trim(), timeouts.startMs);
    } catch (e) {
        await stopChild(child);
        throw e;
    }
    child.stdout!.on("data", keepLog);
    const active = new Set<grpc.ClientUnaryCall>();
    // A crash outside the pack's error handling leaves its calls unanswered until their deadline: end them now.
    const onCrash = () => {
        if (packCrash.test(log)) {
            child.stderr!.off("data", onCrash);
            for (const handle of active) {
                handle.cancel();
            }
        }
    };
    child.stderr!.on("data", onCrash);

    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": maxMessageBytes,
        "grpc.max_send_message_length": maxMessageBytes,
    });
    let packName = dir;
    /** Any pack failure stops the pack and names it, the call and the resource: exit 2, never a hang. */
    // Per-resource calls not yet answered, oldest first: with several in flight, a deadline does not say which one
    // the pack is stuck on, so the gate's caller can replay them one by one (index.ts).
    const inFlight = new Set<{ call: "Analyze" | "Remediate"; resource: EngineResource }>();
    let failed: GateError | undefined;
    const fail =
        (what: string, timeoutMs: number) =>
        async (e: unknown): Promise<never> => {
            if (failed) {
                throw failed;
            }
            const pending = [...inFlight];
            client.close();
            const tail = log.trim() ? `\npack output:\n${log.trim()}` : "";
            const cause = withoutInternalFrames(callFailure(e, timeoutMs), dir);
            const message = `policy pack ${packName} failed in ${what}: ${cause}${withoutInternalFrames(tail, dir)}`;
            const code = (e as Partial<grpc.ServiceError>).code;
            const deadline = code === grpc.status.DEADLINE_EXCEEDED || code === grpc.status.CANCELLED;
            failed = deadline && pending.length > 1 ? new PackDeadlineError(message, pending) : new GateError(message);
            await stopChild(child);
            throw failed;
        };
    const call = <Req, Resp>(method: UnaryCall<Req, Resp>, req: Req, what: string, timeoutMs = timeouts.callMs) =>
        unary<Req, Resp>(method.bind(client), req, timeoutMs, active).catch(fail(what, timeoutMs));
    const perResource = async <Resp>(
        kind: "Analyze" | "Remediate",
        resource: EngineResource,
        method: UnaryCall<analyzerpb.AnalyzeRequest, Resp>,
    ): Promise<Resp> => {
        const entry = { call: kind, resource };
        inFlight.add(entry);
        try {
            return await call<analyzerpb.AnalyzeRequest, Resp>(
                method,
                analyzeRequest(resource),
                `${kind} for resource ${resource.urn}`,
            );
        } finally {
            inFlight.delete(entry);
        }
    };

    const info = await call<Empty, analyzerpb.AnalyzerInfo>(client.getAnalyzerInfo, new Empty(), "GetAnalyzerInfo");
    const packInfo = packInfoFrom(info, manifest.version);
    packName = `${packInfo.name} (${dir})`;
    await call<Empty, unknown>(client.getPluginInfo, new Empty(), "GetPluginInfo");

    const session: PackSession = {
        packDir: dir,
        info: packInfo,
        async configure(config) {
            if (Object.keys(config).length === 0) {
                return;
            }
            await call<analyzerpb.ConfigureAnalyzerRequest, Empty>(
                client.configure,
                configureRequest(config),
                "Configure",
            );
        },
        async configureStack(stackOptions) {
            const req = stackConfigureRequest(stackOptions);
            const configureStack = client.configureStack.bind(client);
            await unary<analyzerpb.AnalyzerStackConfigureRequest, unknown>(
                configureStack,
                req,
                timeouts.callMs,
                active,
            ).catch(async (e: Partial<grpc.ServiceError>) => {
                // Older packs do not implement it; the engine carries on in that case too.
                if (e.code !== grpc.status.UNIMPLEMENTED) {
                    await fail("ConfigureStack", timeouts.callMs)(e);
                }
            });
        },
        async analyze(resource) {
            const resp = await perResource<analyzerpb.AnalyzeResponse>("Analyze", resource, client.analyze);
            return diagnosticsFrom(resp, packInfo.version);
        },
        async remediate(resource) {
            const resp = await perResource<analyzerpb.RemediateResponse>("Remediate", resource, client.remediate);
            return remediationsFrom(resp);
        },
        async analyzeStack(resources) {
            const req = analyzeStackRequest(resources);
            const resp = await call<analyzerpb.AnalyzeStackRequest, analyzerpb.AnalyzeResponse>(
                client.analyzeStack,
                req,
                `AnalyzeStack over ${resources.length} resources`,
                timeouts.stackMs,
            );
            return diagnosticsFrom(resp, packInfo.version);
        },
        async close() {
            client.close();
            await stopChild(child);
        },
    };
    return session;
}
