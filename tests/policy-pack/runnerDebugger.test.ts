import * as assert from "assert";
import type { Session } from "inspector";
import * as vm from "vm";
import { releaseRunnerDebugger } from "../../policy-pack/lib/runnerDebugger";

/** The runner's hooks module, as cmd/run-policy-pack loads it before the pack (lib/runnerDebugger.ts). */
const hooks = require("@pulumi/pulumi/runtime/closure/v8Hooks") as { getSessionAsync(): Promise<Session> };

/** Whether the session hears about a newly compiled script: it does only while its debugger is on. */
async function hearsNewScripts(session: Session): Promise<boolean> {
    let heard = false;
    const listener = () => {
        heard = true;
    };
    session.on("Debugger.scriptParsed", listener);
    vm.runInThisContext(`// runnerDebugger.test ${Math.random()}\n0;`);
    // Inspector notifications of an in-process session are delivered synchronously; a turn of the loop to be sure.
    await new Promise((resolve) => setImmediate(resolve));
    session.off("Debugger.scriptParsed", listener);
    return heard;
}

describe("releaseRunnerDebugger (the pack turns off the debugger the policy-pack runner turned on)", () => {
    it("the runner's session has its debugger on, and off after the call; a second call is harmless", async () => {
        const session = await hooks.getSessionAsync(); // what cmd/run-policy-pack does before loading the pack
        assert.strictEqual(await hearsNewScripts(session), true, "the runner's session should start with it on");
        assert.strictEqual(await releaseRunnerDebugger(), true);
        assert.strictEqual(await hearsNewScripts(session), false, "the debugger should be off after the call");
        assert.strictEqual(await releaseRunnerDebugger(), true);
    });
});
