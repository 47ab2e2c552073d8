/**
 * Scans the bytes of one CloudTrail log file, `{"Records": [...]}`, into its records one at a time, in memory bounded
 * by the largest record. Reading the file (gzip, the stream) is audit/read-log.ts's job.
 */
/**
 * One CloudTrail record is a few KB; a record larger than this is not one, and is skipped (counted as malformed)
 * without being held in memory.
 */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;
/**
 * CloudTrail records nest a few levels (requestParameters, event selectors); deeper nesting is hostile input. Such
 * a record is skipped on its own, and the scan goes on with the rest of the file.
 */
export const MAX_RECORD_DEPTH = 100;

/** The file as a whole could not be read; records before the problem were already delivered. */
export class UnreadableLogError extends Error {}

/** One element of the Records array: a parsed value, or why it could not be parsed. */
export type LogItem = { kind: "record"; value: unknown } | { kind: "problem"; reason: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(byte: number): boolean {
    return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Where the scanner is in `{"Records": [ ... ], "other": ...}`. */
type Place =
    | "before-top"
    | "top-key-or-end"
    | "top-key"
    | "top-colon"
    | "top-value"
    | "top-comma-or-end"
    | "element-or-end"
    | "first-element-or-end"
    | "element-comma-or-end"
    | "after-top";

/** What the value being scanned is for. */
type Purpose = "key" | "record" | "skip";

/**
 * An incremental scanner for a CloudTrail log file. It walks the bytes once, keeping only the current element of
 * the top-level "Records" array, and hands each element to JSON.parse on its own. So memory is bounded by the
 * largest record, not the file, and one bad record (too deep, too large, not JSON) is reported and skipped while
 * the rest of the file is still read. Values of other top-level keys are skipped without being kept.
 */
export class RecordScanner {
    private place: Place = "before-top";
    private offset = 0;
    private inRecords = false;
    private sawRecords = false;
    elements = 0;

    // The value being scanned.
    private purpose: Purpose | undefined;
    private depth = 0;
    private inString = false;
    private escaped = false;
    private scalar = false;
    private tooDeep = false;
    private tooLarge = false;
    private size = 0;
    private parts: Buffer[] = [];
    private lastKey = "";

    constructor(
        private readonly sink: (item: LogItem) => void,
        private readonly maxRecordBytes = MAX_RECORD_BYTES,
    ) {}

    private fail(message: string): never {
        throw new UnreadableLogError(message);
    }

    private unexpected(byte: number, expected: string): never {
        const shown = byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16)}`;
        const where = this.elements > 0 ? ` after ${this.elements} records (those were read)` : "";
        this.fail(`not valid JSON: unexpected ${shown} at byte ${this.offset}, expected ${expected}${where}`);
    }

    private startValue(purpose: Purpose, byte: number): void {
        this.purpose = purpose;
        this.depth = 0;
        this.inString = false;
        this.escaped = false;
        this.scalar = false;
        this.tooDeep = false;
        this.tooLarge = false;
        this.size = 0;
        this.parts = [];
        // scanValue reads the opening byte itself; only a bare scalar (number, true, null...) is told apart here.
        this.scalar = byte !== OPEN_OBJECT && byte !== OPEN_ARRAY && byte !== QUOTE;
    }

    private backslashChunk: Buffer | undefined;
    private backslashFrom = 0;
    private backslashAt = -1;

    /** The next backslash at or after `from` in the chunk, remembered so that each chunk is searched once. */
    private nextBackslash(chunk: Buffer, from: number): number {
        const stale =
            this.backslashChunk !== chunk ||
            from < this.backslashFrom ||
            (this.backslashAt !== -1 && this.backslashAt < from);
        if (stale) {
            this.backslashChunk = chunk;
            this.backslashFrom = from;
            this.backslashAt = chunk.indexOf(BACKSLASH, from);
        }
        return this.backslashAt;
    }

    /** Consumes bytes of the current value from `start`; returns where the value ended (exclusive), or -1. */
    private scanValue(chunk: Buffer, start: number): number {
        let i = start;
        if (this.scalar) {
            for (; i < chunk.length; i += 1) {
                const byte = chunk[i];
                if (byte === COMMA || byte === CLOSE_ARRAY || byte === CLOSE_OBJECT || isSpace(byte)) return i;
            }
            return -1;
        }
        for (; i < chunk.length; i += 1) {
            if (this.inString && !this.escaped) {
                // Most of a record is string content: jump to the next quote natively unless a backslash comes first.
                const quote = chunk.indexOf(QUOTE, i);
                const backslash = this.nextBackslash(chunk, i);
                const stop = quote === -1 ? backslash : backslash === -1 ? quote : Math.min(quote, backslash);
                if (stop === -1) return -1;
                i = stop;
            }
            const byte = chunk[i];
            if (this.inString) {
                if (this.escaped) this.escaped = false;
                else if (byte === BACKSLASH) this.escaped = true;
                else if (byte === QUOTE) {
                    this.inString = false;
                    if (this.depth === 0) return i + 1;
                }
            } else if (byte === QUOTE) {
                this.inString = true;
            } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
                this.depth += 1;
                if (this.depth > MAX_RECORD_DEPTH) this.tooDeep = true;
            } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
                this.depth -= 1;
                if (this.depth === 0) return i + 1;
            }
        }
        return -1;
    }

    private keep(piece: Buffer): void {
        if (this.purpose === "skip" || this.tooDeep || this.tooLarge) return;
        this.size += piece.length;
        const limit = this.purpose === "key" ? 1024 : this.maxRecordBytes;
        if (this.size > limit) {
            this.tooLarge = true;
            this.parts = [];
            return;
        }
        // A copy: the chunk may be a view into a pooled buffer that is reused once this call returns.
        this.parts.push(Buffer.from(piece));
    }

    private finishValue(): void {
        const purpose = this.purpose;
        this.purpose = undefined;
        const content = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
        this.parts = [];
        if (purpose === "key") {
            if (this.tooLarge) this.fail(`not a CloudTrail log file: a top-level key is longer than 1024 bytes`);
            let key: unknown;
            try {
                key = JSON.parse(content.toString("utf8"));
            } catch {
                this.fail(`not valid JSON: a top-level key at byte ${this.offset} is not a JSON string`);
            }
            if (typeof key !== "string")
                this.fail(`not valid JSON: a top-level key at byte ${this.offset} is not a JSON string`);
            this.lastKey = key;
            this.place = "top-colon";
            return;
        }
        if (purpose === "skip") {
            this.place = "top-comma-or-end";
            return;
        }
        this.elements += 1;
        this.place = "element-comma-or-end";
        if (this.tooDeep) {
            this.sink({
                kind: "problem",
                reason: `record ${this.elements} is nested deeper than ${MAX_RECORD_DEPTH} levels`,
            });
        } else if (this.tooLarge) {
            this.sink({
                kind: "problem",
                reason: `record ${this.elements} is larger than ${this.maxRecordBytes} bytes`,
            });
        } else {
            let value: unknown;
            try {
                value = JSON.parse(content.toString("utf8"));
            } catch (error) {
                this.sink({
                    kind: "problem",
                    reason: `record ${this.elements} is not valid JSON: ${(error as Error).message}`,
                });
                return;
            }
            this.sink({ kind: "record", value });
        }
    }

    feed(chunk: Buffer): void {
        let i = 0;
        while (i < chunk.length) {
            if (this.purpose !== undefined) {
                const end = this.scanValue(chunk, i);
                if (end === -1) {
                    this.keep(chunk.subarray(i));
                    this.offset += chunk.length - i;
                    return;
                }
                this.keep(chunk.subarray(i, end));
                this.offset += end - i;
                i = end;
                this.finishValue();
                continue;
            }
            const byte = chunk[i];
            if (isSpace(byte)) {
                i += 1;
                this.offset += 1;
                continue;
            }
            this.step(byte);
            if (this.purpose === undefined) {
                i += 1;
                this.offset += 1;
            }
            // Otherwise a value starts at this byte: the loop scans it from here.
        }
    }

    /** Handles one significant byte outside any value, or starts a value at it. */
    private step(byte: number): void {
        switch (this.place) {
            case "before-top":
                if (this.offset === 0 && byte === 0xef) this.fail("not valid JSON: starts with a byte order mark");
                if (byte !== OPEN_OBJECT) this.unexpected(byte, `'{' (a CloudTrail log file is one JSON object)`);
                this.place = "top-key-or-end";
                return;
            case "top-key-or-end":
            case "top-key":
                if (byte === CLOSE_OBJECT && this.place === "top-key-or-end") {
                    this.place = "after-top";
                    return;
                }
                if (byte !== QUOTE) this.unexpected(byte, "a key in double quotes");
                this.startValue("key", byte);
                return;
            case "top-colon":
                if (byte !== COLON) this.unexpected(byte, "':'");
                this.place = "top-value";
                return;
            case "top-value":
                if (this.lastKey === "Records") {
                    if (byte !== OPEN_ARRAY) this.fail('not a CloudTrail log file: "Records" is not an array');
                    this.sawRecords = true;
                    this.inRecords = true;
                    this.place = "first-element-or-end";
                    return;
                }
                this.startValue("skip", byte);
                return;
            case "top-comma-or-end":
                if (byte === COMMA) {
                    this.place = "top-key";
                    return;
                }
                if (byte !== CLOSE_OBJECT) this.unexpected(byte, "',' or '}'");
                this.place = "after-top";
                return;
            case "first-element-or-end":
            case "element-or-end":
                if (byte === CLOSE_ARRAY && this.place === "first-element-or-end") {
                    this.inRecords = false;
                    this.place = "top-comma-or-end";
                    return;
                }
                if (byte === COMMA || byte === CLOSE_ARRAY || byte === CLOSE_OBJECT || byte === COLON) {
                    this.unexpected(byte, "a record");
                }
                this.startValue("record", byte);
                return;
            case "element-comma-or-end":
                if (byte === COMMA) {
                    this.place = "element-or-end";
                    return;
                }
                if (byte !== CLOSE_ARRAY) this.unexpected(byte, "',' or ']' in the Records array");
                this.inRecords = false;
                this.place = "top-comma-or-end";
                return;
            case "after-top":
                this.unexpected(byte, "nothing after the top-level object");
        }
    }

    /** Called at the end of the input; throws if the file stopped short or held no Records array. */
    end(): void {
        if (this.purpose === "record" && this.scalar) {
            this.finishValue();
        }
        if (this.place === "before-top") this.fail("not valid JSON: the file is empty");
        if (this.place !== "after-top") {
            const where = this.inRecords
                ? `inside the Records array after ${this.elements} records (those were read)`
                : "";
            this.fail(`not valid JSON: the file ends early${where === "" ? "" : ` ${where}`}`);
        }
        if (!this.sawRecords) this.fail('not a CloudTrail log file: no "Records" array at the top level');
    }
}
