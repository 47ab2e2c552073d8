import { AccountContext, PolicyDocument, serviceHost } from "./document";

/**
 * Who may assume the trail's CloudWatch Logs delivery role: CloudTrail, acting for this trail of this account only.
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html
 */
export function buildTrailDeliveryTrustPolicy(account: AccountContext, trailArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "CloudTrailAssumesForThisTrail",
                Effect: "Allow",
                Principal: { Service: serviceHost(account, "cloudtrail") },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceArn": trailArn, "aws:SourceAccount": account.accountId } },
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
