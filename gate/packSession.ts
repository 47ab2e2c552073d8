import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { GateError } from "./errors";
import { stopChild, track } from "./processes";
import {
    EnforcementLevel,
    EngineProvider,
    EngineResource,
    JsonObject,
    PackInfo,
    PolicyConfigEntry,
    PolicyDiagnostic,
    PolicyInfo,
    Severity,
} from "./engineTypes";

/** The engine raises gRPC's message limit to 400 MB for analyzers; so do we, for large stacks. */
const maxMessageBytes = 400 * 1024 * 1024;

const levelFromProto: Record<number, EnforcementLevel> = {
    [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
    [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
};
const levelToProto: Record<EnforcementLevel, analyzerpb.EnforcementLevel> = {
    advisory: analyzerpb.EnforcementLevel.ADVISORY,
    mandatory: analyzerpb.EnforcementLevel.MANDATORY,
    remediate: analyzerpb.EnforcementLevel.REMEDIATE,
    disabled: analyzerpb.EnforcementLevel.DISABLED,
};
const severityFromProto: Record<number, Severity | undefined> = {
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

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

/** A remediation a pack proposed for a resource (policies at enforcement level `remediate`). */
export interface PackRemediation {
    policy: string;
    properties?: JsonObject;
    diagnostic?: string;
}

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

interface PackManifest {
    runtimeOptions: Record<string, unknown>;
    version?: string;
}

function readPackManifest(packDir: string): PackManifest {
    const file = path.join(packDir, "PulumiPolicy.yaml");
    if (!fs.existsSync(file)) {
        throw new GateError(`--policy-pack ${packDir}: no PulumiPolicy.yaml there; point it at a policy pack folder`);
    }
    let loaded: unknown;
    try {
        loaded = yaml.load(fs.readFileSync(file, "utf8")) ?? {};
    } catch (e) {
        throw new GateError(`${file}: cannot be read as YAML: ${(e as Error).message}`);
    }
    // PulumiPolicy.yaml is a mapping: `runtime` is a name or { name, options }, `version` optional.
    const doc = (typeof loaded === "object" && loaded !== null ? loaded : {}) as {
        runtime?: unknown;
        version?: unknown;
    };
    const runtime = (typeof doc.runtime === "string" ? { name: doc.runtime } : (doc.runtime ?? {})) as {
        name?: unknown;
        options?: Record<string, unknown>;
    };
    if (runtime.name !== "nodejs") {
        throw new GateError(
            `${file}: runtime is ${JSON.stringify(runtime.name)}; the offline gate runs nodejs policy packs only`,
        );
    }
    return {
        runtimeOptions: runtime.options ?? {},
        version: doc.version === undefined ? undefined : String(doc.version),
    };
}

function checkPackBuilt(packDir: string): void {
    const manifest = path.join(packDir, "package.json");
    if (!fs.existsSync(manifest)) {
        throw new GateError(`${manifest}: not found; a Node.js policy pack needs a package.json`);
    }
    let main: string;
    try {
        main = JSON.parse(fs.readFileSync(manifest, "utf8")).main ?? "index.js";
    } catch (e) {
        throw new GateError(`${manifest}: is not valid JSON: ${(e as Error).message}`);
    }
    const mainFile = path.resolve(packDir, main);
    if (
        !fs.existsSync(mainFile) &&
        !fs.existsSync(`${mainFile}.js`) &&
        !fs.existsSync(path.join(mainFile, "index.js"))
    ) {
        throw new GateError(
            `${manifest}: main ${JSON.stringify(main)} does not exist; build the pack first (npm run build)`,
        );
    }
}

/** The engine starts packs with its own config and stack identity in the environment, and nothing of ts-node's. */
function packEnvironment(options: PackStartOptions): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (!/^(PULUMI_|TS_NODE_)/.test(key) && key !== "NODE_OPTIONS") {
            env[key] = value;
        }
    }
    if (options.config && Object.keys(options.config).length > 0) {
        env.PULUMI_CONFIG = JSON.stringify(options.config);
    }
    for (const prefix of ["PULUMI_NODEJS_", "PULUMI_"]) {
        env[`${prefix}PROJECT`] = options.project;
        env[`${prefix}STACK`] = options.stack;
        env[`${prefix}DRY_RUN`] = String(options.dryRun);
    }
    return env;
}

function waitForPort(child: ChildProcess, packDir: string, log: () => string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            const seconds = timeoutMs / 1000;
            reject(new GateError(`policy pack ${packDir} did not print its port within ${seconds} s:\n${log()}`));
        }, timeoutMs);
        child.once("exit", () => clearTimeout(timer));
        let stdout = "";
        const onData = (chunk: Buffer) => {
            stdout += chunk.toString();
            const newline = stdout.indexOf("\n");
            if (newline >= 0) {
                child.stdout!.off("data", onData);
                clearTimeout(timer);
                const port = Number(stdout.slice(0, newline).trim());
                if (Number.isInteger(port) && port > 0) {
                    resolve(port);
                } else {
                    reject(
                        new GateError(
                            `policy pack ${packDir} printed ${JSON.stringify(stdout.trim())} instead of its port:\n${log()}`,
                        ),
                    );
                }
            }
        };
        child.stdout!.on("data", onData);
        child.on("exit", (code) =>
            reject(new GateError(`policy pack ${packDir} exited with code ${code} while starting:\n${log()}`)),
        );
        child.on("error", (e) => reject(new GateError(`policy pack ${packDir} could not be started: ${e.message}`)));
    });
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

/**
 * The Node.js policy runtime reports an exception outside `@pulumi/policy`'s error handling like this, and then
 * never answers the call that caused it (pulumi/pulumi sdk/nodejs/cmd/run: "Running program '...' failed with an
 * unhandled exception").
 */
const packCrash = /failed with an unhandled exception/;

/**
 * A pack's error text without the Node.js internals: its message lines and at most three frames in the pack's own
 * files (where the policy's author must look), none from node_modules.
 */
function withoutInternalFrames(text: string, packDir: string): string {
    let frames = 0;
    return text
        .split("\n")
        .filter((line) => {
            if (!/^\s+at /.test(line)) {
                return true;
            }
            const own = line.includes(packDir) && !line.includes("node_modules") && frames < 3;
            frames += own ? 1 : 0;
            return own;
        })
        .map((line) => line.replace(packDir + path.sep, ""))
        .join("\n");
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

/** Keys starting with `__` are the engine's own bookkeeping; it strips them before analysis. */
function withoutInternalKeys(props: JsonObject): JsonObject {
    return Object.fromEntries(Object.entries(props).filter(([key]) => !key.startsWith("__")));
}

function toStruct(props: JsonObject): Struct {
    return Struct.fromJavaScript(withoutInternalKeys(props));
}

function resourceOptions(r: EngineResource, withParent: boolean): analyzerpb.AnalyzerResourceOptions {
    const opts = new analyzerpb.AnalyzerResourceOptions();
    opts.setProtect(r.protect);
    opts.setIgnorechangesList(r.ignoreChanges);
    opts.setAdditionalsecretoutputsList(r.additionalSecretOutputs);
    opts.setAliasesList(r.aliases);
    opts.setDeletebeforereplacedefined(r.deleteBeforeReplace !== undefined);
    opts.setDeletebeforereplace(r.deleteBeforeReplace === true);
    opts.setCustomtimeouts(new analyzerpb.AnalyzerResourceOptions.CustomTimeouts());
    if (withParent && r.parent) {
        opts.setParent(r.parent);
    }
    return opts;
}

function providerMessage(p: EngineProvider): analyzerpb.AnalyzerProviderResource {
    const msg = new analyzerpb.AnalyzerProviderResource();
    msg.setUrn(p.urn);
    msg.setType(p.type);
    msg.setName(p.name);
    msg.setProperties(toStruct(p.inputs));
    return msg;
}

/** AnalyzeRequest as the engine builds it in its step generator: the resource's inputs and options. */
export function analyzeRequest(r: EngineResource): analyzerpb.AnalyzeRequest {
    const req = new analyzerpb.AnalyzeRequest();
    req.setUrn(r.urn);
    req.setType(r.type);
    req.setName(r.name);
    req.setProperties(toStruct(r.inputs));
    req.setOptions(resourceOptions(r, true));
    if (r.provider) {
        req.setProvider(providerMessage(r.provider));
    }
    return req;
}

/** One AnalyzeStack entry: the resource's final state, parent and (non-empty) property dependencies. */
export function stackResourceMessage(r: EngineResource): analyzerpb.AnalyzerResource {
    const msg = new analyzerpb.AnalyzerResource();
    msg.setUrn(r.urn);
    msg.setType(r.type);
    msg.setName(r.name);
    msg.setProperties(toStruct(r.outputs));
    msg.setOptions(resourceOptions(r, false));
    if (r.provider) {
        msg.setProvider(providerMessage(r.provider));
    }
    msg.setParent(r.parent ?? "");
    msg.setDependenciesList(r.dependencies);
    const deps = msg.getPropertydependenciesMap();
    for (const [key, urns] of Object.entries(r.propertyDependencies)) {
        if (urns.length > 0) {
            const pd = new analyzerpb.AnalyzerPropertyDependencies();
            pd.setUrnsList(urns);
            deps.set(key, pd);
        }
    }
    return msg;
}

function diagnosticsFrom(resp: analyzerpb.AnalyzeResponse, packVersion: string): PolicyDiagnostic[] {
    return resp.getDiagnosticsList().map((d) => {
        const level = levelFromProto[d.getEnforcementlevel()];
        return {
            policy: d.getPolicyname(),
            policyPack: d.getPolicypackname(),
            policyPackVersion: packVersion || d.getPolicypackversion(),
            description: d.getDescription(),
            message: d.getMessage(),
            // A remediate-level violation that is still reported means the fix did not take: the engine blocks.
            level: level === "remediate" || level === "disabled" ? "mandatory" : level,
            urn: d.getUrn(),
            severity: severityFromProto[d.getSeverity()],
        };
    });
}

function policyInfoFrom(p: analyzerpb.PolicyInfo): PolicyInfo {
    const schema = p.getConfigschema();
    const framework = p.getFramework();
    const kind = p.getPolicyType();
    return {
        name: p.getName(),
        displayName: p.getDisplayname() || undefined,
        description: p.getDescription(),
        kind:
            kind === analyzerpb.PolicyType.POLICY_TYPE_RESOURCE
                ? "resource"
                : kind === analyzerpb.PolicyType.POLICY_TYPE_STACK
                  ? "stack"
                  : "unknown",
        enforcementLevel: levelFromProto[p.getEnforcementlevel()],
        severity: severityFromProto[p.getSeverity()],
        configSchema: schema
            ? { properties: schema.getProperties()?.toJavaScript() ?? {}, required: schema.getRequiredList() }
            : undefined,
        framework: framework
            ? {
                  name: framework.getName() || undefined,
                  version: framework.getVersion() || undefined,
                  reference: framework.getReference() || undefined,
                  specification: framework.getSpecification() || undefined,
              }
            : undefined,
        tags: p.getTagsList(),
        remediationSteps: p.getRemediationSteps() || undefined,
        url: p.getUrl() || undefined,
    };
}

function packInfoFrom(resp: analyzerpb.AnalyzerInfo, manifestVersion: string | undefined): PackInfo {
    const initialConfig: Record<string, PolicyConfigEntry> = {};
    resp.getInitialconfigMap().forEach((value: analyzerpb.PolicyConfig, key: string) => {
        initialConfig[key] = {
            enforcementLevel: levelFromProto[value.getEnforcementlevel()],
            properties: value.getProperties()?.toJavaScript(),
        };
    });
    return {
        name: resp.getName(),
        // As in the engine: the version in PulumiPolicy.yaml wins over the one the pack reports.
        version: manifestVersion ?? resp.getVersion(),
        displayName: resp.getDisplayname() || undefined,
        policies: resp.getPoliciesList().map(policyInfoFrom),
        initialConfig,
    };
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
            const req = new analyzerpb.ConfigureAnalyzerRequest();
            const map = req.getPolicyconfigMap();
            for (const [name, entry] of Object.entries(config)) {
                const pc = new analyzerpb.PolicyConfig();
                pc.setEnforcementlevel(levelToProto[entry.enforcementLevel ?? "advisory"]);
                pc.setProperties(Struct.fromJavaScript(entry.properties ?? {}));
                map.set(name, pc);
            }
            await call<analyzerpb.ConfigureAnalyzerRequest, Empty>(client.configure, req, "Configure");
        },
        async configureStack(stackOptions) {
            const req = new analyzerpb.AnalyzerStackConfigureRequest();
            req.setProject(stackOptions.project);
            req.setStack(stackOptions.stack);
            req.setDryRun(stackOptions.dryRun);
            const map = req.getConfigMap();
            for (const [key, value] of Object.entries(stackOptions.config ?? {})) {
                map.set(key, value);
            }
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
            return resp.getRemediationsList().map((r) => ({
                policy: r.getPolicyname(),
                properties: r.getProperties()?.toJavaScript(),
                diagnostic: r.getDiagnostic() || undefined,
            }));
        },
        async analyzeStack(resources) {
            const req = new analyzerpb.AnalyzeStackRequest();
            req.setResourcesList(resources.map(stackResourceMessage));
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
