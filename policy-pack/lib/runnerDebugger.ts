/**
 * Turns off the V8 debugger that Pulumi's policy-pack runner leaves on in the pack's process.
 *
 * The Pulumi CLI starts every pack with @pulumi/pulumi's `cmd/run-policy-pack`, which first opens an inspector
 * session and sends `Debugger.enable` (pulumi/pulumi sdk/nodejs/cmd/run-policy-pack/index.ts, `initializeHooks`;
 * sdk/nodejs/runtime/closure/v8Hooks.ts, `createInspectorSessionAsync`), only to hear `Debugger.scriptParsed`
 * events: closure serialization (`pulumi.runtime.serializeFunction`) maps script ids to file names with them when
 * it reports a function it cannot serialize. A policy pack serializes no closures. With the debugger on, V8 does
 * debugger work for every exception thrown, caught or not, and @pulumi/policy's server learns that a rule does
 * not apply only from a thrown `NotApplicableError` (node_modules/@pulumi/policy/server.js, makeAnalyzeRpcFun):
 * a rule that covers several types throws for every resource of any other type, tens of thousands of times per
 * stack. Measured in docs/benchmarks.md (profile notes): a throw costs about ten times more with the debugger on.
 *
 * `Debugger.disable` on the runner's own session turns the debugger off (no other session enables it in a pack
 * process); it changes nothing the engine or a rule sees.
 */
/** The runner's module (@internal in @pulumi/pulumi, so it is read as `unknown` and checked before use). */
const hooksModule = "@pulumi/pulumi/runtime/closure/v8Hooks";

interface InspectorSessionLike {
    post(method: string, callback: (error: Error | null) => void): void;
}

function isSessionLike(value: unknown): value is InspectorSessionLike {
    return typeof value === "object" && value !== null && typeof (value as { post?: unknown }).post === "function";
}

/**
 * The hooks module's `getSessionAsync`: the runner's session, which it opened before loading the pack. The module
 * keeps one session per process, so a caller without the runner gets a new one, enabled and then turned off here.
 */
function runnerSession(): Promise<unknown> | undefined {
    const hooks: unknown = require(hooksModule);
    const getSessionAsync = (hooks as { getSessionAsync?: unknown }).getSessionAsync;
    return typeof getSessionAsync === "function" ? (getSessionAsync as () => Promise<unknown>)() : undefined;
}

/**
 * Sends `Debugger.disable` on the runner's inspector session, if the runner opened one. Resolves to whether it
 * did; never rejects (a pack must start whatever the runner's internals look like: then only speed is lost).
 */
export async function releaseRunnerDebugger(): Promise<boolean> {
    try {
        const session = await runnerSession();
        if (!isSessionLike(session)) {
            return false;
        }
        await new Promise<void>((resolve, reject) =>
            session.post("Debugger.disable", (error) => (error ? reject(error) : resolve())),
        );
        return true;
    } catch {
        return false;
    }
}
