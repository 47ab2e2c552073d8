import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";
import { releaseRunnerDebugger } from "./lib/runnerDebugger";

new PolicyPack("kms-audit", {
    description: "Encryption-and-audit rules for AWS: KMS, S3, CloudTrail, CloudWatch Logs, SNS, EBS and RDS.",
    provider: "aws",
    tags: ["aws", "kms", "s3", "cloudtrail", "cis", "fsbp"],
    policies,
});

// The runner's debugger makes every not-applicable throw slow (lib/runnerDebugger.ts); it never fails the pack.
void releaseRunnerDebugger();
