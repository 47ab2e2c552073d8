import * as assert from "assert";
import type { PolicyResource } from "@pulumi/policy";
import { StackGraph } from "../../policy-pack/lib/graph";
import { plainProps } from "../../policy-pack/lib/values";

// The Proxy @pulumi/policy's server wraps every property bag in (internal to the package, so loaded by path).
const { unknownCheckingProxy, unknownStringValue } = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy(props: object): Record<string, unknown>;
    unknownStringValue: string;
};

function resource(type: string, name: string, props: object = {}): PolicyResource {
    return {
        type,
        name,
        urn: `urn:pulumi:s::p::${type}::${name}`,
        props: unknownCheckingProxy(props),
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

function link(from: PolicyResource, property: string, ...targets: PolicyResource[]): void {
    from.propertyDependencies[property] = [...(from.propertyDependencies[property] ?? []), ...targets];
}

const BUCKET = "aws:s3/bucket:Bucket";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";

describe("plainProps: the raw values behind the server's unknown-checking Proxy", () => {
    it("reads an unknown as its sentinel instead of throwing, and keeps every key and nested value", () => {
        const nested = { rule: { sseAlgorithm: "aws:kms" } };
        const props = plainProps(unknownCheckingProxy({ bucket: unknownStringValue, nested, n: 1 }));
        assert.deepStrictEqual(Object.keys(props), ["bucket", "nested", "n"]);
        assert.strictEqual(props.bucket, unknownStringValue);
        assert.strictEqual(props.nested, nested);
        assert.throws(() => unknownCheckingProxy({ bucket: unknownStringValue }).bucket, /can't be known/);
    });

    it("copies a plain object, and gives an empty bag for anything that is not an object", () => {
        const given = { a: 1 };
        assert.deepStrictEqual(plainProps(given), { a: 1 });
        assert.deepStrictEqual(plainProps(null), {});
        assert.deepStrictEqual(plainProps("x"), {});
    });
});

describe("StackGraph: links by dependency edge and by literal name", () => {
    const bucket = resource(BUCKET, "b", { bucket: "logs" });
    const other = resource(BUCKET, "other", { bucket: "other" });
    const sseByEdge = resource(SSE, "sse-edge", { bucket: unknownStringValue });
    const sseByName = resource(SSE, "sse-name", { bucket: "logs" });
    const sseBoth = resource(SSE, "sse-both", { bucket: "logs" });
    const policy = resource(POLICY, "policy", { bucket: "logs" });
    link(sseByEdge, "bucket", bucket);
    link(sseBoth, "bucket", bucket, bucket); // the same edge twice counts once
    link(policy, "policy", bucket); // another property: not a `bucket` referrer
    const graph = new StackGraph([bucket, other, sseByEdge, sseByName, sseBoth, policy]);
    const node = graph.get(bucket.urn)!;

    it("referrers: by property and type, each once; none for an unlinked resource", () => {
        assert.deepStrictEqual(
            graph.referrers(node, [SSE], "bucket").map((r) => r.name),
            ["sse-edge", "sse-both"],
        );
        assert.deepStrictEqual(graph.referrers(node, [POLICY], "bucket"), []);
        assert.deepStrictEqual(
            graph.referrers(node, [POLICY], "policy").map((r) => r.name),
            ["policy"],
        );
        assert.deepStrictEqual(graph.referrers(graph.get(other.urn)!, [SSE], "bucket"), []);
    });

    it("linked: edges first, then literal names, each resource once; a plain resource is found by URN", () => {
        assert.deepStrictEqual(
            graph.linked(node, [SSE], "bucket", "logs").map((r) => r.name),
            ["sse-edge", "sse-both", "sse-name"],
        );
        const plain = { type: BUCKET, name: "b", urn: bucket.urn, props: {} };
        assert.deepStrictEqual(
            graph.linked(plain, [SSE], "bucket", undefined).map((r) => r.name),
            ["sse-edge", "sse-both"],
        );
    });

    it("dependencies: the nodes a property depends on; none for a property without edges", () => {
        assert.deepStrictEqual(
            graph.dependencies(graph.get(sseBoth.urn)!, "bucket").map((r) => r.name),
            ["b", "b"],
        );
        assert.deepStrictEqual(graph.dependencies(graph.get(sseByName.urn)!, "bucket"), []);
        assert.deepStrictEqual(
            graph.withKnownValue([SSE], "bucket", "logs").map((r) => r.name),
            ["sse-name", "sse-both"],
        );
    });
});
