/**
 * S3 buckets. In @pulumi/aws v7 a bucket's encryption, public access block, policy, versioning and logging
 * are separate resources that point at the bucket; the deprecated `...V2` tokens and the deprecated inline
 * properties still exist. Bucket-level verdicts therefore need the stack graph (stack rules); the settings
 * resources themselves are judged one by one (resource rules, which can remediate).
 */
import type { GraphResource, StackGraph } from "../lib/graph";
import type { PlainResource, Problem, ResourceRule, StackRule } from "../lib/rule";
import { eachResource, problem } from "../lib/rule";
import { glob, globCoversPrefix } from "../lib/glob";
import {
    BUCKET_POLICY_LIMIT,
    Statement,
    confiningCondition,
    conditionValueIs,
    coversEveryActionOf,
    isWildcardPrincipal,
    parsePolicyDocument,
} from "../lib/policyDocument";
import { asList, at, boolOf, describeValue, isRecord, isUnknown, knownString } from "../lib/values";
import { KEY } from "./kms";
import * as AWS from "../../vocabulary/awsTypes";

export const BUCKET_TYPES = [AWS.S3_BUCKET, AWS.S3_BUCKET_V2];
export const SSE_TYPES = [AWS.S3_BUCKET_ENCRYPTION, AWS.S3_BUCKET_ENCRYPTION_V2];
export const PUBLIC_ACCESS_BLOCK = AWS.S3_BUCKET_PUBLIC_ACCESS_BLOCK;
export const ACCOUNT_PUBLIC_ACCESS_BLOCK = AWS.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK;
export const OWNERSHIP_CONTROLS = AWS.S3_BUCKET_OWNERSHIP_CONTROLS;
export const ACL_TYPES = [AWS.S3_BUCKET_ACL, AWS.S3_BUCKET_ACL_V2];
export const POLICY = AWS.S3_BUCKET_POLICY;
export const VERSIONING_TYPES = [AWS.S3_BUCKET_VERSIONING, AWS.S3_BUCKET_VERSIONING_V2];
export const LOGGING_TYPES = [AWS.S3_BUCKET_LOGGING, AWS.S3_BUCKET_LOGGING_V2];
export const TRAIL = AWS.CLOUDTRAIL_TRAIL;
export const DISTRIBUTION = AWS.CLOUDFRONT_DISTRIBUTION;

const S3_DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide";
const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

/** The bucket's literal name, when the program wrote one (used to link resources that name it literally). */
export function bucketName(bucket: PlainResource): string | undefined {
    return knownString(bucket.props.bucket);
}

/** Resources of `types` that point at the bucket through `property` (default `bucket`). */
export function bucketSatellites(
    graph: StackGraph,
    bucket: PlainResource,
    types: readonly string[],
    property = "bucket",
): GraphResource[] {
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
export function encryptionSettings(graph: StackGraph, bucket: PlainResource): EncryptionSetting[] {
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

export function isKmsEncrypted(graph: StackGraph, bucket: PlainResource): boolean {
    const settings = encryptionSettings(graph, bucket);
    return settings.length > 0 && settings.every((s) => KMS_ALGORITHMS.includes(s.algorithm as string));
}

/** Literal target bucket names of a bucket's deprecated inline logging (v7 `logging`, V2 `loggings[]`). */
function inlineLogTargets(bucket: PlainResource): string[] {
    return [
        at(bucket.props.logging, "targetBucket"),
        ...asList(bucket.props.loggings).map((l) => at(l, "targetBucket")),
    ].filter((t): t is string => typeof t === "string");
}

/**
 * The bucket receives S3 server access logs from some bucket: it is the `targetBucket` of a BucketLogging or
 * of a bucket's inline logging, through the graph or by literal name.
 */
export function isAccessLogTarget(graph: StackGraph, bucket: PlainResource): boolean {
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
export function cloudFrontLogSources(graph: StackGraph, bucket: PlainResource): GraphResource[] {
    const linked = new Set(graph.referrers(bucket, [DISTRIBUTION], "loggingConfig"));
    for (const d of graph.withExtractedValue(
        "cloudFrontLogBuckets",
        [DISTRIBUTION],
        (r) => bucketOfDomainName(at(r.props.loggingConfig, "bucket")),
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
function oaiDistributions(graph: StackGraph, bucket: PlainResource): GraphResource[] {
    const name = bucketName(bucket);
    const usesOai = (origin: unknown) =>
        at(origin, "s3OriginConfig", "originAccessIdentity") !== undefined &&
        !knownString(at(origin, "originAccessControlId"));
    const viaGraph = graph
        .referrers(bucket, [DISTRIBUTION], "origins")
        .filter((d) =>
            asList(d.props.origins).some(
                (o) =>
                    usesOai(o) &&
                    (isUnknown(at(o, "domainName")) || bucketOfDomainName(at(o, "domainName"))[0] === name),
            ),
        );
    const literal = graph.withExtractedValue(
        "cloudFrontOriginBuckets",
        [DISTRIBUTION],
        (r) =>
            asList(r.props.origins)
                .filter(usesOai)
                .flatMap((o) => bucketOfDomainName(at(o, "domainName"))),
        name,
    );
    return [...new Set([...viaGraph, ...literal])];
}

/** The bucket is some trail's log destination. */
export function receivesTrailLogs(graph: StackGraph, bucket: PlainResource): boolean {
    return bucketSatellites(graph, bucket, [TRAIL], "s3BucketName").length > 0;
}

function judgeKmsSetting(s: EncryptionSetting, requireCmk: boolean, requireBucketKey: boolean): Problem[] {
    const addConfig =
        'attach a BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and ' +
        "kmsMasterKeyId set to your KMS key ARN.";
    if (isUnknown(s.algorithm)) {
        return [
            problem(
                "its default encryption algorithm is unknown during preview.",
                'write sseAlgorithm as a literal ("aws:kms" or "aws:kms:dsse").',
            ),
        ];
    }
    if (!KMS_ALGORITHMS.includes(s.algorithm as string)) {
        return [problem(`default encryption is ${JSON.stringify(s.algorithm ?? "missing")}, not SSE-KMS.`, addConfig)];
    }
    const problems: Problem[] = [];
    // An unknown key ID is another resource's output: a key the program manages, never the literal AWS alias.
    const keyId = s.keyFromStack || isUnknown(s.keyId) ? undefined : knownString(s.keyId);
    const awsManaged = !s.keyFromStack && !isUnknown(s.keyId) && (keyId === undefined || /alias\/aws\//.test(keyId));
    if (requireCmk && awsManaged) {
        problems.push(
            problem(
                `SSE-KMS uses the AWS managed key (${keyId ?? "aws/s3, no kmsMasterKeyId"}).`,
                "set kmsMasterKeyId to a customer managed KMS key you control.",
            ),
        );
    }
    const bucketKey = boolOf(s.bucketKey);
    if (requireBucketKey && s.algorithm === "aws:kms" && bucketKey !== true) {
        problems.push(
            problem(
                bucketKey === "unknown"
                    ? "bucketKeyEnabled is unknown during preview."
                    : "S3 Bucket Keys are off, so every object request calls KMS.",
                "set bucketKeyEnabled: true.",
            ),
        );
    }
    return problems;
}

export const s3BucketSseKms: StackRule = {
    kind: "stack",
    name: "s3-bucket-sse-kms",
    description:
        "Every S3 bucket encrypts by default with SSE-KMS (aws:kms or aws:kms:dsse), optionally with a " +
        "customer managed key and S3 Bucket Keys; S3 access-log target buckets use SSE-S3 instead.",
    severity: "high",
    controls: { fsbp: ["S3.17"], checkov: ["CKV_AWS_145"] },
    remediationSteps:
        "Add a BucketServerSideEncryptionConfiguration for the bucket with sseAlgorithm aws:kms, " +
        "kmsMasterKeyId = your key ARN and bucketKeyEnabled true. For an access-log target bucket use AES256, " +
        "because S3 server access logging cannot deliver to SSE-KMS buckets.",
    url: `${S3_DOC}/UsingKMSEncryption.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {
        requireCustomerManagedKey: {
            type: "boolean",
            default: true,
            description: "Reject the AWS managed key aws/s3.",
        },
        requireBucketKey: {
            type: "boolean",
            default: true,
            description: "Require bucketKeyEnabled for aws:kms (DSSE-KMS does not support bucket keys).",
        },
        exemptAccessLogTargets: {
            type: "boolean",
            default: true,
            description: "Judge access-log target buckets by the SSE-S3 rule instead of SSE-KMS.",
        },
    },
    check(graph, config) {
        return eachResource(graph.ofTypes(BUCKET_TYPES), (bucket) => {
            const settings = encryptionSettings(graph, bucket);
            if (config.exemptAccessLogTargets && isAccessLogTarget(graph, bucket)) {
                // No setting at all is fine here: S3 applies SSE-S3 to every new bucket since January 2023.
                return settings.some((s) => s.algorithm !== "AES256")
                    ? [
                          problem(
                              "it is an S3 access-log target but its default encryption is not SSE-S3; " +
                                  "server access logging cannot deliver logs to an SSE-KMS bucket.",
                              'set sseAlgorithm "AES256" on this bucket\'s encryption configuration.',
                          ),
                      ]
                    : [];
            }
            const problems =
                settings.length === 0
                    ? [
                          problem(
                              "it has no SSE-KMS default encryption (only the S3 default, SSE-S3).",
                              'attach a BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms", ' +
                                  "kmsMasterKeyId set to your KMS key ARN and bucketKeyEnabled: true.",
                          ),
                      ]
                    : settings.flatMap((s) =>
                          judgeKmsSetting(
                              s,
                              config.requireCustomerManagedKey as boolean,
                              config.requireBucketKey as boolean,
                          ),
                      );
            const oai = problems.length > 0 ? oaiDistributions(graph, bucket) : [];
            if (oai.length === 0) {
                return problems;
            }
            // Switching such a bucket to SSE-KMS alone would break the distribution: say what else must change.
            const also =
                ` Also: distribution(s) ${oai.map((d) => `"${d.name}"`).join(", ")} read this bucket through ` +
                "an origin access identity (OAI), which cannot read SSE-KMS objects; move the origin to origin " +
                "access control (OAC) and allow cloudfront.amazonaws.com kms:Decrypt in the key policy with " +
                "aws:SourceArn set to the distribution's ARN, in the same change.";
            return problems.map((p) => ({ ...p, fix: p.fix + also }));
        });
    },
};

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

function flagProblems(resource: PlainResource): Problem[] {
    const off = FLAGS.filter((f) => boolOf(resource.props[f]) !== true);
    return off.length === 0
        ? []
        : [
              problem(
                  `public access block flag(s) ${off.join(", ")} are not true ` +
                      "(an unknown value counts as not set).",
                  "set all four flags to true.",
              ),
          ];
}

export const s3PublicAccessBlockFlags: ResourceRule = {
    kind: "resource",
    name: "s3-public-access-block-flags",
    description: "Bucket and account public access blocks turn on all four flags.",
    severity: "high",
    controls: {
        cis: ["2.1.4"],
        fsbp: ["S3.1", "S3.8"],
        checkov: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
    },
    remediationSteps: "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
    url: `${S3_DOC}/access-control-block-public-access.html`,
    enforcementLevel: "mandatory",
    remediable: true,
    config: {},
    types: [PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK],
    check: flagProblems,
    remediate(resource) {
        return flagProblems(resource).length > 0 ? Object.fromEntries(FLAGS.map((f) => [f, true])) : undefined;
    },
};

export const s3BucketPublicAccessBlock: StackRule = {
    kind: "stack",
    name: "s3-bucket-public-access-block",
    description:
        "Every S3 bucket has a BucketPublicAccessBlock, unless the stack sets an account-level block " +
        "with all four flags.",
    severity: "high",
    controls: { cis: ["2.1.4"], fsbp: ["S3.8"], checkov: ["CKV2_AWS_6"] },
    remediationSteps: "Add an aws.s3.BucketPublicAccessBlock for the bucket with all four flags true.",
    url: `${S3_DOC}/access-control-block-public-access.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    check(graph) {
        const accountBlocked = graph.ofTypes([ACCOUNT_PUBLIC_ACCESS_BLOCK]).some((r) => flagProblems(r).length === 0);
        if (accountBlocked) {
            return [];
        }
        return eachResource(graph.ofTypes(BUCKET_TYPES), (bucket) =>
            bucketSatellites(graph, bucket, [PUBLIC_ACCESS_BLOCK]).length > 0
                ? []
                : [
                      problem(
                          "it has no BucketPublicAccessBlock.",
                          "add an aws.s3.BucketPublicAccessBlock with bucket set to this bucket and all four flags true.",
                      ),
                  ],
        );
    },
};

/** The ARNs a bucket policy must name for the bucket, when known: the bucket's ARN (or one per partition). */
function bucketArns(bucket: PlainResource): string[] | undefined {
    const arn = knownString(bucket.props.arn);
    if (arn !== undefined) {
        return [arn];
    }
    const name = bucketName(bucket);
    return name === undefined ? undefined : ["aws", "aws-cn", "aws-us-gov"].map((p) => `arn:${p}:s3:::${name}`);
}

/**
 * Whether the statement's Resource covers the bucket itself and every one of its objects. With the bucket's
 * ARN unknown (preview, unnamed bucket) the shape is judged: a bucket-level ARN and an all-objects pattern.
 */
function coversBucketAndObjects(statement: Statement, arns: string[] | undefined): boolean {
    if (statement.notResources.length > 0) {
        return false;
    }
    const patterns = statement.resources.map(glob);
    if (arns === undefined) {
        const bucketLevel = statement.resources.some((r) => r === "*" || /^arn:[^:]*:s3:::[^/]+$/.test(r));
        const objectLevel = statement.resources.some((r) => r === "*" || /^arn:[^:]*:s3:::[^/]+\/\*+$/.test(r));
        return bucketLevel && objectLevel;
    }
    return arns.some(
        (arn) => patterns.some((p) => p.test(arn)) && patterns.some((p) => globCoversPrefix(p, `${arn}/`)),
    );
}

/**
 * A statement that denies non-TLS requests to the bucket: Effect Deny, every principal (`*` or AWS `*`, no
 * NotPrincipal), every S3 action, the bucket and all its objects, and a condition block that is exactly
 * Bool (or BoolIfExists) aws:SecureTransport "false". Conditions are ANDed
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html),
 * so any further condition narrows the Deny to a subset of the insecure requests.
 * Reference statement: https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html (S3.5).
 */
function isTlsDeny(s: Statement, arns: string[] | undefined): boolean {
    if (
        s.effect !== "Deny" ||
        s.notPrincipal ||
        !s.principals.includes("*") ||
        !coversEveryActionOf(s, "s3") ||
        !coversBucketAndObjects(s, arns)
    ) {
        return false;
    }
    const entries = [...s.conditions].flatMap(([operator, keys]) =>
        [...keys].map(([key, values]) => ({ operator, key, values })),
    );
    return (
        entries.length === 1 &&
        ["Bool", "BoolIfExists"].includes(entries[0].operator) &&
        entries[0].key === "aws:securetransport" &&
        entries[0].values.some((v) => conditionValueIs([v], "false"))
    );
}

function deniesInsecureTransport(policy: unknown, arns: string[] | undefined): boolean | "unknown" | Problem {
    const parsed = parsePolicyDocument(policy, BUCKET_POLICY_LIMIT);
    if (parsed.kind === "unknown") {
        return "unknown";
    }
    if (parsed.kind === "malformed") {
        return problem(
            `its bucket policy cannot be evaluated: ${parsed.error}.`,
            "supply the policy as a JSON document with a Statement list.",
        );
    }
    if (parsed.kind === "absent") {
        return false;
    }
    return parsed.statements.some((s) => isTlsDeny(s, arns));
}

export const s3BucketTlsOnly: StackRule = {
    kind: "stack",
    name: "s3-bucket-tls-only",
    description:
        "Every S3 bucket has a bucket policy statement denying every S3 action on the bucket and its " +
        "objects to everyone when aws:SecureTransport is false, with no other condition narrowing it.",
    severity: "medium",
    controls: { cis: ["2.1.1"], fsbp: ["S3.5"] },
    remediationSteps:
        "Add a bucket policy statement: Effect Deny, Principal *, Action s3:*, Resource the bucket " +
        'and bucket/*, Condition Bool aws:SecureTransport "false".',
    url: `${S3_DOC}/security-best-practices.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    check(graph) {
        return eachResource(graph.ofTypes(BUCKET_TYPES), (bucket) => {
            const documents = [
                bucket.props.policy,
                ...bucketSatellites(graph, bucket, [POLICY]).map((p) => p.props.policy),
            ];
            const arns = bucketArns(bucket);
            const verdicts = documents.map((d) => deniesInsecureTransport(d, arns));
            const malformed = verdicts.filter((v): v is Problem => typeof v === "object");
            // A document built from ARNs is unknown at a first preview; see kms.ts keyPolicyStatements.
            if (malformed.length === 0 && verdicts.some((v) => v === true || v === "unknown")) {
                return [];
            }
            return malformed.length > 0
                ? malformed
                : [
                      problem(
                          "no bucket policy statement denies every request made without TLS (it must be Deny, Principal " +
                              '"*", every S3 action, the bucket and bucket/*, and no condition besides Bool ' +
                              'aws:SecureTransport "false", because further conditions are ANDed and narrow it).',
                          "add a BucketPolicy statement Deny * s3:* on the bucket and bucket/* when " +
                              'Bool aws:SecureTransport is "false", with no other condition.',
                      ),
                  ];
        });
    },
};

/** The bucket a settings resource (ownership controls, ACL) is for: through the graph, or by literal name. */
function bucketsOf(graph: StackGraph, resource: PlainResource): GraphResource[] {
    const linked = graph.dependencies(resource, "bucket").filter((r) => BUCKET_TYPES.includes(r.type));
    return linked.length > 0
        ? linked
        : graph.withKnownValue(BUCKET_TYPES, "bucket", knownString(resource.props.bucket));
}

/** Canned ACLs that open the bucket beyond the account (S3 User Guide, acl-overview.html, "Canned ACL"). */
const PUBLIC_CANNED_ACLS = ["public-read", "public-read-write", "authenticated-read"];

function ownershipOf(resource: PlainResource): unknown {
    return at(resource.props.rule, "objectOwnership") ?? at(asList(resource.props.rule)[0], "objectOwnership");
}

export const s3BucketOwnerEnforced: StackRule = {
    kind: "stack",
    name: "s3-bucket-owner-enforced",
    description:
        "Buckets keep ACLs disabled: ownership controls are BucketOwnerEnforced and no ACL is set, except " +
        "on buckets receiving CloudFront standard logs, which AWS requires to have ACLs (no public ACL there).",
    severity: "medium",
    controls: { fsbp: ["S3.12"], checkov: ["CKV2_AWS_65"] },
    remediationSteps:
        "Use BucketOwnershipControls with objectOwnership BucketOwnerEnforced and grant access with " +
        "bucket policies instead of ACLs. A bucket with no ownership controls gets BucketOwnerEnforced by default. " +
        "A bucket that receives CloudFront standard logs needs ACLs enabled (BucketOwnerPreferred).",
    url: `${S3_DOC}/about-object-ownership.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    check(graph) {
        const cloudFrontLogs = (r: PlainResource) => {
            const buckets = BUCKET_TYPES.includes(r.type) ? [r] : bucketsOf(graph, r);
            return buckets.length > 0 && buckets.every((b) => cloudFrontLogSources(graph, b).length > 0);
        };
        const cloudFrontNote = "(it receives CloudFront standard logs, so ACLs may stay enabled, but not public)";
        return eachResource(graph.ofTypes([OWNERSHIP_CONTROLS, ...ACL_TYPES, ...BUCKET_TYPES]), (resource) => {
            const exempt = cloudFrontLogs(resource);
            if (resource.type === OWNERSHIP_CONTROLS) {
                const ownership = ownershipOf(resource);
                if (
                    ownership === "BucketOwnerEnforced" ||
                    (exempt && ["BucketOwnerPreferred", "ObjectWriter"].includes(ownership as string))
                ) {
                    return [];
                }
                return [
                    problem(
                        `objectOwnership is ${describeValue(ownership)}, so ACLs stay enabled.`,
                        'set rule.objectOwnership to "BucketOwnerEnforced".',
                    ),
                ];
            }
            const acl = ACL_TYPES.includes(resource.type)
                ? (resource.props.acl ?? at(resource.props.accessControlPolicy, "grants"))
                : resource.props.acl;
            const grants = asList(resource.props.grants);
            if (exempt) {
                return typeof acl === "string" && PUBLIC_CANNED_ACLS.includes(acl)
                    ? [
                          problem(
                              `it sets the public ACL ${describeValue(acl)} ${cloudFrontNote}.`,
                              "use the private or log-delivery-write ACL; CloudFront adds its own log delivery grant.",
                          ),
                      ]
                    : [];
            }
            if (ACL_TYPES.includes(resource.type)) {
                return [
                    problem(
                        "it manages a bucket ACL, which requires ACLs to be enabled.",
                        "remove the ACL resource and grant access with a bucket policy.",
                    ),
                ];
            }
            if ((acl !== undefined && acl !== null && acl !== "private") || grants.length > 0) {
                return [
                    problem(
                        `it sets ${grants.length > 0 ? "ACL grants" : `the ACL ${describeValue(acl)}`}.`,
                        "remove acl/grants and grant access with a bucket policy.",
                    ),
                ];
            }
            return [];
        });
    },
};

/**
 * Bucket policies allow nothing to a public principal (`*`, AWS `*`, an account wildcard, or NotPrincipal)
 * unless a condition with a concrete value confines it, as S3 itself judges a policy public ("The meaning of
 * public" in https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
 */
export const s3BucketPolicyNoPublicPrincipal: ResourceRule = {
    kind: "resource",
    name: "s3-bucket-policy-no-public-principal",
    description:
        "Bucket policies allow nothing to a public principal unless a condition with a concrete value " +
        "confines it (source account, ARN, organization, VPC or VPC endpoint).",
    severity: "critical",
    controls: { fsbp: ["S3.2", "S3.3"], checkov: ["CKV_AWS_70"] },
    remediationSteps:
        "Name the principals (account, role or service), or add a condition such as StringEquals " +
        "aws:SourceAccount / aws:PrincipalOrgID, ArnEquals aws:SourceArn or StringEquals aws:SourceVpce with a " +
        "concrete value. Wildcard values and policy variables confine nothing.",
    url: `${S3_DOC}/access-control-block-public-access.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    types: [POLICY, ...BUCKET_TYPES],
    check(resource) {
        const parsed = parsePolicyDocument(resource.props.policy, BUCKET_POLICY_LIMIT);
        if (parsed.kind === "malformed") {
            return [
                problem(
                    `its bucket policy cannot be evaluated: ${parsed.error}.`,
                    "supply the policy as a JSON document with a Statement list.",
                ),
            ];
        }
        if (parsed.kind !== "parsed") {
            return []; // absent, or built from ARNs and unknown at a first preview: judged again before apply
        }
        const problems: Problem[] = [];
        parsed.statements.forEach((s, i) => {
            if (s.effect === "Allow" && s.principals.some(isWildcardPrincipal) && confiningCondition(s) === undefined) {
                problems.push(
                    problem(
                        `bucket policy statement ${i + 1} allows ${
                            s.actions.length > 0 ? describeValue(s.actions.join(", ")) : "everything but its NotAction"
                        } to a public principal ` + "with no condition that confines it.",
                        "name the principals, or add StringEquals aws:SourceAccount / aws:PrincipalOrgID (or ArnEquals " +
                            "aws:SourceArn) with a concrete value.",
                    ),
                );
            }
        });
        return problems;
    },
};

export const s3Rules = [
    s3BucketSseKms,
    s3BucketPublicAccessBlock,
    s3PublicAccessBlockFlags,
    s3BucketTlsOnly,
    s3BucketOwnerEnforced,
    s3BucketPolicyNoPublicPrincipal,
];
