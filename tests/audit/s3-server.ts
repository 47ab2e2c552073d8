/**
 * Runs s3rver for the S3 tests in its own process. s3rver encrypts ListObjectsV2 continuation tokens with DES,
 * which Node 20's OpenSSL 3 only offers with --openssl-legacy-provider, so it cannot run inside mocha.
 * Usage: node --openssl-legacy-provider -r ts-node/register/transpile-only s3-server.ts <storage dir> <bucket>...
 * Prints {"port": n} once listening on 127.0.0.1, and stops when its stdin closes.
 */
import S3rver from "s3rver";

async function main(): Promise<void> {
    const [directory, ...buckets] = process.argv.slice(2);
    const server = new S3rver({
        address: "127.0.0.1",
        port: 0,
        silent: true,
        directory,
        configureBuckets: buckets.map((name) => ({ name })),
    });
    const { port } = await server.run();
    process.stdout.write(`${JSON.stringify({ port })}\n`);
    process.stdin.resume();
    process.stdin.on("end", () => {
        void server.close().then(() => process.exit(0));
    });
}

void main();
