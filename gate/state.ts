import * as fs from "fs";
import { specialSigKey, specialSecretSig, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { EngineResource, PropertyMap } from "./engineTypes";
import { errorMessage, GateError, readErrorDetail } from "./errors";
import { analyzerValue, nameFromUrn, providerUrnFromReference, UnrecognizedValueError } from "./engineView";

/**
 * Checkpoint secrets are `{ <sig>: <secret sig>, ciphertext | plaintext }`; the analyzer protocol carries them as
 * `{ <sig>: <secret sig>, value }`. A `--show-secrets` export has the JSON text of the value in `plaintext`. A secret
 * exported only as ciphertext cannot be read: it goes to the pack as an unknown value (a policy that reads it cannot
 * judge it), and evaluate.ts reports the policies that read it as not evaluated, never judging placeholder text.
 */
function toWire(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(toWire);
    }
    if (typeof value !== "object" || value === null) {
        return value;
    }
    const record = value as Record<string, unknown>;
    if (record[specialSigKey] === specialSecretSig && !("value" in record)) {
        let secret: unknown = unknownValue;
        if (typeof record.plaintext === "string") {
            try {
                secret = JSON.parse(record.plaintext);
            } catch {
                secret = record.plaintext;
            }
        }
        return { [specialSigKey]: specialSecretSig, value: toWire(secret) };
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toWire(v)]));
}

/**
 * The engine's own test of a URN: the `urn:pulumi:` prefix and at least three `::` delimiters
 * (pulumi/pulumi sdk/go/common/resource/urn/urn.go, URN.IsValid, used by Parse when a checkpoint is loaded).
 */
function isUrn(urn: string): boolean {
    return urn.startsWith("urn:pulumi:") && urn.split("::").length - 1 >= 3;
}

/** A JSON object (not null, not a list), whose keys can then be read as unknown values. */
function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A resource's inputs or outputs from a checkpoint, as the engine would hand them to an analyzer. */
function checkpointProperties(value: unknown, file: string, where: string): PropertyMap {
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        throw new GateError(`${file}: ${where} must be an object of properties`);
    }
    try {
        return analyzerValue(toWire(value)) as PropertyMap;
    } catch (e) {
        if (e instanceof UnrecognizedValueError) {
            throw new GateError(
                `${file}: ${where}.${e.message}; \`pulumi stack import\` would refuse this checkpoint too`,
            );
        }
        throw e;
    }
}

function stringList(value: unknown, file: string, where: string): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
        throw new GateError(`${file}: ${where} must be a list of strings`);
    }
    return value as string[];
}

/**
 * Reads `pulumi stack export` output (deployment version 3) into what the engine analyzes for
 * `pulumi policy analyze`: every resource not pending deletion, inputs for Analyze and outputs for AnalyzeStack,
 * parents, dependencies and property dependencies from the checkpoint, and each resource's provider.
 */
export function parseStackExport(file: string, text: string): EngineResource[] {
    try {
        return parseStackExportUnguarded(file, text);
    } catch (e) {
        // JSON nested deeper than the stack allows (only a crafted file does that) is bad input, not a gate crash.
        if (e instanceof RangeError) {
            throw new GateError(`${file}: values are nested too deeply to be read (${e.message})`);
        }
        throw e;
    }
}

function parseStackExportUnguarded(file: string, text: string): EngineResource[] {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new GateError(`${file}: is not valid JSON: ${errorMessage(e)}`);
    }
    if (!isRecord(doc) || !isRecord(doc.deployment)) {
        throw new GateError(
            `${file}: expected the output of \`pulumi stack export\`: an object with version and deployment`,
        );
    }
    if (doc.version !== 3) {
        throw new GateError(
            `${file}: version ${JSON.stringify(doc.version)} is not supported; ` +
                "allowed: 3 (current pulumi stack export)",
        );
    }
    const raw = doc.deployment.resources ?? [];
    if (!Array.isArray(raw)) {
        throw new GateError(`${file}: deployment.resources must be a list`);
    }
    const providerReferences = new Map<string, string>();
    const resources: EngineResource[] = [];
    raw.forEach((r: unknown, index: number) => {
        if (isRecord(r) && r.delete === true) {
            return;
        }
        const where = `deployment.resources[${index}]`;
        if (!isRecord(r) || typeof r.urn !== "string" || typeof r.type !== "string") {
            throw new GateError(`${file}: ${where} must have a urn and a type (strings)`);
        }
        const urn = r.urn;
        const type = r.type;
        if (!isUrn(urn)) {
            throw new GateError(
                `${file}: ${where}.urn ${JSON.stringify(urn.slice(0, 200))} is not a Pulumi URN ` +
                    "(urn:pulumi:<stack>::<project>::<type>::<name>); the engine would refuse this checkpoint too",
            );
        }
        const propertyDependencies: Record<string, string[]> = {};
        const dependencyTable = isRecord(r.propertyDependencies) ? r.propertyDependencies : {};
        for (const [key, deps] of Object.entries(dependencyTable)) {
            propertyDependencies[key] = stringList(deps, file, `${where}.propertyDependencies.${key}`);
        }
        if (typeof r.provider === "string" && r.provider !== "") {
            providerReferences.set(urn, r.provider);
        }
        resources.push({
            urn,
            type,
            name: nameFromUrn(urn),
            custom: r.custom === true,
            parent: typeof r.parent === "string" && r.parent !== "" ? r.parent : undefined,
            inputs: checkpointProperties(r.inputs, file, `${where}.inputs`),
            outputs: checkpointProperties(r.outputs, file, `${where}.outputs`),
            dependencies: stringList(r.dependencies, file, `${where}.dependencies`),
            propertyDependencies,
            protect: r.protect === true,
            ignoreChanges: stringList(r.ignoreChanges, file, `${where}.ignoreChanges`),
            additionalSecretOutputs: stringList(r.additionalSecretOutputs, file, `${where}.additionalSecretOutputs`),
            aliases: stringList(r.aliases, file, `${where}.aliases`),
        });
    });
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    for (const r of resources) {
        const reference = providerReferences.get(r.urn);
        const provider = reference ? byUrn.get(providerUrnFromReference(reference)) : undefined;
        if (provider) {
            r.provider = { urn: provider.urn, type: provider.type, name: provider.name, inputs: provider.inputs };
        }
    }
    return resources;
}

export function loadStackExport(file: string): EngineResource[] {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new GateError(`--state ${file}: cannot be read (${readErrorDetail(e)})`);
    }
    return parseStackExport(file, text);
}
