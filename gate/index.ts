/**
 * The offline policy gate: runs a stack's program under mocks (or reads a checkpoint) and puts the resources through
 * a CrossGuard policy pack over its gRPC interface, as `pulumi preview --policy-pack` would.
 */
import * as fs from "fs";
import * as path from "path";
import { engineResourcesFromCapture, programEntryFile } from "./engineView";
import { EngineResource, PackInfo, PolicyConfigEntry } from "./engineTypes";
import { GateError } from "./errors";
import { evaluate, Finding, isBlocking } from "./evaluate";
import { DataSourceUse } from "./awsMocks";
import { PackDeadlineError, PackSession, PackStartOptions, PackTimeouts, startPack } from "./packSession";
import { loadPolicyConfig, reconcilePolicyConfig } from "./policyConfig";
import { loadStackSettings } from "./project";
import { runStackProgram } from "./runProgram";
import { loadStackExport } from "./state";
import { TransformSpec } from "./transforms";

export { captureStack, runStackProgram, ProgramRun } from "./runProgram";
export { startPack, PackSession } from "./packSession";
export { DataSourceUse } from "./awsMocks";
export { evaluate, Finding, isBlocking } from "./evaluate";
export { EngineResource } from "./engineTypes";
export { loadStackSettings } from "./project";
export { parseStackExport } from "./state";
export { GateError } from "./errors";

export type Mode = "preview" | "update";

export interface GateOptions {
    /** Folder with Pulumi.yaml and the Pulumi.<stack>.yaml files (default: the current directory). */
    projectDir?: string;
    /** Run this stack's program; or, with `state`, name the stack whose pack config applies. */
    stack?: string;
    /** A `pulumi stack export` file to audit instead of running the program. */
    state?: string;
    mode?: Mode;
    /** The policy pack folder (default: this repository's `policy-pack/`, the pack the gate ships with). */
    policyPack?: string;
    /**
     * Pack config file (default `<policyPack>/config/<stack>.json` when it exists, `stack` being the `stack`
     * option: never a name read from a checkpoint).
     */
    policyConfig?: string;
    transforms?: TransformSpec[];
    /** Deadline in milliseconds for the program run, the pack's start and each pack call (AnalyzeStack: 5x). */
    timeoutMs?: number;
    /** Finer pack deadlines (programmatic use), over those `timeoutMs` sets. */
    packTimeouts?: Partial<PackTimeouts>;
}

/** The pack the gate ships with; `--policy-pack` names another. */
export const defaultPolicyPack = path.join(__dirname, "..", "policy-pack");

/** Data sources the program called, grouped: verdicts on resources built from mocked ones rest on invented data. */
export interface DataSourceSummary {
    token: string;
    calls: number;
    /** computed: derived exactly as the provider would; mocked: a well-formed stand-in; echoed: inputs returned. */
    answer: "computed" | "mocked" | "echoed";
}

export interface GateResult {
    source:
        | { kind: "program"; project: string; stack: string; mode: Mode; entry: string; stackFile: string }
        | { kind: "state"; stack: string; file: string };
    pack: { name: string; version: string; dir: string; configFile?: string };
    policies: PackInfo["policies"];
    resources: EngineResource[];
    findings: Finding[];
    /** Data sources the program called (program runs only). */
    dataSources: DataSourceSummary[];
    /** 0: no blocking finding; 1: at least one mandatory, unwaived finding. */
    exitCode: 0 | 1;
}

/** The stack a checkpoint says it belongs to, for display and a consistency check only: never part of a path. */
function stackFromUrn(urn: string | undefined): string | undefined {
    return urn?.match(/^urn:pulumi:([^:]+)::/)?.[1];
}

export function summarizeDataSources(uses: DataSourceUse[]): DataSourceSummary[] {
    const byToken = new Map<string, DataSourceSummary>();
    for (const use of uses) {
        const answer = !use.known ? "echoed" : use.mocked ? "mocked" : "computed";
        const entry = byToken.get(use.token) ?? { token: use.token, calls: 0, answer };
        entry.calls++;
        byToken.set(use.token, entry);
    }
    return [...byToken.values()].sort((a, b) => a.token.localeCompare(b.token));
}

export function packTimeouts(timeoutMs: number | undefined): Partial<PackTimeouts> | undefined {
    return timeoutMs === undefined ? undefined : { startMs: timeoutMs, callMs: timeoutMs, stackMs: timeoutMs * 5 };
}

function policyConfigFile(options: GateOptions, packDir: string): string | undefined {
    if (options.policyConfig) {
        if (!fs.existsSync(options.policyConfig)) {
            throw new GateError(`--policy-config ${options.policyConfig}: file not found`);
        }
        return path.resolve(options.policyConfig);
    }
    // Only the --stack flag names the conventional file, and only a plain stack name can: no separators, no `..`.
    const stack = options.stack;
    if (stack === undefined) {
        return undefined;
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || /^\.+$/.test(stack)) {
        throw new GateError(
            `--stack ${JSON.stringify(stack)}: a stack name may contain letters, digits, '-', '_' and '.'`,
        );
    }
    const conventional = path.join(packDir, "config", `${stack}.json`);
    return fs.existsSync(conventional) ? conventional : undefined;
}

async function configureSession(
    session: PackSession,
    options: GateOptions,
    stack: string,
    project: string,
    dryRun: boolean,
    config: Record<string, string>,
): Promise<{ configFile?: string; config: Record<string, PolicyConfigEntry> }> {
    const configFile = policyConfigFile(options, session.packDir);
    const given = configFile ? loadPolicyConfig(configFile) : {};
    const reconciled = reconcilePolicyConfig(
        session.info,
        given,
        configFile ?? `policy pack ${session.info.name} defaults`,
    );
    await session.configureStack({ project, stack, dryRun, config });
    await session.configure(reconciled);
    return { configFile, config: reconciled };
}

/**
 * A deadline passed while several calls were in flight, so which resource the pack is stuck on is not known: replay
 * them one at a time on a fresh pack (each with the same deadline) and name the first that gets no answer.
 */
async function stuckCall(
    packDir: string,
    startOptions: PackStartOptions,
    config: Record<string, PolicyConfigEntry>,
    original: PackDeadlineError,
): Promise<GateError> {
    let probe: PackSession | undefined;
    try {
        probe = await startPack(packDir, startOptions);
        await probe.configureStack(startOptions);
        await probe.configure(config);
        for (const { call, resource } of original.inFlight) {
            await (call === "Analyze" ? probe.analyze(resource) : probe.remediate(resource));
        }
    } catch (e) {
        // The replay's own failure names the single call the pack could not answer.
        return e instanceof GateError && !(e instanceof PackDeadlineError) ? e : original;
    } finally {
        await probe?.close();
    }
    return original;
}

/**
 * Runs the gate once. Pass a started `session` to reuse one pack process across runs (tests, benchmarks);
 * otherwise the pack is started and stopped here.
 */
export async function runGate(options: GateOptions, session?: PackSession): Promise<GateResult> {
    const projectDir = path.resolve(options.projectDir ?? ".");
    const packDir = path.resolve(options.policyPack ?? defaultPolicyPack);
    const mode = options.mode ?? "preview";
    if (!options.state && !options.stack) {
        throw new GateError(
            "either --stack <name> (run the program) or --state <file> (audit a checkpoint) is required",
        );
    }
    if (options.state && options.transforms?.length) {
        throw new GateError("--transform changes the program's resources; it cannot be combined with --state");
    }
    if (options.state && !options.stack && !options.policyConfig) {
        throw new GateError(
            "--state needs --stack <name> (its policy config, <policy-pack>/config/<name>.json) or --policy-config " +
                "<file>: the gate never takes the stack (or any file name) from the checkpoint itself",
        );
    }
    const timeouts = { ...packTimeouts(options.timeoutMs), ...options.packTimeouts };

    let resources: EngineResource[];
    let source: GateResult["source"];
    let project: string;
    let stack: string;
    let stackConfig: Record<string, string> = {};
    let dataSources: DataSourceSummary[] = [];
    let pending: Promise<PackSession> | undefined;
    if (options.state) {
        const file = path.resolve(options.state);
        resources = loadStackExport(file);
        const claimed = stackFromUrn(resources[0]?.urn);
        if (options.stack && claimed && claimed !== options.stack) {
            throw new GateError(
                `${file}: the checkpoint is of stack ${JSON.stringify(claimed)}, but --stack is ${options.stack}`,
            );
        }
        // Shown in the report and told to the pack as the stack's name, so only a plain name is taken from the file.
        stack = options.stack ?? (claimed && /^[A-Za-z0-9_.-]+$/.test(claimed) ? claimed : "unknown");
        project = resources[0]?.urn.split("::")[1] ?? "unknown";
        source = { kind: "state", stack, file };
    } else {
        const settings = loadStackSettings(projectDir, options.stack!);
        // The pack starts while the program runs: neither waits for the other (issue 14).
        pending = session
            ? undefined
            : startPack(packDir, {
                  project: settings.project,
                  stack: settings.stack,
                  dryRun: mode === "preview",
                  config: settings.config,
                  timeouts,
              });
        // A failed program must not leave the pack starting in the background.
        pending?.catch(() => undefined);
        let run: Awaited<ReturnType<typeof runStackProgram>>;
        try {
            run = await runStackProgram(settings, {
                preview: mode === "preview",
                transforms: options.transforms,
                timeoutMs: options.timeoutMs,
            });
        } catch (e) {
            await pending?.then(
                (s) => s.close(),
                () => undefined,
            );
            throw e;
        }
        resources = engineResourcesFromCapture(run.resources, settings);
        dataSources = summarizeDataSources(run.dataSources);
        project = settings.project;
        stack = settings.stack;
        stackConfig = settings.config;
        source = {
            kind: "program",
            project,
            stack,
            mode,
            entry: programEntryFile(settings),
            stackFile: path.join(projectDir, `Pulumi.${stack}.yaml`),
        };
    }

    const dryRun = mode === "preview" && !options.state;
    const startOptions: PackStartOptions = { project, stack, dryRun, config: stackConfig, timeouts };
    const ownSession = session ?? (await (pending ?? startPack(packDir, startOptions)));
    try {
        const { configFile, config } = await configureSession(ownSession, options, stack, project, dryRun, stackConfig);
        const anyRemediation = Object.values(config).some((c) => c.enforcementLevel === "remediate");
        const findings = await evaluate(ownSession, resources, {
            remediations: !anyRemediation ? "skip" : options.state ? "report" : "apply",
            unreadable: options.state ? "checkpoint" : mode === "preview" ? "preview" : undefined,
        }).catch(async (e: unknown) => {
            if (e instanceof PackDeadlineError) {
                throw await stuckCall(ownSession.packDir, startOptions, config, e);
            }
            throw e;
        });
        return {
            source,
            pack: { name: ownSession.info.name, version: ownSession.info.version, dir: ownSession.packDir, configFile },
            policies: ownSession.info.policies,
            resources,
            findings,
            dataSources,
            exitCode: findings.some(isBlocking) ? 1 : 0,
        };
    } finally {
        if (!session) {
            await ownSession.close();
        }
    }
}
