/** The buckets receiving CloudTrail logs: versioned and access-logged. */
import { accessLogged, isAccessLogTarget, receivesTrailLogs, versioningEnabled } from "../lib/buckets";
import type { Problem } from "../lib/rule";
import { eachResource, problem, resourcesOf, stackRule } from "../lib/rule";
import { BUCKET_TYPES } from "../lib/types";

export const cloudtrailBucketProtected = stackRule({
    name: "cloudtrail-bucket-protected",
    description:
        "Buckets that receive CloudTrail logs are versioned and access-logged (the access-log target " +
        "bucket itself need not be logged).",
    severity: "medium",
    controls: { cis: ["3.4"], fsbp: ["CloudTrail.7", "S3.14"], checkov: ["CKV_AWS_18", "CKV_AWS_21"] },
    remediationSteps:
        "Add a BucketVersioning (status Enabled) and a BucketLogging (targetBucket = your " +
        "access-log bucket) for the trail's bucket.",
    url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html",
    check(graph) {
        return eachResource(resourcesOf(graph, BUCKET_TYPES), (bucket) => {
            if (!receivesTrailLogs(graph, bucket)) {
                return [];
            }
            const problems: Problem[] = [];
            const versioned = versioningEnabled(graph, bucket);
            if (versioned !== true) {
                problems.push(
                    problem(
                        versioned === "unknown"
                            ? "it receives CloudTrail logs and its versioning status is unknown during preview."
                            : "it receives CloudTrail logs but versioning is not enabled.",
                        'add a BucketVersioning with versioningConfiguration.status "Enabled".',
                    ),
                );
            }
            if (!accessLogged(graph, bucket) && !isAccessLogTarget(graph, bucket)) {
                problems.push(
                    problem(
                        "it receives CloudTrail logs but has no S3 server access logging.",
                        "add a BucketLogging with bucket set to this bucket and targetBucket set to your access-log " +
                            "bucket.",
                    ),
                );
            }
            return problems;
        });
    },
});
