/**
 * Starts the compiled pack exactly as the Pulumi CLI does (`node @pulumi/pulumi/cmd/run-policy-pack
 * <engine-address> <pack-dir>` with the pack directory as working directory: "." through the legacy
 * `pulumi-analyzer-policy` shim, the absolute folder through the Node.js language host's RunPlugin; see
 * pkg/resource/plugin/analyzer_plugin.go and sdk/nodejs/cmd/pulumi-language-nodejs/main.go in pulumi/pulumi),
 * reads the port it prints, and talks to it over gRPC with the generated Analyzer client.
 *
 * The engine address is only a placeholder for this entry point: run-policy-pack drops it before loading
 * the pack and @pulumi/policy never dials the engine, so no fake engine server is needed.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
    Analysis,
    ResourceSpec,
    Remediation,
    analyzeRequest,
    analyzeStackRequest,
    readAnalysis,
    readRemediations,
} from "./requests";

export const PACK_DIR = path.resolve(__dirname, "../../../policy-pack");
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
const LEVELS: Record<string, pb.EnforcementLevel> = {
    advisory: pb.EnforcementLevel.ADVISORY,
    mandatory: pb.EnforcementLevel.MANDATORY,
    disabled: pb.EnforcementLevel.DISABLED,
    remediate: pb.EnforcementLevel.REMEDIATE,
};

export interface StartFigures {
    msToPort: number;
    peakRssMb: number;
}

/** Where and how to start a pack; the defaults start this repository's `policy-pack/` as `--policy-pack` does. */
export interface StartOptions {
    /** The pack folder (its `package.json` `main` is what gets loaded). */
    packDir?: string;
    /** The `@pulumi/pulumi/cmd/run-policy-pack` entry point to run; default: the one this repository resolves. */
    runPolicyPack?: string;
    /** The program argument after the engine address: "." (the legacy analyzer shim) or the absolute pack folder. */
    program?: string;
    /** Variables added to the environment (the CLI adds the stack's project, stack, dry-run and config). */
    env?: Record<string, string>;
    /** Variables removed from the inherited environment before `env` is added. */
    dropEnv?: (name: string) => boolean;
    timeoutMs?: number;
}

/** Config in the `--policy-pack-config` file format: rule -> level, or rule -> { enforcementLevel, ...keys }. */
export type PackConfig = Record<string, string | Record<string, unknown>>;

export class PackProcess {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: AnalyzerClient,
        readonly figures: StartFigures,
        readonly stderr: () => string,
    ) {}

    static async start(options: StartOptions = {}): Promise<PackProcess> {
        const { packDir = PACK_DIR, runPolicyPack = RUN_POLICY_PACK, program = ".", timeoutMs = 60_000 } = options;
        const drop = options.dropEnv ?? (() => false);
        const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE_") && !drop(k));
        const env = { ...Object.fromEntries(inherited), ...options.env };
        const started = Date.now();
        const child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", program], { cwd: packDir, env });
        let stderr = "";
        child.stderr.on("data", (chunk) => {
            stderr += chunk;
        });
        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            const timer = setTimeout(
                () => reject(new Error(`pack printed no port in ${timeoutMs} ms: ${stderr}`)),
                timeoutMs,
            );
            child.stdout.on("data", (chunk) => {
                stdout += chunk;
                const match = /^(\d+)\s*$/m.exec(stdout);
                if (match) {
                    clearTimeout(timer);
                    resolve(Number(match[1]));
                }
            });
            child.on("exit", (code) => {
                clearTimeout(timer);
                reject(new Error(`pack exited with ${code}: ${stderr}`));
            });
        });
        const msToPort = Date.now() - started;
        const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new PackProcess(child, client, { msToPort, peakRssMb: peakRssMb(child.pid!) }, () => stderr);
    }

    private unary<Req, Res>(
        method: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown,
        request: Req,
    ): Promise<Res> {
        return new Promise((resolve, reject) =>
            method.call(this.client, request, (error, response) => (error ? reject(error) : resolve(response))),
        );
    }

    info(): Promise<pb.AnalyzerInfo> {
        return this.unary(this.client.getAnalyzerInfo, new Empty());
    }

    async configure(config: PackConfig): Promise<void> {
        const request = new pb.ConfigureAnalyzerRequest();
        for (const [policy, value] of Object.entries(config)) {
            const { enforcementLevel, ...properties } = typeof value === "string" ? { enforcementLevel: value } : value;
            const policyConfig = new pb.PolicyConfig();
            policyConfig.setEnforcementlevel(LEVELS[String(enforcementLevel ?? "mandatory")]);
            policyConfig.setProperties(Struct.fromJavaScript(properties as Record<string, never>));
            request.getPolicyconfigMap().set(policy, policyConfig);
        }
        await this.unary(this.client.configure, request);
    }

    async analyze(spec: ResourceSpec): Promise<Analysis> {
        return readAnalysis(await this.unary(this.client.analyze, analyzeRequest(spec)));
    }

    async analyzeStack(specs: ResourceSpec[]): Promise<Analysis> {
        return readAnalysis(await this.unary(this.client.analyzeStack, analyzeStackRequest(specs)));
    }

    async remediate(spec: ResourceSpec): Promise<Remediation[]> {
        return readRemediations(await this.unary(this.client.remediate, analyzeRequest(spec)));
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }

    /** Stops the pack and resolves once its process has exited (at most `timeoutMs` later). */
    stopAndWait(timeoutMs = 10_000): Promise<void> {
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
            this.client.close();
            return Promise.resolve();
        }
        const exited = new Promise<void>((resolve, reject) => {
            const stuck = () => reject(new Error(`pack ${this.child.pid} still running ${timeoutMs} ms after SIGTERM`));
            const timer = setTimeout(stuck, timeoutMs);
            this.child.once("exit", () => {
                clearTimeout(timer);
                resolve();
            });
        });
        this.stop();
        return exited;
    }
}

/** Peak resident memory so far (VmHWM) of a Linux process, in MB; 0 where /proc is not available. */
function peakRssMb(pid: number): number {
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const status: string = require("fs").readFileSync(`/proc/${pid}/status`, "utf8");
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        return Math.round(kb / 1024);
    } catch {
        return 0;
    }
}
