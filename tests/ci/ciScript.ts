/** What `.ci/run` would run, read by running it with CI_DRY_RUN=1 (it prints each command instead of running it). */
import { spawnSync } from "child_process";
import * as path from "path";

export const repositoryRoot = path.resolve(__dirname, "..", "..");

export interface DryRun {
    status: number | null;
    commands: string[];
    stderr: string;
}

/** Runs `<root>/.ci/run` in dry-run mode; `root` defaults to this repository. */
export function dryRunCi(root: string = repositoryRoot): DryRun {
    const result = spawnSync("bash", [path.join(root, ".ci", "run")], {
        env: { ...process.env, CI_DRY_RUN: "1" },
        encoding: "utf8",
        timeout: 30_000,
    });
    const commands = result.stdout
        .split("\n")
        .filter((line) => line.startsWith("+ "))
        .map((line) => line.slice(2));
    return { status: result.status, commands, stderr: result.stderr };
}
