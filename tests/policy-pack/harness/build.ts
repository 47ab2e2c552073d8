/**
 * Compiles the pack when its JavaScript (what the CLI loads) is older than any of its TypeScript sources: its own
 * and the shared vocabulary/ it compiles into bin/ too.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PACK_DIR } from "./packProcess";

function newestSource(dir: string): number {
    return fs.readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            return ["bin", "node_modules"].includes(entry.name) ? newest : Math.max(newest, newestSource(full));
        }
        return entry.name.endsWith(".ts") ? Math.max(newest, fs.statSync(full).mtimeMs) : newest;
    }, 0);
}

export function ensurePackBuilt(): void {
    const manifest = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as { main: string };
    const entry = path.join(PACK_DIR, manifest.main);
    const sources = Math.max(newestSource(PACK_DIR), newestSource(path.join(PACK_DIR, "..", "vocabulary")));
    if (fs.existsSync(entry) && fs.statSync(entry).mtimeMs >= sources) {
        return;
    }
    const tsc = require.resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-p", path.join(PACK_DIR, "tsconfig.json")], { stdio: "inherit" });
}
