import {
    KMS_CREATE_GRANT,
    KMS_CRYPTOGRAPHIC_ACTIONS,
    KMS_KEY_MANAGEMENT_ACTIONS,
    KMS_KEY_USER_ACTIONS,
    KMS_KEY_USER_GRANT_ACTIONS,
} from "../../vocabulary/kmsActions";
import { PolicyDocument, PolicyStatement } from "../../vocabulary/policyDocument";
import { AccountContext, accountRootArn, serviceHost } from "./document";

/** Every cryptographic operation, and CreateGrant, through which one could be delegated. */
export const ACTIONS_DENIED_TO_ADMINISTRATORS = [...KMS_CRYPTOGRAPHIC_ACTIONS, KMS_CREATE_GRANT] as const;

/**
 * Management actions, listed one by one rather than as `Create*`/`Put*` wildcards: `kms:Create*` would include
 * `kms:CreateGrant`, through which an administrator could hand themselves decrypt rights. ScheduleKeyDeletion has
 * its own statement, with the minimum waiting period as a condition.
 */
export const KEY_ADMINISTRATOR_ACTIONS = KMS_KEY_MANAGEMENT_ACTIONS.filter(
    (action) => action !== "kms:ScheduleKeyDeletion",
);

export interface KeyPolicyInputs {
    account: AccountContext;
    keyAdministrators: string[];
    keyUsers: string[];
    /** Administrators may schedule deletion only with at least this many days of waiting period. */
    minimumDeletionWindowDays: number;
    /** The one trail allowed to encrypt its logs with the key. */
    trailArn: string;
    /** The CloudWatch Logs group (trail delivery) whose data the key protects. */
    logGroupArn: string;
    /** The SNS topic the alarms publish to. */
    alarmTopicArn: string;
    /** The roles that deploy the stack; they keep kms:PutKeyPolicy whatever else is configured (no lock-out). */
    deploymentPrincipals: string[];
    /** Opt-in: when non-empty, only these and the deployment principals may replace the key policy. */
    keyPolicyManagers: string[];
    /** EBS encryption by default uses the key: let the Auto Scaling service-linked role use it. */
    autoScalingUsesKey: boolean;
    /** Statements of opt-in features (the Athena auditors, infra/policies/athenaAudit.ts), placed last. */
    additionalStatements?: PolicyStatement[];
}

/**
 * The Auto Scaling service-linked role, which launches instances whose EBS volumes the key encrypts. The role's path
 * is the same in every partition. KMS refuses a key policy naming a principal that does not exist, so the role
 * must exist before EBS default encryption is turned on (docs/operations.md).
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html
 */
export function autoScalingServiceLinkedRoleArn(ctx: AccountContext): string {
    const path = "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
    return `arn:${ctx.partition}:iam::${ctx.accountId}:role/${path}`;
}

/**
 * Separation of who may replace the key policy (opt-in). Without it, administrators hold kms:PutKeyPolicy and any
 * IAM principal whose own policy allows it may use it through the root delegation; with it, a Deny takes
 * kms:PutKeyPolicy from everyone but the policy managers and the deployment, whatever their IAM policies say.
 * The Deny names the exempt principals with aws:PrincipalArn, as AWS recommends instead of NotPrincipal.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
 */
function keyPolicyManagerStatements(inputs: KeyPolicyInputs): PolicyStatement[] {
    if (inputs.keyPolicyManagers.length === 0) {
        return [];
    }
    const managers = [...new Set([...inputs.keyPolicyManagers, ...inputs.deploymentPrincipals])];
    return [
        {
            Sid: "KeyPolicyManagersReplacePolicy",
            Effect: "Allow",
            Principal: { AWS: managers },
            Action: ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey"],
            Resource: "*",
        },
        {
            Sid: "OnlyKeyPolicyManagersReplacePolicy",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "kms:PutKeyPolicy",
            Resource: "*",
            Condition: { ArnNotLike: { "aws:PrincipalArn": managers } },
        },
    ];
}

/**
 * What AWS requires for Auto Scaling to launch instances with EBS volumes under a customer managed key: the
 * service-linked role uses the key and creates grants for AWS resources.
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 */
function autoScalingStatements(inputs: KeyPolicyInputs): PolicyStatement[] {
    if (!inputs.autoScalingUsesKey) {
        return [];
    }
    const role = autoScalingServiceLinkedRoleArn(inputs.account);
    return [
        {
            Sid: "AutoScalingServiceLinkedRoleUse",
            Effect: "Allow",
            Principal: { AWS: role },
            Action: [...KMS_KEY_USER_ACTIONS],
            Resource: "*",
        },
        {
            Sid: "AutoScalingServiceLinkedRoleGrantsForAwsResources",
            Effect: "Allow",
            Principal: { AWS: role },
            Action: "kms:CreateGrant",
            Resource: "*",
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
    ];
}

/**
 * The key policy: the account root keeps IAM delegation (the AWS default, which also prevents a lock-out), so any
 * IAM principal whose own policy allows an action on the key may take it; administrators manage but are explicitly
 * denied cryptographic use, and hold kms:PutKeyPolicy (with which they could rewrite all of this) unless named
 * policy managers take it over; users use; each AWS service may act only for this stack's trail, log group and
 * topic; the Auto Scaling service-linked role uses the key when EBS default encryption does.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 */
export function buildKeyPolicy(inputs: KeyPolicyInputs): PolicyDocument {
    const { account } = inputs;
    const statements: PolicyStatement[] = [
        {
            Sid: "EnableIamPolicies",
            Effect: "Allow",
            Principal: { AWS: accountRootArn(account) },
            Action: "kms:*",
            Resource: "*",
        },
        {
            Sid: "KeyAdministratorsManage",
            Effect: "Allow",
            Principal: { AWS: inputs.keyAdministrators },
            // With named policy managers, administrators keep every management action but replacing the policy.
            Action: KEY_ADMINISTRATOR_ACTIONS.filter(
                (action) => inputs.keyPolicyManagers.length === 0 || action !== "kms:PutKeyPolicy",
            ),
            Resource: "*",
        },
        {
            Sid: "KeyAdministratorsScheduleDeletionWithMinimumWindow",
            Effect: "Allow",
            Principal: { AWS: inputs.keyAdministrators },
            Action: "kms:ScheduleKeyDeletion",
            Resource: "*",
            Condition: {
                NumericGreaterThanEquals: {
                    "kms:ScheduleKeyDeletionPendingWindowInDays": String(inputs.minimumDeletionWindowDays),
                },
            },
        },
        {
            // The root delegation would let any IAM policy with kms:ScheduleKeyDeletion pick a shorter window;
            // this deny makes the configured minimum bind every principal.
            Sid: "NobodySchedulesDeletionWithShorterWindow",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "kms:ScheduleKeyDeletion",
            Resource: "*",
            Condition: {
                NumericLessThan: {
                    "kms:ScheduleKeyDeletionPendingWindowInDays": String(inputs.minimumDeletionWindowDays),
                },
            },
        },
        {
            // An explicit deny wins over the root statement's IAM delegation: no identity policy can give an
            // administrator plaintext access while this statement stands.
            Sid: "KeyAdministratorsNeverUse",
            Effect: "Deny",
            Principal: { AWS: inputs.keyAdministrators },
            Action: [...ACTIONS_DENIED_TO_ADMINISTRATORS],
            Resource: "*",
        },
    ];
    statements.push(...keyPolicyManagerStatements(inputs));
    if (inputs.keyUsers.length > 0) {
        statements.push(
            {
                Sid: "KeyUsersUse",
                Effect: "Allow",
                Principal: { AWS: inputs.keyUsers },
                Action: [...KMS_KEY_USER_ACTIONS],
                Resource: "*",
            },
            {
                Sid: "KeyUsersGrantsForAwsResources",
                Effect: "Allow",
                Principal: { AWS: inputs.keyUsers },
                Action: [...KMS_KEY_USER_GRANT_ACTIONS],
                Resource: "*",
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
        );
    }
    statements.push(
        {
            Sid: "CloudTrailEncryptThisTrail",
            Effect: "Allow",
            Principal: { Service: serviceHost(account, "cloudtrail") },
            Action: "kms:GenerateDataKey*",
            Resource: "*",
            Condition: {
                StringEquals: {
                    "aws:SourceArn": inputs.trailArn,
                    "kms:EncryptionContext:aws:cloudtrail:arn": inputs.trailArn,
                },
            },
        },
        {
            // With an S3 Bucket Key on the log bucket, CloudTrail must be able to generate and decrypt the bucket-level
            // data key (whose encryption context is the bucket's, not the trail's) to create or update the trail.
            Sid: "CloudTrailBucketKeyForThisTrail",
            Effect: "Allow",
            Principal: { Service: serviceHost(account, "cloudtrail") },
            Action: ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceArn": inputs.trailArn } },
        },
        {
            Sid: "CloudWatchLogsEncryptTrailLogGroup",
            Effect: "Allow",
            Principal: { Service: serviceHost(account, `logs.${account.region}`) },
            Action: [...KMS_KEY_USER_ACTIONS],
            Resource: "*",
            Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": inputs.logGroupArn } },
        },
        {
            // CloudWatch alarms publish to the encrypted topic; SNS names the topic in the encryption context.
            Sid: "CloudWatchAlarmsPublishToAlarmTopic",
            Effect: "Allow",
            Principal: { Service: serviceHost(account, "cloudwatch") },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": inputs.alarmTopicArn } },
        },
        ...autoScalingStatements(inputs),
    );
    statements.push(...(inputs.additionalStatements ?? []));
    return { Version: "2012-10-17", Id: "kms-audit-key-policy", Statement: statements };
}
