import { strict as assert } from "assert";
import { KeyReport } from "../../audit/report";
import {
    ACCOUNT,
    ADMIN_ROLE_ARN,
    ALIAS,
    ALIAS_ARN,
    APP_ROLE_ARN,
    CORRUPT_FILE,
    DATA_BUCKET,
    iamUser,
    KEY_ARN,
    KEY_ID,
    kmsCall,
    logFilePath,
    NOT_JSON_FILE,
    OTHER_KEY_ARN,
    OUT_OF_WINDOW_CORRUPT_FILE,
    TRAIL_ARN,
    writeLogFile,
    writeScenario,
} from "./fixtures";
import { audit, temporaryDirectory } from "./helpers";

const BOB = `arn:aws:iam::${ACCOUNT}:user/Bob`;
const MALLORY = `arn:aws:iam::${ACCOUNT}:user/Mallory`;
const APP = `${APP_ROLE_ARN} (session worker-1)`;

function onlyKey(keys: KeyReport[]): KeyReport {
    assert.equal(keys.length, 1, `expected one key, got ${keys.map((key) => key.key).join(", ")}`);
    return keys[0];
}

function callsBy(key: KeyReport, name: string): number | undefined {
    return key.usage.byPrincipal.find((count) => count.name === name)?.calls;
}

describe("audit: key usage from CloudTrail log files in a folder", () => {
    let logs: string;
    let remove: () => void;

    before(() => {
        ({ dir: logs, remove } = temporaryDirectory("folder"));
        writeScenario(logs);
    });
    after(() => remove());

    it("counts who used the key, including S3 on a role's behalf and CloudTrail itself", async () => {
        const key = onlyKey((await audit(["--logs", logs, "--key", KEY_ARN])).report.keys);
        assert.equal(key.usage.total, 8);
        assert.equal(callsBy(key, `${APP} via s3.amazonaws.com`), 3);
        assert.equal(callsBy(key, "cloudtrail.amazonaws.com"), 2);
        assert.equal(callsBy(key, BOB), 1);
        assert.equal(callsBy(key, `arn:aws:iam::${ACCOUNT}:root`), 1);
        assert.equal(callsBy(key, "account 444455556666 (principal AIDAEXAMPLE)"), 1);
        assert.deepEqual(key.usage.byOperation, [
            { name: "GenerateDataKey", calls: 5 },
            { name: "Decrypt", calls: 2 },
            { name: "Encrypt", calls: 1 },
        ]);
    });

    it("counts uses of asymmetric and HMAC keys too (Sign, Verify, MACs, key agreement, ReEncrypt)", async () => {
        const { dir, remove: removeDir } = temporaryDirectory("asymmetric");
        try {
            const alice = iamUser("Alice");
            const time = "2024-05-01T10:00:00Z";
            const uses = ["Sign", "Verify", "GenerateMac", "VerifyMac", "DeriveSharedSecret", "ReEncrypt"];
            // DescribeKey reads metadata only: not a use of the key material.
            const records = [...uses, "DescribeKey"].map((name) => kmsCall(name, { time, identity: alice }));
            writeLogFile(dir, logFilePath("2024-05-01T10:05:00Z", "Asymmetric0001"), records);
            const key = onlyKey((await audit(["--logs", dir, "--key", KEY_ARN])).report.keys);
            assert.equal(key.usage.total, uses.length);
            assert.deepEqual(key.usage.byOperation.map((o) => o.name).sort(), [...uses].sort());
        } finally {
            removeDir();
        }
    });

    it("counts calls per day by event time, not by the folder a late file was delivered to", async () => {
        const key = onlyKey((await audit(["--logs", logs, "--key", KEY_ARN])).report.keys);
        assert.deepEqual(key.usage.byDay, [
            { name: "2024-05-01", calls: 5 },
            { name: "2024-05-02", calls: 1 },
            { name: "2024-05-03", calls: 2 },
        ]);
    });

    it("records which bucket or trail a service used the key for", async () => {
        const key = onlyKey((await audit(["--logs", logs, "--key", KEY_ARN])).report.keys);
        const contexts = new Set(key.usage.rows.map((row) => row.context));
        assert.ok(contexts.has(`arn:aws:s3:::${DATA_BUCKET}`));
        assert.ok(contexts.has(TRAIL_ARN));
    });

    it("finds the same key by key ID, alias name and alias ARN, learning the alias from the logs", async () => {
        const byArn = onlyKey((await audit(["--logs", logs, "--key", KEY_ARN])).report.keys);
        for (const selector of [KEY_ID, ALIAS, ALIAS_ARN]) {
            const key = onlyKey((await audit(["--logs", logs, "--key", selector])).report.keys);
            assert.equal(key.key, KEY_ARN, selector);
            assert.deepEqual(key.aliases, [ALIAS_ARN], selector);
            assert.equal(key.usage.total, byArn.usage.total, selector);
            assert.equal(key.denied, 2, selector);
        }
    });

    it("reports every key when no --key is given, and only the chosen key otherwise", async () => {
        const all = (await audit(["--logs", logs])).report.keys.map((key) => key.key);
        assert.deepEqual(all, [OTHER_KEY_ARN, KEY_ARN].sort());
        const chosen = (await audit(["--logs", logs, "--key", OTHER_KEY_ARN])).report.keys;
        assert.equal(onlyKey(chosen).usage.total, 1);
    });

    it("lists denied calls with who and when: on the key, on the trail and on uploads", async () => {
        const { denied } = (await audit(["--logs", logs, "--key", ALIAS])).report;
        assert.equal(denied.total, 4);
        const rows = denied.rows.map((row) => `${row.category} ${row.operation} ${row.principal}`).sort();
        assert.deepEqual(rows, [
            `kms Decrypt ${MALLORY}`,
            `kms ScheduleKeyDeletion ${MALLORY}`,
            `s3-upload PutObject ${MALLORY}`,
            `trail StopLogging ${MALLORY}`,
        ]);
        const decrypt = denied.events.shown.find((event) => event.eventName === "Decrypt");
        assert.equal(decrypt?.time, "2024-05-02T11:00:00Z");
        assert.equal(decrypt?.errorCode, "AccessDeniedException");
    });

    it("keeps failures that are not refusals (KMSInvalidStateException) out of the denied calls", async () => {
        const { report } = await audit(["--logs", logs, "--key", KEY_ARN]);
        const key = onlyKey(report.keys);
        assert.deepEqual(key.failed.byErrorCode, [{ name: "KMSInvalidStateException", calls: 1 }]);
        assert.ok(!report.denied.events.shown.some((event) => event.errorCode === "KMSInvalidStateException"));
    });

    it("lists key lifecycle and policy events with the parameters that matter", async () => {
        const key = onlyKey((await audit(["--logs", logs, "--key", KEY_ARN])).report.keys);
        const names = key.lifecycle.shown.map((event) => event.eventName);
        assert.deepEqual(names, ["CreateAlias", "CreateGrant", "PutKeyPolicy", "ScheduleKeyDeletion", "DisableKey"]);
        const grant = key.lifecycle.shown[1];
        assert.equal(grant.details.granteePrincipal, APP_ROLE_ARN);
        assert.equal(grant.details.operations, "Decrypt,GenerateDataKey");
        const deletion = key.lifecycle.shown[3];
        assert.equal(deletion.errorCode, "AccessDeniedException");
        assert.equal(deletion.details.pendingWindowInDays, "7");
        assert.equal(key.lifecycle.shown[4].principal, `${ADMIN_ROLE_ARN} (session ops)`);
    });

    it("lists trail tampering, refused or not, whatever --key says", async () => {
        const { trail } = (await audit(["--logs", logs, "--key", OTHER_KEY_ARN])).report;
        assert.deepEqual(
            trail.events.shown.map((event) => `${event.eventName}${event.errorCode ? ` ${event.errorCode}` : ""}`),
            [
                "StopLogging AccessDenied",
                "StopLogging",
                "StartLogging",
                "UpdateTrail",
                "PutEventSelectors",
                "DeleteTrail",
            ],
        );
        const update = trail.events.shown[3];
        assert.equal(update.details.s3BucketName, "somewhere-else");
        assert.equal(update.details.enableLogFileValidation, "false");
    });

    it("reports uploads with their encryption and flags the one not encrypted with the key", async () => {
        const { uploads } = (await audit(["--logs", logs, "--key", ALIAS, "--bucket", DATA_BUCKET])).report;
        assert.equal(uploads.total, 4);
        assert.equal(uploads.notUsingAuditedKey, 1);
        const summary = uploads.rows.map(
            (row) => `${row.uploads} ${row.encryption} ${row.appliedBy} ${row.kmsKey ?? "-"}`,
        );
        assert.deepEqual(summary, [
            `2 SSE-KMS bucket default ${KEY_ARN}`,
            `1 SSE-KMS request ${KEY_ARN}`,
            "1 SSE-S3 request -",
        ]);
        assert.equal(uploads.withoutKms.shown[0].target, `arn:aws:s3:::${DATA_BUCKET}/notes/plain.txt`);
        assert.equal(uploads.withoutKms.shown[0].principal, BOB);
    });

    it("counts no uploads for another bucket", async () => {
        const { uploads } = (await audit(["--logs", logs, "--bucket", "some-other-bucket"])).report;
        assert.equal(uploads.total, 0);
        assert.deepEqual(uploads.rows, []);
    });

    it("names corrupt and non-JSON files, skips them and still reports the rest", async () => {
        const { report, stderr } = await audit(["--logs", logs, "--key", KEY_ARN]);
        const unreadable = report.scan.unreadableFiles.map((file) => file.file).sort();
        assert.deepEqual(unreadable, [CORRUPT_FILE, NOT_JSON_FILE, OUT_OF_WINDOW_CORRUPT_FILE].sort());
        assert.match(
            report.scan.unreadableFiles.find((file) => file.file === CORRUPT_FILE)?.reason ?? "",
            /unexpected end of file/,
        );
        assert.match(
            report.scan.unreadableFiles.find((file) => file.file === NOT_JSON_FILE)?.reason ?? "",
            /not valid JSON/,
        );
        assert.ok(stderr.includes(`skipped ${CORRUPT_FILE}`), stderr);
        assert.equal(report.scan.filesRead, 5);
    });

    it("does not read digest files", async () => {
        const { report } = await audit(["--logs", logs]);
        assert.ok(!report.scan.unreadableFiles.some((file) => file.file.includes("Digest")));
        assert.ok(report.keys.every((key) => key.lifecycle.shown.every((event) => !event.file.includes("Digest"))));
    });
});

describe("audit: time window", () => {
    let logs: string;
    let remove: () => void;

    before(() => {
        ({ dir: logs, remove } = temporaryDirectory("window"));
        writeScenario(logs);
    });
    after(() => remove());

    it("counts only events at or after --since and before --until", async () => {
        const { report } = await audit([
            "--logs",
            logs,
            "--key",
            KEY_ARN,
            "--since",
            "2024-05-02",
            "--until",
            "2024-05-03",
        ]);
        const key = onlyKey(report.keys);
        assert.deepEqual(key.usage.byDay, [{ name: "2024-05-02", calls: 1 }]);
        assert.equal(report.scan.firstEventTime, "2024-05-02T00:01:00Z");
        assert.equal(report.scan.lastEventTime, "2024-05-02T11:40:00Z");
        assert.deepEqual(report.filters, {
            key: KEY_ARN,
            since: "2024-05-02T00:00:00.000Z",
            until: "2024-05-03T00:00:00.000Z",
            bucket: null,
            principal: null,
            events: [],
            object: null,
            sourceIp: null,
            errorCode: null,
            encryptionContext: {},
        });
    });

    it("accepts times with a zone and keeps an event delivered after midnight in its own day", async () => {
        const { report } = await audit([
            "--logs",
            logs,
            "--key",
            KEY_ARN,
            "--since",
            "2024-05-01T23:00:00Z",
            "--until",
            "2024-05-02T00:00:00Z",
        ]);
        const key = onlyKey(report.keys);
        assert.equal(
            callsBy(key, "cloudtrail.amazonaws.com"),
            2,
            "23:50 from the 1 May folder and 23:58 from the 2 May folder",
        );
    });

    it("does not open folders and files delivered outside the window", async () => {
        const { report } = await audit(["--logs", logs, "--since", "2024-05-03"]);
        assert.ok(report.scan.directoriesSkippedByDate >= 2, JSON.stringify(report.scan));
        assert.ok(!report.scan.unreadableFiles.some((file) => file.file === OUT_OF_WINDOW_CORRUPT_FILE));
        assert.equal(report.scan.filesRead, 1);
    });

    it("skips files by the delivery time in their name even outside the CloudTrail folder layout", async () => {
        const { dir, remove: removeFlat } = temporaryDirectory("flat");
        try {
            writeLogFile(dir, "111122223333_CloudTrail_us-east-1_20240501T0905Z_FlatFileOne00000.json.gz", [
                kmsCall("Decrypt", { time: "2024-05-01T09:00:00Z", identity: iamUser("Bob") }),
            ]);
            writeLogFile(dir, "111122223333_CloudTrail_us-east-1_20240510T0905Z_FlatFileTwo00000.json.gz", [
                kmsCall("Decrypt", { time: "2024-05-10T09:00:00Z", identity: iamUser("Bob") }),
            ]);
            const { report } = await audit(["--logs", dir, "--since", "2024-05-05"]);
            assert.equal(report.scan.filesSkippedByDate, 1);
            assert.equal(report.scan.filesRead, 1);
        } finally {
            removeFlat();
        }
    });
});

describe("audit: aliases created before the window", () => {
    let logs: string;
    let remove: () => void;

    before(() => {
        ({ dir: logs, remove } = temporaryDirectory("alias"));
        writeLogFile(logs, logFilePath("2024-06-01T10:00:00Z", "AliasUsedByName0"), [
            kmsCall("Decrypt", { time: "2024-06-01T09:59:00Z", identity: iamUser("Bob"), keyId: ALIAS }),
            kmsCall("Encrypt", { time: "2024-06-01T09:59:30Z", identity: iamUser("Bob") }),
        ]);
    });
    after(() => remove());

    it("ties the alias to the key from a call that named it, since KMS lists the key in resources", async () => {
        const key = onlyKey((await audit(["--logs", logs, "--key", ALIAS])).report.keys);
        assert.equal(key.key, KEY_ARN);
        assert.equal(key.usage.total, 2);
    });

    it("warns, and reports nothing, for an alias the window never mentions", async () => {
        const { report } = await audit(["--logs", logs, "--key", "alias/never-used"]);
        assert.deepEqual(report.keys, []);
        assert.match(report.warnings.join("\n"), /alias\/never-used.*try the key ARN or key ID/);
    });
});
