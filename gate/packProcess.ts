/**
 * The policy pack as a process: its manifest, whether it is built, the environment the engine gives it, its port
 * on stdout, and its output made readable for error messages. The Pulumi CLI starts a Node.js pack as
 * `node @pulumi/pulumi/cmd/run-policy-pack <engine> .` in the pack's folder (pulumi/pulumi
 * sdk/nodejs/cmd/run-policy-pack); the pack's `serve` prints its gRPC server's port as the first line of stdout
 * (pulumi/pulumi-policy sdk/nodejs/policy/server.ts, `console.log(port.toString())`).
 */
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { GateError } from "./errors";
import type { PackStartOptions } from "./packSession";

interface PackManifest {
    runtimeOptions: Record<string, unknown>;
    version?: string;
}

export function readPackManifest(packDir: string): PackManifest {
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

export function checkPackBuilt(packDir: string): void {
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
export function packEnvironment(options: PackStartOptions): NodeJS.ProcessEnv {
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

export function waitForPort(
    child: ChildProcess,
    packDir: string,
    log: () => string,
    timeoutMs: number,
): Promise<number> {
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
                            `policy pack ${packDir} printed ${JSON.stringify(stdout.trim())} ` +
                                `instead of its port:\n${log()}`,
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

/**
 * The Node.js policy runtime reports an exception outside `@pulumi/policy`'s error handling like this, and then
 * never answers the call that caused it (pulumi/pulumi sdk/nodejs/cmd/run: "Running program '...' failed with an
 * unhandled exception").
 */
export const packCrash = /failed with an unhandled exception/;

/**
 * A pack's error text without the Node.js internals: its message lines and at most three frames in the pack's own
 * files (where the policy's author must look), none from node_modules.
 */
export function withoutInternalFrames(text: string, packDir: string): string {
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
