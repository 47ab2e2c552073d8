import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { dataSource } from "./dataSources";
import * as AWS from "../vocabulary/awsTypes";

/** One data source call: `mocked` when its answer stands in for data only a real AWS account has. */
export interface DataSourceUse {
    token: string;
    mocked: boolean;
    /** The gate knows this data source (computed or a well-formed stand-in); otherwise it echoed the inputs. */
    known: boolean;
}

/** Where the simulated deployment lives: the identity AWS would report for the caller. */
export interface MockAccount {
    accountId: string;
    region: string;
    partition: string;
}

export const defaultMockAccount: MockAccount = { accountId: "123456789012", region: "us-east-1", partition: "aws" };

/** A deterministic short hex tag, so that repeated runs produce identical IDs and ARNs. */
function tag(...parts: string[]): string {
    return createHash("sha256").update(parts.join("/")).digest("hex");
}

function keyIdFor(name: string): string {
    const h = tag("kms-key", name);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The values AWS computes when it creates a resource (IDs, ARNs, provider-generated names), for the resource types
 * the baseline and typical programs use. Unknown types get an ID and their inputs back, as a provider would echo them.
 */
export function computedOutputs(
    account: MockAccount,
    type: string,
    name: string,
    // biome-ignore lint/suspicious/noExplicitAny: as the SDK's MockResourceArgs.inputs; names are echoed into IDs
    inputs: Record<string, any>,
): { id: string; outputs: Record<string, unknown> } {
    const { accountId, region, partition } = account;
    const suffix = tag(type, name).slice(0, 7);
    switch (type) {
        case AWS.S3_BUCKET:
        case AWS.S3_BUCKET_V2: {
            const bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? `${name}-`}${suffix}`;
            return {
                id: bucket,
                outputs: {
                    bucket,
                    arn: `arn:${partition}:s3:::${bucket}`,
                    region,
                    bucketDomainName: `${bucket}.s3.amazonaws.com`,
                    bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
                },
            };
        }
        case AWS.KMS_KEY: {
            const keyId = keyIdFor(name);
            return { id: keyId, outputs: { keyId, arn: `arn:${partition}:kms:${region}:${accountId}:key/${keyId}` } };
        }
        case AWS.KMS_ALIAS:
            return {
                id: inputs.name,
                outputs: {
                    arn: `arn:${partition}:kms:${region}:${accountId}:${inputs.name}`,
                    targetKeyArn: inputs.targetKeyId,
                },
            };
        case AWS.CLOUDTRAIL_TRAIL: {
            const trailName = inputs.name ?? `${name}-${suffix}`;
            const arn = `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${trailName}`;
            return { id: arn, outputs: { name: trailName, arn, homeRegion: region } };
        }
        case AWS.CLOUDWATCH_LOG_GROUP: {
            const groupName = inputs.name ?? `${name}-${suffix}`;
            return {
                id: groupName,
                outputs: {
                    name: groupName,
                    arn: `arn:${partition}:logs:${region}:${accountId}:log-group:${groupName}`,
                },
            };
        }
        case AWS.SNS_TOPIC: {
            const topicName = inputs.name ?? `${name}-${suffix}`;
            const arn = `arn:${partition}:sns:${region}:${accountId}:${topicName}`;
            return { id: arn, outputs: { name: topicName, arn } };
        }
        case AWS.IAM_ROLE: {
            const roleName = inputs.name ?? `${name}-${suffix}`;
            return {
                id: roleName,
                outputs: {
                    name: roleName,
                    arn: `arn:${partition}:iam::${accountId}:role/${roleName}`,
                    uniqueId: `AROA${suffix.toUpperCase()}`,
                },
            };
        }
        case AWS.IAM_POLICY: {
            const policyName = inputs.name ?? `${name}-${suffix}`;
            const arn = `arn:${partition}:iam::${accountId}:policy/${policyName}`;
            return { id: arn, outputs: { name: policyName, arn } };
        }
        case AWS.CLOUDWATCH_METRIC_ALARM: {
            const alarmName = inputs.name ?? `${name}-${suffix}`;
            return {
                id: alarmName,
                outputs: {
                    name: alarmName,
                    arn: `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${alarmName}`,
                },
            };
        }
        default:
            return { id: `${name}-${suffix}`, outputs: {} };
    }
}

/**
 * Pulumi mocks that answer like AWS: realistic IDs and ARNs on update; at preview, new resources' IDs and the outputs
 * the provider computes stay unknown, as they are in a first `pulumi preview` (so dependents see unknown ARNs).
 */
export function awsMocks(
    account: MockAccount,
    preview: boolean,
    onDataSource?: (use: DataSourceUse) => void,
): pulumi.runtime.Mocks {
    return {
        newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
            const { id, outputs } = computedOutputs(account, args.type, args.name, args.inputs);
            if (preview) {
                const unknownOutputs = Object.fromEntries(
                    Object.keys(outputs)
                        .filter((key) => !(key in args.inputs))
                        .map((key) => [key, pulumi.unknown]),
                );
                return { id: undefined, state: { ...args.inputs, ...unknownOutputs } };
            }
            return { id, state: { ...args.inputs, ...outputs } };
        },
        call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
            let answer: ReturnType<typeof dataSource>;
            try {
                answer = dataSource(args.token, args.inputs, account);
            } catch (e) {
                const message = `invoke ${args.token} failed: ${(e as Error).message}`;
                throw Object.assign(new Error(message), { details: message });
            }
            onDataSource?.({ token: args.token, mocked: answer?.mocked ?? true, known: answer !== undefined });
            // An unknown data source echoes its inputs, as Pulumi's own mocks do; the report names it as mocked.
            return answer?.outputs ?? args.inputs;
        },
    };
}
