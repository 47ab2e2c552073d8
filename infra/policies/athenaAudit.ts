/**
 * What configured auditors need to query the trail's logs with Athena, and nothing more: read the log files (never
 * the data bucket) and decrypt them only as S3 does while serving them, write and read query results in the
 * results bucket. Athena reads S3 with the caller's own identity, and S3 calls KMS for the caller in turn (forward
 * access sessions: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html).
 */
import { PolicyDocument, PolicyStatement } from "../../vocabulary/policyDocument";
import { AccountContext, serviceHost } from "./document";

/** S3 requests Athena makes for a caller carry aws:CalledVia = athena.amazonaws.com.
 * https://docs.aws.amazon.com/athena/latest/ug/security-iam-athena-calledvia.html */
const VIA_ATHENA = { "ForAnyValue:StringEquals": { "aws:CalledVia": "athena.amazonaws.com" } };

/** Where CloudTrail writes under the log bucket: AWSLogs/<account>/CloudTrail/... */
export function trailLogObjects(logBucketArn: string): string {
    return `${logBucketArn}/AWSLogs/*`;
}

export interface AuditorKeyInputs {
    account: AccountContext;
    auditors: string[];
    logBucketArn: string;
    resultsBucketArn: string;
}

/**
 * Key-policy statements: decrypt only through S3 in this region, for this account's callers, and only for data
 * keys whose encryption context is the log bucket (with an S3 Bucket Key the context is the bucket ARN, without one
 * the object ARN: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context)
 * or the results bucket. The data bucket's context matches neither, so the data stays out of reach.
 * Condition keys: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html (kms:ViaService,
 * kms:CallerAccount, kms:EncryptionContext:context-key).
 */
export function athenaAuditorKeyStatements(inputs: AuditorKeyInputs): PolicyStatement[] {
    const viaS3 = {
        "kms:ViaService": serviceHost(inputs.account, `s3.${inputs.account.region}`),
        "kms:CallerAccount": inputs.account.accountId,
    };
    return [
        {
            Sid: "AthenaAuditorsDecryptTrailLogsThroughS3",
            Effect: "Allow",
            Principal: { AWS: inputs.auditors },
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: {
                StringEquals: viaS3,
                StringLike: {
                    "kms:EncryptionContext:aws:s3:arn": [inputs.logBucketArn, trailLogObjects(inputs.logBucketArn)],
                },
            },
        },
        {
            Sid: "AthenaAuditorsEncryptQueryResultsThroughS3",
            Effect: "Allow",
            Principal: { AWS: inputs.auditors },
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: "*",
            Condition: {
                StringEquals: viaS3,
                StringLike: {
                    "kms:EncryptionContext:aws:s3:arn": [inputs.resultsBucketArn, `${inputs.resultsBucketArn}/*`],
                },
            },
        },
    ];
}

/** Log-bucket statements: list the bucket and read the log files, only in queries Athena runs for the auditor. */
export function athenaAuditorLogBucketStatements(logBucketArn: string, auditors: string[]): PolicyStatement[] {
    return [
        {
            Sid: "AthenaAuditorsListTrailLogs",
            Effect: "Allow",
            Principal: { AWS: auditors },
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: logBucketArn,
            Condition: VIA_ATHENA,
        },
        {
            Sid: "AthenaAuditorsReadTrailLogs",
            Effect: "Allow",
            Principal: { AWS: auditors },
            Action: "s3:GetObject",
            Resource: trailLogObjects(logBucketArn),
            Condition: VIA_ATHENA,
        },
    ];
}

/**
 * Results-bucket statements: what Athena does with the caller's identity to write and read query results
 * (https://docs.aws.amazon.com/athena/latest/ug/querying.html#query-results-specify-location).
 */
export function athenaAuditorResultsBucketStatements(resultsBucketArn: string, auditors: string[]): PolicyStatement[] {
    return [
        {
            Sid: "AthenaAuditorsListQueryResults",
            Effect: "Allow",
            Principal: { AWS: auditors },
            Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
            Resource: resultsBucketArn,
            Condition: VIA_ATHENA,
        },
        {
            Sid: "AthenaAuditorsWriteQueryResults",
            Effect: "Allow",
            Principal: { AWS: auditors },
            Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: `${resultsBucketArn}/*`,
            Condition: VIA_ATHENA,
        },
    ];
}

export interface AuditorIdentityInputs {
    account: AccountContext;
    workgroupName: string;
    databaseName: string;
    tableName: string;
}

/**
 * The identity policy an auditor attaches: run queries in this workgroup only, and read this database's table
 * definition from Glue. https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html
 */
export function athenaAuditorIdentityPolicy(inputs: AuditorIdentityInputs): PolicyDocument {
    const { partition, region, accountId } = inputs.account;
    const glue = (resource: string) => `arn:${partition}:glue:${region}:${accountId}:${resource}`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "RunQueriesInTheAuditWorkgroup",
                Effect: "Allow",
                Action: [
                    "athena:GetWorkGroup",
                    "athena:StartQueryExecution",
                    "athena:GetQueryExecution",
                    "athena:GetQueryResults",
                    "athena:StopQueryExecution",
                ],
                Resource: `arn:${partition}:athena:${region}:${accountId}:workgroup/${inputs.workgroupName}`,
            },
            {
                Sid: "ReadTheCloudTrailTableDefinition",
                Effect: "Allow",
                Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
                Resource: [
                    glue("catalog"),
                    glue(`database/${inputs.databaseName}`),
                    glue(`table/${inputs.databaseName}/${inputs.tableName}`),
                ],
            },
        ],
    };
}
