import * as assert from "assert";
import { frameTimes } from "../../bench/profile";

const root = "/repo";
const frame = (id: number, functionName: string, children: number[] = [], url = `file:///repo/a.js`) => ({
    id,
    callFrame: { functionName, url, lineNumber: id },
    children,
});

describe("bench:profile frame times", () => {
    // (root) -> main -> work -> work (recursion) ; main -> other
    const profile = {
        nodes: [
            frame(1, "(root)", [2], ""),
            frame(2, "main", [3, 5]),
            frame(3, "work", [4]),
            { ...frame(4, "work", []), callFrame: { functionName: "work", url: "file:///repo/a.js", lineNumber: 3 } },
            frame(5, "other"),
        ],
        samples: [3, 4, 4, 5, 2],
        timeDeltas: [1000, 2000, 3000, 500, 250],
    };
    const byName = (name: string) => frameTimes(profile, root).find((t) => t.frame.startsWith(`${name} `))!;

    it("adds each sample's time to its own frame (self) and once to every distinct frame above it (total)", () => {
        assert.deepStrictEqual(byName("work"), { frame: "work a.js:4", selfMs: 6, totalMs: 6 });
        assert.deepStrictEqual(byName("other"), { frame: "other a.js:6", selfMs: 0.5, totalMs: 0.5 });
        assert.deepStrictEqual(byName("main"), { frame: "main a.js:3", selfMs: 0.25, totalMs: 6.75 });
        assert.strictEqual(frameTimes(profile, root).find((t) => t.frame === "(root)")?.totalMs, 6.75);
    });
});
