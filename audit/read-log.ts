import { Readable } from "stream";
import { createGunzip } from "zlib";

/** A single CloudTrail file is a few MB; anything far larger is not one and would only exhaust memory. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;

export class UnreadableLogError extends Error {}

export interface ParsedLog {
  records: unknown[];
  /** Bytes as stored (the compressed size of a .json.gz file). */
  storedBytes: number;
}

const TOO_LARGE = `larger than ${MAX_FILE_BYTES} bytes; not a CloudTrail log file`;

async function collect(stream: AsyncIterable<unknown>, destroy: () => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_FILE_BYTES) {
      destroy();
      throw new UnreadableLogError(TOO_LARGE);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

function isGzip(content: Buffer): boolean {
  return content.length >= 2 && content[0] === 0x1f && content[1] === 0x8b;
}

/** Parses one CloudTrail log file, {"Records": [...]}, gzipped or not; throws UnreadableLogError saying why. */
export async function readLogFile(stream: Readable): Promise<ParsedLog> {
  let stored: Buffer;
  let content: Buffer;
  try {
    stored = await collect(stream, () => stream.destroy());
    if (isGzip(stored)) {
      const gunzip = Readable.from([stored]).pipe(createGunzip());
      content = await collect(gunzip, () => gunzip.destroy());
    } else {
      content = stored;
    }
  } catch (error) {
    if (error instanceof UnreadableLogError) throw error;
    throw new UnreadableLogError(`cannot read or decompress: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString("utf8"));
  } catch (error) {
    throw new UnreadableLogError(`not valid JSON: ${(error as Error).message}`);
  }
  const records = parsed !== null && typeof parsed === "object" ? (parsed as { Records?: unknown }).Records : undefined;
  if (!Array.isArray(records)) {
    throw new UnreadableLogError('not a CloudTrail log file: no "Records" array at the top level');
  }
  return { records, storedBytes: stored.length };
}
