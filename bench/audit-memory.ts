/**
 * Memory and speed of the key usage audit over a month of generated CloudTrail logs.
 *
 *   node -r ts-node/register/transpile-only bench/audit-memory.ts [--gib 1] [--single-file-mib 450]
 *
 * Writes at least --gib GiB of CloudTrail JSON (measured before compression), gzipped one file at a time as
 * CloudTrail lays it out (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/), over 30 days and two regions.
 * Then runs the real CLI in a child process over the first week, over the whole month, and over the whole month
 * with search filters and --events, and prints wall time, records/s and peak RSS (VmHWM from /proc) of each run.
 * Flat memory shows as the same peak RSS for four times the data.
 * Then writes one log file of --single-file-mib MiB of JSON (gzipped, written as a stream) and audits it alone:
 * the reader streams within a file, so its peak RSS must stay near the folder runs' and far below the file's size.
 * Either part is skipped when its size is 0. The data is deleted afterwards.
 */
import { spawn } from "child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { once } from "events";
import { createGzip, gzipSync } from "zlib";
import { exitCodes, parseFlags, runCommand, UsageError } from "../core/cli";
import {
    ALIAS,
    APP_ROLE_ARN,
    assumedRole,
    cloudTrailDataKey,
    createAlias,
    iamUser,
    KEY_ARN,
    kmsCall,
    kmsManagement,
    logFilePath,
    putObject,
    s3DataKey,
    trailCall,
    TRAIL_ARN,
} from "../tests/audit/fixtures";

const REPO = path.resolve(__dirname, "..");
const DAYS = 30;
const REGIONS = ["us-east-1", "eu-west-1"];
const RECORDS_PER_FILE = 1000;

const command = {
    name: "bench/audit-memory",
    usage: "usage: node -r ts-node/register/transpile-only bench/audit-memory.ts [--gib 1] [--single-file-mib 450]",
    flags: { gib: { type: "string" }, "single-file-mib": { type: "string" }, help: { type: "boolean" } },
} as const;

/** A size flag: a number, 0 (skip that part) or more. */
function size(flag: string, value: string | undefined, fallback: number): number {
    const parsed = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) {
        throw new UsageError(`--${flag} ${JSON.stringify(value)}: must be a number, 0 or more`);
    }
    return parsed;
}

function day(index: number): string {
    return new Date(Date.UTC(2024, 4, 1 + index)).toISOString().slice(0, 10);
}

/** One record of a busy data pipeline: mostly S3 writes through KMS, some reads, rare refusals and changes. */
function record(n: number, time: string): Record<string, unknown> {
    const session = `worker-${n % 40}`;
    switch (n % 10) {
        case 0:
        case 1:
        case 2:
            return s3DataKey(time, assumedRole(APP_ROLE_ARN, session), `reports/${n}.csv`);
        case 3:
        case 4:
            return putObject({
                time,
                identity: assumedRole(APP_ROLE_ARN, session),
                objectKey: `reports/${n}.csv`,
                sseApplied: "Default_SSE_KMS",
                kmsKeyArn: KEY_ARN,
            });
        case 5:
            return kmsCall("Decrypt", { time, identity: iamUser(`analyst-${n % 25}`), keyId: ALIAS });
        case 6:
            return cloudTrailDataKey(time);
        case 7:
            return n % 1000 === 7
                ? kmsCall("Decrypt", { time, identity: iamUser("Mallory"), errorCode: "AccessDeniedException" })
                : kmsCall("GenerateDataKey", { time, identity: assumedRole(APP_ROLE_ARN, session) });
        case 8:
            return n % 5000 === 8
                ? trailCall("StopLogging", {
                      time,
                      identity: iamUser("Mallory"),
                      requestParameters: { name: TRAIL_ARN },
                      errorCode: "AccessDenied",
                  })
                : putObject({
                      time,
                      identity: iamUser(`analyst-${n % 25}`),
                      objectKey: `notes/${n}.txt`,
                      sseApplied: "SSE_S3",
                  });
        default:
            return n % 2000 === 9
                ? kmsManagement("CreateGrant", {
                      time,
                      identity: iamUser("Alice"),
                      requestParameters: { granteePrincipal: APP_ROLE_ARN, operations: ["Decrypt"] },
                  })
                : kmsCall("Encrypt", { time, identity: iamUser(`analyst-${n % 25}`) });
    }
}

interface Generated {
    files: number;
    records: number;
    rawBytes: number;
    gzBytes: number;
    seconds: number;
}

/** Writes files until rawTarget bytes of JSON exist; only one file is ever in memory. */
function generate(root: string, rawTarget: number): Generated {
    const started = Date.now();
    const sampleBytes = Buffer.byteLength(
        JSON.stringify({
            Records: Array.from({ length: RECORDS_PER_FILE }, (_, n) => record(n, `${day(0)}T00:00:00Z`)),
        }),
    );
    const filesPerDayRegion = Math.ceil(rawTarget / sampleBytes / (DAYS * REGIONS.length));
    const totals = { files: 0, records: 0, rawBytes: 0, gzBytes: 0 };
    writeLogFileAt(
        root,
        logFilePath(`${day(0)}T00:01:00Z`, "AliasCreation000"),
        [createAlias(`${day(0)}T00:00:00Z`, iamUser("Alice"))],
        totals,
    );
    for (let d = 0; d < DAYS; d += 1) {
        for (const region of REGIONS) {
            for (let f = 0; f < filesPerDayRegion; f += 1) {
                const minuteOfDay = Math.floor(((f + 0.5) / filesPerDayRegion) * 1440);
                const twoDigits = (n: number) => String(n).padStart(2, "0");
                const clock = `${twoDigits(Math.floor(minuteOfDay / 60))}:${twoDigits(minuteOfDay % 60)}`;
                const time = `${day(d)}T${clock}:00Z`;
                const records = Array.from({ length: RECORDS_PER_FILE }, () => record(totals.records++, time));
                const unique = `B${String(totals.files).padStart(15, "0")}`;
                writeLogFileAt(root, logFilePath(`${day(d)}T${clock}:30Z`, unique, undefined, region), records, totals);
            }
        }
    }
    return { ...totals, seconds: (Date.now() - started) / 1000 };
}

function writeLogFileAt(
    root: string,
    relative: string,
    records: unknown[],
    totals: { files: number; rawBytes: number; gzBytes: number },
): void {
    const json = Buffer.from(JSON.stringify({ Records: records }));
    const gz = gzipSync(json, { level: 6 });
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), gz);
    totals.files += 1;
    totals.rawBytes += json.length;
    totals.gzBytes += gz.length;
}

/** Streams one gzipped log file of at least rawTarget bytes of JSON; returns its record count and sizes. */
async function writeSingleFile(file: string, rawTarget: number): Promise<Generated> {
    const started = Date.now();
    mkdirSync(path.dirname(file), { recursive: true });
    const gzip = createGzip({ level: 6 });
    const output = createWriteStream(file);
    gzip.pipe(output);
    const write = async (text: string): Promise<void> => {
        if (!gzip.write(text)) await once(gzip, "drain");
    };
    let rawBytes = 0;
    let records = 0;
    await write('{"Records":[');
    while (rawBytes < rawTarget) {
        const batch: string[] = [];
        for (let i = 0; i < RECORDS_PER_FILE; i += 1) {
            const minute = Math.floor((records / 1000) % 1440);
            const clock = `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
            batch.push(JSON.stringify(record(records++, `${day(0)}T${clock}:00Z`)));
        }
        const text = (rawBytes === 0 ? "" : ",") + batch.join(",");
        rawBytes += Buffer.byteLength(text);
        await write(text);
    }
    await write("]}");
    gzip.end();
    await once(output, "finish");
    return { files: 1, records, rawBytes, gzBytes: statSync(file).size, seconds: (Date.now() - started) / 1000 };
}

interface RunFigures {
    seconds: number;
    peakRssMiB: number;
    files: number;
    records: number;
    exitCode: number | null;
}

/** Runs the CLI and samples its VmHWM (peak resident set) from /proc until it exits. */
function runAudit(args: string[]): Promise<RunFigures> {
    const started = Date.now();
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "audit/cli.ts", ...args], {
        cwd: REPO,
    });
    let peakKiB = 0;
    const sample = (): void => {
        try {
            const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
            const match = /VmHWM:\s+(\d+) kB/.exec(status);
            if (match !== null) peakKiB = Math.max(peakKiB, Number(match[1]));
        } catch {
            // The process has just exited; the last sample stands.
        }
    };
    const timer = setInterval(sample, 20);
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (exitCode) => {
            clearInterval(timer);
            const report = JSON.parse(stdout) as { scan: { filesRead: number; recordsRead: number } };
            resolve({
                seconds: (Date.now() - started) / 1000,
                peakRssMiB: peakKiB / 1024,
                files: report.scan.filesRead,
                records: report.scan.recordsRead,
                exitCode,
            });
        });
    });
}

function print(label: string, run: RunFigures, rawBytesRead: number): void {
    console.log(
        `${label}: exit ${run.exitCode}, ${run.files} files, ${run.records} records, ${run.seconds.toFixed(1)} s, ` +
            `${Math.round(run.records / run.seconds)} records/s, ` +
            `${(rawBytesRead / 1048576 / run.seconds).toFixed(1)} MiB/s of JSON, ` +
            `peak RSS ${run.peakRssMiB.toFixed(0)} MiB`,
    );
}

async function main(argv: string[]): Promise<number> {
    const flags = parseFlags(command, argv);
    if (flags.help) {
        process.stdout.write(`${command.usage}\n`);
        return exitCodes.ok;
    }
    const gib = size("gib", flags.gib, 1);
    const singleFileMiB = size("single-file-mib", flags["single-file-mib"], 450);
    const root = mkdtempSync(path.join(tmpdir(), "kms-audit-bench-"));
    try {
        if (gib > 0) await folderRuns(path.join(root, "month"), gib);
        if (singleFileMiB > 0) {
            const folder = path.join(root, "single");
            const file = path.join(folder, logFilePath(`${day(0)}T23:59:00Z`, "OneLargeFile0000"));
            const data = await writeSingleFile(file, singleFileMiB * 1048576);
            console.log(
                `generated one file: ${data.records} records, ${(data.rawBytes / 1048576).toFixed(0)} MiB JSON, ` +
                    `${(data.gzBytes / 1048576).toFixed(0)} MiB gzipped, in ${data.seconds.toFixed(0)} s`,
            );
            const single = await runAudit(["--logs", folder, "--key", ALIAS, "--format", "json"]);
            print("single file", single, data.rawBytes);
            const filters = ["--principal", APP_ROLE_ARN, "--object", "reports/", "--events", "--max-events", "1000"];
            const searched = await runAudit(["--logs", folder, ...filters, "--format", "json"]);
            print("single file, filters and --events", searched, data.rawBytes);
        }
    } finally {
        rmSync(root, { recursive: true, force: true });
    }
    return exitCodes.ok;
}

async function folderRuns(root: string, gib: number): Promise<void> {
    const data = generate(root, gib * 1024 ** 3);
    console.log(
        `generated ${data.files} files, ${data.records} records, ${(data.rawBytes / 1024 ** 3).toFixed(2)} GiB JSON, ` +
            `${(data.gzBytes / 1048576).toFixed(0)} MiB gzipped, in ${data.seconds.toFixed(0)} s`,
    );
    const rawPerRecord = data.rawBytes / data.records;
    const week = await runAudit(["--logs", root, "--key", ALIAS, "--until", day(7), "--format", "json"]);
    print("first week ", week, week.records * rawPerRecord);
    const month = await runAudit(["--logs", root, "--key", ALIAS, "--format", "json"]);
    print("whole month", month, month.records * rawPerRecord);
    const filtered = await runAudit([
        "--logs",
        root,
        "--key",
        ALIAS,
        "--principal",
        APP_ROLE_ARN,
        "--event",
        "GenerateDataKey",
        "--event",
        "PutObject",
        "--object",
        "reports/",
        "--events",
        "--max-events",
        "10000",
        "--format",
        "json",
    ]);
    print("whole month, filters and --events (10,000 kept)", filtered, filtered.records * rawPerRecord);
}

runCommand(command.name, () => main(process.argv.slice(2)));
