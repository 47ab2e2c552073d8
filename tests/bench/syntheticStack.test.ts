import * as assert from "assert";
import { syntheticStack, types } from "../../bench/syntheticStack";

describe("bench: synthetic stacks", () => {
    it("has exactly the requested number of resources, each URN once", () => {
        for (const size of [1_000, 10_000]) {
            const { resources } = syntheticStack(size);
            assert.strictEqual(resources.length, size);
            assert.strictEqual(new Set(resources.map((r) => r.urn)).size, size);
        }
    });

    it("links resources only to resources of the same stack, by property and as dependencies", () => {
        const { resources } = syntheticStack(1_000);
        const urns = new Set(resources.map((r) => r.urn));
        for (const r of resources) {
            for (const [property, targets] of Object.entries(r.propertyDependencies)) {
                for (const target of targets) {
                    assert.ok(urns.has(target), `${r.name}.${property} points at ${target}, which is not in the stack`);
                    assert.ok(r.dependencies.includes(target), `${r.name} does not list ${target} as a dependency`);
                }
            }
        }
    });

    it("gives every bucket its encryption setting and every trail data-event selectors linked to buckets", () => {
        const { resources } = syntheticStack(1_000);
        const buckets = resources.filter((r) => r.type === types.bucket);
        const encrypted = new Set(
            resources.filter((r) => r.type === types.sse).flatMap((r) => r.propertyDependencies.bucket),
        );
        assert.ok(buckets.length > 0);
        assert.deepStrictEqual(
            buckets.filter((b) => !encrypted.has(b.urn)).map((b) => b.name),
            [],
        );
        for (const trail of resources.filter((r) => r.type === types.trail)) {
            assert.ok(trail.propertyDependencies.eventSelectors.length > 0, `${trail.name} covers no bucket`);
        }
    });

    it("scales every part with the size, the injected violations too", () => {
        const small = syntheticStack(10_000);
        const large = syntheticStack(50_000);
        for (const type of [types.bucket, types.trail, types.key, types.role]) {
            const growth = large.composition[type] / small.composition[type];
            assert.ok(growth > 4.5 && growth < 5.5, `${type} grows ${growth.toFixed(2)}x from 10k to 50k`);
        }
        assert.ok(large.expectedFindings.resource > 4 * small.expectedFindings.resource);
        assert.ok(large.expectedFindings.stack > 4 * small.expectedFindings.stack);
    });

    it("rejects a size too small for one group, naming the minimum", () => {
        assert.throws(() => syntheticStack(10), /at least \d+ \(one group\), got 10/);
        assert.throws(() => syntheticStack(1_000.5), /must be an integer/);
    });
});
