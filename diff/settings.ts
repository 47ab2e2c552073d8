/**
 * Security settings outside policy documents whose direction a diff can judge: encryption, rotation, public access
 * blocks, logging and trail coverage. One table, so each judgement lives in one place. Everything the policy pack
 * checks is also judged by its findings (introduced or resolved); this table catches weakenings that stay within
 * the pack's thresholds (a longer rotation period that is still allowed, a shorter retention that is still allowed).
 */
import { isSseKmsAlgorithm } from "../vocabulary/s3Encryption";
import type { EngineResource } from "../gate";
import { isRecord } from "../vocabulary/pulumiValues";
import { ResourceChange } from "./resources";
import * as AWS from "../vocabulary/awsTypes";

type Direction =
    | "true-is-stronger"
    | "higher-is-stronger"
    | "lower-is-stronger"
    | "present-is-stronger"
    | "kms-is-stronger";

interface SecuritySetting {
    type: string;
    /** Property path in the resource's inputs; `*` stands for any list index. */
    path: string;
    direction: Direction;
    what: string;
}

/** Argument names as in the Pulumi AWS provider's docs: https://www.pulumi.com/registry/packages/aws/api-docs/ */
const SETTINGS: SecuritySetting[] = [
    {
        type: AWS.KMS_KEY,
        path: "enableKeyRotation",
        direction: "true-is-stronger",
        what: "automatic key rotation",
    },
    {
        type: AWS.KMS_KEY,
        path: "rotationPeriodInDays",
        direction: "lower-is-stronger",
        what: "key rotation period",
    },
    {
        type: AWS.KMS_KEY,
        path: "deletionWindowInDays",
        direction: "higher-is-stronger",
        what: "key deletion waiting period",
    },
    ...["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].map((flag) => ({
        type: AWS.S3_BUCKET_PUBLIC_ACCESS_BLOCK,
        path: flag,
        direction: "true-is-stronger" as const,
        what: `public access block ${flag}`,
    })),
    ...[AWS.S3_BUCKET_ENCRYPTION, AWS.S3_BUCKET_ENCRYPTION_V2].flatMap((type) => [
        {
            type,
            path: "rules[*].applyServerSideEncryptionByDefault.sseAlgorithm",
            direction: "kms-is-stronger" as const,
            what: "bucket default encryption algorithm",
        },
        {
            type,
            path: "rules[*].applyServerSideEncryptionByDefault.kmsMasterKeyId",
            direction: "present-is-stronger" as const,
            what: "bucket default encryption KMS key",
        },
    ]),
    { type: AWS.CLOUDTRAIL_TRAIL, path: "enableLogging", direction: "true-is-stronger", what: "trail logging" },
    {
        type: AWS.CLOUDTRAIL_TRAIL,
        path: "isMultiRegionTrail",
        direction: "true-is-stronger",
        what: "trail coverage of all regions",
    },
    {
        type: AWS.CLOUDTRAIL_TRAIL,
        path: "includeGlobalServiceEvents",
        direction: "true-is-stronger",
        what: "trail coverage of global services",
    },
    {
        type: AWS.CLOUDTRAIL_TRAIL,
        path: "enableLogFileValidation",
        direction: "true-is-stronger",
        what: "trail log file validation",
    },
    {
        type: AWS.CLOUDTRAIL_TRAIL,
        path: "kmsKeyId",
        direction: "present-is-stronger",
        what: "trail log encryption with KMS",
    },
    {
        type: AWS.CLOUDTRAIL_TRAIL,
        path: "cloudWatchLogsGroupArn",
        direction: "present-is-stronger",
        what: "trail delivery to CloudWatch Logs",
    },
    // Absent retention means the log group never expires its events, the longest retention there is.
    {
        type: AWS.CLOUDWATCH_LOG_GROUP,
        path: "retentionInDays",
        direction: "higher-is-stronger",
        what: "log retention",
    },
    {
        type: AWS.CLOUDWATCH_LOG_GROUP,
        path: "kmsKeyId",
        direction: "present-is-stronger",
        what: "log group encryption with KMS",
    },
    {
        type: AWS.SNS_TOPIC,
        path: "kmsMasterKeyId",
        direction: "present-is-stronger",
        what: "topic encryption with KMS",
    },
    {
        type: AWS.EBS_ENCRYPTION_BY_DEFAULT,
        path: "enabled",
        direction: "true-is-stronger",
        what: "EBS encryption by default",
    },
];

/** Resources whose existence is a control: deleting one weakens, creating one strengthens. */
const CONTROL_RESOURCES: Record<string, string> = {
    [AWS.CLOUDTRAIL_TRAIL]: "an audit trail",
    [AWS.S3_BUCKET_PUBLIC_ACCESS_BLOCK]: "a bucket's public access block",
    [AWS.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK]: "the account's public access block",
    [AWS.S3_BUCKET_ENCRYPTION]: "a bucket's default encryption",
    [AWS.S3_BUCKET_ENCRYPTION_V2]: "a bucket's default encryption",
    [AWS.S3_BUCKET_LOGGING]: "a bucket's access logging",
    [AWS.S3_BUCKET_LOGGING_V2]: "a bucket's access logging",
    [AWS.S3_BUCKET_VERSIONING]: "a bucket's versioning",
    [AWS.S3_BUCKET_VERSIONING_V2]: "a bucket's versioning",
    [AWS.EBS_ENCRYPTION_BY_DEFAULT]: "EBS encryption by default",
    [AWS.EBS_DEFAULT_KMS_KEY]: "the default EBS encryption key",
    [AWS.CLOUDWATCH_METRIC_ALARM]: "a monitoring alarm",
    [AWS.CLOUDWATCH_LOG_METRIC_FILTER]: "a log metric filter feeding an alarm",
};

export interface SettingChange {
    urn: string;
    type: string;
    name: string;
    /** The property path, or `(resource)` for a control resource created or deleted. */
    path: string;
    what: string;
    before: unknown;
    after: unknown;
    weakened: boolean;
}

function valuesAt(value: unknown, path: string[]): { path: string; value: unknown }[] {
    if (path.length === 0) {
        return [{ path: "", value }];
    }
    const [head, ...rest] = path;
    const list = /^(\w+)\[\*\]$/.exec(head);
    if (list) {
        const items = isRecord(value) ? value[list[1]] : undefined;
        return (Array.isArray(items) ? items : []).flatMap((item, i) =>
            valuesAt(item, rest).map((v) => ({
                path: `${list[1]}[${i}]${v.path ? `.${v.path}` : ""}`,
                value: v.value,
            })),
        );
    }
    const next = isRecord(value) ? value[head] : undefined;
    return valuesAt(next, rest).map((v) => ({ path: `${head}${v.path ? `.${v.path}` : ""}`, value: v.value }));
}

function isTrue(v: unknown): boolean {
    return v === true || v === "true";
}

function numberOf(v: unknown): number | undefined {
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
    return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** Whether `after` is weaker (true), stronger (false) or neither (undefined) than `before`. */
function judge(direction: Direction, before: unknown, after: unknown): boolean | undefined {
    const present = (v: unknown) => v !== undefined && v !== null && v !== "";
    switch (direction) {
        case "true-is-stronger":
            return isTrue(before) === isTrue(after) ? undefined : isTrue(before);
        case "present-is-stronger":
            return present(before) === present(after) ? undefined : present(before);
        case "kms-is-stronger": {
            return isSseKmsAlgorithm(before) === isSseKmsAlgorithm(after) ? undefined : isSseKmsAlgorithm(before);
        }
        case "higher-is-stronger":
        case "lower-is-stronger": {
            // For retention, absent is "never expire" (the highest); for a rotation period absent is AWS's default.
            const b = numberOf(before) ?? (direction === "higher-is-stronger" ? Infinity : undefined);
            const a = numberOf(after) ?? (direction === "higher-is-stronger" ? Infinity : undefined);
            if (a === undefined || b === undefined || a === b) {
                return undefined;
            }
            return direction === "higher-is-stronger" ? a < b : a > b;
        }
    }
}

/** Security settings weakened or strengthened by the resource changes. */
export function settingChanges(
    base: EngineResource[],
    head: EngineResource[],
    resources: ResourceChange[],
): SettingChange[] {
    const baseByUrn = new Map(base.map((r) => [r.urn, r]));
    const headByUrn = new Map(head.map((r) => [r.urn, r]));
    const result: SettingChange[] = [];
    for (const change of resources) {
        const control = CONTROL_RESOURCES[change.type];
        if (control && change.change !== "update") {
            result.push({
                urn: change.urn,
                type: change.type,
                name: change.name,
                path: "(resource)",
                what: control,
                before: change.change === "delete" ? "exists" : null,
                after: change.change === "create" ? "exists" : null,
                weakened: change.change === "delete",
            });
        }
        if (change.change !== "update") {
            continue;
        }
        const before = baseByUrn.get(change.urn)!.inputs;
        const after = headByUrn.get(change.urn)!.inputs;
        for (const setting of SETTINGS.filter((s) => s.type === change.type)) {
            const parts = setting.path.split(".");
            const oldValues = new Map(valuesAt(before, parts).map((v) => [v.path, v.value]));
            const newValues = new Map(valuesAt(after, parts).map((v) => [v.path, v.value]));
            for (const path of new Set([...oldValues.keys(), ...newValues.keys()])) {
                const weakened = judge(setting.direction, oldValues.get(path), newValues.get(path));
                if (weakened !== undefined) {
                    const [b, a] = [oldValues.get(path), newValues.get(path)];
                    result.push({
                        urn: change.urn,
                        type: change.type,
                        name: change.name,
                        path,
                        what: setting.what,
                        before: b ?? null,
                        after: a ?? null,
                        weakened,
                    });
                }
            }
        }
    }
    return result;
}
