import * as path from "path";
import {
    specialArchiveSig,
    specialAssetSig,
    specialOutputValueSig,
    specialResourceSig,
    specialSecretSig,
    specialSigKey,
    unknownValue,
} from "@pulumi/pulumi/runtime/rpc";
import { CapturedResource } from "./capture";
import { EngineProvider, EngineResource, PropertyMap } from "./engineTypes";
import { GateError } from "./errors";
import { StackSettings } from "./project";

const providerTypePrefix = "pulumi:providers:";

/** `urn:pulumi:<stack>::<project>::<type>::<name>`; a name may itself contain `::`. */
export function nameFromUrn(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** A provider reference is `<provider urn>::<provider id>`. */
export function providerUrnFromReference(reference: string): string {
    return reference.slice(0, reference.lastIndexOf("::"));
}

/** A value with a signature the engine does not know: it would refuse to load it, so the gate refuses it too. */
export class UnrecognizedValueError extends Error {
    constructor(
        readonly path: string,
        readonly signature: unknown,
    ) {
        super(`${path || "(the value)"}: unrecognized value signature ${JSON.stringify(signature)}`);
    }
}

const knownSignatures = new Set([
    specialSecretSig,
    specialResourceSig,
    specialAssetSig,
    specialArchiveSig,
    specialOutputValueSig,
]);

/**
 * A property value as the engine hands it to an analyzer. The engine marshals analyzer properties with
 * `KeepResources: false` and without `KeepOutputValues` (pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go,
 * Analyze/AnalyzeStack/Remediate), and `MarshalPropertyValue` (pkg/resource/plugin/rpc.go) then sends:
 * - a resource reference as the referenced resource's ID (the unknown sentinel while that ID is unknown, as at a
 *   first preview), or as its URN when it has no ID (a component);
 * - an output value as its element, unknown when not known, wrapped as a secret when secret.
 * Policies therefore never see the reference object itself; `@pulumi/policy` cannot decode one and fails outside
 * its error handling. Any other unrecognized signature throws UnrecognizedValueError (the caller names the resource).
 */
export function analyzerValue(value: unknown, path = ""): unknown {
    if (Array.isArray(value)) {
        return value.map((v, i) => analyzerValue(v, `${path}[${i}]`));
    }
    if (typeof value !== "object" || value === null) {
        return value;
    }
    const record = value as Record<string, unknown>;
    const signature = record[specialSigKey];
    if (signature === specialResourceSig) {
        if (!("id" in record)) {
            return record.urn;
        }
        // pkg/resource/plugin/rpc.go UnmarshalPropertyValue: an empty or unknown ID is a computed (unknown) ID.
        const known = typeof record.id === "string" && record.id !== "" && record.id !== unknownValue;
        return known ? record.id : unknownValue;
    }
    if (signature === specialOutputValueSig) {
        const element = "value" in record ? analyzerValue(record.value, path) : unknownValue;
        return record.secret === true ? { [specialSigKey]: specialSecretSig, value: element } : element;
    }
    if (signature !== undefined && !knownSignatures.has(signature as string)) {
        throw new UnrecognizedValueError(path, signature);
    }
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(record)) {
        result[key] = key === specialSigKey ? entry : analyzerValue(entry, path ? `${path}.${key}` : key);
    }
    return result;
}

function analyzerProperties(props: PropertyMap, urn: string, which: string): PropertyMap {
    try {
        return analyzerValue(props) as PropertyMap;
    } catch (e) {
        if (e instanceof UnrecognizedValueError) {
            throw new GateError(`resource ${urn}: ${which} ${e.message}`);
        }
        throw e;
    }
}

/** The version of the package's SDK the program uses, which names the engine's default provider. */
function packageVersion(pkg: string, projectDir: string): string | undefined {
    try {
        const manifest = require.resolve(`@pulumi/${pkg}/package.json`, { paths: [projectDir] });
        return require(manifest).version;
    } catch {
        return undefined;
    }
}

/**
 * The default provider the engine creates for a package on first use: `default_<version>` with the stack's config
 * of that package's namespace (e.g. `aws:region`) as its inputs.
 */
function defaultProvider(pkg: string, settings: StackSettings): EngineResource {
    const version = packageVersion(pkg, settings.projectDir);
    const name = version ? `default_${version.replace(/[.+-]/g, "_")}` : "default";
    const type = `${providerTypePrefix}${pkg}`;
    const inputs: PropertyMap = {};
    for (const [key, value] of Object.entries(settings.config)) {
        if (key.startsWith(`${pkg}:`)) {
            inputs[key.slice(pkg.length + 1)] = value;
        }
    }
    if (version) {
        inputs.version = version;
    }
    return {
        urn: `urn:pulumi:${settings.stack}::${settings.project}::${type}::${name}`,
        type,
        name,
        custom: true,
        inputs,
        outputs: inputs,
        dependencies: [],
        propertyDependencies: {},
        protect: false,
        ignoreChanges: [],
        additionalSecretOutputs: [],
        aliases: [],
    };
}

function asProvider(r: EngineResource): EngineProvider {
    return { urn: r.urn, type: r.type, name: r.name, inputs: r.inputs };
}

/**
 * What the engine would analyze for a program run: every registered resource, plus the default provider of each
 * package (created just before its first user), each custom resource linked to the provider that manages it.
 */
export function engineResourcesFromCapture(captured: CapturedResource[], settings: StackSettings): EngineResource[] {
    const result: EngineResource[] = [];
    const providers = new Map<string, EngineResource>();
    const defaults = new Map<string, EngineResource>();
    for (const c of captured) {
        const resource: EngineResource = {
            urn: c.urn,
            type: c.type,
            name: c.name,
            custom: c.custom,
            parent: c.parent,
            inputs: analyzerProperties(c.serializedInputs, c.urn, "input"),
            outputs: analyzerProperties(c.serializedOutputs, c.urn, "output"),
            dependencies: c.dependencies,
            propertyDependencies: c.propertyDependencies,
            protect: c.protect,
            ignoreChanges: c.ignoreChanges ?? [],
            additionalSecretOutputs: c.additionalSecretOutputs ?? [],
            aliases: c.aliases ?? [],
            deleteBeforeReplace: c.deleteBeforeReplace,
        };
        if (c.type.startsWith(providerTypePrefix)) {
            providers.set(c.urn, resource);
        } else if (c.custom) {
            const explicit = c.provider ? providers.get(providerUrnFromReference(c.provider)) : undefined;
            if (explicit) {
                resource.provider = asProvider(explicit);
            } else {
                const pkg = c.type.split(":")[0];
                let provider = defaults.get(pkg);
                if (!provider) {
                    provider = defaultProvider(pkg, settings);
                    defaults.set(pkg, provider);
                    result.push(provider);
                }
                resource.provider = asProvider(provider);
            }
        }
        result.push(resource);
    }
    return result;
}

/** Where a finding about this stack's program points in the repository: the program's entry file. */
export function programEntryFile(settings: StackSettings): string {
    return path.extname(settings.entry) ? settings.entry : path.join(settings.entry, "index.ts");
}
