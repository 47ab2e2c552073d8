/**
 * S3 buckets. In @pulumi/aws v7 a bucket's encryption, public access block, policy, versioning and logging
 * are separate resources that point at the bucket; the deprecated `...V2` tokens and the deprecated inline
 * properties still exist. Bucket-level verdicts therefore need the stack graph (stack rules); the settings
 * resources themselves are judged one by one (resource rules, which can remediate).
 */
import type { GraphResource, StackGraph } from "../lib/graph";
import type { PlainResource, Problem, ResourceRule, StackProblem, StackRule } from "../lib/rule";
import { problem } from "../lib/rule";
import { conditionValueIs, parsePolicyDocument, statementCovers, isWildcardPrincipal } from "../lib/policyDocument";
import { asList, at, boolOf, isRecord, isUnknown, knownString } from "../lib/values";
import { KEY } from "./kms";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const SSE_TYPES = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
export const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
export const OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
export const ACL_TYPES = ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"];
export const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const VERSIONING_TYPES = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
export const LOGGING_TYPES = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"];
export const TRAIL = "aws:cloudtrail/trail:Trail";

const S3_DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide";
const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

/** The bucket's literal name, when the program wrote one (used to link resources that name it literally). */
export function bucketName(bucket: PlainResource): string | undefined {
    return knownString(bucket.props.bucket);
}

/** Resources of `types` that point at the bucket through `property` (default `bucket`). */
export function bucketSatellites(graph: StackGraph, bucket: PlainResource, types: readonly string[],
    property = "bucket"): GraphResource[] {
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
    return graph.dependencies(resource, property).some(r => r.type === KEY);
}

/** Settings resources win over the inline property, which AWS reports back as SSE-S3 after creation. */
export function encryptionSettings(graph: StackGraph, bucket: PlainResource): EncryptionSetting[] {
    const resources = bucketSatellites(graph, bucket, SSE_TYPES);
    if (resources.length > 0) {
        return resources.flatMap(r => {
            const fromStack = dependsOnKey(graph, r, "rules");
            const rules = isUnknown(r.props.rules) ? [r.props.rules] : asList(r.props.rules);
            return rules.map(rule => settingFrom(rule, "applyServerSideEncryptionByDefault", fromStack));
        });
    }
    const v7 = bucket.props.serverSideEncryptionConfiguration;
    if (isRecord(v7)) {
        const fromStack = dependsOnKey(graph, bucket, "serverSideEncryptionConfiguration");
        return asList(v7.rule).map(rule => settingFrom(rule, "applyServerSideEncryptionByDefault", fromStack));
    }
    const v2 = bucket.props.serverSideEncryptionConfigurations;
    const fromStack = dependsOnKey(graph, bucket, "serverSideEncryptionConfigurations");
    return asList(v2).flatMap(c => asList(at(c, "rules")))
        .map(rule => settingFrom(rule, "applyServerSideEncryptionByDefaults", fromStack));
}

export function isKmsEncrypted(graph: StackGraph, bucket: PlainResource): boolean {
    const settings = encryptionSettings(graph, bucket);
    return settings.length > 0 && settings.every(s => KMS_ALGORITHMS.includes(s.algorithm as string));
}

/** The bucket receives S3 server access logs from some bucket (BucketLogging or inline logging). */
export function isAccessLogTarget(graph: StackGraph, bucket: PlainResource): boolean {
    return bucketSatellites(graph, bucket, LOGGING_TYPES, "targetBucket").length > 0 ||
        graph.referrers(bucket, BUCKET_TYPES, "logging").length > 0 ||
        graph.referrers(bucket, BUCKET_TYPES, "loggings").length > 0;
}

/** The bucket is some trail's log destination. */
export function receivesTrailLogs(graph: StackGraph, bucket: PlainResource): boolean {
    return bucketSatellites(graph, bucket, [TRAIL], "s3BucketName").length > 0;
}

function judgeKmsSetting(s: EncryptionSetting, requireCmk: boolean, requireBucketKey: boolean): Problem[] {
    const addConfig = "attach a BucketServerSideEncryptionConfiguration with sseAlgorithm \"aws:kms\" and " +
        "kmsMasterKeyId set to your KMS key ARN.";
    if (isUnknown(s.algorithm)) {
        return [problem("its default encryption algorithm is unknown during preview.",
            "write sseAlgorithm as a literal (\"aws:kms\" or \"aws:kms:dsse\").")];
    }
    if (!KMS_ALGORITHMS.includes(s.algorithm as string)) {
        return [problem(`default encryption is ${JSON.stringify(s.algorithm ?? "missing")}, not SSE-KMS.`, addConfig)];
    }
    const problems: Problem[] = [];
    // An unknown key ID is another resource's output: a key the program manages, never the literal AWS alias.
    const keyId = s.keyFromStack || isUnknown(s.keyId) ? undefined : knownString(s.keyId);
    const awsManaged = !s.keyFromStack && !isUnknown(s.keyId) && (keyId === undefined || /alias\/aws\//.test(keyId));
    if (requireCmk && awsManaged) {
        problems.push(problem(`SSE-KMS uses the AWS managed key (${keyId ?? "aws/s3, no kmsMasterKeyId"}).`,
            "set kmsMasterKeyId to a customer managed KMS key you control."));
    }
    const bucketKey = boolOf(s.bucketKey);
    if (requireBucketKey && s.algorithm === "aws:kms" && bucketKey !== true) {
        problems.push(problem(bucketKey === "unknown" ? "bucketKeyEnabled is unknown during preview."
            : "S3 Bucket Keys are off, so every object request calls KMS.", "set bucketKeyEnabled: true."));
    }
    return problems;
}

export const s3BucketSseKms: StackRule = {
    kind: "stack",
    name: "s3-bucket-sse-kms",
    description: "Every S3 bucket encrypts by default with SSE-KMS (aws:kms or aws:kms:dsse), optionally with a " +
        "customer managed key and S3 Bucket Keys; S3 access-log target buckets use SSE-S3 instead.",
    severity: "high",
    controls: { fsbp: ["S3.17"], checkov: ["CKV_AWS_145"] },
    remediationSteps: "Add a BucketServerSideEncryptionConfiguration for the bucket with sseAlgorithm aws:kms, " +
        "kmsMasterKeyId = your key ARN and bucketKeyEnabled true. For an access-log target bucket use AES256, " +
        "because S3 server access logging cannot deliver to SSE-KMS buckets.",
    url: `${S3_DOC}/UsingKMSEncryption.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {
        requireCustomerManagedKey: { type: "boolean", default: true,
            description: "Reject the AWS managed key aws/s3." },
        requireBucketKey: { type: "boolean", default: true,
            description: "Require bucketKeyEnabled for aws:kms (DSSE-KMS does not support bucket keys)." },
        exemptAccessLogTargets: { type: "boolean", default: true,
            description: "Judge access-log target buckets by the SSE-S3 rule instead of SSE-KMS." },
    },
    check(graph, config) {
        const problems: StackProblem[] = [];
        for (const bucket of graph.ofTypes(BUCKET_TYPES)) {
            const settings = encryptionSettings(graph, bucket);
            if (config.exemptAccessLogTargets && isAccessLogTarget(graph, bucket)) {
                // No setting at all is fine here: S3 applies SSE-S3 to every new bucket since January 2023.
                if (settings.some(s => s.algorithm !== "AES256")) {
                    problems.push({ resource: bucket, ...problem(
                        "it is an S3 access-log target but its default encryption is not SSE-S3; " +
                        "server access logging cannot deliver logs to an SSE-KMS bucket.",
                        "set sseAlgorithm \"AES256\" on this bucket's encryption configuration.") });
                }
                continue;
            }
            if (settings.length === 0) {
                problems.push({ resource: bucket, ...problem(
                    "it has no SSE-KMS default encryption (only the S3 default, SSE-S3).",
                    "attach a BucketServerSideEncryptionConfiguration with sseAlgorithm \"aws:kms\", " +
                    "kmsMasterKeyId set to your KMS key ARN and bucketKeyEnabled: true.") });
                continue;
            }
            for (const s of settings) {
                for (const p of judgeKmsSetting(s, config.requireCustomerManagedKey as boolean,
                    config.requireBucketKey as boolean)) {
                    problems.push({ resource: bucket, ...p });
                }
            }
        }
        return problems;
    },
};

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

function flagProblems(resource: PlainResource): Problem[] {
    const off = FLAGS.filter(f => boolOf(resource.props[f]) !== true);
    return off.length === 0 ? [] : [problem(`public access block flag(s) ${off.join(", ")} are not true ` +
        "(an unknown value counts as not set).", "set all four flags to true.")];
}

export const s3PublicAccessBlockFlags: ResourceRule = {
    kind: "resource",
    name: "s3-public-access-block-flags",
    description: "Bucket and account public access blocks turn on all four flags.",
    severity: "high",
    controls: { cis: ["2.1.4"], fsbp: ["S3.1", "S3.8"], checkov: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"] },
    remediationSteps: "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
    url: `${S3_DOC}/access-control-block-public-access.html`,
    enforcementLevel: "mandatory",
    remediable: true,
    config: {},
    types: [PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK],
    check: flagProblems,
    remediate(resource) {
        return flagProblems(resource).length > 0 ? Object.fromEntries(FLAGS.map(f => [f, true])) : undefined;
    },
};

export const s3BucketPublicAccessBlock: StackRule = {
    kind: "stack",
    name: "s3-bucket-public-access-block",
    description: "Every S3 bucket has a BucketPublicAccessBlock, unless the stack sets an account-level block " +
        "with all four flags.",
    severity: "high",
    controls: { cis: ["2.1.4"], fsbp: ["S3.8"], checkov: ["CKV2_AWS_6"] },
    remediationSteps: "Add an aws.s3.BucketPublicAccessBlock for the bucket with all four flags true.",
    url: `${S3_DOC}/access-control-block-public-access.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    check(graph) {
        const accountBlocked = graph.ofTypes([ACCOUNT_PUBLIC_ACCESS_BLOCK]).some(r => flagProblems(r).length === 0);
        if (accountBlocked) {
            return [];
        }
        return graph.ofTypes(BUCKET_TYPES)
            .filter(bucket => bucketSatellites(graph, bucket, [PUBLIC_ACCESS_BLOCK]).length === 0)
            .map(bucket => ({ resource: bucket, ...problem("it has no BucketPublicAccessBlock.",
                "add an aws.s3.BucketPublicAccessBlock with bucket set to this bucket and all four flags true.") }));
    },
};

/** Deny, to everyone, all S3 actions on the objects, when aws:SecureTransport is false. */
function deniesInsecureTransport(policy: unknown): boolean | "unknown" | Problem {
    const parsed = parsePolicyDocument(policy);
    if (parsed.kind === "unknown") {
        return "unknown";
    }
    if (parsed.kind === "malformed") {
        return problem(`its bucket policy cannot be evaluated: ${parsed.error}.`,
            "supply the policy as a JSON document with a Statement list.");
    }
    if (parsed.kind === "absent") {
        return false;
    }
    return parsed.statements.some(s => s.effect === "Deny" && s.principals.some(isWildcardPrincipal) &&
        statementCovers(s, "s3:GetObject") && statementCovers(s, "s3:PutObject") &&
        s.resources.some(r => r === "*" || r.endsWith("/*")) &&
        conditionValueIs(s.conditions.get("Bool")?.get("aws:securetransport"), "false"));
}

export const s3BucketTlsOnly: StackRule = {
    kind: "stack",
    name: "s3-bucket-tls-only",
    description: "Every S3 bucket has a bucket policy that denies requests not made over TLS (aws:SecureTransport).",
    severity: "medium",
    controls: { cis: ["2.1.1"], fsbp: ["S3.5"] },
    remediationSteps: "Add a bucket policy statement: Effect Deny, Principal *, Action s3:*, Resource the bucket " +
        "and bucket/*, Condition Bool aws:SecureTransport \"false\".",
    url: `${S3_DOC}/security-best-practices.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    check(graph) {
        const problems: StackProblem[] = [];
        for (const bucket of graph.ofTypes(BUCKET_TYPES)) {
            const documents = [bucket.props.policy, ...bucketSatellites(graph, bucket, [POLICY]).map(p => p.props.policy)];
            const verdicts = documents.map(deniesInsecureTransport);
            const malformed = verdicts.filter((v): v is Problem => typeof v === "object");
            // A document built from ARNs is unknown at a first preview; see kms.ts keyPolicyStatements.
            if (malformed.length === 0 && verdicts.some(v => v === true || v === "unknown")) {
                continue;
            }
            problems.push(...(malformed.length > 0 ? malformed : [problem(
                "no bucket policy denies requests made without TLS.",
                "add a BucketPolicy statement Deny * s3:* on the bucket and bucket/* when " +
                "Bool aws:SecureTransport is \"false\".")]).map(p => ({ resource: bucket, ...p })));
        }
        return problems;
    },
};

export const s3BucketOwnerEnforced: ResourceRule = {
    kind: "resource",
    name: "s3-bucket-owner-enforced",
    description: "Buckets keep ACLs disabled: ownership controls are BucketOwnerEnforced and no ACL is set.",
    severity: "medium",
    controls: { fsbp: ["S3.12"], checkov: ["CKV2_AWS_65"] },
    remediationSteps: "Use BucketOwnershipControls with objectOwnership BucketOwnerEnforced and grant access with " +
        "bucket policies instead of ACLs. A bucket with no ownership controls gets BucketOwnerEnforced by default.",
    url: `${S3_DOC}/about-object-ownership.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    types: [OWNERSHIP_CONTROLS, ...ACL_TYPES, ...BUCKET_TYPES],
    check(resource) {
        if (resource.type === OWNERSHIP_CONTROLS) {
            const ownership = at(resource.props.rule, "objectOwnership") ?? at(asList(resource.props.rule)[0], "objectOwnership");
            return ownership === "BucketOwnerEnforced" ? [] : [problem(
                `objectOwnership is ${JSON.stringify(ownership ?? "missing")}, so ACLs stay enabled.`,
                "set rule.objectOwnership to \"BucketOwnerEnforced\".")];
        }
        if (ACL_TYPES.includes(resource.type)) {
            return [problem("it manages a bucket ACL, which requires ACLs to be enabled.",
                "remove the ACL resource and grant access with a bucket policy.")];
        }
        const acl = resource.props.acl;
        const grants = asList(resource.props.grants);
        if ((acl !== undefined && acl !== null && acl !== "private") || grants.length > 0) {
            return [problem(`it sets ${grants.length > 0 ? "ACL grants" : `the ACL ${JSON.stringify(acl)}`}.`,
                "remove acl/grants and grant access with a bucket policy.")];
        }
        return [];
    },
};

export const s3Rules = [
    s3BucketSseKms, s3BucketPublicAccessBlock, s3PublicAccessBlockFlags, s3BucketTlsOnly, s3BucketOwnerEnforced];
