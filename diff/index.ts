/**
 * The security diff: what a change to the program or its stack file does to security, judged offline. Both sides
 * are put through the gate (the program under the gate's mocks with values known, as `--update`; or a
 * `pulumi stack export`), through one policy pack process, and compared: resources, policy statements,
 * principal-level access, policy-pack findings, security settings, and a verdict.
 */
import * as fs from "fs";
import * as path from "path";
import {
    defaultPolicyPack,
    EngineResource,
    Finding,
    GateError,
    GateOptions,
    loadStackSettings,
    packTimeouts,
    runGate,
    startPack,
} from "../gate";
import type { GateResult } from "../gate";
import type { TransformSpec } from "../gate/transforms";
import { AccessChange, AccessChangeGroup, accessChanges, groupAccessChanges } from "./access";
import { ActionCatalogue } from "./catalogue";
import { StackDocument, stackDocuments } from "./documents";
import { DiffError } from "./errors";
import { findingChanges, FindingChange } from "./findings";
import { materialiseRef, MaterialisedRef } from "./gitTree";
import { ResourceChange, resourceChanges } from "./resources";
import { SettingChange, settingChanges } from "./settings";
import { StatementChange, statementChanges, UnreadableDocument } from "./statements";
import { Verdict, verdictOf } from "./verdict";

export type BaseSpec =
    | { kind: "ref"; ref: string }
    | { kind: "state"; file: string }
    /** Another checkout or a copy of the project (tests, local comparisons). */
    | { kind: "program"; projectDir: string };

export interface DiffOptions {
    /** Folder with Pulumi.yaml and the stack files (default: the current directory). */
    projectDir?: string;
    stack: string;
    base: BaseSpec;
    /** The pack both sides are checked with (default `<projectDir>/policy-pack`). */
    policyPack?: string;
    policyConfig?: string;
    /** The gate's deadline for each program run, the pack's start and each pack call (`--timeout`). */
    timeoutMs?: number;
    /** What-if aid: the gate's stack transformations, applied to the head side only. */
    transforms?: TransformSpec[];
}

export interface DiffSide {
    kind: "program" | "ref" | "state" | "empty";
    /** The working tree folder, the ref and its commit, or the export file. */
    description: string;
    commit?: string;
    resources: number;
    findings: number;
}

export interface DiffResult {
    stack: string;
    base: DiffSide;
    head: DiffSide;
    pack: { name: string; version: string };
    resources: ResourceChange[];
    statements: StatementChange[];
    unreadableDocuments: UnreadableDocument[];
    /** One entry per principal, action and resource (what the JSON report groups). */
    access: AccessChange[];
    accessGroups: AccessChangeGroup[];
    /** The documents each side holds (for callers that evaluate them further; not in the JSON report). */
    documents: { base: StackDocument[]; head: StackDocument[] };
    findings: FindingChange[];
    settings: SettingChange[];
    verdict: Verdict;
    /** Milliseconds spent per phase, for the cost figure in docs/diff.md. */
    timings: { base: number; head: number; compare: number; total: number };
}

interface Side {
    info: DiffSide;
    resources: EngineResource[];
    findings: Finding[];
}

function sideOf(result: GateResult, info: Omit<DiffSide, "resources" | "findings">): Side {
    return {
        info: { ...info, resources: result.resources.length, findings: result.findings.length },
        resources: result.resources,
        findings: result.findings,
    };
}

export async function runDiff(options: DiffOptions): Promise<DiffResult> {
    const started = Date.now();
    const projectDir = path.resolve(options.projectDir ?? ".");
    const packDir = options.policyPack ? path.resolve(options.policyPack) : defaultPolicyPack;
    const policyConfig = options.policyConfig && path.resolve(options.policyConfig);
    if (options.base.kind === "state" && !fs.existsSync(options.base.file)) {
        throw new DiffError(`--base-state ${options.base.file}: file not found`);
    }
    const settings = loadStackSettings(projectDir, options.stack);
    // A bad ref fails before anything runs; the tree is removed whatever happens next.
    const tree = options.base.kind === "ref" ? await materialiseRef(projectDir, options.base.ref) : undefined;
    try {
        const session = await startPack(packDir, {
            project: settings.project,
            stack: settings.stack,
            dryRun: false,
            config: settings.config,
            timeouts: packTimeouts(options.timeoutMs),
        });
        try {
            // Both sides use the working tree's pack and pack config, so a finding changes only when the stack does.
            const gateOptions = (extra: GateOptions): GateOptions => ({
                stack: options.stack,
                mode: "update",
                policyPack: packDir,
                policyConfig,
                timeoutMs: options.timeoutMs,
                ...extra,
            });

            const headStarted = Date.now();
            const headResult = await withContext("working tree", () =>
                runGate(gateOptions({ projectDir, transforms: options.transforms }), session),
            );
            const head = sideOf(headResult, { kind: "program", description: projectDir });
            const headMs = Date.now() - headStarted;

            const baseStarted = Date.now();
            const base = await withContext(baseLabel(options.base), () =>
                baseSide(options, tree, gateOptions, session),
            );
            const baseMs = Date.now() - baseStarted;

            const compareStarted = Date.now();
            const baseDocuments = stackDocuments(base.resources);
            const headDocuments = stackDocuments(head.resources);
            const resources = resourceChanges(base.resources, head.resources);
            const { changes: statements, unreadable } = statementChanges(baseDocuments, headDocuments);
            const access = await accessChanges(baseDocuments, headDocuments, new ActionCatalogue());
            const accessGroups = groupAccessChanges(access);
            const findings = findingChanges(base.findings, head.findings);
            const settingsChanged = settingChanges(base.resources, head.resources, resources);
            const verdict = verdictOf({
                accessGroups,
                findings,
                settings: settingsChanged,
                unreadable,
                statements,
                resources,
                headResources: head.resources,
            });
            const compareMs = Date.now() - compareStarted;
            return {
                stack: options.stack,
                base: base.info,
                head: head.info,
                pack: { name: session.info.name, version: session.info.version },
                resources,
                statements,
                unreadableDocuments: unreadable,
                access,
                accessGroups,
                documents: { base: baseDocuments, head: headDocuments },
                findings,
                settings: settingsChanged,
                verdict,
                timings: { base: baseMs, head: headMs, compare: compareMs, total: Date.now() - started },
            };
        } finally {
            await session.close();
        }
    } finally {
        tree?.remove();
    }
}

function baseLabel(base: BaseSpec): string {
    return base.kind === "ref"
        ? `--base ${base.ref}`
        : base.kind === "state"
          ? `--base-state ${base.file}`
          : `base ${base.projectDir}`;
}

/** Says which side a program, stack file or export error comes from; other errors pass unchanged. */
async function withContext<T>(side: string, run: () => Promise<T>): Promise<T> {
    try {
        return await run();
    } catch (e) {
        if (e instanceof GateError && !(e instanceof DiffError)) {
            throw new DiffError(`${side}: ${e.message}`);
        }
        throw e;
    }
}

async function baseSide(
    options: DiffOptions,
    tree: MaterialisedRef | undefined,
    gateOptions: (extra: GateOptions) => GateOptions,
    session: Parameters<typeof runGate>[1],
): Promise<Side> {
    const spec = options.base;
    switch (spec.kind) {
        case "state": {
            const file = path.resolve(spec.file);
            return sideOf(await runGate(gateOptions({ state: file, mode: undefined }), session), {
                kind: "state",
                description: file,
            });
        }
        case "program":
            return sideOf(await runGate(gateOptions({ projectDir: path.resolve(spec.projectDir) }), session), {
                kind: "program",
                description: path.resolve(spec.projectDir),
            });
        case "ref": {
            const stackFile = `Pulumi.${options.stack}.yaml`;
            if (!fs.existsSync(path.join(tree!.projectDir, stackFile))) {
                // A stack the change introduces: everything in it is new.
                const description = `${spec.ref} (no ${stackFile} there)`;
                return {
                    info: { kind: "empty", description, commit: tree!.commit, resources: 0, findings: 0 },
                    resources: [],
                    findings: [],
                };
            }
            const result = await runGate(gateOptions({ projectDir: tree!.projectDir }), session);
            return sideOf(result, { kind: "ref", description: spec.ref, commit: tree!.commit });
        }
    }
}
