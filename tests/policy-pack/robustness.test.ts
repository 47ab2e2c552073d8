import * as assert from "assert";
import { analyze, analyzeStack } from "./harness/inProcess";
import { UNKNOWN } from "./harness/requests";
import type { ResourceSpec } from "./harness/requests";
import { ruleCatalog } from "../../policy-pack/catalog";
import { T } from "./fixtures";

const types = [...new Set([...ruleCatalog.flatMap(r => r.types), ...Object.values(T)])];
const oddValues: unknown[] = [UNKNOWN, "a string", 42, true, null, [], [1, "x"], {}, { rule: "x" }, [[]], "{not json"];
const oddProps = (seed: number): Record<string, unknown> => Object.fromEntries(
    ["policy", "rules", "rule", "bucket", "enableKeyRotation", "eventSelectors", "advancedEventSelectors", "insightSelectors",
        "serverSideEncryptionConfiguration", "serverSideEncryptionConfigurations", "versioning", "versionings", "logging",
        "loggings", "versioningConfiguration", "kmsKeyId", "kmsMasterKeyId", "storageEncrypted", "retentionInDays",
        "customerMasterKeySpec", "grants", "acl", "enabled", "targetBucket", "s3BucketName", "deletionWindowInDays"]
        .map((k, i) => [k, oddValues[(i + seed) % oddValues.length]]));

describe("unexpected property shapes never make a rule throw", () => {
    it("every resource rule answers (finding or silence) for odd shapes of every type", async () => {
        for (let seed = 0; seed < oddValues.length; seed++) {
            for (const type of types) {
                const analysis = await analyze({ type, name: "odd", props: oddProps(seed) }); // a throw would reject
                assert.ok(analysis.diagnostics.every(d => !d.message.includes("could not be evaluated")),
                    analysis.diagnostics.map(d => d.message).join("\n"));
            }
        }
    });
    it("every stack rule answers for a stack of odd shapes linked to each other", async () => {
        for (let seed = 0; seed < oddValues.length; seed++) {
            const stack: ResourceSpec[] = types.map((type, i) => ({ type, name: `r${i}`, props: oddProps(seed + i),
                deps: i > 0 ? { bucket: [`r${i - 1}`], rules: ["r0"], s3BucketName: ["r0"], eventSelectors: ["r0"] } : undefined }));
            const analysis = await analyzeStack(stack);
            assert.ok(analysis.diagnostics.every(d => !d.message.includes("could not be evaluated")),
                analysis.diagnostics.map(d => d.message).join("\n"));
        }
    });
});
