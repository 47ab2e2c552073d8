/**
 * Data sources (invokes) under the gate's mocks. Pure ones are computed as the AWS provider computes them
 * (`aws.iam.getPolicyDocument` in gate/policyDocumentSource.ts, `aws.getArn`, partitions). Data sources that
 * read an AWS account get well-formed stand-in values, and every use is recorded for the report, because a verdict
 * resting on them rests on invented data.
 */
import { createHash } from "crypto";
import { DataSourceError } from "./dataSourceError";
import { policyDocument } from "./policyDocumentSource";
import * as AWS from "../vocabulary/awsTypes";

export interface DataSourceAccount {
    accountId: string;
    region: string;
    partition: string;
}

/** A data source's answer; `mocked` when it stands in for data only a real account has. */
export interface DataSourceAnswer {
    outputs: Record<string, unknown>;
    mocked: boolean;
}

/** The partition a region belongs to (AWS General Reference, "AWS partitions"). */
export function partitionOfRegion(region: string): { partition: string; dnsSuffix: string; reverseDnsPrefix: string } {
    if (region.startsWith("cn-")) {
        return { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn", reverseDnsPrefix: "cn.com.amazonaws" };
    }
    if (region.startsWith("us-gov-")) {
        return { partition: "aws-us-gov", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    }
    return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
}

/** `aws.getArn`: an ARN split into its parts (arn:partition:service:region:account-id:resource). */
export function parseArn(arn: unknown): Record<string, unknown> {
    if (typeof arn !== "string") {
        throw new DataSourceError("getArn: arn must be a string");
    }
    const parts = arn.split(":");
    if (parts.length < 6 || parts[0] !== "arn" || parts[1] === "" || parts[2] === "") {
        throw new DataSourceError(
            `getArn: ${JSON.stringify(arn)} is not an ARN (arn:partition:service:region:account-id:resource)`,
        );
    }
    return {
        arn,
        id: arn,
        partition: parts[1],
        service: parts[2],
        region: parts[3],
        account: parts[4],
        resource: parts.slice(5).join(":"),
    };
}

function regionCode(region: string): string {
    // use1, euw1, apse2: the prefix AWS uses in zone IDs.
    const [area, direction, number] = region.split("-");
    const dir =
        {
            east: "e",
            west: "w",
            north: "n",
            south: "s",
            central: "c",
            northeast: "ne",
            southeast: "se",
            northwest: "nw",
            southwest: "sw",
        }[direction] ?? direction.slice(0, 2);
    return `${area}${dir}${number ?? ""}`;
}

function tag(...parts: string[]): string {
    return createHash("sha256").update(parts.join("/")).digest("hex");
}

/**
 * Answers an invoke by its token, or undefined when the gate does not know it (then the caller echoes the inputs
 * and records it as mocked). `region` is the provider's region: the stack's `aws:region`.
 */
export function dataSource(
    token: string,
    inputs: Record<string, unknown>,
    account: DataSourceAccount,
): DataSourceAnswer | undefined {
    const { accountId, region } = account;
    const partition = partitionOfRegion(region);
    switch (token) {
        case AWS.DATA_SOURCES.getPolicyDocument:
            return { outputs: policyDocument(inputs), mocked: false };
        case AWS.DATA_SOURCES.getArn:
            return { outputs: parseArn(inputs.arn), mocked: false };
        case AWS.DATA_SOURCES.getPartition:
            return { outputs: { ...partition, id: partition.partition }, mocked: false };
        case AWS.DATA_SOURCES.getRegion: {
            const asked = [inputs.region, inputs.name].find((v): v is string => typeof v === "string");
            const name = asked ?? region;
            const endpoint = `ec2.${name}.${partitionOfRegion(name).dnsSuffix}`;
            return { outputs: { name, region: name, id: name, endpoint, description: name }, mocked: false };
        }
        case AWS.DATA_SOURCES.getCallerIdentity:
            // The gate's simulated account: every ARN the program builds from it names this account.
            return {
                outputs: {
                    accountId,
                    arn: `arn:${partition.partition}:iam::${accountId}:user/kms-audit-ci`,
                    userId: "AIDAKMSAUDITMOCK",
                    id: accountId,
                },
                mocked: false,
            };
        case AWS.DATA_SOURCES.getServicePrincipal: {
            if (typeof inputs.serviceName !== "string" || inputs.serviceName === "") {
                throw new DataSourceError("getServicePrincipal: serviceName is required");
            }
            const forRegion = typeof inputs.region === "string" ? inputs.region : region;
            const suffix = partitionOfRegion(forRegion).dnsSuffix;
            const service = inputs.serviceName;
            return {
                outputs: {
                    serviceName: service,
                    region: forRegion,
                    suffix,
                    name: `${service}.${suffix}`,
                    id: `${service}.${forRegion}.${suffix}`,
                },
                mocked: false,
            };
        }
        case AWS.DATA_SOURCES.getAvailabilityZones: {
            const letters = ["a", "b", "c"];
            const names = letters.map((l) => `${region}${l}`);
            const zoneIds = letters.map((_, i) => `${regionCode(region)}-az${i + 1}`);
            return { outputs: { ...inputs, id: region, names, zoneIds, groupNames: [region] }, mocked: true };
        }
        case AWS.DATA_SOURCES.getVpc: {
            const id = `vpc-${tag("vpc", JSON.stringify(inputs)).slice(0, 17)}`;
            const arn = `arn:${partition.partition}:ec2:${region}:${accountId}:vpc/${id}`;
            return {
                outputs: {
                    ...inputs,
                    id,
                    cidrBlock: "172.31.0.0/16",
                    default: inputs.default ?? true,
                    arn,
                    ownerId: accountId,
                },
                mocked: true,
            };
        }
        case AWS.DATA_SOURCES.getSubnets: {
            const ids = ["a", "b", "c"].map((l) => `subnet-${tag("subnet", l).slice(0, 17)}`);
            return { outputs: { ...inputs, id: region, ids }, mocked: true };
        }
        case AWS.DATA_SOURCES.getAmi: {
            const id = `ami-${tag("ami", JSON.stringify(inputs)).slice(0, 17)}`;
            return {
                outputs: {
                    ...inputs,
                    id,
                    imageId: id,
                    architecture: "x86_64",
                    name: "mocked-ami",
                    arn: `arn:${partition.partition}:ec2:${region}::image/${id}`,
                },
                mocked: true,
            };
        }
        default:
            return undefined;
    }
}
