/**
 * The resources the kms-audit program registers, as the engine reports them to AnalyzeStack: at a first
 * preview (every ID/ARN unknown) and after update (all known). Tests copy and break single resources.
 */
import { ResourceSpec, UNKNOWN } from "./harness/requests";

export const T = {
    key: "aws:kms/key:Key",
    keyPolicy: "aws:kms/keyPolicy:KeyPolicy",
    alias: "aws:kms/alias:Alias",
    bucket: "aws:s3/bucket:Bucket",
    bucketV2: "aws:s3/bucketV2:BucketV2",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    sseV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    accountPab: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    acl: "aws:s3/bucketAclV2:BucketAclV2",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    versioningV2: "aws:s3/bucketVersioningV2:BucketVersioningV2",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    logging: "aws:s3/bucketLogging:BucketLogging",
    loggingV2: "aws:s3/bucketLoggingV2:BucketLoggingV2",
    trail: "aws:cloudtrail/trail:Trail",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    topic: "aws:sns/topic:Topic",
    ebs: "aws:ebs/encryptionByDefault:EncryptionByDefault",
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
} as const;

export const ACCOUNT = "111122223333";
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/key-admin`;
const USER = `arn:aws:iam::${ACCOUNT}:role/app`;
const TRAIL_ARN = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/audit`;

export const keyPolicy = {
    Version: "2012-10-17",
    Statement: [
        { Sid: "Root", Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" },
        {
            Sid: "Admins",
            Effect: "Allow",
            Principal: { AWS: ADMIN },
            Resource: "*",
            Action: [
                "kms:Create*",
                "kms:Describe*",
                "kms:Enable*",
                "kms:List*",
                "kms:Put*",
                "kms:Update*",
                "kms:Revoke*",
                "kms:Disable*",
                "kms:Get*",
                "kms:Delete*",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
            ],
        },
        {
            Sid: "AdminsNoCrypto",
            Effect: "Deny",
            Principal: { AWS: ADMIN },
            Resource: "*",
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
        },
        {
            Sid: "Users",
            Effect: "Allow",
            Principal: { AWS: USER },
            Resource: "*",
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        },
        {
            Sid: "CloudTrail",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Resource: "*",
            Action: ["kms:GenerateDataKey*", "kms:DescribeKey", "kms:Decrypt"],
            Condition: {
                StringEquals: { "aws:SourceArn": TRAIL_ARN },
                StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` },
            },
        },
        {
            Sid: "Logs",
            Effect: "Allow",
            Principal: { Service: "logs.eu-west-1.amazonaws.com" },
            Resource: "*",
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Condition: {
                ArnEquals: {
                    "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:audit`,
                },
            },
        },
    ],
};

export function tlsPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "TlsOnly",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });
}

type Mode = "preview" | "update";

/** A bucket and its satellite resources, linked by property dependencies like a real program. */
export function bucketWithSatellites(name: string, mode: Mode, encryption: "kms" | "aes"): ResourceSpec[] {
    const known = (value: string) => (mode === "update" ? value : UNKNOWN);
    const arn = `arn:aws:s3:::${name}-bucket`;
    const apply =
        encryption === "kms"
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: known(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234`) }
            : { sseAlgorithm: "AES256" };
    return [
        { type: T.bucket, name, props: { bucket: known(`${name}-bucket`), arn: known(arn), forceDestroy: false } },
        {
            type: T.sse,
            name: `${name}-sse`,
            props: {
                bucket: known(`${name}-bucket`),
                rules: [{ applyServerSideEncryptionByDefault: apply, bucketKeyEnabled: encryption === "kms" }],
            },
            deps: encryption === "kms" ? { bucket: [name], rules: ["key"] } : { bucket: [name] },
        },
        {
            type: T.pab,
            name: `${name}-pab`,
            props: {
                bucket: known(`${name}-bucket`),
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            deps: { bucket: [name] },
        },
        {
            type: T.ownership,
            name: `${name}-ownership`,
            props: { bucket: known(`${name}-bucket`), rule: { objectOwnership: "BucketOwnerEnforced" } },
            deps: { bucket: [name] },
        },
        {
            type: T.versioning,
            name: `${name}-versioning`,
            props: { bucket: known(`${name}-bucket`), versioningConfiguration: { status: "Enabled" } },
            deps: { bucket: [name] },
        },
        {
            type: T.policy,
            name: `${name}-policy`,
            props: { bucket: known(`${name}-bucket`), policy: mode === "update" ? tlsPolicy(arn) : UNKNOWN },
            deps: { bucket: [name], policy: [name] },
        },
    ];
}

export function trailProps(mode: Mode, dataBucketArn: string): Record<string, unknown> {
    const known = (value: string) => (mode === "update" ? value : UNKNOWN);
    return {
        name: "audit",
        s3BucketName: known("trail-bucket"),
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        kmsKeyId: known(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234`),
        cloudWatchLogsGroupArn: known(`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:audit:*`),
        cloudWatchLogsRoleArn: known(`arn:aws:iam::${ACCOUNT}:role/trail-to-logs`),
        eventSelectors: [
            {
                readWriteType: "All",
                includeManagementEvents: true,
                excludeManagementEventSources: [],
                dataResources: [{ type: "AWS::S3::Object", values: [known(`${dataBucketArn}/`)] }],
            },
        ],
        insightSelectors: [{ insightType: "ApiCallRateInsight" }, { insightType: "ApiErrorRateInsight" }],
    };
}

export const keyProps = {
    customerMasterKeySpec: "SYMMETRIC_DEFAULT",
    enableKeyRotation: true,
    rotationPeriodInDays: 365,
    deletionWindowInDays: 30,
    policy: JSON.stringify(keyPolicy),
};

/** The whole baseline stack: every rule must pass it, at preview and at update. */
export function baselineStack(mode: Mode): ResourceSpec[] {
    const known = (value: string) => (mode === "update" ? value : UNKNOWN);
    return [
        { type: T.key, name: "key", props: keyProps },
        {
            type: T.alias,
            name: "key-alias",
            props: { name: "alias/kms-audit", targetKeyId: known("1234") },
            deps: { targetKeyId: ["key"] },
        },
        ...bucketWithSatellites("data", mode, "kms"),
        ...bucketWithSatellites("trail", mode, "kms"),
        ...bucketWithSatellites("access-logs", mode, "aes"),
        {
            type: T.logging,
            name: "data-logging",
            props: { bucket: known("data-bucket"), targetBucket: known("access-logs-bucket"), targetPrefix: "data/" },
            deps: { bucket: ["data"], targetBucket: ["access-logs"] },
        },
        {
            type: T.logging,
            name: "trail-logging",
            props: { bucket: known("trail-bucket"), targetBucket: known("access-logs-bucket"), targetPrefix: "trail/" },
            deps: { bucket: ["trail"], targetBucket: ["access-logs"] },
        },
        {
            type: T.logGroup,
            name: "audit-logs",
            props: { kmsKeyId: known("arn:key"), retentionInDays: 365 },
            deps: { kmsKeyId: ["key"] },
        },
        {
            type: T.topic,
            name: "alarms",
            props: { kmsMasterKeyId: known("arn:key") },
            deps: { kmsMasterKeyId: ["key"] },
        },
        {
            type: T.trail,
            name: "audit",
            props: trailProps(mode, "arn:aws:s3:::data-bucket"),
            deps: {
                s3BucketName: ["trail"],
                kmsKeyId: ["key"],
                eventSelectors: ["data"],
                cloudWatchLogsGroupArn: ["audit-logs"],
            },
        },
        { type: T.ebs, name: "ebs-default", props: { enabled: true } },
    ];
}

/** The stack with one resource's props replaced (by name). */
export function withProps(
    stack: ResourceSpec[],
    name: string,
    change: (props: Record<string, unknown>) => Record<string, unknown>,
): ResourceSpec[] {
    if (!stack.some((r) => r.name === name)) {
        throw new Error(`fixture has no resource "${name}"`);
    }
    return stack.map((r) => (r.name === name ? { ...r, props: change({ ...r.props }) } : r));
}

export function without(stack: ResourceSpec[], ...names: string[]): ResourceSpec[] {
    return stack.filter((r) => !names.includes(r.name));
}
