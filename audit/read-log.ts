/**
 * Reads one CloudTrail log file from a stream, gzipped or not, and hands its records to a sink as
 * audit/record-scanner.ts finds them.
 */
import { Readable, pipeline } from "stream";
import { createGunzip } from "zlib";
import { LogItem, RecordScanner, UnreadableLogError } from "./record-scanner";

export interface ReadSummary {
    /** Bytes as stored (the compressed size of a .json.gz file). */
    storedBytes: number;
    /** Elements of the Records array seen, parsed or not. */
    elements: number;
}

function isGzip(head: Buffer): boolean {
    return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Streams one CloudTrail log file, {"Records": [...]}, gzipped or not (recognised by content), and hands each record
 * to `sink` as it is parsed. Throws UnreadableLogError saying why the file could not be read to its end.
 */
export async function readLogFile(stream: Readable, sink: (item: LogItem) => void): Promise<ReadSummary> {
    const scanner = new RecordScanner(sink);
    let storedBytes = 0;
    const stored = (async function* counted(): AsyncGenerator<Buffer> {
        for await (const chunk of stream) {
            const buffer = chunk as Buffer;
            storedBytes += buffer.length;
            yield buffer;
        }
    })();
    const iterator = stored[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headBytes = 0;
    try {
        while (headBytes < 2) {
            const next = await iterator.next();
            if (next.done) break;
            head.push(next.value);
            headBytes += next.value.length;
        }
    } catch (error) {
        throw new UnreadableLogError(`cannot read: ${describe(error)}`);
    }
    const rest = async function* replay(): AsyncGenerator<Buffer> {
        yield* head;
        for (;;) {
            const next = await iterator.next();
            if (next.done) return;
            yield next.value;
        }
    };
    const gzip = isGzip(Buffer.concat(head));
    const content: AsyncIterable<unknown> = gzip
        ? pipeline(Readable.from(rest()), createGunzip(), () => undefined)
        : rest();
    try {
        for await (const chunk of content) scanner.feed(chunk as Buffer);
    } catch (error) {
        stream.destroy();
        if (error instanceof UnreadableLogError) throw error;
        const where = scanner.elements > 0 ? ` after ${scanner.elements} records (those were read)` : "";
        throw new UnreadableLogError(`cannot read${gzip ? " or decompress" : ""}: ${describe(error)}${where}`);
    }
    scanner.end();
    return { storedBytes, elements: scanner.elements };
}

function describe(error: unknown): string {
    if (error instanceof Error) return error.message;
    return String(error);
}
