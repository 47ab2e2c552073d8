import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runToExit, startPackProcess } from "../../bench/measure";
import { peakRssMb, processTree } from "../../bench/procfs";

describe("bench: measuring processes", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-measure-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function script(name: string, source: string): string {
        const file = path.join(dir, name);
        fs.writeFileSync(file, source);
        return file;
    }

    it("finds a process's grandchildren in its tree", async () => {
        const child = spawn(
            process.execPath,
            [
                "-e",
                `require("child_process").spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)"], { stdio: "inherit" }); console.log("ready"); setTimeout(() => {}, 20000)`,
            ],
            { stdio: ["ignore", "pipe", "inherit"], detached: true },
        );
        try {
            await new Promise((resolve) => child.stdout!.once("data", resolve));
            const tree = processTree(child.pid!);
            assert.strictEqual(tree[0], child.pid);
            assert.strictEqual(tree.length, 2, `tree: ${tree.join(", ")}`);
        } finally {
            process.kill(-child.pid!, "SIGKILL");
        }
    });

    it("reports a command's exit code and a peak memory at least what it held", async () => {
        const hold = script(
            "hold.js",
            `const b = Buffer.alloc(150 * 1024 * 1024, 1); setTimeout(() => process.exit(b[0] + 2), 600);`,
        );
        const run = await runToExit(process.execPath, [hold], dir, 60_000);
        assert.strictEqual(run.exitCode, 3);
        assert.ok(run.peakRssMb >= 150, `peak ${run.peakRssMb} MB`);
        assert.ok(run.wallMs >= 500, `wall ${run.wallMs} ms`);
    });

    it("adds up the CPU time of a command's whole process tree, grandchildren included", async () => {
        // 0.6 s of user CPU, however busy the machine. Asking for the usage (getrusage) at every turn spent 10 times
        // that in the kernel: it is asked once every 100,000 turns.
        const spin = "for (let i = 1; i % 100000 !== 0 || process.cpuUsage().user < 600000; i++) {}";
        const parent = script(
            "spin.js",
            `require("child_process").spawnSync(process.execPath, ["-e", ${JSON.stringify(spin)}]); ${spin}`,
        );
        const run = await runToExit(process.execPath, [parent], dir, 60_000);
        assert.strictEqual(run.exitCode, 0);
        assert.ok(run.cpuS >= 1.2, `CPU ${run.cpuS} s for two processes of 0.6 s CPU each`);
    });

    it("times a pack to the port it prints, and can stop it", async () => {
        const runner = script("port.js", `setTimeout(() => console.log("43210"), 200); setInterval(() => {}, 1000);`);
        const pack = await startPackProcess(runner, dir, 60_000);
        assert.strictEqual(pack.port, 43210);
        assert.ok(pack.msToPort >= 150, `${pack.msToPort} ms`);
        assert.ok(pack.peakRssMbAtPort > 10);
        await pack.stop();
        assert.throws(() => peakRssMb(pack.child.pid!), /is gone/);
    });

    it("fails with the pack's own error output when it exits before printing a port", async () => {
        const runner = script("crash.js", `console.error("cannot load policy pack: boom"); process.exit(4);`);
        await assert.rejects(
            startPackProcess(runner, dir, 60_000),
            /exited \(code 4\) before printing its port:\ncannot load policy pack: boom/,
        );
    });
});
