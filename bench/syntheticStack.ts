/**
 * Synthetic stacks of any size, built as the engine would report a large multi-team deployment of the baseline:
 * per group, a KMS key, a trail with its log bucket and log group, an access-log bucket, and ten cells of two
 * SSE-KMS data buckets (each with its encryption, public access block, ownership, versioning, policy and access
 * logging resources, linked by property dependencies) plus unrelated application resources. Every resource's
 * values are known (an update), so every link exists both as a dependency edge and as a literal name.
 *
 * A known share of resources is deliberately non-compliant, so a run proves the pack evaluated everything:
 * every 4th cell's topic has no KMS key (a resource policy finding), and every 5th cell's second data bucket is
 * left out of its trail's data events (a stack policy finding).
 *
 * Over 350 lines with one job: each builder below makes one part of a group, and they share its naming and links.
 */
import type { EngineProvider, EngineResource } from "../gate/engineTypes";
import * as AWS from "../vocabulary/awsTypes";

const project = "kms-audit";
const stack = "bench";
const account = "111122223333";
const region = "eu-west-1";
const cellsPerGroup = 10;

export const types = {
    stack: "pulumi:pulumi:Stack",
    provider: "pulumi:providers:aws",
    key: AWS.KMS_KEY,
    alias: AWS.KMS_ALIAS,
    bucket: AWS.S3_BUCKET,
    sse: AWS.S3_BUCKET_ENCRYPTION,
    publicAccessBlock: AWS.S3_BUCKET_PUBLIC_ACCESS_BLOCK,
    ownership: AWS.S3_BUCKET_OWNERSHIP_CONTROLS,
    versioning: AWS.S3_BUCKET_VERSIONING,
    bucketPolicy: AWS.S3_BUCKET_POLICY,
    logging: AWS.S3_BUCKET_LOGGING,
    trail: AWS.CLOUDTRAIL_TRAIL,
    logGroup: AWS.CLOUDWATCH_LOG_GROUP,
    topic: AWS.SNS_TOPIC,
    ebsDefault: AWS.EBS_ENCRYPTION_BY_DEFAULT,
    role: AWS.IAM_ROLE,
    securityGroup: AWS.EC2_SECURITY_GROUP,
    lambda: AWS.LAMBDA_FUNCTION,
    queue: AWS.SQS_QUEUE,
    table: AWS.DYNAMODB_TABLE,
} as const;

/** The findings the injected violations must produce, per policy. */
export const injectedPolicies = { resource: "sns-topic-kms-encrypted", stack: "cloudtrail-stack-coverage" } as const;

export interface SyntheticStack {
    resources: EngineResource[];
    /** How many findings of each injected policy a correct evaluation reports. */
    expectedFindings: { resource: number; stack: number };
    composition: Record<string, number>;
}

function urnOf(type: string, name: string): string {
    return type === types.stack
        ? `urn:pulumi:${stack}::${project}::${type}::${project}-${stack}`
        : `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

const rootUrn = urnOf(types.stack, "");
const provider: EngineProvider = {
    urn: urnOf(types.provider, "default_7_48_0"),
    type: types.provider,
    name: "default_7_48_0",
    inputs: { region, version: "7.48.0", skipCredentialsValidation: "false" },
};

/** links: property -> names of resources (already created) the property's value came from. */
function resource(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    links: Record<string, string[]> = {},
    computed: Record<string, unknown> = {},
): EngineResource {
    const propertyDependencies = Object.fromEntries(
        Object.entries(links).map(([property, names]) => [property, names.map((n) => urnOf(linkType(n), n))]),
    );
    return {
        urn: urnOf(type, name),
        type,
        name,
        custom: true,
        parent: rootUrn,
        inputs,
        outputs: { ...inputs, id: `${name}-id`, ...computed },
        dependencies: [...new Set(Object.values(propertyDependencies).flat())],
        propertyDependencies,
        protect: false,
        ignoreChanges: [],
        additionalSecretOutputs: [],
        aliases: [],
        provider,
    };
}

/** Names carry their type as a suffix (see `named`), so a link can be written by name alone. */
const typeBySuffix = new Map<string, string>();
function named(type: string, base: string): string {
    const suffix = type.split(":").pop()!.toLowerCase();
    typeBySuffix.set(suffix, type);
    return `${base}.${suffix}`;
}
function linkType(name: string): string {
    const type = typeBySuffix.get(name.slice(name.lastIndexOf(".") + 1));
    if (!type) {
        throw new Error(`synthetic stack: "${name}" has no type suffix; create names with named()`);
    }
    return type;
}

function keyPolicy(trailArn: string): string {
    const root = `arn:aws:iam::${account}:root`;
    const admin = `arn:aws:iam::${account}:role/key-admin`;
    const user = `arn:aws:iam::${account}:role/app`;
    const crypto = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"];
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountRoot", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
            {
                Sid: "KeyAdministration",
                Effect: "Allow",
                Principal: { AWS: admin },
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
                Sid: "AdministratorsDoNotUseTheKey",
                Effect: "Deny",
                Principal: { AWS: admin },
                Resource: "*",
                Action: crypto,
            },
            {
                Sid: "KeyUse",
                Effect: "Allow",
                Principal: { AWS: user },
                Resource: "*",
                Action: [...crypto, "kms:DescribeKey"],
            },
            {
                Sid: "TrailEncrypts",
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Resource: "*",
                Action: ["kms:GenerateDataKey*", "kms:DescribeKey", "kms:Decrypt"],
                Condition: { StringEquals: { "aws:SourceArn": trailArn } },
            },
        ],
    });
}

function tlsOnlyPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });
}

const bucketNameOf = (base: string) => `${base}-${account}`;
const bucketArnOf = (base: string) => `arn:aws:s3:::${bucketNameOf(base)}`;

/** A bucket and the settings resources that point at it; `key` is the KMS key (name) for SSE-KMS, or AES256. */
function securedBucket(base: string, key: { name: string; arn: string } | "AES256"): EngineResource[] {
    const bucket = named(types.bucket, base);
    const onBucket = { bucket: [bucket] };
    const name = bucketNameOf(base);
    const encryption =
        key === "AES256"
            ? { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }
            : {
                  rules: [
                      {
                          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
                          bucketKeyEnabled: true,
                      },
                  ],
              };
    return [
        resource(types.bucket, bucket, { bucket: name, forceDestroy: false }, {}, { arn: bucketArnOf(base) }),
        resource(
            types.sse,
            named(types.sse, base),
            { bucket: name, ...encryption },
            key === "AES256" ? onBucket : { ...onBucket, rules: [key.name] },
        ),
        resource(
            types.publicAccessBlock,
            named(types.publicAccessBlock, base),
            {
                bucket: name,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            onBucket,
        ),
        resource(
            types.ownership,
            named(types.ownership, base),
            { bucket: name, rule: { objectOwnership: "BucketOwnerEnforced" } },
            onBucket,
        ),
        resource(
            types.versioning,
            named(types.versioning, base),
            { bucket: name, versioningConfiguration: { status: "Enabled" } },
            onBucket,
        ),
        resource(
            types.bucketPolicy,
            named(types.bucketPolicy, base),
            { bucket: name, policy: tlsOnlyPolicy(bucketArnOf(base)) },
            { bucket: [bucket], policy: [bucket] },
        ),
    ];
}

function accessLogging(base: string, targetBase: string): EngineResource {
    return resource(
        types.logging,
        named(types.logging, base),
        { bucket: bucketNameOf(base), targetBucket: bucketNameOf(targetBase), targetPrefix: `${base}/` },
        { bucket: [named(types.bucket, base)], targetBucket: [named(types.bucket, targetBase)] },
    );
}

/** Application resources no rule of the pack looks at, and one it does (an SNS topic). */
function applicationResources(
    base: string,
    key: { name: string; arn: string },
    encryptedTopic: boolean,
): EngineResource[] {
    const role = named(types.role, base);
    return [
        resource(
            types.role,
            role,
            {
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
                    ],
                }),
            },
            {},
            { arn: `arn:aws:iam::${account}:role/${base}` },
        ),
        resource(types.securityGroup, named(types.securityGroup, base), {
            description: `${base} app`,
            ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] }],
            egress: [],
        }),
        resource(
            types.lambda,
            named(types.lambda, base),
            {
                runtime: "nodejs20.x",
                handler: "index.handler",
                memorySize: 256,
                role: `arn:aws:iam::${account}:role/${base}`,
                environment: { variables: { TABLE: base } },
            },
            { role: [role] },
        ),
        resource(types.queue, named(types.queue, base), { visibilityTimeoutSeconds: 60, sqsManagedSseEnabled: true }),
        resource(types.table, named(types.table, base), {
            billingMode: "PAY_PER_REQUEST",
            hashKey: "id",
            attributes: [{ name: "id", type: "S" }],
            serverSideEncryption: { enabled: true },
        }),
        encryptedTopic
            ? resource(
                  types.topic,
                  named(types.topic, base),
                  { kmsMasterKeyId: key.arn },
                  { kmsMasterKeyId: [key.name] },
              )
            : resource(types.topic, named(types.topic, base), {}),
    ];
}

interface GroupCounts {
    uncoveredBuckets: number;
    unencryptedTopics: number;
}

function group(g: number, firstCell: number, counts: GroupCounts): EngineResource[] {
    const base = `g${g}`;
    const trailArn = `arn:aws:cloudtrail:${region}:${account}:trail/${base}-audit`;
    const keyName = named(types.key, base);
    const key = { name: keyName, arn: `arn:aws:kms:${region}:${account}:key/${base}` };
    const logGroup = named(types.logGroup, `${base}-audit`);
    const logGroupArn = `arn:aws:logs:${region}:${account}:log-group:${base}-audit`;
    const out: EngineResource[] = [
        resource(
            types.key,
            keyName,
            {
                description: `${base} data key`,
                customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                enableKeyRotation: true,
                rotationPeriodInDays: 365,
                deletionWindowInDays: 30,
                policy: keyPolicy(trailArn),
            },
            {},
            { arn: key.arn },
        ),
        resource(
            types.alias,
            named(types.alias, base),
            { name: `alias/${base}`, targetKeyId: `${base}-key-id` },
            { targetKeyId: [keyName] },
        ),
        resource(
            types.logGroup,
            logGroup,
            { name: `${base}-audit`, kmsKeyId: key.arn, retentionInDays: 365 },
            { kmsKeyId: [keyName] },
            { arn: logGroupArn },
        ),
        ...securedBucket(`${base}-access-logs`, "AES256"),
        ...securedBucket(`${base}-trail`, key),
        accessLogging(`${base}-trail`, `${base}-access-logs`),
    ];
    const covered: string[] = [];
    for (let c = firstCell; c < firstCell + cellsPerGroup; c++) {
        for (const half of ["a", "b"]) {
            const data = `c${c}-${half}`;
            out.push(...securedBucket(data, key), accessLogging(data, `${base}-access-logs`));
            if (half === "b" && c % 5 === 0) {
                counts.uncoveredBuckets++;
            } else {
                covered.push(data);
            }
        }
        const encryptedTopic = c % 4 !== 0;
        counts.unencryptedTopics += encryptedTopic ? 0 : 1;
        out.push(...applicationResources(`c${c}`, key, encryptedTopic));
    }
    out.push(
        resource(
            types.trail,
            named(types.trail, `${base}-audit`),
            {
                name: `${base}-audit`,
                s3BucketName: bucketNameOf(`${base}-trail`),
                isMultiRegionTrail: true,
                includeGlobalServiceEvents: true,
                enableLogFileValidation: true,
                enableLogging: true,
                kmsKeyId: key.arn,
                cloudWatchLogsGroupArn: `${logGroupArn}:*`,
                cloudWatchLogsRoleArn: `arn:aws:iam::${account}:role/${base}-trail-to-logs`,
                eventSelectors: [
                    {
                        readWriteType: "All",
                        includeManagementEvents: true,
                        excludeManagementEventSources: [],
                        dataResources: [{ type: "AWS::S3::Object", values: covered.map((b) => `${bucketArnOf(b)}/`) }],
                    },
                ],
                insightSelectors: [{ insightType: "ApiCallRateInsight" }, { insightType: "ApiErrorRateInsight" }],
            },
            {
                s3BucketName: [named(types.bucket, `${base}-trail`)],
                kmsKeyId: [keyName],
                cloudWatchLogsGroupArn: [logGroup],
                eventSelectors: covered.map((b) => named(types.bucket, b)),
            },
            { arn: trailArn },
        ),
    );
    return out;
}

/** A stack of exactly `size` resources: whole groups, then unrelated resources to make up the count. */
export function syntheticStack(size: number): SyntheticStack {
    const stackLevel = [
        {
            ...resource(types.stack, "", {}),
            urn: rootUrn,
            name: `${project}-${stack}`,
            custom: false,
            parent: undefined,
            provider: undefined,
        },
        { ...resource(types.provider, provider.name, provider.inputs), provider: undefined },
        resource(types.ebsDefault, named(types.ebsDefault, "account"), { enabled: true }),
    ];
    const groupSize = group(0, 0, { uncoveredBuckets: 0, unencryptedTopics: 0 }).length;
    const minimum = stackLevel.length + groupSize;
    if (!Number.isInteger(size) || size < minimum) {
        throw new Error(`synthetic stack size must be an integer of at least ${minimum} (one group), got ${size}`);
    }
    const counts: GroupCounts = { uncoveredBuckets: 0, unencryptedTopics: 0 };
    const resources = [...stackLevel];
    for (let g = 0; resources.length + groupSize <= size; g++) {
        resources.push(...group(g, g * cellsPerGroup, counts));
    }
    for (let i = 0; resources.length < size; i++) {
        resources.push(resource(types.queue, named(types.queue, `padding-${i}`), { sqsManagedSseEnabled: true }));
    }
    const composition: Record<string, number> = {};
    for (const r of resources) {
        composition[r.type] = (composition[r.type] ?? 0) + 1;
    }
    return {
        resources,
        expectedFindings: { resource: counts.unencryptedTopics, stack: counts.uncoveredBuckets },
        composition,
    };
}
