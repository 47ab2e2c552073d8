import * as assert from "assert";
import { analyzeAll } from "./helpers";
import { baselineStack } from "./fixtures";

describe("policy pack on the kms-audit baseline program", () => {
    for (const mode of ["preview", "update"] as const) {
        it(`reports nothing at ${mode} (no advisory 'can't run during preview' either)`, async () => {
            const diagnostics = await analyzeAll(baselineStack(mode));
            assert.deepStrictEqual(
                diagnostics.map((d) => `${d.policyName}: ${d.message}`),
                [],
            );
        });
    }
});
