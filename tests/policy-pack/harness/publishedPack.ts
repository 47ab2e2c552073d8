/**
 * Emulates what Pulumi does with a published Node.js policy pack, step by step, read from the CLI's source
 * (github.com/pulumi/pulumi):
 *
 * - `pulumi policy publish <org>` runs `npm pack` in the pack folder and uploads the tarball
 *   (pkg/backend/httpstate/policypack.go `Publish`, sdk/nodejs/npm/npm.go `Pack`: `npm pack --loglevel=error`).
 * - At enforcement the CLI downloads that tarball, extracts its `package/` folder into a folder of its own and
 *   installs dependencies through the Node.js language host, which runs `npm install --loglevel=error` there,
 *   with no build step (pkg/backend/httpstate/policypack.go `installRequiredPolicy`,
 *   sdk/nodejs/cmd/pulumi-language-nodejs/main.go `InstallDependencies`, sdk/nodejs/npm/npm.go `installCmd`).
 * - It then finds `@pulumi/pulumi/cmd/run-policy-pack` with `require.resolve` run in the pack folder and starts
 *   `node <run-policy-pack> <engine address> <pack folder>` with the pack folder as working directory
 *   (sdk/nodejs/cmd/pulumi-language-nodejs/main.go `locateModule` and `RunPlugin`).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PACK_DIR } from "./packProcess";

/** The shared vocabulary the pack compiles into its bin/ (policy-pack/tsconfig.json rootDir ".."). */
const VOCABULARY_DIR = path.join(PACK_DIR, "..", "vocabulary");

export const RUN_POLICY_PACK_MODULE = "@pulumi/pulumi/cmd/run-policy-pack";

export interface CommandResult {
    stdout: string;
    stderr: string;
}

/** Variables an enclosing `npm test` exports that would point a nested npm at this repository. */
export function isRepositoryNpmVariable(name: string): boolean {
    return /^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/i.test(name);
}

function childEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(
        Object.entries(process.env).filter(
            ([name]) => !isRepositoryNpmVariable(name) && !name.startsWith("TS_NODE_") && name !== "NODE_PATH",
        ),
    );
}

/** Runs a command with a deadline; rejects with its output when it fails or overruns. */
export function run(file: string, args: string[], cwd: string, timeoutMs: number): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
        execFile(
            file,
            args,
            { cwd, env: childEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
            (error, stdout, stderr) => {
                if (error) {
                    const firstLine = error.message.split("\n")[0];
                    const why = error.killed ? `did not finish in ${timeoutMs} ms` : `failed (${firstLine})`;
                    reject(new Error(`${file} ${args.join(" ")} in ${cwd} ${why}\n${stderr}`));
                } else {
                    resolve({ stdout, stderr });
                }
            },
        );
    });
}

export interface PackedTarball {
    file: string;
    /** Paths inside the tarball's `package/` folder, as `npm pack --json` lists them. */
    files: string[];
}

/**
 * A copy of policy-pack/'s sources (no bin/, no node_modules) and of the vocabulary/ its build compiles into bin/,
 * side by side as in the repository, under the repository's node_modules/.cache, where the build still resolves
 * TypeScript and the pack's dependencies from the repository's node_modules. Returns the copy of policy-pack/.
 */
function copyOfPackSources(): string {
    const cache = path.join(PACK_DIR, "..", "node_modules", ".cache", "kms-audit");
    fs.mkdirSync(cache, { recursive: true });
    const root = fs.mkdtempSync(path.join(cache, "policy-pack-"));
    const copy = path.join(root, "policy-pack");
    const skipped = new Set(["bin", "node_modules"].map((name) => path.join(PACK_DIR, name)));
    fs.cpSync(PACK_DIR, copy, { recursive: true, filter: (source) => !skipped.has(source) });
    fs.cpSync(VOCABULARY_DIR, path.join(root, "vocabulary"), { recursive: true });
    return copy;
}

/**
 * `npm pack` of policy-pack/ (its `prepack` script deletes and rebuilds bin/), writing the tarball into
 * `destination`. It runs in a copy of the folder: test files run in parallel (.mocharc.json), and others start
 * packs from policy-pack/bin while this one packs.
 */
export async function packPolicyPack(destination: string, timeoutMs: number): Promise<PackedTarball> {
    const copy = copyOfPackSources();
    let stdout: string;
    try {
        ({ stdout } = await run(
            "npm",
            ["pack", "--json", "--loglevel=error", "--pack-destination", destination],
            copy,
            timeoutMs,
        ));
    } finally {
        fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    }
    const parsed: unknown = JSON.parse(stdout);
    if (!Array.isArray(parsed) || parsed.length !== 1) {
        throw new Error(`npm pack --json printed no single package: ${stdout}`);
    }
    const entry = parsed[0] as { filename?: unknown; files?: unknown };
    if (typeof entry.filename !== "string" || !Array.isArray(entry.files)) {
        throw new Error(`npm pack --json printed no filename or file list: ${stdout}`);
    }
    const files = (entry.files as { path?: unknown }[]).map((f) => String(f.path));
    return { file: path.join(destination, entry.filename), files };
}

/** Extracts the tarball and moves its `package/` folder to `folder`, as the CLI's install does. */
export async function unpack(tarball: string, folder: string, timeoutMs: number): Promise<void> {
    const scratch = fs.mkdtempSync(`${folder}.tmp`);
    try {
        await run("tar", ["-xzf", tarball, "-C", scratch], scratch, timeoutMs);
        fs.renameSync(path.join(scratch, "package"), folder);
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/** Resolves run-policy-pack the way the language host does: `require.resolve` with the pack folder as cwd. */
export async function locateRunPolicyPack(packFolder: string, timeoutMs: number): Promise<string> {
    const script = `console.log(require.resolve(${JSON.stringify(RUN_POLICY_PACK_MODULE)}))`;
    const { stdout } = await run(process.execPath, ["-e", script], packFolder, timeoutMs);
    return stdout.trim();
}

/** A fresh folder under the system temp folder; refuses one inside this repository (it would see its node_modules). */
export function temporaryFolderOutside(repository: string, prefix: string): string {
    const folder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
    const relative = path.relative(fs.realpathSync(repository), folder);
    if (!relative.startsWith("..") && !path.isAbsolute(relative)) {
        fs.rmSync(folder, { recursive: true, force: true });
        throw new Error(`the temporary folder ${folder} is inside ${repository}; set TMPDIR to a folder outside it`);
    }
    return folder;
}
