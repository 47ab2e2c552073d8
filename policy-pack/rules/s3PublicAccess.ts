/** S3 public access: public access blocks on every bucket with all four flags, and no public bucket policy. */
import { bucketSatellites } from "../lib/buckets";
import { S3_DOC } from "../lib/docs";
import {
    BUCKET_POLICY_LIMIT,
    confiningCondition,
    isWildcardPrincipal,
    parsePolicyDocument,
} from "../lib/policyDocument";
import type { Problem, TypedResource } from "../lib/rule";
import { eachResource, problem, resourceRule, resourcesOf, stackRule } from "../lib/rule";
import { ACCOUNT_PUBLIC_ACCESS_BLOCK, BUCKET_TYPES, POLICY, PUBLIC_ACCESS_BLOCK } from "../lib/types";
import { boolOf, describeValue } from "../lib/values";

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

function flagProblems(
    resource: TypedResource<typeof PUBLIC_ACCESS_BLOCK | typeof ACCOUNT_PUBLIC_ACCESS_BLOCK>,
): Problem[] {
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

export const s3PublicAccessBlockFlags = resourceRule({
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
    types: [PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK],
    check: flagProblems,
    remediate(resource) {
        return flagProblems(resource).length > 0 ? Object.fromEntries(FLAGS.map((f) => [f, true])) : undefined;
    },
});

export const s3BucketPublicAccessBlock = stackRule({
    name: "s3-bucket-public-access-block",
    description:
        "Every S3 bucket has a BucketPublicAccessBlock, unless the stack sets an account-level block " +
        "with all four flags.",
    severity: "high",
    controls: { cis: ["2.1.4"], fsbp: ["S3.8"], checkov: ["CKV2_AWS_6"] },
    remediationSteps: "Add an aws.s3.BucketPublicAccessBlock for the bucket with all four flags true.",
    url: `${S3_DOC}/access-control-block-public-access.html`,
    check(graph) {
        const accountBlocked = resourcesOf(graph, [ACCOUNT_PUBLIC_ACCESS_BLOCK]).some(
            (r) => flagProblems(r).length === 0,
        );
        if (accountBlocked) {
            return [];
        }
        return eachResource(resourcesOf(graph, BUCKET_TYPES), (bucket) =>
            bucketSatellites(graph, bucket, [PUBLIC_ACCESS_BLOCK]).length > 0
                ? []
                : [
                      problem(
                          "it has no BucketPublicAccessBlock.",
                          "add an aws.s3.BucketPublicAccessBlock with bucket set to this bucket and all four " +
                              "flags true.",
                      ),
                  ],
        );
    },
});

/**
 * Bucket policies allow nothing to a public principal (`*`, AWS `*`, an account wildcard, or NotPrincipal)
 * unless a condition with a concrete value confines it, as S3 itself judges a policy public ("The meaning of
 * public" in https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
 */
export const s3BucketPolicyNoPublicPrincipal = resourceRule({
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
                        "name the principals, or add StringEquals aws:SourceAccount / aws:PrincipalOrgID " +
                            "(or ArnEquals aws:SourceArn) with a concrete value.",
                    ),
                );
            }
        });
        return problems;
    },
});
