/**
 * The packs the cold start is compared across, each started exactly as the Pulumi CLI starts a pack. The two
 * comparison packs are written under bench/.work (git-ignored); only @pulumi/awsguard needs an install, kept
 * there between runs.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const projectDir = path.resolve(__dirname, "..");
export const workDir = path.join(projectDir, "bench", ".work");

export interface PackUnderTest {
    label: string;
    dir: string;
    /** The pack's own @pulumi/pulumi/cmd/run-policy-pack, as the CLI resolves it. */
    runner: string;
    /** How the pack is written and loaded, for the report. */
    how: string;
}

function runnerFor(dir: string): string {
    return require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
}

/** The TypeScript settings of Pulumi's `aws-typescript` policy-pack template (full type checking of imports). */
const templateTsconfig = {
    compilerOptions: {
        strict: true,
        outDir: "bin",
        target: "es2016",
        module: "commonjs",
        moduleResolution: "node",
        sourceMap: true,
        experimentalDecorators: true,
        pretty: true,
        noFallthroughCasesInSwitch: true,
        noImplicitReturns: true,
        forceConsistentCasingInFileNames: true,
    },
    files: ["index.ts"],
};

function writeFiles(dir: string, files: Record<string, string>): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
        const file = path.join(dir, name);
        if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
            fs.writeFileSync(file, text);
        }
    }
}

function json(value: unknown): string {
    return JSON.stringify(value, null, 2) + "\n";
}

export function ourPack(): PackUnderTest {
    const dir = path.join(projectDir, "policy-pack");
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { main: string };
    const main = path.join(dir, manifest.main);
    if (!fs.existsSync(main)) {
        throw new Error(`${main} does not exist: build the pack first (npm run build, which npm ci also runs)`);
    }
    return {
        label: "kms-audit (ours)",
        dir,
        runner: runnerFor(dir),
        how: "compiled JavaScript (policy-pack/bin), @pulumi/policy only",
    };
}

/**
 * The floor pack (bench/floor-pack, plain JavaScript): one resource policy reading one property of every resource,
 * one stack policy walking every resource once. What @pulumi/policy costs any pack for the same requests.
 */
export function floorPack(): PackUnderTest {
    const dir = path.join(projectDir, "bench", "floor-pack");
    return {
        label: "floor (one property, one walk)",
        dir,
        runner: runnerFor(dir),
        how: "plain JavaScript, @pulumi/policy only",
    };
}

const usualPackSource = `import * as aws from "@pulumi/aws";
import { PolicyPack, validateResourceOfType } from "@pulumi/policy";

new PolicyPack("usual-way", {
    policies: [{
        name: "kms-key-rotation",
        description: "KMS keys rotate automatically.",
        enforcementLevel: "mandatory",
        validateResource: validateResourceOfType(aws.kms.Key, (key, args, reportViolation) => {
            if (!key.enableKeyRotation) {
                reportViolation("Enable automatic key rotation.");
            }
        }),
    }],
});
`;

/** One rule in TypeScript importing @pulumi/aws, run from source: how a pack is usually written. */
export function usualPack(): PackUnderTest {
    const dir = path.join(workDir, "usual-pack");
    writeFiles(dir, {
        "PulumiPolicy.yaml": "runtime: nodejs\ndescription: One rule written the usual way (benchmark comparison).\n",
        "package.json": json({ name: "usual-way", version: "0.0.0", private: true }),
        "tsconfig.json": json(templateTsconfig),
        "index.ts": usualPackSource,
    });
    // The project's dependencies (same @pulumi/pulumi, @pulumi/policy, @pulumi/aws, typescript): nothing downloaded.
    const modules = path.join(dir, "node_modules");
    if (!fs.existsSync(modules)) {
        fs.symlinkSync(path.relative(dir, path.join(projectDir, "node_modules")), modules, "dir");
    }
    return {
        label: "usual way (1 rule, TS + @pulumi/aws)",
        dir,
        runner: runnerFor(dir),
        how: "TypeScript from source, ts-node with type checking",
    };
}

/** Pinned so that a run is reproducible; @pulumi/awsguard 0.3.1 (its last release) needs @pulumi/aws v4. */
const awsGuardDependencies = {
    "@pulumi/awsguard": "0.3.1",
    "@pulumi/aws": "4.38.1",
    "@pulumi/policy": "1.21.0",
    "@pulumi/pulumi": "3.248.0",
    typescript: "5.9.3",
    "ts-node": "10.9.2",
    "@types/node": "20.19.43",
};

function installedVersion(dir: string, name: string): string | undefined {
    const manifest = path.join(dir, "node_modules", name, "package.json");
    return fs.existsSync(manifest)
        ? JSON.parse(fs.readFileSync(manifest, "utf8")).version.replace(/^v/, "")
        : undefined;
}

/**
 * @pulumi/awsguard with every rule mandatory, in TypeScript from source like the usual way. Installed with npm
 * into bench/.work/awsguard once; `log` says when the (network) install runs.
 */
export function awsGuardPack(log: (line: string) => void): PackUnderTest {
    const dir = path.join(workDir, "awsguard");
    writeFiles(dir, {
        "PulumiPolicy.yaml":
            "runtime: nodejs\ndescription: AWSGuard with every rule mandatory (benchmark comparison).\n",
        "package.json": json({
            name: "bench-awsguard",
            version: "0.0.0",
            private: true,
            dependencies: awsGuardDependencies,
        }),
        "tsconfig.json": json(templateTsconfig),
        "index.ts": `import { AwsGuard } from "@pulumi/awsguard";\n\nnew AwsGuard({ all: "mandatory" });\n`,
    });
    const stale = Object.entries(awsGuardDependencies).filter(
        ([name, version]) => installedVersion(dir, name) !== version,
    );
    if (stale.length > 0) {
        log(
            `installing ${stale.map(([n, v]) => `${n}@${v}`).join(", ")} into ${path.relative(projectDir, dir)} ` +
                "(once; cached there)",
        );
        execFileSync("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error"], {
            cwd: dir,
            stdio: ["ignore", "ignore", "inherit"],
        });
    }
    return {
        label: "@pulumi/awsguard 0.3.1",
        dir,
        runner: runnerFor(dir),
        how: "TypeScript from source, ts-node with type checking, own node_modules",
    };
}
