/** S3 object ownership: ACLs disabled, except on buckets receiving CloudFront standard logs (never public there). */
import { bucketsOf, cloudFrontLogSources } from "../lib/buckets";
import { S3_DOC } from "../lib/docs";
import type { StackResource } from "../lib/rule";
import { eachResource, problem, resourcesOf, stackRule } from "../lib/rule";
import { ACL_TYPES, BUCKET_TYPES, OWNERSHIP_CONTROLS, isOneOf } from "../lib/types";
import { asList, at, describeValue } from "../lib/values";

/** Canned ACLs that open the bucket beyond the account (S3 User Guide, acl-overview.html, "Canned ACL"). */
const PUBLIC_CANNED_ACLS = ["public-read", "public-read-write", "authenticated-read"];

/** What the rule judges: ownership controls, ACL resources and buckets. */
type Subject = StackResource<typeof OWNERSHIP_CONTROLS | (typeof ACL_TYPES)[number] | (typeof BUCKET_TYPES)[number]>;

function ownershipOf(resource: StackResource<typeof OWNERSHIP_CONTROLS>): unknown {
    return at(resource.props.rule, "objectOwnership") ?? at(asList(resource.props.rule)[0], "objectOwnership");
}

export const s3BucketOwnerEnforced = stackRule({
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
    check(graph) {
        const cloudFrontLogs = (r: Subject) => {
            const buckets = isOneOf(BUCKET_TYPES, r.type) ? [r] : bucketsOf(graph, r);
            return buckets.length > 0 && buckets.every((b) => cloudFrontLogSources(graph, b).length > 0);
        };
        const cloudFrontNote = "(it receives CloudFront standard logs, so ACLs may stay enabled, but not public)";
        return eachResource(resourcesOf(graph, [OWNERSHIP_CONTROLS, ...ACL_TYPES, ...BUCKET_TYPES]), (resource) => {
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
            const acl = isOneOf(ACL_TYPES, resource.type)
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
            if (isOneOf(ACL_TYPES, resource.type)) {
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
});
