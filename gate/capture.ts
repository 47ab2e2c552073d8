import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { deserializeProperties } from "@pulumi/pulumi/runtime/rpc";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { JsonObject } from "./engineTypes";
import { awsMocks, DataSourceUse, MockAccount, defaultMockAccount } from "./awsMocks";

/** One resource as the engine sees it when the program registers it. */
export interface CapturedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string | undefined;
    /** Input properties as the program sent them (unknowns as `undefined` in preview). */
    inputs: pulumi.Inputs;
    /** Serialized inputs, unknown sentinels and secrets intact, for handing to the policy pack. */
    serializedInputs: JsonObject;
    /**
     * Serialized state after the (mocked) create, as the engine stores it: the inputs overlaid with what the provider
     * computed; for component resources, what they registered as outputs. Unknown sentinels intact in preview.
     */
    serializedOutputs: JsonObject;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    provider: string | undefined;
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    aliases: string[];
    deleteBeforeReplace: boolean | undefined;
}

export interface CaptureOptions {
    project: string;
    stack: string;
    preview: boolean;
    /** Flat config as Pulumi passes it to a program: `"<namespace>:<key>" -> string` (objects as JSON). */
    config: Record<string, string>;
    secretKeys?: string[];
    account?: MockAccount;
    /**
     * Run the program inside a root `pulumi:pulumi:Stack` resource, as `pulumi preview` does: top-level resources get
     * the stack as parent and the program's result becomes the stack's outputs.
     */
    rootStack?: boolean;
    /** Stack transformations applied to every resource the program registers (needs `rootStack`). */
    transformations?: pulumi.ResourceTransformation[];
    /** Called for every registration, also those made after the program's promise settled (`beforeExit`). */
    onResource?: (resource: CapturedResource) => void;
    /** Called for every data source (invoke) the program calls, saying whether its result is computed or mocked. */
    onDataSource?: (use: DataSourceUse) => void;
}

export interface CaptureResult<T> {
    resources: CapturedResource[];
    outputs: T;
}

const rootStackType = "pulumi:pulumi:Stack";

/** Drains the SDK's queue of outstanding registrations; marked internal in the SDK, so not in its typings. */
const waitForRPCs = (settings as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs;

/**
 * The two monitor calls the capture wraps, with the generated message types (@pulumi/pulumi/proto/resource_pb.d.ts).
 * Under mocks the monitor is the SDK's MockMonitor, which takes these requests and a node-style callback.
 */
interface RegistrationMonitor {
    registerResource(
        req: resproto.RegisterResourceRequest,
        callback: (err: Error | null, resp?: resproto.RegisterResourceResponse) => void,
    ): void;
    registerResourceOutputs(req: resproto.RegisterResourceOutputsRequest, callback: (err: Error | null) => void): void;
}

/** The engine keeps a resource's state as its inputs overlaid with what the provider returned. */
function overlay(inputs: JsonObject, state: JsonObject): JsonObject {
    return { ...inputs, ...state };
}

/**
 * Runs a Pulumi program under mocks and records every resource registration as the engine would receive it:
 * type, name, parent, dependencies, property dependencies and serialized inputs and outputs.
 */
export async function captureProgram<T>(
    program: () => T | Promise<T>,
    options: CaptureOptions,
): Promise<CaptureResult<T>> {
    if (options.transformations?.length && !options.rootStack) {
        throw new Error("captureProgram: transformations need rootStack: true (they hang off the root stack resource)");
    }
    const account = options.account ?? defaultMockAccount;
    pulumi.runtime.setAllConfig(options.config, options.secretKeys);
    const mocks = awsMocks(account, options.preview, options.onDataSource);
    await pulumi.runtime.setMocks(mocks, options.project, options.stack, options.preview);

    const monitor = settings.getMonitor() as unknown as RegistrationMonitor;
    const resources: CapturedResource[] = [];
    const byUrn = new Map<string, CapturedResource>();
    let rootStackUrn: string | undefined;

    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (
        req: resproto.RegisterResourceRequest,
        callback: (err: Error | null, resp?: resproto.RegisterResourceResponse) => void,
    ) => {
        const parent: string = req.getParent();
        // The engine leaves the root stack out of its children's URNs; the mock monitor would prefix its type.
        if (parent && parent === rootStackUrn) {
            req.setParent("");
        }
        register(req, (err, resp) => {
            if (!err && resp) {
                const propertyDependencies: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((deps, key) => {
                    propertyDependencies[key] = deps.getUrnsList();
                });
                const serializedInputs = req.getObject()?.toJavaScript() ?? {};
                const state = resp.getObject()?.toJavaScript() ?? {};
                const captured: CapturedResource = {
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    custom: req.getCustom(),
                    parent: parent || undefined,
                    inputs: deserializeProperties(req.getObject() ?? new Struct()),
                    serializedInputs,
                    serializedOutputs: req.getCustom() ? overlay(serializedInputs, state) : {},
                    dependencies: req.getDependenciesList(),
                    propertyDependencies,
                    protect: req.getProtect() === true,
                    provider: req.getProvider() || undefined,
                    ignoreChanges: req.getIgnorechangesList(),
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                    aliases: req.getAliasurnsList(),
                    deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
                };
                if (captured.type === rootStackType && !captured.parent) {
                    rootStackUrn = captured.urn;
                }
                resources.push(captured);
                byUrn.set(captured.urn, captured);
                options.onResource?.(captured);
            }
            callback(err, resp);
        });
    };

    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (
        req: resproto.RegisterResourceOutputsRequest,
        callback: (err: Error | null) => void,
    ) => {
        const captured = byUrn.get(req.getUrn());
        if (captured) {
            captured.serializedOutputs = req.getOutputs()?.toJavaScript() ?? {};
        }
        registerOutputs(req, callback);
    };

    let outputs: T;
    if (options.rootStack) {
        const transformations = options.transformations ?? [];
        outputs = (await pulumi.runtime.runInPulumiStack(async () => {
            transformations.forEach((t) => {
                pulumi.runtime.registerStackTransformation(t);
            });
            return program();
        })) as T;
    } else {
        outputs = await program();
    }
    await waitForRPCs();
    return { resources, outputs };
}
