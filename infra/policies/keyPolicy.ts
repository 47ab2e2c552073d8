import { AccountContext, PolicyDocument, PolicyStatement, accountRootArn, serviceHost } from "./document";

/** Every KMS action that touches plaintext or ciphertext, and CreateGrant, through which it could be delegated. */
export const ACTIONS_DENIED_TO_ADMINISTRATORS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateMac",
    "kms:VerifyMac",
    "kms:Sign",
    "kms:Verify",
    "kms:DeriveSharedSecret",
    "kms:CreateGrant",
] as const;

/**
 * Management actions, listed one by one rather than as `Create*`/`Put*` wildcards: `kms:Create*` would include
 * `kms:CreateGrant`, through which an administrator could hand themselves decrypt rights.
 */
export const KEY_ADMINISTRATOR_ACTIONS = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:UpdateKeyDescription",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:RevokeGrant",
    "kms:RetireGrant",
    "kms:CancelKeyDeletion",
] as const;

export const KEY_USER_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
] as const;

export const KEY_USER_GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"] as const;

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
    /** Statements of opt-in features (the Athena auditors, infra/policies/athenaAudit.ts), placed last. */
    additionalStatements?: PolicyStatement[];
}

/**
 * The key policy: the account root keeps IAM delegation (the AWS default, which also prevents a lock-out);
 * administrators manage but are explicitly denied cryptographic use; users use; each AWS service may act only for
 * this stack's trail, log group and topic.
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
            Action: [...KEY_ADMINISTRATOR_ACTIONS],
            Resource: "*",
        },
        {
            Sid: "KeyAdministratorsScheduleDeletionWithMinimumWindow",
            Effect: "Allow",
            Principal: { AWS: inputs.keyAdministrators },
            Action: "kms:ScheduleKeyDeletion",
            Resource: "*",
            Condition: {
                NumericGreaterThanEquals: { "kms:ScheduleKeyDeletionPendingWindowInDays": String(inputs.minimumDeletionWindowDays) },
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
                NumericLessThan: { "kms:ScheduleKeyDeletionPendingWindowInDays": String(inputs.minimumDeletionWindowDays) },
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
    if (inputs.keyUsers.length > 0) {
        statements.push(
            {
                Sid: "KeyUsersUse",
                Effect: "Allow",
                Principal: { AWS: inputs.keyUsers },
                Action: [...KEY_USER_ACTIONS],
                Resource: "*",
            },
            {
                Sid: "KeyUsersGrantsForAwsResources",
                Effect: "Allow",
                Principal: { AWS: inputs.keyUsers },
                Action: [...KEY_USER_GRANT_ACTIONS],
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
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
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
    );
    statements.push(...(inputs.additionalStatements ?? []));
    return { Version: "2012-10-17", Id: "kms-audit-key-policy", Statement: statements };
}
