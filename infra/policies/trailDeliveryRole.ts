import { PolicyDocument } from "../../vocabulary/policyDocument";
import { AccountContext, serviceHost } from "./document";

/**
 * Who may assume the trail's CloudWatch Logs delivery role: CloudTrail, exactly as AWS's page on sending trail
 * events to CloudWatch Logs shows it. That page documents no aws:SourceArn or aws:SourceAccount in the request when
 * CloudTrail assumes the role, so the trust policy adds none (a condition on a key the service does not send would
 * stop delivery). What confines the role instead: its permissions reach only this log group's CloudTrail streams,
 * and attaching it to another trail needs iam:PassRole on it in this account (docs/operations.md).
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
 */
export function buildTrailDeliveryTrustPolicy(account: AccountContext): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "CloudTrailAssumesRole",
                Effect: "Allow",
                Principal: { Service: serviceHost(account, "cloudtrail") },
                Action: "sts:AssumeRole",
            },
        ],
    };
}

/** The delivery role's only rights: create this account's CloudTrail streams in the one log group and write to them. */
export function buildTrailDeliveryPermissions(account: AccountContext, logGroupArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "WriteTrailEventsToLogGroup",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${logGroupArn}:log-stream:${account.accountId}_CloudTrail_*`,
            },
        ],
    };
}
