/** S3 TLS only: a bucket policy denies every request made without TLS. */
import { bucketName, bucketSatellites } from "../lib/buckets";
import { S3_DOC } from "../lib/docs";
import { glob, globCoversPrefix } from "../lib/glob";
import type { Statement } from "../lib/policyDocument";
import { BUCKET_POLICY_LIMIT, conditionValueIs, coversEveryActionOf, parsePolicyDocument } from "../lib/policyDocument";
import type { Bucket } from "../lib/buckets";
import type { Problem } from "../lib/rule";
import { eachResource, problem, resourcesOf, stackRule } from "../lib/rule";
import { BUCKET_TYPES, POLICY } from "../lib/types";
import { knownString } from "../lib/values";

/** The ARNs a bucket policy must name for the bucket, when known: the bucket's ARN (or one per partition). */
function bucketArns(bucket: Bucket): string[] | undefined {
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

export const s3BucketTlsOnly = stackRule({
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
    check(graph) {
        return eachResource(resourcesOf(graph, BUCKET_TYPES), (bucket) => {
            const documents = [
                bucket.props.policy,
                ...bucketSatellites(graph, bucket, [POLICY]).map((p) => p.props.policy),
            ];
            const arns = bucketArns(bucket);
            const verdicts = documents.map((d) => deniesInsecureTransport(d, arns));
            const malformed = verdicts.filter((v): v is Problem => typeof v === "object");
            // A document built from ARNs is unknown at a first preview; see kmsKeyPolicy.ts keyPolicyStatements.
            if (malformed.length === 0 && verdicts.some((v) => v === true || v === "unknown")) {
                return [];
            }
            return malformed.length > 0
                ? malformed
                : [
                      problem(
                          "no bucket policy statement denies every request made without TLS (it must be Deny, " +
                              'Principal "*", every S3 action, the bucket and bucket/*, and no condition besides ' +
                              'Bool aws:SecureTransport "false", because further conditions are ANDed and narrow it).',
                          "add a BucketPolicy statement Deny * s3:* on the bucket and bucket/* when " +
                              'Bool aws:SecureTransport is "false", with no other condition.',
                      ),
                  ];
        });
    },
});
