/** Compiles the pack when its JavaScript (what the CLI loads) is older than any of its TypeScript sources. */
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
    const entry = path.join(PACK_DIR, "bin", "index.js");
    if (fs.existsSync(entry) && fs.statSync(entry).mtimeMs >= newestSource(PACK_DIR)) {
        return;
    }
    const tsc = require.resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-p", path.join(PACK_DIR, "tsconfig.json")], { stdio: "inherit" });
}
