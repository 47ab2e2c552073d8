/**
 * Prints how long AnalyzeStack takes through @pulumi/policy's own handler (deserialization included) for
 * stacks made of whole copies of the baseline program (up to N resources). Usage: bench.ts [sizes...] (default 10000 50000).
 */
import { performance } from "perf_hooks";
import { analyzeStack, analyzeStackProto } from "./harness/inProcess";
import { ResourceSpec, analyzeStackRequest } from "./harness/requests";
import { baselineStack } from "./fixtures";

function copies(size: number): ResourceSpec[] {
    const unit = baselineStack("preview");
    const stack: ResourceSpec[] = [];
    for (let i = 0; stack.length + unit.length <= size; i++) {
        const rename = (n: string) => n.startsWith("urn:") ? n : `${n}-${i}`;
        stack.push(...unit.map(r => ({ ...r, name: rename(r.name),
            deps: r.deps && Object.fromEntries(Object.entries(r.deps).map(([k, v]) => [k, v.map(rename)])) })));
    }
    return stack;
}

async function main(): Promise<void> {
    const sizes = process.argv.slice(2).map(Number).filter(n => n > 0);
    await analyzeStack(copies(200)); // warm up
    for (const size of sizes.length ? sizes : [10_000, 50_000]) {
        const stack = copies(size);
        const request = analyzeStackRequest(stack);
        const start = performance.now();
        const result = await analyzeStackProto(request);
        const ms = performance.now() - start;
        console.log(`${stack.length} resources: AnalyzeStack ${ms.toFixed(0)} ms (${(ms / size * 1000).toFixed(1)} µs/resource), ` +
            `${result.diagnostics.length} findings, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
    }
}

main().catch(e => { console.error(e); process.exit(1); });
