/**
 * Where the suite's time goes, one line per test file: `KMS_AUDIT_TEST_TIMINGS=<file> npm test` appends
 * `<test file> <wall ms> <cpu ms> <worker pid>` to <file> as each file finishes (docs/benchmarks.md, "Test suite").
 * Without the variable nothing is measured or written.
 *
 * CPU is the worker's own plus that of the child processes it has waited for (the CLIs, program hosts, packs and
 * servers the tests start), read from /proc/self/stat (proc(5): utime, stime, cutime, cstime, in clock ticks), so
 * it is Linux only; elsewhere the column reads "n/a". Loaded by .mocharc.json; mocha runs root hooks once per file
 * in each parallel worker (https://mochajs.org/#root-hook-plugins), which is what makes the figures per file.
 */
import * as fs from "fs";
import * as path from "path";

const output = process.env.KMS_AUDIT_TEST_TIMINGS;
/** USER_HZ: the unit of /proc/<pid>/stat's times; 100 on every Linux architecture Node.js supports. */
const clockTicksPerSecond = 100;

/** CPU time of this process and its waited-for children in ms, or undefined where /proc is unavailable. */
function cpuMs(): number | undefined {
    try {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        // Fields after the command name, which is in parentheses and may itself hold spaces.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // utime, stime, cutime, cstime are fields 14 to 17 of the line; the state (field 3) is fields[0] here.
        const ticks = fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0);
        return (ticks * 1000) / clockTicksPerSecond;
    } catch {
        return undefined;
    }
}

interface HookContext {
    test?: { parent?: { suites: { file?: string }[] } };
}

/**
 * Each file is measured from the end of the previous file in the same worker (from the worker's start for its
 * first file), so that loading the file and its imports, which mocha does before any hook, counts too.
 */
let mark = { wallMs: performance.timeOrigin, cpuMs: 0 as number | undefined };
let file = "(unknown file)";

export const mochaHooks = output
    ? {
          beforeAll(this: HookContext) {
              file = this.test?.parent?.suites.find((suite) => suite.file)?.file ?? "(unknown file)";
          },
          afterAll() {
              const now = { wallMs: Date.now(), cpuMs: cpuMs() };
              const cpu = mark.cpuMs === undefined || now.cpuMs === undefined ? "n/a" : now.cpuMs - mark.cpuMs;
              const wall = Math.round(now.wallMs - mark.wallMs);
              fs.appendFileSync(output, `${path.relative(process.cwd(), file)} ${wall} ${cpu} ${process.pid}\n`);
              mark = now;
          },
      }
    : {};
