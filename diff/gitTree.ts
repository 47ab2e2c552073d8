/**
 * `--base <git-ref>`: the program and stack files as committed at a ref, written to a temporary folder with
 * `git archive` (the repository, its index and its worktree list stay untouched), with the working tree's
 * node_modules linked in so the program runs on the dependencies installed here. The folder is always removed.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DiffError } from "./errors";

/** Deadlines for git: resolving a ref is instant; archiving a large repository may take a while. */
const GIT_QUERY_DEADLINE_MS = 30_000;
const GIT_ARCHIVE_DEADLINE_MS = 180_000;

/** Folders to remove even when the process is interrupted (see `removeAllMaterialised`). */
const live = new Set<string>();

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
}

function run(command: string, args: string[], cwd: string, deadlineMs: number): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
        }, deadlineMs);
        child.stdout.on("data", (c) => (stdout += c));
        child.stderr.on("data", (c) => (stderr += c));
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(new DiffError(`${command} could not be started (${e.message}); --base needs git on the PATH`));
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, timedOut });
        });
    });
}

async function git(args: string[], cwd: string): Promise<string> {
    const result = await run("git", args, cwd, GIT_QUERY_DEADLINE_MS);
    if (result.timedOut) {
        throw new DiffError(`git ${args.join(" ")} did not finish within ${GIT_QUERY_DEADLINE_MS / 1000} s`);
    }
    if (result.code !== 0) {
        throw new DiffError(
            `git ${args.join(" ")} failed in ${cwd}: ${result.stderr.trim() || `exit code ${result.code}`}`,
        );
    }
    return result.stdout.trim();
}

/** `git archive <commit> | tar -x`, piped in-process so each side has the deadline. */
function extract(repoRoot: string, commit: string, into: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const archive = spawn("git", ["archive", "--format=tar", commit], {
            cwd: repoRoot,
            stdio: ["ignore", "pipe", "pipe"],
        });
        const tar = spawn("tar", ["-x", "-f", "-", "-C", into], { stdio: ["pipe", "ignore", "pipe"] });
        let errors = "";
        archive.stderr.on("data", (c) => (errors += c));
        tar.stderr.on("data", (c) => (errors += c));
        archive.stdout.pipe(tar.stdin);
        const timer = setTimeout(() => {
            archive.kill("SIGKILL");
            tar.kill("SIGKILL");
            reject(new DiffError(`git archive ${commit} did not finish within ${GIT_ARCHIVE_DEADLINE_MS / 1000} s`));
        }, GIT_ARCHIVE_DEADLINE_MS);
        const failed = (what: string) => (e: Error) => {
            clearTimeout(timer);
            reject(new DiffError(`${what} could not be started (${e.message}); --base needs git and tar on the PATH`));
        };
        archive.on("error", failed("git"));
        tar.on("error", failed("tar"));
        // Both processes must have ended (in either order) before the result is known.
        const codes: { git?: number | null; tar?: number | null } = {};
        const settle = () => {
            if (!("git" in codes) || !("tar" in codes)) {
                return;
            }
            clearTimeout(timer);
            if (codes.git !== 0 || codes.tar !== 0) {
                const detail = errors.trim() || `git exit ${codes.git}, tar exit ${codes.tar}`;
                reject(new DiffError(`extracting ${commit} failed: ${detail}`));
            } else {
                resolve();
            }
        };
        archive.on("close", (code) => {
            codes.git = code;
            settle();
        });
        tar.on("close", (code) => {
            codes.tar = code;
            settle();
        });
    });
}

/** The node_modules folder Node would resolve the program's packages from: the nearest one above the project. */
function nearestNodeModules(projectDir: string): string | undefined {
    for (let dir = projectDir; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "node_modules");
        if (fs.existsSync(candidate)) {
            return candidate;
        }
        if (path.dirname(dir) === dir) {
            return undefined;
        }
    }
}

export interface MaterialisedRef {
    ref: string;
    commit: string;
    /** The project folder inside the materialised tree (same path relative to the repository root). */
    projectDir: string;
    remove(): void;
}

/** Writes the tree of `ref` to a temporary folder. Call `remove()` in a finally block. */
export async function materialiseRef(projectDir: string, ref: string): Promise<MaterialisedRef> {
    if (ref.startsWith("-")) {
        throw new DiffError(`--base ${JSON.stringify(ref)}: a git ref cannot start with '-'`);
    }
    let top: string;
    try {
        top = await git(["rev-parse", "--show-toplevel"], projectDir);
    } catch (e) {
        throw new DiffError(`--base ${ref}: ${projectDir} is not inside a git repository (${(e as Error).message})`);
    }
    const repoRoot = fs.realpathSync(top);
    let commit: string;
    try {
        commit = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], repoRoot);
    } catch {
        throw new DiffError(
            `--base ${ref}: not a commit in the repository at ${repoRoot} (a branch, tag or commit is allowed)`,
        );
    }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kms-audit-diff-base-"));
    live.add(root);
    const remove = () => {
        fs.rmSync(root, { recursive: true, force: true });
        live.delete(root);
    };
    try {
        await extract(repoRoot, commit, root);
        const relativeProject = path.relative(repoRoot, fs.realpathSync(projectDir));
        const modules = nearestNodeModules(fs.realpathSync(projectDir));
        if (modules) {
            const relativeModules = path.relative(repoRoot, modules);
            const inside = !relativeModules.startsWith("..") && !path.isAbsolute(relativeModules);
            const link = inside ? path.join(root, relativeModules) : path.join(root, "node_modules");
            if (!fs.existsSync(link)) {
                fs.mkdirSync(path.dirname(link), { recursive: true });
                fs.symlinkSync(modules, link, "dir");
            }
        }
        return { ref, commit, projectDir: path.join(root, relativeProject), remove };
    } catch (e) {
        remove();
        throw e;
    }
}

/** Removes every materialised tree still present: for signal handlers, where finally blocks do not run. */
export function removeAllMaterialised(): void {
    for (const root of [...live]) {
        fs.rmSync(root, { recursive: true, force: true });
        live.delete(root);
    }
}
