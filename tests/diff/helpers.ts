import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

export const repoRoot = path.resolve(__dirname, "..", "..");
export const packDir = path.join(repoRoot, "policy-pack");
export const mutationsModule = path.join(repoRoot, "tests", "gate", "baselineMutations.ts");

export const KEY_USER_REMOVED = "arn:aws:iam::123456789012:role/SecurityAuditors";

type StackDoc = { config: Record<string, unknown> };

export function readStackFile(stack: string): StackDoc {
    return yaml.load(fs.readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as StackDoc;
}

/** The stack's config without one key user, as an operator would remove them. */
export function withoutKeyUser(stack: string, user: string): StackDoc {
    const doc = readStackFile(stack);
    const users = doc.config["kms-audit:keyUsers"] as string[];
    if (!users.includes(user)) {
        throw new Error(`Pulumi.${stack}.yaml: ${user} is not a key user; the test needs one that is`);
    }
    return { config: { ...doc.config, "kms-audit:keyUsers": users.filter((u) => u !== user) } };
}

const created: string[] = [];

/** A temporary folder, removed by `removeTempDirs` (call it in an `after` hook). */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    created.push(dir);
    return dir;
}

export function removeTempDirs(): void {
    for (const dir of created.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * A copy of the project (program, Pulumi.yaml, tsconfig.json, package.json) with a changed stack file, and
 * node_modules linked as after `npm ci`. A copy, because the program runs scoped to its project folder, as under
 * Pulumi (the gate compiles only the project's own TypeScript).
 */
export function projectWithStackFile(stack: string, doc: StackDoc): string {
    const dir = tempDir("kms-audit-diff-test-");
    for (const entry of ["Pulumi.yaml", "tsconfig.json", "package.json", "infra", "vocabulary"]) {
        fs.cpSync(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
    }
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), yaml.dump(doc));
    // The engine names the default provider after the installed @pulumi/aws, found from the project folder.
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}
