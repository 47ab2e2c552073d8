/**
 * Builders for CloudTrail records with the field names and nesting AWS writes, modelled on the examples in
 * the KMS developer guide (https://docs.aws.amazon.com/kms/latest/developerguide/ct-decrypt.html and the other
 * ct-* pages), the CloudTrail guide (how CloudTrail uses KMS; S3 data events) and S3's SSEApplied field.
 */
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { gzipSync } from "zlib";

export const ACCOUNT = "111122223333";
export const OTHER_ACCOUNT = "444455556666";
export const REGION = "us-east-1";
export const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
export const OTHER_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
export const ALIAS = "alias/data-key";
export const ALIAS_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:${ALIAS}`;
export const DATA_BUCKET = "kms-audit-data";
export const TRAIL_BUCKET = "kms-audit-trail-logs";
export const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/kms-audit`;
export const APP_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app-writer`;
export const ADMIN_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/admin`;

export type Identity = Record<string, unknown>;
export type Record_ = Record<string, unknown>;

let sequence = 0;
function nextId(): string {
    sequence += 1;
    return `00000000-0000-4000-8000-${String(sequence).padStart(12, "0")}`;
}

export function iamUser(name: string): Identity {
    return {
        type: "IAMUser",
        principalId: "EX_PRINCIPAL_ID",
        arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
        accountId: ACCOUNT,
        accessKeyId: "EXAMPLE_KEY_ID",
        userName: name,
    };
}

export function assumedRole(roleArn: string, session: string, extra: Identity = {}): Identity {
    const roleName = roleArn.slice(roleArn.lastIndexOf("/") + 1);
    return {
        type: "AssumedRole",
        principalId: `AROAEXAMPLEID:${session}`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${session}`,
        accountId: ACCOUNT,
        accessKeyId: "ASIAEXAMPLE",
        sessionContext: {
            sessionIssuer: {
                type: "Role",
                principalId: "AROAEXAMPLEID",
                arn: roleArn,
                accountId: ACCOUNT,
                userName: roleName,
            },
            attributes: { creationDate: "2024-05-01T00:00:00Z", mfaAuthenticated: "false" },
        },
        ...extra,
    };
}

export function rootUser(): Identity {
    return {
        type: "Root",
        principalId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:root`,
        accountId: ACCOUNT,
        accessKeyId: "EXAMPLE",
    };
}

export function crossAccount(): Identity {
    return { type: "AWSAccount", principalId: "AIDAEXAMPLE", accountId: OTHER_ACCOUNT };
}

export function awsService(service: string): Identity {
    return { type: "AWSService", invokedBy: service };
}

interface Common {
    time: string;
    identity: Identity;
    errorCode?: string;
    errorMessage?: string;
    sourceIPAddress?: string;
    userAgent?: string;
}

function base(source: string, eventName: string, common: Common): Record_ {
    return {
        eventVersion: "1.08",
        userIdentity: common.identity,
        eventTime: common.time,
        eventSource: source,
        eventName,
        awsRegion: REGION,
        sourceIPAddress: common.sourceIPAddress ?? "192.0.2.0",
        userAgent: common.userAgent ?? "aws-cli/2.15.0",
        ...(common.errorCode === undefined
            ? {}
            : { errorCode: common.errorCode, errorMessage: common.errorMessage ?? "denied" }),
    };
}

function tail(resources: unknown[], management = true): Record_ {
    const id = nextId();
    return {
        requestID: id,
        eventID: id,
        readOnly: true,
        resources,
        eventType: "AwsApiCall",
        managementEvent: management,
        recipientAccountId: ACCOUNT,
        eventCategory: management ? "Management" : "Data",
    };
}

function keyResource(keyArn: string): Record_ {
    return { accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: keyArn };
}

/** A cryptographic call (Decrypt, Encrypt, GenerateDataKey...) as ct-decrypt / ct-generatedatakey show it. */
export function kmsCall(
    eventName: string,
    common: Common & { keyId?: string; keyArn?: string | null; encryptionContext?: Record<string, string> },
): Record_ {
    const keyArn = common.keyArn === undefined ? KEY_ARN : common.keyArn;
    return {
        ...base("kms.amazonaws.com", eventName, common),
        requestParameters: {
            keyId: common.keyId ?? keyArn,
            ...(eventName === "Decrypt" || eventName === "Encrypt"
                ? { encryptionAlgorithm: "SYMMETRIC_DEFAULT" }
                : { keySpec: "AES_256" }),
            ...(common.encryptionContext === undefined ? {} : { encryptionContext: common.encryptionContext }),
        },
        responseElements: null,
        ...tail(keyArn === null ? [] : [keyResource(keyArn)]),
    };
}

/** S3 asking KMS for a data key while storing an SSE-KMS object for the caller: caller identity, invokedBy S3. */
export function s3DataKey(time: string, identity: Identity, objectKey: string): Record_ {
    return kmsCall("GenerateDataKey", {
        time,
        identity: { ...identity, invokedBy: "s3.amazonaws.com" },
        sourceIPAddress: "s3.amazonaws.com",
        userAgent: "s3.amazonaws.com",
        encryptionContext: { "aws:s3:arn": `arn:aws:s3:::${DATA_BUCKET}/${objectKey}` },
    });
}

/**
 * S3 asking KMS for a bucket-level key for an S3 Bucket Key: the encryption context is the bucket ARN
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context).
 */
export function s3BucketKeyDataKey(time: string, identity: Identity, bucket = DATA_BUCKET): Record_ {
    return kmsCall("GenerateDataKey", {
        time,
        identity: { ...identity, invokedBy: "s3.amazonaws.com" },
        sourceIPAddress: "s3.amazonaws.com",
        userAgent: "s3.amazonaws.com",
        encryptionContext: { "aws:s3:arn": `arn:aws:s3:::${bucket}` },
    });
}

/** CloudTrail encrypting its own log file, as "How CloudTrail uses AWS KMS" shows it. */
export function cloudTrailDataKey(time: string): Record_ {
    return kmsCall("GenerateDataKey", {
        time,
        identity: awsService("cloudtrail.amazonaws.com"),
        sourceIPAddress: "cloudtrail.amazonaws.com",
        userAgent: "cloudtrail.amazonaws.com",
        encryptionContext: {
            "aws:cloudtrail:arn": TRAIL_ARN,
            "aws:s3:arn": `arn:aws:s3:::${TRAIL_BUCKET}/AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2024/05/01/log.json.gz`,
        },
    });
}

/** Key management calls (CreateGrant, PutKeyPolicy, ScheduleKeyDeletion...). */
export function kmsManagement(
    eventName: string,
    common: Common & { requestParameters: Record_; responseElements?: Record_ | null; keyArn?: string | null },
): Record_ {
    const keyArn = common.keyArn === undefined ? KEY_ARN : common.keyArn;
    return {
        ...base("kms.amazonaws.com", eventName, common),
        requestParameters: common.requestParameters,
        responseElements: common.responseElements ?? null,
        ...tail(keyArn === null ? [] : [keyResource(keyArn)]),
        readOnly: false,
    };
}

/** CreateAlias as ct-createalias shows it: alias and key in resources, key ARN in responseElements. */
export function createAlias(time: string, identity: Identity, alias = ALIAS, keyArn = KEY_ARN): Record_ {
    return {
        ...base("kms.amazonaws.com", "CreateAlias", { time, identity }),
        requestParameters: { aliasName: alias, targetKeyId: keyArn.slice(keyArn.lastIndexOf("/") + 1) },
        responseElements: { keyId: keyArn },
        ...tail([
            { accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: `arn:aws:kms:${REGION}:${ACCOUNT}:${alias}` },
            keyResource(keyArn),
        ]),
        readOnly: false,
    };
}

export function trailCall(eventName: string, common: Common & { requestParameters: Record_ }): Record_ {
    return {
        ...base("cloudtrail.amazonaws.com", eventName, common),
        requestParameters: common.requestParameters,
        responseElements: common.errorCode === undefined ? { trailARN: TRAIL_ARN } : null,
        ...tail([]),
        readOnly: false,
    };
}

/** An S3 PutObject data event; SSEApplied and the encryption headers as S3 records them. */
export function putObject(
    common: Common & {
        objectKey: string;
        bucket?: string;
        sseApplied?: string;
        kmsKeyArn?: string;
        bucketKey?: boolean;
    },
): Record_ {
    const bucket = common.bucket ?? DATA_BUCKET;
    const kms = common.kmsKeyArn !== undefined;
    const bucketKeyHeader =
        common.bucketKey === undefined
            ? {}
            : { "x-amz-server-side-encryption-bucket-key-enabled": String(common.bucketKey) };
    const encryptionHeaders =
        common.sseApplied === undefined
            ? {}
            : kms
              ? {
                    "x-amz-server-side-encryption": "aws:kms",
                    "x-amz-server-side-encryption-aws-kms-key-id": common.kmsKeyArn,
                    ...bucketKeyHeader,
                }
              : { "x-amz-server-side-encryption": "AES256" };
    return {
        ...base("s3.amazonaws.com", "PutObject", common),
        requestParameters: { bucketName: bucket, Host: `${bucket}.s3.${REGION}.amazonaws.com`, key: common.objectKey },
        responseElements: common.errorCode === undefined ? encryptionHeaders : null,
        additionalEventData: {
            SignatureVersion: "SigV4",
            CipherSuite: "ECDHE-RSA-AES128-GCM-SHA256",
            bytesTransferredIn: 1024,
            ...(common.sseApplied === undefined ? {} : { SSEApplied: common.sseApplied }),
            AuthenticationMethod: "AuthHeader",
            bytesTransferredOut: 0,
        },
        ...tail(
            [
                { type: "AWS::S3::Object", ARN: `arn:aws:s3:::${bucket}/${common.objectKey}` },
                { accountId: ACCOUNT, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` },
            ],
            false,
        ),
        readOnly: false,
    };
}

/** Relative path CloudTrail uses for a file delivered at `delivered` (ISO time). */
export function logFilePath(delivered: string, unique: string, account = ACCOUNT, region = REGION): string {
    const [date, clock] = delivered.split("T");
    const [y, m, d] = date.split("-");
    const stamp = `${y}${m}${d}T${clock.slice(0, 2)}${clock.slice(3, 5)}Z`;
    return path.join(
        "AWSLogs",
        account,
        "CloudTrail",
        region,
        y,
        m,
        d,
        `${account}_CloudTrail_${region}_${stamp}_${unique}.json.gz`,
    );
}

export function writeLogFile(root: string, relative: string, records: Record_[]): void {
    const full = path.join(root, relative);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, gzipSync(JSON.stringify({ Records: records })));
}

export function writeRaw(root: string, relative: string, content: Buffer): void {
    const full = path.join(root, relative);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
}

export const CORRUPT_FILE = logFilePath("2024-05-02T12:05:00Z", "TruncatedGzip000");
export const NOT_JSON_FILE = logFilePath("2024-05-02T12:10:00Z", "NotJsonAtAll0000");
export const OUT_OF_WINDOW_CORRUPT_FILE = logFilePath("2024-04-01T00:05:00Z", "OldCorruptFile00");

/**
 * Three days of a small account: the data key used directly, through S3 and by CloudTrail; a denied user;
 * key policy and lifecycle changes; trail tampering; uploads with and without the key; and broken files.
 */
export function writeScenario(root: string, options: { brokenFiles: boolean } = { brokenFiles: true }): void {
    const alice = iamUser("Alice");
    const bob = iamUser("Bob");
    const mallory = iamUser("Mallory");
    const app = assumedRole(APP_ROLE_ARN, "worker-1");
    const admin = assumedRole(ADMIN_ROLE_ARN, "ops");

    writeLogFile(root, logFilePath("2024-05-01T09:05:00Z", "DayOneMorning000"), [
        createAlias("2024-05-01T09:00:00Z", alice),
        kmsManagement("CreateGrant", {
            time: "2024-05-01T09:01:00Z",
            identity: alice,
            requestParameters: {
                keyId: KEY_ID,
                granteePrincipal: APP_ROLE_ARN,
                operations: ["Decrypt", "GenerateDataKey"],
            },
            responseElements: { grantId: "0123abcd" },
        }),
        s3DataKey("2024-05-01T09:02:00Z", app, "reports/a.csv"),
        putObject({
            time: "2024-05-01T09:02:00Z",
            identity: app,
            objectKey: "reports/a.csv",
            sseApplied: "Default_SSE_KMS",
            kmsKeyArn: KEY_ARN,
        }),
        s3DataKey("2024-05-01T09:03:00Z", app, "reports/b.csv"),
        putObject({
            time: "2024-05-01T09:03:00Z",
            identity: app,
            objectKey: "reports/b.csv",
            sseApplied: "Default_SSE_KMS",
            kmsKeyArn: KEY_ARN,
        }),
    ]);
    writeLogFile(root, logFilePath("2024-05-01T23:55:00Z", "DayOneEvening000"), [
        cloudTrailDataKey("2024-05-01T23:50:00Z"),
        s3DataKey("2024-05-01T23:51:00Z", app, "reports/c.csv"),
        putObject({
            time: "2024-05-01T23:51:00Z",
            identity: app,
            objectKey: "reports/c.csv",
            sseApplied: "SSE_KMS",
            kmsKeyArn: KEY_ARN,
        }),
    ]);
    // Delivered after midnight: holds the last minutes of 1 May in the 2 May folder.
    writeLogFile(root, logFilePath("2024-05-02T00:04:00Z", "AfterMidnight000"), [
        cloudTrailDataKey("2024-05-01T23:58:00Z"),
        kmsCall("Decrypt", { time: "2024-05-02T00:01:00Z", identity: bob, keyId: ALIAS }),
    ]);
    writeLogFile(root, logFilePath("2024-05-02T12:00:00Z", "DayTwoNoon000000"), [
        kmsCall("Decrypt", {
            time: "2024-05-02T11:00:00Z",
            identity: mallory,
            errorCode: "AccessDeniedException",
            errorMessage: `User: arn:aws:iam::${ACCOUNT}:user/Mallory is not authorized to perform: kms:Decrypt`,
        }),
        kmsCall("Decrypt", {
            time: "2024-05-02T11:01:00Z",
            identity: app,
            errorCode: "KMSInvalidStateException",
            errorMessage: "key is pending deletion",
        }),
        kmsCall("Encrypt", { time: "2024-05-02T11:02:00Z", identity: alice, keyArn: OTHER_KEY_ARN }),
        putObject({ time: "2024-05-02T11:03:00Z", identity: bob, objectKey: "notes/plain.txt", sseApplied: "SSE_S3" }),
        putObject({
            time: "2024-05-02T11:04:00Z",
            identity: mallory,
            objectKey: "x.bin",
            errorCode: "AccessDenied",
            errorMessage: "Access Denied",
        }),
        trailCall("StopLogging", {
            time: "2024-05-02T11:05:00Z",
            identity: mallory,
            requestParameters: { name: TRAIL_ARN },
            errorCode: "AccessDenied",
            errorMessage: "not authorized to perform: cloudtrail:StopLogging",
        }),
        trailCall("StopLogging", {
            time: "2024-05-02T11:06:00Z",
            identity: admin,
            requestParameters: { name: TRAIL_ARN },
        }),
        trailCall("StartLogging", {
            time: "2024-05-02T11:40:00Z",
            identity: admin,
            requestParameters: { name: TRAIL_ARN },
        }),
    ]);
    writeLogFile(root, logFilePath("2024-05-03T08:00:00Z", "DayThree00000000"), [
        kmsManagement("PutKeyPolicy", {
            time: "2024-05-03T07:50:00Z",
            identity: alice,
            requestParameters: {
                keyId: KEY_ID,
                policyName: "default",
                policy: "{...}",
                bypassPolicyLockoutSafetyCheck: false,
            },
        }),
        // Denied before KMS resolved the key: no resources, only the alias the caller named.
        kmsManagement("ScheduleKeyDeletion", {
            time: "2024-05-03T07:51:00Z",
            identity: mallory,
            keyArn: null,
            requestParameters: { keyId: ALIAS, pendingWindowInDays: 7 },
            errorCode: "AccessDeniedException",
            errorMessage: "not authorized to perform: kms:ScheduleKeyDeletion",
        }),
        kmsManagement("DisableKey", {
            time: "2024-05-03T07:52:00Z",
            identity: admin,
            requestParameters: { keyId: KEY_ARN },
        }),
        kmsCall("Decrypt", { time: "2024-05-03T07:53:00Z", identity: crossAccount() }),
        kmsCall("Encrypt", { time: "2024-05-03T07:54:00Z", identity: rootUser() }),
        trailCall("UpdateTrail", {
            time: "2024-05-03T07:55:00Z",
            identity: admin,
            requestParameters: { name: "kms-audit", s3BucketName: "somewhere-else", enableLogFileValidation: false },
        }),
        trailCall("PutEventSelectors", {
            time: "2024-05-03T07:56:00Z",
            identity: admin,
            requestParameters: {
                trailName: "kms-audit",
                eventSelectors: [{ readWriteType: "WriteOnly", includeManagementEvents: true }],
            },
        }),
        trailCall("DeleteTrail", {
            time: "2024-05-03T07:57:00Z",
            identity: admin,
            requestParameters: { name: "kms-audit" },
        }),
    ]);
    // CloudTrail writes digest files beside the logs; they are not logs and must not be read.
    writeRaw(
        root,
        `AWSLogs/${ACCOUNT}/CloudTrail-Digest/${REGION}/2024/05/02/digest.json.gz`,
        gzipSync('{"digest": true}'),
    );
    if (options.brokenFiles) {
        const whole = gzipSync(
            JSON.stringify({ Records: [kmsCall("Decrypt", { time: "2024-05-02T12:00:00Z", identity: bob })] }),
        );
        writeRaw(root, CORRUPT_FILE, whole.subarray(0, Math.floor(whole.length / 2)));
        writeRaw(root, NOT_JSON_FILE, gzipSync("this is not json"));
        writeRaw(root, OUT_OF_WINDOW_CORRUPT_FILE, Buffer.from("garbage"));
    }
}

export const SEED_ALIAS = "alias/myFirstKey";
export const SEED_OBJECT = "uploads/report-2024-06.csv";
export const SEED_UPLOADER_ARN = `arn:aws:iam::${ACCOUNT}:role/uploader`;

/**
 * The seed's investigation, as CloudTrail would record it on one day: a user refused Decrypt, an uploader role
 * storing one object under SSE-KMS (with the GenerateDataKey S3 made for it), the key's deletion scheduled, the
 * trail stopped, plus the noise around it: other uploads, a Bucket Key upload, CloudTrail's own data keys.
 */
export function writeSeedScenario(root: string): void {
    const eve = iamUser("Eve");
    const uploader = assumedRole(SEED_UPLOADER_ARN, "batch-7");
    const other = assumedRole(APP_ROLE_ARN, "worker-2");
    const admin = assumedRole(ADMIN_ROLE_ARN, "ops");
    writeLogFile(root, logFilePath("2024-06-03T10:05:00Z", "SeedMorning00000"), [
        createAlias("2024-06-03T09:00:00Z", admin, SEED_ALIAS),
        s3DataKey("2024-06-03T10:00:01Z", uploader, SEED_OBJECT),
        putObject({
            time: "2024-06-03T10:00:02Z",
            identity: uploader,
            objectKey: SEED_OBJECT,
            sseApplied: "Default_SSE_KMS",
            kmsKeyArn: KEY_ARN,
        }),
        s3DataKey("2024-06-03T10:01:00Z", other, "uploads/other.csv"),
        putObject({
            time: "2024-06-03T10:01:00Z",
            identity: other,
            objectKey: "uploads/other.csv",
            sseApplied: "Default_SSE_KMS",
            kmsKeyArn: KEY_ARN,
        }),
        cloudTrailDataKey("2024-06-03T10:02:00Z"),
    ]);
    writeLogFile(root, logFilePath("2024-06-03T11:05:00Z", "SeedNoon00000000"), [
        kmsCall("Decrypt", {
            time: "2024-06-03T11:00:00Z",
            identity: eve,
            sourceIPAddress: "203.0.113.9",
            // A refused Decrypt names no key: symmetric ciphertext carries the key, and KMS refused before resolving it.
            keyArn: null,
            errorCode: "AccessDeniedException",
            errorMessage: `User: arn:aws:iam::${ACCOUNT}:user/Eve is not authorized to perform: kms:Decrypt`,
        }),
        s3BucketKeyDataKey("2024-06-03T11:01:00Z", other, "kms-audit-bulk"),
        putObject({
            time: "2024-06-03T11:01:01Z",
            identity: other,
            bucket: "kms-audit-bulk",
            objectKey: "bulk/1.bin",
            sseApplied: "SSE_KMS",
            kmsKeyArn: KEY_ARN,
            bucketKey: true,
        }),
        putObject({
            time: "2024-06-03T11:02:00Z",
            identity: uploader,
            objectKey: "uploads/lost.csv",
            sseApplied: "SSE_KMS",
            kmsKeyArn: KEY_ARN,
        }),
        kmsManagement("ScheduleKeyDeletion", {
            time: "2024-06-03T11:03:00Z",
            identity: admin,
            requestParameters: { keyId: KEY_ID, pendingWindowInDays: 7 },
            responseElements: {
                keyId: KEY_ARN,
                deletionDate: "2024-06-10T11:03:00Z",
                keyState: "PendingDeletion",
                pendingWindowInDays: 7,
            },
        }),
        trailCall("StopLogging", {
            time: "2024-06-03T11:04:00Z",
            identity: admin,
            requestParameters: { name: TRAIL_ARN },
        }),
    ]);
}
