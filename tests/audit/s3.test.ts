import { strict as assert } from "assert";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import { AuditReport } from "../../audit/report";
import { ALIAS, iamUser, KEY_ARN, kmsCall, logFilePath, writeLogFile, writeScenario } from "./fixtures";
import { CliResult, REPO, runCli, temporaryDirectory } from "./helpers";

/** Starts tests/audit/s3-server.ts and resolves with the port it listens on. */
function startS3Server(storage: string): Promise<{ server: ChildProcessWithoutNullStreams; port: number }> {
    const server = spawn(
        process.execPath,
        [
            "--openssl-legacy-provider",
            "-r",
            "ts-node/register/transpile-only",
            "tests/audit/s3-server.ts",
            storage,
            BUCKET,
            PAGED_BUCKET,
        ],
        { cwd: REPO },
    );
    return new Promise((resolve, reject) => {
        let output = "";
        server.stdout.on("data", (chunk: Buffer) => {
            output += chunk.toString();
            const line = output.split("\n")[0];
            if (output.includes("\n")) resolve({ server, port: (JSON.parse(line) as { port: number }).port });
        });
        server.on("error", reject);
        server.on("exit", (code) => reject(new Error(`s3 server exited with ${code} before listening`)));
    });
}

function reportOf(result: CliResult): AuditReport {
    assert.ok(result.stdout.startsWith("{"), `no JSON report (exit ${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout) as AuditReport;
}

const BUCKET = "trail-logs";
/**
 * The 1,005 objects of the paging test live in a bucket of their own, so that the tests reading the whole of
 * BUCKET (down from its root) read the scenario's few files rather than those 1,005 again each time.
 */
const PAGED_BUCKET = "trail-logs-paged";
const PAGED_FILES = 1005;

function filesUnder(root: string): string[] {
    return readdirSync(root).flatMap((name) => {
        const full = path.join(root, name);
        return statSync(full).isDirectory() ? filesUnder(full) : [full];
    });
}

async function uploadTree(client: S3Client, bucket: string, root: string, prefix: string): Promise<void> {
    const files = filesUnder(root);
    const concurrency = 16;
    for (let i = 0; i < files.length; i += concurrency) {
        await Promise.all(
            files.slice(i, i + concurrency).map((file) =>
                client.send(
                    new PutObjectCommand({
                        Bucket: bucket,
                        Key: prefix + path.relative(root, file).split(path.sep).join("/"),
                        Body: readFileSync(file),
                        ContentType: "application/json",
                        ContentEncoding: "gzip",
                    }),
                ),
            ),
        );
    }
}

describe("audit: logs in S3 (a real S3-compatible server on 127.0.0.1)", () => {
    let server: ChildProcessWithoutNullStreams;
    let env: NodeJS.ProcessEnv;
    let cleanup: () => void;

    before(async () => {
        const storage = temporaryDirectory("s3rver");
        const scenario = temporaryDirectory("s3-scenario");
        const paged = temporaryDirectory("s3-paged");
        cleanup = () => [storage, scenario, paged].forEach((dir) => dir.remove());
        const started = await startS3Server(storage.dir);
        server = started.server;
        const port = started.port;
        env = {
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
            AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
        };
        const client = new S3Client({
            region: env.AWS_REGION,
            endpoint: env.AWS_ENDPOINT_URL_S3,
            forcePathStyle: true,
            credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
        writeScenario(scenario.dir);
        await uploadTree(client, BUCKET, scenario.dir, "");
        for (let i = 0; i < PAGED_FILES; i += 1) {
            const minute = String(i % 60).padStart(2, "0");
            const hour = String(Math.floor(i / 60) % 24).padStart(2, "0");
            writeLogFile(
                paged.dir,
                logFilePath(`2024-07-01T${hour}:${minute}:00Z`, `Paged${String(i).padStart(11, "0")}`),
                [kmsCall("Decrypt", { time: `2024-07-01T${hour}:${minute}:00Z`, identity: iamUser("Bob") })],
            );
        }
        await uploadTree(client, PAGED_BUCKET, paged.dir, "paged/");
        client.destroy();
    });

    after(async () => {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.stdin.end();
        await exited;
        cleanup();
    });

    it("reads the trail's objects with the default credential chain and reports as for a folder", async () => {
        const result = await runCli(["--logs", `s3://${BUCKET}/AWSLogs/`, "--key", ALIAS, "--format", "json"], env);
        const report = reportOf(result);
        assert.equal(report.keys[0].key, KEY_ARN);
        assert.equal(report.keys[0].usage.total, 8);
        assert.equal(report.denied.total, 4);
        assert.equal(report.trail.events.total, 6);
        assert.equal(report.uploads.notUsingAuditedKey, 1);
        assert.equal(report.scan.filesRead, 5);
    });

    it("names corrupt objects by their s3:// URL and exits 3", async () => {
        const result = await runCli(["--logs", `s3://${BUCKET}`, "--key", KEY_ARN], env);
        assert.equal(result.code, 3, result.stderr);
        assert.match(
            result.stderr,
            new RegExp(`skipped s3://${BUCKET}/AWSLogs/.*TruncatedGzip000\\.json\\.gz: cannot read or decompress`),
        );
    });

    it("prunes date folders in the bucket outside --since/--until", async () => {
        const result = await runCli(
            ["--logs", `s3://${BUCKET}/AWSLogs`, "--since", "2024-05-03", "--format", "json"],
            env,
        );
        const report = reportOf(result);
        assert.equal(result.code, 0, `the corrupt files in earlier folders are never opened: ${result.stderr}`);
        assert.equal(report.scan.filesRead, 1);
        assert.equal(report.scan.directoriesSkippedByDate, 1, "one jump over April and 1-2 May");
    });

    it("pages through a folder of more than 1000 objects", async () => {
        const result = await runCli(["--logs", `s3://${PAGED_BUCKET}/paged/AWSLogs`, "--format", "json"], env);
        const report = reportOf(result);
        assert.equal(report.scan.filesRead, PAGED_FILES);
        assert.equal(report.keys[0].usage.total, PAGED_FILES);
    });

    it("exits 2 naming the bucket when it does not exist", async () => {
        const result = await runCli(["--logs", "s3://no-such-bucket-here/AWSLogs"], env);
        assert.equal(result.code, 2);
        assert.match(result.stderr, /cannot list s3:\/\/no-such-bucket-here\/AWSLogs\/: NoSuchBucket/);
    });
});
