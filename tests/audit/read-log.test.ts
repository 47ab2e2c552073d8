import { strict as assert } from "assert";
import { Readable } from "stream";
import { gzipSync } from "zlib";
import { readLogFile } from "../../audit/read-log";
import { LogItem, MAX_RECORD_DEPTH, RecordScanner } from "../../audit/record-scanner";
import { seededRandom } from "../support/seededRandom";

function scan(text: string | Buffer, chunkSizes: () => number): { items: LogItem[]; error?: string } {
    const items: LogItem[] = [];
    const scanner = new RecordScanner((item) => items.push(item));
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
    try {
        for (let at = 0; at < bytes.length; ) {
            const size = Math.max(1, chunkSizes());
            scanner.feed(bytes.subarray(at, at + size));
            at += size;
        }
        scanner.end();
    } catch (error) {
        return { items, error: (error as Error).message };
    }
    return { items };
}

const records = [
    { a: 'quote " and backslash \\ and \\" both', b: ["]", "}", "{", "["] },
    { unicode: "ü ñ 😀 \u2028", nested: { deeper: [{ x: null }, true, false, -1.5e3] } },
    "a string record",
    42,
    null,
    { trailing: "\\" },
];

describe("audit: the streaming record scanner", () => {
    it("yields exactly what JSON.parse yields, however the bytes are split", () => {
        const random = seededRandom(17);
        const text = JSON.stringify({ Other: { Records: "not this" }, Records: records, After: [1, { "]": "}" }] });
        for (let round = 0; round < 200; round += 1) {
            const maxChunk = random.pick([1, 2, 3, 7, 64, 4096]);
            const { items, error } = scan(text, () => random.int(1, maxChunk));
            assert.equal(error, undefined);
            assert.deepEqual(
                items,
                records.map((value) => ({ kind: "record", value })),
            );
        }
    });

    it("skips only the record nested too deep, too large or not JSON", () => {
        const deep = `${"[".repeat(MAX_RECORD_DEPTH + 1)}${"]".repeat(MAX_RECORD_DEPTH + 1)}`;
        const justDeepEnough = `${"[".repeat(MAX_RECORD_DEPTH)}${"]".repeat(MAX_RECORD_DEPTH)}`;
        const { items, error } = scan(
            `{"Records":[{"ok":1},${deep},${justDeepEnough},{"bad": tru},{"ok":2}]}`,
            () => 5,
        );
        assert.equal(error, undefined);
        assert.deepEqual(
            items.map((item) => (item.kind === "record" ? "record" : item.reason)),
            [
                "record",
                `record 2 is nested deeper than ${MAX_RECORD_DEPTH} levels`,
                "record",
                'record 4 is not valid JSON: Unexpected token \'}\', "{"bad": tru}" is not valid JSON',
                "record",
            ],
        );
    });

    it("skips a record over the size limit without keeping it, and reads on", () => {
        const items: LogItem[] = [];
        const scanner = new RecordScanner((item) => items.push(item), 100);
        scanner.feed(Buffer.from(`{"Records":[{"big":"${"x".repeat(50)}`));
        scanner.feed(Buffer.from(`${"y".repeat(200)}"},{"small":1}]}`));
        scanner.end();
        assert.deepEqual(items, [
            { kind: "problem", reason: "record 1 is larger than 100 bytes" },
            { kind: "record", value: { small: 1 } },
        ]);
    });

    const broken: Array<[string, string, RegExp]> = [
        ["an empty file", "", /the file is empty/],
        ["text", "this is not json", /not valid JSON: unexpected 't' at byte 0, expected '\{'/],
        ["a top-level array", "[]", /unexpected '\[' at byte 0/],
        ["no Records", '{"digest": true}', /no "Records" array at the top level/],
        ["Records not an array", '{"Records": {}}', /"Records" is not an array/],
        ["a cut inside Records", '{"Records":[{"a":1},{"b"', /ends early inside the Records array after 1 records/],
        [
            "text after the object",
            '{"Records":[]} x',
            /unexpected 'x' at byte 15, expected nothing after the top-level object/,
        ],
        ["a byte order mark", '\ufeff{"Records":[]}', /starts with a byte order mark/],
        [
            "a missing comma",
            '{"Records":[{"a":1} {"b":2}]}',
            /expected ',' or '\]' in the Records array after 1 records/,
        ],
    ];
    for (const [what, text, message] of broken) {
        it(`refuses ${what}, saying why`, () => {
            assert.match(scan(text, () => 3).error ?? "(no error)", message);
        });
    }

    it("reads gzip by content, whatever the name, and counts the stored bytes", async () => {
        const body = JSON.stringify({ Records: records });
        const stored = gzipSync(body);
        const items: LogItem[] = [];
        const summary = await readLogFile(Readable.from([stored.subarray(0, 1), stored.subarray(1)]), (item) =>
            items.push(item),
        );
        assert.equal(summary.storedBytes, stored.length);
        assert.equal(summary.elements, records.length);
        assert.equal(items.length, records.length);
    });

    it("names a corrupt gzip stream", async () => {
        const stored = gzipSync(JSON.stringify({ Records: records }));
        const items: LogItem[] = [];
        await assert.rejects(
            readLogFile(Readable.from([stored.subarray(0, stored.length - 12)]), (item) => items.push(item)),
            /cannot read or decompress: unexpected end of file/,
        );
    });
});
