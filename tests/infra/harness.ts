import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { captureProgram, CapturedResource } from "../../gate/capture";
import { defaultMockAccount } from "../../gate/awsMocks";
import { namespacedConfig, parseBaselineConfig } from "../../infra/config";
import { KmsAuditBaseline } from "../../infra/baseline";

export const repoRoot = path.resolve(__dirname, "..", "..");

/** A stack file's config as Pulumi hands it to a program: flat `ns:key` strings, structured values as JSON. */
export function stackConfig(stack: string): Record<string, string> {
    return stackFileConfig(path.join(repoRoot, `Pulumi.${stack}.yaml`));
}

/** The same, for a stack file at any path. */
export function stackFileConfig(file: string): Record<string, string> {
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    const flat: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        flat[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return flat;
}

export interface BaselineRun {
    resources: CapturedResource[];
    baseline: KmsAuditBaseline;
    /** Every resource of one type. */
    ofType(type: string): CapturedResource[];
    /** The one resource of a type whose name matches; throws when there is not exactly one. */
    one(type: string, name?: string | RegExp): CapturedResource;
    byUrn(urn: string): CapturedResource;
    /** Resource names (`<type>::<name>`) the program registered with `retainOnDelete: true`. */
    retainedOnDelete: Set<string>;
}

/** Registration requests as the mocked monitor receives them: only the accessors this harness reads. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getRetainondelete(): boolean | undefined;
}

/**
 * Records which resources ask the engine to retain them on delete (the gate's capture does not keep that option).
 * Called inside the program, after the capture has installed its mocked monitor, so it sees every registration.
 */
function recordRetainOnDelete(into: Set<string>): void {
    type Monitor = { registerResource(req: RegisterRequest, callback: unknown): void };
    const monitor = settings.getMonitor() as unknown as Monitor;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        if (req.getRetainondelete() === true) {
            into.add(`${req.getType()}::${req.getName()}`);
        }
        register(req, callback);
    };
}

/**
 * Runs `run` with V8's own stack formatting instead of the source-mapped one ts-node installs in this process
 * (source-map-support's `Error.prepareStackTrace`). @pulumi/pulumi takes a full stack trace for every resource and
 * every promise it tracks (resource.js `Resource.callsites`, runtime/debuggable.js `debuggablePromise`), and mapping
 * each frame back to TypeScript was a third of an in-process run's CPU (a profile of
 * tests/access/mutations.test.ts). Nothing here reads those traces: the capture keeps no source positions, and the
 * program's resources and outputs are the same either way. A failing run's error still carries its message; only
 * its stack shows JavaScript positions.
 */
async function withPlainStackTraces<T>(run: () => Promise<T>): Promise<T> {
    // @types/node declares the hook as always set; V8 formats stacks itself when it is undefined.
    const hooks = Error as { prepareStackTrace?: unknown };
    const sourceMapped = hooks.prepareStackTrace;
    hooks.prepareStackTrace = undefined;
    try {
        return await run();
    } finally {
        hooks.prepareStackTrace = sourceMapped;
    }
}

/** Runs the baseline for a stack's config (optionally changed) under mocks and returns what it registered. */
export async function runBaseline(
    stack: string,
    options: { preview?: boolean; overrides?: Record<string, string | undefined> } = {},
): Promise<BaselineRun> {
    const config = { ...stackConfig(stack), ...prefixed(options.overrides ?? {}) };
    for (const [k, v] of Object.entries(config)) {
        if (v === undefined) delete config[k];
    }
    const region = config["aws:region"] ?? defaultMockAccount.region;
    const retainedOnDelete = new Set<string>();
    const { resources, outputs } = await withPlainStackTraces(() =>
        captureProgram(
            () => {
                recordRetainOnDelete(retainedOnDelete);
                return new KmsAuditBaseline(parseBaselineConfig(namespacedConfig(config), stack));
            },
            {
                project: "kms-audit",
                stack,
                preview: options.preview ?? false,
                config,
                account: { ...defaultMockAccount, region },
            },
        ),
    );
    const ofType = (type: string) => resources.filter((r) => r.type === type);
    return {
        resources,
        baseline: outputs,
        retainedOnDelete,
        ofType,
        one(type, name) {
            const matches = ofType(type).filter(
                (r) => name === undefined || (typeof name === "string" ? r.name === name : name.test(r.name)),
            );
            if (matches.length !== 1) {
                throw new Error(
                    `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${matches.map((m) => m.name).join(", ") || "none"}`,
                );
            }
            return matches[0];
        },
        byUrn(urn) {
            const found = resources.find((r) => r.urn === urn);
            if (!found) throw new Error(`no resource with URN ${urn}`);
            return found;
        },
    };
}

function prefixed(overrides: Record<string, string | undefined>): Record<string, string> {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(overrides)) {
        out[k.includes(":") ? k : `kms-audit:${k}`] = v;
    }
    return out;
}
