/**
 * Bucket queries over the stack graph, shared by the S3 and CloudTrail rules. In @pulumi/aws v7 a bucket's
 * encryption, public access block, policy, versioning and logging are separate resources that point at the
 * bucket; the deprecated `...V2` tokens and the deprecated inline properties still exist, so each query reads
 * the settings resources and the inline properties alike.
 */
import { SSE_KMS_ALGORITHMS } from "../../vocabulary/s3Encryption";
import type { GraphResource, StackGraph } from "./graph";
import type { StackType } from "./providerTypes";
import type { PlainResource, StackResource } from "./rule";
import type { ACL_TYPES, OWNERSHIP_CONTROLS } from "./types";
import { BUCKET_TYPES, DISTRIBUTION, KEY, LOGGING_TYPES, SSE_TYPES, TRAIL, VERSIONING_TYPES, isOneOf } from "./types";
import { asList, at, boolOf, isRecord, isUnknown, knownString } from "./values";

/** A bucket (v7 `Bucket` or the deprecated `BucketV2`), its property names checked against the provider. */
export type Bucket = StackResource<(typeof BUCKET_TYPES)[number]>;

type Distribution = StackResource<typeof DISTRIBUTION>;

/** The SSE-KMS algorithms: single-layer and dual-layer (DSSE-KMS), from vocabulary/s3Encryption.ts. */
export const KMS_ALGORITHMS: readonly string[] = SSE_KMS_ALGORITHMS;

/** The bucket's literal name, when the program wrote one (used to link resources that name it literally). */
export function bucketName(bucket: Bucket): string | undefined {
    return knownString(bucket.props.bucket);
}

/** Resources of `types` that point at the bucket through `property` (default `bucket`). */
export function bucketSatellites<T extends StackType>(
    graph: StackGraph,
    bucket: Bucket,
    types: readonly T[],
    property = "bucket",
): StackResource<T>[] {
    return graph.linked(bucket, types, property, bucketName(bucket));
}

/** One default-encryption setting, from a settings resource or from the bucket's inline property. */
export interface EncryptionSetting {
    algorithm: unknown;
    keyId: unknown;
    /** The key is a KMS key resource of this stack (so customer managed), known through the graph. */
    keyFromStack: boolean;
    bucketKey: unknown;
}

function settingFrom(rule: unknown, applyKey: string, keyFromStack: boolean): EncryptionSetting {
    const apply = asList(at(rule, applyKey))[0];
    return {
        algorithm: isUnknown(rule) ? rule : at(apply, "sseAlgorithm"),
        keyId: at(apply, "kmsMasterKeyId"),
        keyFromStack,
        bucketKey: at(rule, "bucketKeyEnabled"),
    };
}

function dependsOnKey(graph: StackGraph, resource: PlainResource, property: string): boolean {
    return graph.dependencies(resource, property).some((r) => r.type === KEY);
}

/** Settings resources win over the inline property, which AWS reports back as SSE-S3 after creation. */
export function encryptionSettings(graph: StackGraph, bucket: Bucket): EncryptionSetting[] {
    const resources = bucketSatellites(graph, bucket, SSE_TYPES);
    if (resources.length > 0) {
        return resources.flatMap((r) => {
            const fromStack = dependsOnKey(graph, r, "rules");
            const rules = isUnknown(r.props.rules) ? [r.props.rules] : asList(r.props.rules);
            return rules.map((rule) => settingFrom(rule, "applyServerSideEncryptionByDefault", fromStack));
        });
    }
    const v7 = bucket.props.serverSideEncryptionConfiguration;
    if (isRecord(v7)) {
        const fromStack = dependsOnKey(graph, bucket, "serverSideEncryptionConfiguration");
        return asList(v7.rule).map((rule) => settingFrom(rule, "applyServerSideEncryptionByDefault", fromStack));
    }
    const v2 = bucket.props.serverSideEncryptionConfigurations;
    const fromStack = dependsOnKey(graph, bucket, "serverSideEncryptionConfigurations");
    return asList(v2)
        .flatMap((c) => asList(at(c, "rules")))
        .map((rule) => settingFrom(rule, "applyServerSideEncryptionByDefaults", fromStack));
}

export function isKmsEncrypted(graph: StackGraph, bucket: Bucket): boolean {
    const settings = encryptionSettings(graph, bucket);
    return settings.length > 0 && settings.every((s) => KMS_ALGORITHMS.includes(s.algorithm as string));
}

/** Literal target bucket names of a bucket's deprecated inline logging (v7 `logging`, V2 `loggings[]`). */
function inlineLogTargets(bucket: Bucket): string[] {
    return [
        at(bucket.props.logging, "targetBucket"),
        ...asList(bucket.props.loggings).map((l) => at(l, "targetBucket")),
    ].filter((t): t is string => typeof t === "string");
}

/**
 * The bucket receives S3 server access logs from some bucket: it is the `targetBucket` of a BucketLogging or
 * of a bucket's inline logging, through the graph or by literal name.
 */
export function isAccessLogTarget(graph: StackGraph, bucket: Bucket): boolean {
    return (
        bucketSatellites(graph, bucket, LOGGING_TYPES, "targetBucket").length > 0 ||
        graph.referrers(bucket, BUCKET_TYPES, "logging").length > 0 ||
        graph.referrers(bucket, BUCKET_TYPES, "loggings").length > 0 ||
        graph.withExtractedValue("inlineLogTargets", BUCKET_TYPES, inlineLogTargets, bucketName(bucket)).length > 0
    );
}

/** `name.s3.amazonaws.com` or `name.s3.<region>.amazonaws.com` (CloudFront's bucket domain names) -> name. */
function bucketOfDomainName(domain: unknown): string[] {
    const name =
        typeof domain === "string"
            ? /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.exec(domain)?.[1]
            : undefined;
    return name === undefined ? [] : [name];
}

/**
 * Distributions writing CloudFront standard logs (legacy) to the bucket: `loggingConfig.bucket` is the bucket's
 * domain name, through the graph or literally. Such a bucket must keep ACLs enabled: CloudFront delivers
 * these logs through a bucket ACL grant, so ACLs must be enabled on the bucket
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html, standard logging to S3).
 */
export function cloudFrontLogSources(graph: StackGraph, bucket: Bucket): GraphResource[] {
    const linked = new Set(graph.referrers(bucket, [DISTRIBUTION], "loggingConfig"));
    for (const d of graph.withExtractedValue(
        "cloudFrontLogBuckets",
        [DISTRIBUTION],
        (r: Distribution) => bucketOfDomainName(at(r.props.loggingConfig, "bucket")),
        bucketName(bucket),
    )) {
        linked.add(d);
    }
    return [...linked];
}

/**
 * Distributions that read the bucket through an origin access identity (OAI) and not origin access control
 * (OAC). OAI cannot read SSE-KMS objects; OAC can, given key-policy access for cloudfront.amazonaws.com
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html).
 */
export function oaiDistributions(graph: StackGraph, bucket: Bucket): GraphResource[] {
    const name = bucketName(bucket);
    const usesOai = (origin: unknown) =>
        at(origin, "s3OriginConfig", "originAccessIdentity") !== undefined &&
        !knownString(at(origin, "originAccessControlId"));
    const viaGraph = graph
        .referrers(bucket, [DISTRIBUTION], "origins")
        .filter((d: Distribution) =>
            asList(d.props.origins).some(
                (o) =>
                    usesOai(o) &&
                    (isUnknown(at(o, "domainName")) || bucketOfDomainName(at(o, "domainName"))[0] === name),
            ),
        );
    const literal = graph.withExtractedValue(
        "cloudFrontOriginBuckets",
        [DISTRIBUTION],
        (r: Distribution) =>
            asList(r.props.origins)
                .filter(usesOai)
                .flatMap((o) => bucketOfDomainName(at(o, "domainName"))),
        name,
    );
    return [...new Set([...viaGraph, ...literal])];
}

/** The bucket is some trail's log destination. */
export function receivesTrailLogs(graph: StackGraph, bucket: Bucket): boolean {
    return bucketSatellites(graph, bucket, [TRAIL], "s3BucketName").length > 0;
}

/** The bucket a settings resource (ownership controls, ACL) is for: through the graph, or by literal name. */
export function bucketsOf(
    graph: StackGraph,
    resource: StackResource<typeof OWNERSHIP_CONTROLS | (typeof ACL_TYPES)[number]>,
): Bucket[] {
    const linked = graph.dependencies(resource, "bucket").filter((r) => isOneOf(BUCKET_TYPES, r.type));
    return linked.length > 0
        ? linked
        : graph.withKnownValue(BUCKET_TYPES, "bucket", knownString(resource.props.bucket));
}

/** Whether versioning is on: a BucketVersioning with status Enabled, or the deprecated inline setting. */
export function versioningEnabled(graph: StackGraph, bucket: Bucket): boolean | "unknown" {
    const statuses = bucketSatellites(graph, bucket, VERSIONING_TYPES).map((v) =>
        at(v.props.versioningConfiguration, "status"),
    );
    const inline = [
        at(bucket.props.versioning, "enabled"),
        ...asList(bucket.props.versionings).map((v) => at(v, "enabled")),
    ].map(boolOf);
    if (statuses.includes("Enabled") || inline.includes(true)) {
        return true;
    }
    return statuses.some(isUnknown) || inline.includes("unknown") ? "unknown" : false;
}

/** Whether the bucket sends S3 server access logs somewhere. */
export function accessLogged(graph: StackGraph, bucket: Bucket): boolean {
    return (
        bucketSatellites(graph, bucket, LOGGING_TYPES).length > 0 ||
        isRecord(bucket.props.logging) ||
        asList(bucket.props.loggings).length > 0
    );
}
