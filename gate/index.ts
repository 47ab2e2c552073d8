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
import { PackSession, startPack } from "./packSession";
import { loadPolicyConfig, reconcilePolicyConfig } from "./policyConfig";
import { loadStackSettings } from "./project";
import { captureStack } from "./runProgram";
import { loadStackExport } from "./state";
import { TransformSpec } from "./transforms";

export { captureStack } from "./runProgram";
export { startPack, PackSession } from "./packSession";
export { evaluate, Finding, isBlocking } from "./evaluate";
export { EngineResource } from "./engineTypes";
export { loadStackSettings } from "./project";
export { parseStackExport } from "./state";
export { GateError, exitCodes } from "./errors";

export type Mode = "preview" | "update";

export interface GateOptions {
    /** Folder with Pulumi.yaml and the Pulumi.<stack>.yaml files (default: the current directory). */
    projectDir?: string;
    /** Run this stack's program; or, with `state`, name the stack whose pack config applies. */
    stack?: string;
    /** A `pulumi stack export` file to audit instead of running the program. */
    state?: string;
    mode?: Mode;
    /** The policy pack folder (default `<projectDir>/policy-pack`). */
    policyPack?: string;
    /** Pack config file (default `<policyPack>/config/<stack>.json` when it exists). */
    policyConfig?: string;
    transforms?: TransformSpec[];
}

export interface GateResult {
    source:
        | { kind: "program"; project: string; stack: string; mode: Mode; entry: string; stackFile: string }
        | { kind: "state"; stack: string; file: string };
    pack: { name: string; version: string; dir: string; configFile?: string };
    policies: PackInfo["policies"];
    resources: EngineResource[];
    findings: Finding[];
    /** 0: no blocking finding; 1: at least one mandatory, unwaived finding. */
    exitCode: 0 | 1;
}

function stackFromUrn(urn: string | undefined): string | undefined {
    return urn?.match(/^urn:pulumi:([^:]+)::/)?.[1];
}

function policyConfigFile(options: GateOptions, packDir: string, stack: string): string | undefined {
    if (options.policyConfig) {
        if (!fs.existsSync(options.policyConfig)) {
            throw new GateError(`--policy-config ${options.policyConfig}: file not found`);
        }
        return path.resolve(options.policyConfig);
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
    const configFile = policyConfigFile(options, session.packDir, stack);
    const given = configFile ? loadPolicyConfig(configFile) : {};
    const reconciled = reconcilePolicyConfig(session.info, given, configFile ?? `policy pack ${session.info.name} defaults`);
    await session.configureStack({ project, stack, dryRun, config });
    await session.configure(reconciled);
    return { configFile, config: reconciled };
}

/**
 * Runs the gate once. Pass a started `session` to reuse one pack process across runs (tests, benchmarks);
 * otherwise the pack is started and stopped here.
 */
export async function runGate(options: GateOptions, session?: PackSession): Promise<GateResult> {
    const projectDir = path.resolve(options.projectDir ?? ".");
    const packDir = path.resolve(projectDir, options.policyPack ?? "policy-pack");
    const mode = options.mode ?? "preview";
    if (!options.state && !options.stack) {
        throw new GateError("either --stack <name> (run the program) or --state <file> (audit a checkpoint) is required");
    }
    if (options.state && options.transforms?.length) {
        throw new GateError("--transform changes the program's resources; it cannot be combined with --state");
    }

    let resources: EngineResource[];
    let source: GateResult["source"];
    let project: string;
    let stack: string;
    let stackConfig: Record<string, string> = {};
    if (options.state) {
        const file = path.resolve(options.state);
        resources = loadStackExport(file);
        stack = options.stack ?? stackFromUrn(resources[0]?.urn) ?? "unknown";
        project = resources[0]?.urn.split("::")[1] ?? "unknown";
        source = { kind: "state", stack, file };
    } else {
        const settings = loadStackSettings(projectDir, options.stack!);
        const captured = await captureStack(settings, { preview: mode === "preview", transforms: options.transforms });
        resources = engineResourcesFromCapture(captured, settings);
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

    const ownSession = session ?? (await startPack(packDir, { project, stack, dryRun: mode === "preview", config: stackConfig }));
    try {
        const { configFile, config } = await configureSession(ownSession, options, stack, project, mode === "preview", stackConfig);
        const anyRemediation = Object.values(config).some((c) => c.enforcementLevel === "remediate");
        const findings = await evaluate(ownSession, resources, {
            remediations: !anyRemediation ? "skip" : options.state ? "report" : "apply",
        });
        return {
            source,
            pack: { name: ownSession.info.name, version: ownSession.info.version, dir: ownSession.packDir, configFile },
            policies: ownSession.info.policies,
            resources,
            findings,
            exitCode: findings.some(isBlocking) ? 1 : 0,
        };
    } finally {
        if (!session) {
            await ownSession.close();
        }
    }
}
