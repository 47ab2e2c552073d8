import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GateResult, runGate, startPack, PackSession } from "../../gate";
import { parseTransformSpec } from "../../gate/transforms";
import { baselineMutations } from "./baselineMutations";

const repo = path.resolve(__dirname, "../..");
const mutationsModule = path.join(__dirname, "baselineMutations.ts");

function mandatory(result: GateResult): string {
    return JSON.stringify(
        result.findings
            .filter((f) => f.level === "mandatory" && !f.waived)
            .map((f) => `${f.policy} ${f.urn}: ${f.message}`),
        null,
        1,
    );
}

describe("offline gate on the baseline program (infra/) and the policy pack (policy-pack/)", function () {
    let session: PackSession;
    before(async function () {
        session = await startPack(path.join(repo, "policy-pack"), { project: "kms-audit", stack: "dev", dryRun: true });
    });
    after(async function () {
        await session?.close();
    });

    for (const stack of ["dev", "prod"]) {
        for (const mode of ["preview", "update"] as const) {
            it(`passes stack ${stack} with --${mode}: no mandatory finding`, async function () {
                const result = await runGate({ projectDir: repo, stack, mode }, session);
                assert.equal(result.exitCode, 0, mandatory(result));
                assert.ok(
                    result.resources.some((r) => r.type === "aws:kms/key:Key"),
                    "the program registered its key",
                );
            });
        }
    }

    /** prod's pack config with `remediate` turned into `mandatory`: proves detection rather than the auto-fix. */
    function detectionConfig(): string {
        const config = JSON.parse(fs.readFileSync(path.join(repo, "policy-pack/config/prod.json"), "utf8"));
        for (const entry of Object.values<any>(config)) {
            if (entry === "remediate" || entry?.enforcementLevel === "remediate") {
                Object.assign(entry, { enforcementLevel: "mandatory" });
            }
        }
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-baseline-")), "prod-detect.json");
        fs.writeFileSync(file, JSON.stringify(config));
        return file;
    }

    it("reports the fix, not a block, when prod's config remediates a policy (rotation turned off)", async function () {
        const result = await runGate(
            {
                projectDir: repo,
                stack: "prod",
                transforms: [parseTransformSpec(`${mutationsModule}#rotation-off`, repo)],
            },
            session,
        );
        const rotation = result.findings.filter((f) => f.policy === "kms-key-rotation");
        assert.ok(rotation.length > 0, "prod's config should act on rotation");
        assert.ok(
            rotation.every((f) => f.level === "remediate" || f.level === "mandatory"),
            JSON.stringify(rotation),
        );
    });

    describe("mutations of the prod stack: each blocks, naming the policy and the resource", function () {
        let policyConfig: string;
        before(function () {
            policyConfig = detectionConfig();
        });
        for (const mutation of baselineMutations) {
            it(`${mutation.what} -> ${mutation.policy}`, async function () {
                const result = await runGate(
                    {
                        projectDir: repo,
                        stack: "prod",
                        mode: mutation.mode ?? "preview",
                        policyConfig,
                        transforms: [parseTransformSpec(`${mutationsModule}#${mutation.id}`, repo)],
                    },
                    session,
                );
                assert.equal(result.exitCode, 1, `expected ${mutation.policy} to block`);
                const hits = result.findings.filter(
                    (f) => f.policy === mutation.policy && f.level === "mandatory" && !f.waived,
                );
                assert.ok(hits.length > 0, `no mandatory ${mutation.policy}; findings: ${mandatory(result)}`);
                assert.ok(
                    hits.some((f) => mutation.reportedOn.includes(f.resourceType)),
                    `${mutation.policy} named ${hits.map((f) => f.resourceType).join(", ")}, expected one of ${mutation.reportedOn.join(", ")}`,
                );
            });
        }
    });
});
