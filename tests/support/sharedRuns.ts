/**
 * Set-up shared by the whole suite, loaded by .mocharc.json into every mocha worker before any test file.
 *
 * The gate tests run the same stack program under mocks with the same inputs several times (a config test reruns
 * the plain preview the first test already ran, for example), and each run is a child process that loads
 * ts-node, @pulumi/pulumi and @pulumi/aws: about 1.5 s of CPU. Within a worker, a run with inputs already seen
 * reuses that run's result (a deep copy, so no test can change another's). A run that failed is not kept, so its
 * error is raised afresh. Runs with different inputs are never merged, so every test still exercises the program
 * it asks for. Targeted runs without the config (`mocha --no-config ...`) run every program.
 */
import type { runStackProgram } from "../../gate/runProgram";

type RunStackProgram = typeof runStackProgram;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const runProgram = require("../../gate/runProgram") as { runStackProgram?: RunStackProgram };
const runOnce = runProgram.runStackProgram;
if (typeof runOnce !== "function") {
    throw new Error(
        "tests/support/sharedRuns.ts: gate/runProgram no longer exports runStackProgram; update this " +
            "shared set-up to wrap the function that runs a stack program under mocks",
    );
}

const runs = new Map<string, ReturnType<RunStackProgram>>();

const sharedRunStackProgram: RunStackProgram = (settings, options) => {
    const key = JSON.stringify([settings, options]);
    let run = runs.get(key);
    if (!run) {
        run = runOnce(settings, options);
        runs.set(key, run);
        run.catch(() => runs.delete(key));
    }
    return run.then((result) => structuredClone(result));
};

runProgram.runStackProgram = sharedRunStackProgram;
