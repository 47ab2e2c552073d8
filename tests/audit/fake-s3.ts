/**
 * A scripted S3 endpoint for the deadline tests: it answers ListObjectsV2 (the XML shape of
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html) with the keys given, or stalls where told
 * to, so that a stalled listing, a stalled object and an empty prefix can be produced on purpose.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "http";
import { AddressInfo } from "net";

export type Behaviour =
    | { kind: "stall-everything" }
    | { kind: "list"; keys: string[]; object: "stall-headers" | "stall-body" };

export interface FakeS3 {
    port: number;
    close(): Promise<void>;
}

function listing(keys: string[]): string {
    const contents = keys.map(
        (key) => `<Contents><Key>${key}</Key><Size>100</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    );
    return (
        `<?xml version="1.0" encoding="UTF-8"?>` +
        `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>trail-logs</Name><Prefix></Prefix>` +
        `<KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join("")}` +
        `</ListBucketResult>`
    );
}

export function startFakeS3(behaviour: Behaviour): Promise<FakeS3> {
    const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
        request.resume();
        if (behaviour.kind === "stall-everything") return;
        if ((request.url ?? "").includes("list-type=2")) {
            response.writeHead(200, { "Content-Type": "application/xml" });
            response.end(listing(behaviour.keys));
            return;
        }
        if (behaviour.object === "stall-headers") return;
        // Promise 1000 bytes, send the first 20, then go silent.
        response.writeHead(200, { "Content-Type": "application/json", "Content-Length": "1000" });
        response.write('{"Records": [{"eventT');
    });
    return new Promise((resolve) => {
        server.listen(0, "127.0.0.1", () => {
            resolve({
                port: (server.address() as AddressInfo).port,
                close: () =>
                    new Promise<void>((done) => {
                        server.closeAllConnections();
                        server.close(() => done());
                    }),
            });
        });
    });
}
