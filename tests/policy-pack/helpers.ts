import * as assert from "assert";
import { analyze, analyzeStack } from "./harness/inProcess";
import type { Analysis, Diagnostic, ResourceSpec } from "./harness/requests";

export function findings(analysis: Analysis, policyName?: string): Diagnostic[] {
    return analysis.diagnostics.filter((d) => policyName === undefined || d.policyName === policyName);
}

/** Every finding of every resource policy for each resource, plus the stack policies. */
export async function analyzeAll(stack: ResourceSpec[]): Promise<Diagnostic[]> {
    const perResource = await Promise.all(stack.map(analyze));
    return [...perResource.flatMap((a) => a.diagnostics), ...(await analyzeStack(stack)).diagnostics];
}

export async function resourceFindings(spec: ResourceSpec, policyName: string): Promise<Diagnostic[]> {
    return findings(await analyze(spec), policyName);
}

export async function stackFindings(stack: ResourceSpec[], policyName: string): Promise<Diagnostic[]> {
    return findings(await analyzeStack(stack), policyName);
}

export function assertOneFinding(list: Diagnostic[], ...fragments: string[]): Diagnostic {
    assert.strictEqual(list.length, 1, `expected one finding, got ${JSON.stringify(list, null, 1)}`);
    for (const f of fragments) {
        assert.ok(list[0].message.includes(f), `message lacks "${f}": ${list[0].message}`);
    }
    return list[0];
}

export function assertNone(list: Diagnostic[]): void {
    assert.deepStrictEqual(
        list.map((d) => d.message),
        [],
    );
}
