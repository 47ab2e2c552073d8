/**
 * The pack as Pulumi Cloud enforces it: `npm pack` (what `pulumi policy publish` uploads), unpacked into a folder
 * outside this repository, dependencies installed there without a build, started with that folder's own
 * run-policy-pack exactly as the CLI starts it, and asked to judge a stack over gRPC. See
 * harness/publishedPack.ts for the CLI source each step follows. Needs the npm registry (CI has it).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PACK_DIR, PackProcess, StartOptions } from "./harness/packProcess";
import {
    isRepositoryNpmVariable,
    locateRunPolicyPack,
    packPolicyPack,
    PackedTarball,
    run,
    temporaryFolderOutside,
    unpack,
} from "./harness/publishedPack";
import { findings } from "./helpers";
import { T, baselineStack, keyProps, without } from "./fixtures";
import { ruleCatalog } from "../../policy-pack/catalog";
import { STACK_RULES_POLICY } from "../../policy-pack/lib/toPolicy";
import * as prodConfig from "../../policy-pack/config/prod.json";

const REPOSITORY = path.resolve(PACK_DIR, "..");
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, "utf8"));
const packManifest = readJson(path.join(PACK_DIR, "package.json")) as {
    version: string;
    main: string;
    devDependencies?: Record<string, string>;
    dependencies: Record<string, string>;
};
const badKey = { type: T.key, name: "key", props: { ...keyProps, enableKeyRotation: false } };

describe("the published pack: packed, installed elsewhere without a build, started as Pulumi Cloud starts it", () => {
    let scratch: string | undefined;
    let packFolder: string;
    let tarball: PackedTarball;
    let runPolicyPack: string;
    let pack: PackProcess | undefined;
    let startOptions: StartOptions;

    before(async function () {
        this.timeout(600_000);
        scratch = temporaryFolderOutside(REPOSITORY, "kms-audit-published-");
        packFolder = path.join(scratch, "kms-audit-policy-pack");
        const started = Date.now();
        tarball = await packPolicyPack(scratch, 180_000);
        await unpack(tarball.file, packFolder, 60_000);
        // The CLI runs `npm install --loglevel=error`; with no devDependencies in the packed manifest (checked
        // below) that installs exactly what `--omit=dev` installs. --prefer-offline takes packages already in npm's
        // cache without asking the registry whether they changed, and fetches the rest ("staleness checks for
        // cached data will be bypassed, but missing data will be requested from the server",
        // https://docs.npmjs.com/cli/v10/using-npm/config#prefer-offline): the same packages, fewer round trips.
        await run(
            "npm",
            ["install", "--omit=dev", "--loglevel=error", "--no-audit", "--no-fund", "--prefer-offline"],
            packFolder,
            420_000,
        );
        runPolicyPack = await locateRunPolicyPack(packFolder, 30_000);
        startOptions = {
            packDir: packFolder,
            runPolicyPack,
            program: packFolder,
            // What the language host adds for a policy pack (RunPlugin), for a prod preview.
            env: {
                PULUMI_NODEJS_ORGANIZATION: "acme",
                PULUMI_NODEJS_PROJECT: "kms-audit",
                PULUMI_NODEJS_STACK: "prod",
                PULUMI_NODEJS_DRY_RUN: "true",
                PULUMI_CONFIG: JSON.stringify({ "aws:region": "eu-west-1", "kms-audit:environment": "prod" }),
            },
            dropEnv: (name) => name === "NODE_PATH" || isRepositoryNpmVariable(name),
        };
        pack = await PackProcess.start(startOptions);
        console.log(
            `      packed, installed and started in ${Date.now() - started} ms ` +
                `(pack start ${pack.figures.msToPort} ms, peak RSS ${pack.figures.peakRssMb} MB)`,
        );
    });

    after(async function () {
        this.timeout(30_000);
        await pack?.stopAndWait();
        if (scratch) {
            fs.rmSync(scratch, { recursive: true, force: true });
        }
    });

    it("the tarball carries the compiled pack and its manifest, and no TypeScript or tsconfig", () => {
        const files = tarball.files.slice().sort();
        for (const required of ["package.json", "PulumiPolicy.yaml", packManifest.main]) {
            assert.ok(files.includes(required), `${required} missing from the tarball: ${files.join(", ")}`);
        }
        // run-policy-pack registers ts-node with ./tsconfig.json when one exists; installed packs get the
        // vendored TypeScript 3.8 (typescript is only an optional peer of @pulumi/pulumi), see the last test.
        assert.deepStrictEqual(
            files.filter((f) => f.endsWith(".ts") || f.startsWith("tsconfig")),
            [],
        );
        // The shared vocabulary the pack imports is compiled into bin/vocabulary/ beside bin/policy-pack/.
        const vocabulary = fs
            .readdirSync(path.join(REPOSITORY, "vocabulary"))
            .filter((f) => f.endsWith(".ts"))
            .map((f) => `bin/vocabulary/${f.replace(/\.ts$/, ".js")}`);
        assert.ok(vocabulary.length > 0);
        for (const required of vocabulary) {
            assert.ok(files.includes(required), `${required} missing from the tarball: ${files.join(", ")}`);
        }
        const shipped = /^(bin\/.+\.js|package\.json|PulumiPolicy\.yaml|README\.md)$/;
        assert.deepStrictEqual(
            files.filter((f) => !shipped.test(f)),
            [],
        );
    });

    it("ships no JavaScript that loads @pulumi/aws (the pack matches type tokens as strings)", () => {
        const loadsProvider = /require\("@pulumi\/aws[/"]/;
        const offenders = tarball.files
            .filter((f) => f.endsWith(".js"))
            .filter((f) => loadsProvider.test(fs.readFileSync(path.join(packFolder, f), "utf8")));
        assert.deepStrictEqual(offenders, []);
        assert.ok(loadsProvider.test('const aws = require("@pulumi/aws");'), "the check recognises a require");
    });

    it("installs only the pack's own dependencies: the manifest has no devDependencies and nothing local", () => {
        const installed = readJson(path.join(packFolder, "package.json")) as typeof packManifest;
        assert.strictEqual(installed.devDependencies, undefined);
        for (const [name, spec] of Object.entries(installed.dependencies)) {
            assert.match(spec, /^\d+\.\d+\.\d+$/, `${name}: ${spec} is not an exact registry version`);
        }
    });

    it("runs the installed folder's own run-policy-pack, not this repository's", () => {
        assert.strictEqual(
            path.relative(path.join(packFolder, "node_modules"), runPolicyPack).startsWith(".."),
            false,
            runPolicyPack,
        );
    });

    it("GetAnalyzerInfo names the pack with the version from policy-pack/package.json and every rule", async () => {
        const info = await pack!.info();
        assert.strictEqual(info.getName(), "kms-audit");
        assert.strictEqual(info.getVersion(), packManifest.version);
        // Resource rules are policies of their own; the stack rules run inside one policy, stack-rules.
        assert.deepStrictEqual(
            info
                .getPoliciesList()
                .map((p) => p.getName())
                .sort(),
            [...ruleCatalog.filter((r) => r.kind === "resource").map((r) => r.name), STACK_RULES_POLICY].sort(),
        );
    });

    it("with prod's config, AnalyzeStack passes the baseline and blocks a bucket without encryption", async () => {
        await pack!.configure(prodConfig);
        assert.deepStrictEqual((await pack!.analyzeStack(baselineStack("preview"))).diagnostics, []);
        const unencrypted = without(baselineStack("preview"), "data-sse");
        const missing = findings(await pack!.analyzeStack(unencrypted), "s3-bucket-sse-kms");
        assert.strictEqual(missing.length, 1);
        assert.strictEqual(missing[0].enforcementLevel, "mandatory");
    });

    it("Analyze reports a key without rotation", async () => {
        await pack!.configure({});
        assert.strictEqual(findings(await pack!.analyze(badKey), "kms-key-rotation").length, 1);
    });

    // The failure this layout prevents: any tsconfig.json in the installed folder is handed to the vendored
    // ts-node 7 / TypeScript 3.8, which rejects one reaching outside the folder and one naming ES2022 alike.
    const tsconfigs: Record<string, unknown> = {
        "extends a file outside the package": { extends: "../tsconfig.json" },
        "is self-contained but targets ES2022": readJson(path.join(PACK_DIR, "tsconfig.json")),
    };
    for (const [why, tsconfig] of Object.entries(tsconfigs)) {
        it(`the same install dies at start-up when it carries a tsconfig.json that ${why}`, async function () {
            this.timeout(60_000);
            const file = path.join(packFolder, "tsconfig.json");
            fs.writeFileSync(file, JSON.stringify(tsconfig));
            try {
                const outcome = await PackProcess.start({ ...startOptions, timeoutMs: 30_000 }).catch(
                    (e: unknown) => e,
                );
                if (outcome instanceof PackProcess) {
                    await outcome.stopAndWait();
                    assert.fail("the pack started although its tsconfig.json cannot work there");
                }
                assert.match(String(outcome), /exited with .*TSError/s);
            } finally {
                fs.rmSync(file);
            }
        });
    }
});

describe("the pack's build configuration stays inside policy-pack/", () => {
    it("policy-pack/tsconfig.json extends nothing and keeps the project's compiler strictness", () => {
        type TsConfig = { extends?: string; compilerOptions: Record<string, unknown> };
        const pack = readJson(path.join(PACK_DIR, "tsconfig.json")) as TsConfig;
        const root = readJson(path.join(REPOSITORY, "tsconfig.json")) as TsConfig;
        assert.strictEqual(pack.extends, undefined);
        for (const [option, value] of Object.entries(root.compilerOptions)) {
            if (option !== "types") {
                assert.deepStrictEqual(
                    pack.compilerOptions[option],
                    value,
                    `compilerOptions.${option} differs from the root's`,
                );
            }
        }
    });

    it("policy-pack/package.json builds on pack and ships only what runs", () => {
        const manifest = readJson(path.join(PACK_DIR, "package.json")) as {
            files: string[];
            scripts: Record<string, string | undefined>;
        };
        assert.match(manifest.scripts.prepack ?? "", /npm run build$/);
        assert.deepStrictEqual(manifest.files, ["bin/**/*.js", "PulumiPolicy.yaml"]);
        assert.strictEqual(manifest.scripts.prepare, undefined, "npm install would run `prepare` at enforcement");
    });
});
