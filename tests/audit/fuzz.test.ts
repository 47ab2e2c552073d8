/**
 * Seeded fuzz test of the key usage audit: generated log trees full of hostile input (bad eventTimes, wrong field
 * types, deep nesting, huge strings, non-objects, truncated and garbage files, extra top-level keys, FIFOs,
 * symbolic link loops and dangling links) under random options and filters. Every run must end with a report that
 * satisfies the schema, a documented exit code (0 or 3), no internal error, and exact accounting of what was read.
 *
 *   npm test                 a few iterations (seconds)
 *   npm run fuzz:audit       FUZZ_AUDIT_ITERATIONS iterations (default there: 300), including CLI runs
 *   FUZZ_SEED=<n> ...        repeats a failing run exactly
 */
import { strict as assert } from "assert";
import Ajv from "ajv";
import { execFileSync } from "child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { parseArguments } from "../../audit/options";
import { renderText } from "../../audit/render-text";
import { exitCodeFor, runAudit } from "../../audit/run";
import { PassThrough } from "stream";
import { fuzzSeed, SeededRandom, seededRandom } from "../support/seededRandom";
import {
    ADMIN_ROLE_ARN,
    ALIAS,
    APP_ROLE_ARN,
    assumedRole,
    awsService,
    createAlias,
    crossAccount,
    iamUser,
    KEY_ARN,
    KEY_ID,
    kmsCall,
    kmsManagement,
    OTHER_KEY_ARN,
    putObject,
    rootUser,
    s3BucketKeyDataKey,
    s3DataKey,
    TRAIL_ARN,
    trailCall,
} from "./fixtures";
import { REPO, runCli, temporaryDirectory } from "./helpers";

const ITERATIONS = Number(process.env.FUZZ_AUDIT_ITERATIONS ?? "30");
const WITH_CLI = process.env.FUZZ_AUDIT_ITERATIONS !== undefined;
const schema = JSON.parse(readFileSync(path.join(REPO, "audit", "report-schema.json"), "utf8")) as object;
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
const validateReport = ajv.compile(schema);

const USERS = ["Alice", "Bob", "Mallory", "Eve"];
const OBJECTS = ["reports/a.csv", "reports/b.csv", "uploads/x.bin", "notes/ü ñ.txt"];
const ERRORS = [undefined, undefined, undefined, "AccessDenied", "AccessDeniedException", "KMSInvalidStateException"];
const BAD_TIMES: unknown[] = [
    "1",
    "2024-02-30T10:00:00Z",
    "May 1, 2024",
    "",
    "2024-05-01",
    "2024-05-01T25:00:00Z",
    0,
    null,
    {},
    [],
];

function time(random: SeededRandom): string {
    const day = random.int(1, 3);
    const clock = [random.int(0, 23), random.int(0, 59)].map((part) => String(part).padStart(2, "0"));
    return `2024-05-0${day}T${clock[0]}:${clock[1]}:00Z`;
}

function identity(random: SeededRandom): Record<string, unknown> {
    switch (random.int(0, 5)) {
        case 0:
            return assumedRole(random.pick([APP_ROLE_ARN, ADMIN_ROLE_ARN]), `s-${random.int(0, 3)}`);
        case 1:
            return rootUser();
        case 2:
            return crossAccount();
        case 3:
            return awsService("cloudtrail.amazonaws.com");
        default:
            return iamUser(random.pick(USERS));
    }
}

/** A record as CloudTrail writes it, of a random kind. */
function validRecord(random: SeededRandom): Record<string, unknown> {
    const common = { time: time(random), identity: identity(random), errorCode: random.pick(ERRORS) };
    switch (random.int(0, 8)) {
        case 0:
            return kmsCall(random.pick(["Decrypt", "Encrypt", "GenerateDataKey", "ReEncrypt"]), {
                ...common,
                keyArn: random.pick([KEY_ARN, OTHER_KEY_ARN, null]),
                keyId: random.pick([undefined, ALIAS, KEY_ID]),
            });
        case 1:
            return s3DataKey(common.time, common.identity, random.pick(OBJECTS));
        case 2:
            return s3BucketKeyDataKey(common.time, common.identity);
        case 3:
            return putObject({
                ...common,
                objectKey: random.pick(OBJECTS),
                sseApplied: random.pick([undefined, "SSE_KMS", "Default_SSE_KMS", "SSE_S3"]),
                kmsKeyArn: random.pick([undefined, KEY_ARN]),
                bucketKey: random.pick([undefined, true, false]),
            });
        case 4:
            return trailCall(random.pick(["StopLogging", "StartLogging", "DeleteTrail", "UpdateTrail"]), {
                ...common,
                requestParameters: { name: TRAIL_ARN },
            });
        case 5:
            return kmsManagement(random.pick(["ScheduleKeyDeletion", "PutKeyPolicy", "CreateGrant", "DisableKey"]), {
                ...common,
                keyArn: random.pick([KEY_ARN, null]),
                requestParameters: { keyId: random.pick([KEY_ID, ALIAS]), pendingWindowInDays: 7 },
            });
        case 6:
            return createAlias(common.time, common.identity);
        default:
            return {
                ...kmsCall("Decrypt", common),
                eventSource: random.pick(["iam.amazonaws.com", "sts.amazonaws.com"]),
                eventName: "AssumeRole",
            };
    }
}

function nested(depth: number): unknown {
    let value: unknown = "bottom";
    for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { v: value };
    return value;
}

/** A record whose fields have the wrong types, odd content or the wrong shape altogether. */
function hostileField(random: SeededRandom, record: Record<string, unknown>): void {
    const field = random.pick([
        "userIdentity",
        "resources",
        "requestParameters",
        "responseElements",
        "additionalEventData",
        "eventName",
        "eventSource",
        "sourceIPAddress",
        "errorCode",
    ]);
    record[field] = random.pick<unknown>([
        null,
        5,
        "x",
        [],
        {},
        [1, "a", null],
        { __proto__: { polluted: true } },
        "\u0000\ud800",
        "x".repeat(random.int(0, 5000)),
    ]);
}

interface Expected {
    elements: number;
    malformed: number;
}

/** Writes one file; returns what a correct reader must count, or undefined when the file as a whole is broken. */
function writeFile(random: SeededRandom, full: string): Expected | undefined {
    const records: string[] = [];
    let malformed = 0;
    for (let n = random.int(0, 30); n > 0; n -= 1) {
        const roll = random.next();
        if (roll < 0.6) {
            const record = validRecord(random);
            if (random.chance(0.2)) hostileField(random, record);
            records.push(JSON.stringify(record));
        } else if (roll < 0.72) {
            records.push(JSON.stringify({ ...validRecord(random), eventTime: random.pick(BAD_TIMES) }));
            malformed += 1;
        } else if (roll < 0.8) {
            records.push(JSON.stringify(random.pick<unknown>([null, 42, "text", [1, 2], true])));
            malformed += 1;
        } else if (roll < 0.86) {
            const depth = random.int(120, 4000);
            records.push(JSON.stringify({ ...validRecord(random), requestParameters: nested(depth) }));
            malformed += 1;
        } else if (roll < 0.9) {
            records.push(`{"eventTime": "2024-05-01T00:00:00Z", "bad": tru}`);
            malformed += 1;
        } else {
            const record = validRecord(random);
            record.userAgent = "ä".repeat(random.int(1, 200_000));
            records.push(JSON.stringify(record));
        }
    }
    const spacing = random.pick(["", " ", "\n  "]);
    const extra = random.chance(0.2) ? `"Digest":{"a":[1,{"b":"]}"}]},` : "";
    let body = Buffer.from(`{${extra}"Records":[${spacing}${records.join(`,${spacing}`)}${spacing}]}`);
    let broken = false;
    const damage = random.next();
    if (damage < 0.06) {
        body = body.subarray(0, random.int(0, body.length - 1));
        broken = true;
    } else if (damage < 0.1) {
        body = Buffer.from(
            random.pick(["", "garbage", "[]", '{"Records": {}}', '{"NotRecords": []}', "\u00ef\u00bb\u00bf{}"]),
        );
        broken = true;
    }
    let stored = random.chance(0.7) ? gzipSync(body) : body;
    if (random.chance(0.04) && stored.length > 20) {
        stored = stored.subarray(0, stored.length - 10);
        broken = true;
    }
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, stored);
    return broken ? undefined : { elements: records.length, malformed };
}

function randomArguments(random: SeededRandom, logs: string): string[] {
    const args = ["--logs", logs, "--max-events", String(random.int(1, 20))];
    if (random.chance(0.5)) args.push("--events");
    if (random.chance(0.3)) args.push("--key", random.pick([KEY_ARN, ALIAS, KEY_ID, OTHER_KEY_ARN]));
    if (random.chance(0.2)) args.push("--since", `2024-05-0${random.int(1, 2)}`);
    if (random.chance(0.2)) args.push("--until", "2024-05-03T12:00:00Z");
    if (random.chance(0.2)) args.push("--principal", random.pick([...USERS, APP_ROLE_ARN, "cloudtrail.amazonaws.com"]));
    if (random.chance(0.2))
        args.push("--event", random.pick(["Decrypt", "PutObject", "GenerateDataKey", "StopLogging"]));
    if (random.chance(0.15))
        args.push("--object", random.pick(["reports/", "notes/ü ñ.txt", "arn:aws:s3:::kms-audit-data/uploads/x.bin"]));
    if (random.chance(0.1)) args.push("--error", random.pick(["AccessDenied", "AccessDeniedException"]));
    if (random.chance(0.1)) args.push("--source-ip", random.pick(["192.0.2.0", "s3.amazonaws.com"]));
    if (random.chance(0.1)) args.push("--encryption-context", `aws:cloudtrail:arn=${TRAIL_ARN}`);
    if (random.chance(0.1)) args.push("--bucket", "kms-audit-data");
    return args;
}

describe("audit: seeded fuzz", () => {
    const seed = fuzzSeed(20240501);
    let root: string;
    let remove: () => void;
    before(() => ({ dir: root, remove } = temporaryDirectory("fuzz")));
    after(() => remove());

    it(`${ITERATIONS} generated log trees give a valid report and a documented exit (seed ${seed})`, async function () {
        this.timeout(0);
        const random = seededRandom(seed);
        for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
            const logs = path.join(root, `run-${iteration}`);
            mkdirSync(logs, { recursive: true });
            const broken = new Set<string>();
            let elements = 0;
            let malformed = 0;
            const files = random.int(0, 6);
            for (let f = 0; f < files; f += 1) {
                const name = path.join(
                    "AWSLogs",
                    "111122223333",
                    "CloudTrail",
                    "us-east-1",
                    "2024",
                    "05",
                    `0${random.int(1, 3)}`,
                    `f${f}.json${random.chance(0.8) ? ".gz" : ""}`,
                );
                const expected = writeFile(random, path.join(logs, name));
                if (expected === undefined) broken.add(name);
                else {
                    elements += expected.elements;
                    malformed += expected.malformed;
                }
            }
            if (random.chance(0.15)) execFileSync("mkfifo", [path.join(logs, "pipe.json.gz")]);
            if (random.chance(0.15)) symlinkSync(logs, path.join(logs, "loop"));
            if (random.chance(0.1)) {
                symlinkSync(path.join(root, "missing"), path.join(logs, "dangling.json"));
                broken.add("dangling.json");
            }

            const args = randomArguments(random, logs);
            const context = `seed ${seed}, iteration ${iteration}, args ${JSON.stringify(args.slice(2))}`;
            const options = parseArguments(args);
            assert.ok(options !== undefined);
            const stderr = new PassThrough();
            stderr.resume();
            const report = await runAudit(options, { stderr, stderrIsTerminal: false });
            assert.ok(validateReport(report), `${context}: ${ajv.errorsText(validateReport.errors)}`);
            const unreadable = new Set(report.scan.unreadableFiles.map((file) => file.file));
            const wholeTree = options.since === undefined && options.until === undefined;
            // With a window, date folders outside it are not opened, so their broken files go unnoticed, rightly.
            if (wholeTree) assert.deepEqual(unreadable, broken, context);
            else
                assert.ok(
                    [...unreadable].every((file) => broken.has(file)),
                    context,
                );
            if (broken.size === 0 && wholeTree) {
                assert.equal(report.scan.recordsRead, elements, context);
                assert.equal(report.scan.malformedRecords, malformed, context);
            }
            const code = exitCodeFor(report);
            assert.ok(code === 0 || code === 3, context);
            assert.equal(code === 3, unreadable.size > 0 || report.scan.malformedRecords > 0 || files === 0, context);
            if (report.events !== null) {
                const times = report.events.shown.map((row) => Date.parse(row.time));
                assert.deepEqual(
                    times,
                    [...times].sort((a, b) => a - b),
                    context,
                );
                assert.ok(report.events.shown.length <= options.maxEvents, context);
                assert.equal(report.events.leftOut, report.events.total - report.events.shown.length, context);
            }
            assert.ok(renderText(report).length > 0, context);

            if (WITH_CLI && iteration % 25 === 0) {
                const result = await runCli([...args, "--format", "json"]);
                assert.equal(result.code, code, `${context}: ${result.stderr}`);
                assert.doesNotMatch(result.stderr, /unexpected failure|\n\s+at /, context);
            }
        }
    });
});
