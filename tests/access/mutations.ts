/**
 * Weakened versions of the program's documents, each with the matrix rows whose outcome must change because of it.
 * The tests evaluate the whole matrix under each mutation and require exactly these rows to change, in every stack:
 * proof that each row depends on the statement it claims to, and that nothing else does.
 */
import { PolicyDocument, PolicyStatement } from "../../infra/policies/document";
import { ProgramDocumentName } from "./stackDocuments";

export type Weakening =
    | { removeStatement: string }
    | { removeConditionKey: { sid: string; key: string } }
    /** The statement applies to every resource instead of the ones it names. */
    | { widenResource: string }
    /** The statement applies to every principal (`"*"`) instead of the ones it names. */
    | { openPrincipal: string };

export interface Mutation {
    id: string;
    description: string;
    document: ProgramDocumentName;
    /** Applied in order to the one document. */
    weakenings: readonly Weakening[];
    /** Matrix row ids whose outcome must differ from the unmutated one. */
    changesRows: readonly string[];
}

export const MUTATIONS: readonly Mutation[] = [
    {
        id: "data-bucket-without-tls-deny",
        description: "the data bucket policy loses its TLS-only deny",
        document: "dataBucketPolicy",
        weakenings: [{ removeStatement: "DenyInsecureTransport" }],
        changesRows: ["anonymous-gets-data-object-over-http", "key-user-gets-data-object-over-http"],
    },
    {
        id: "data-bucket-accepts-any-key",
        description: "the data bucket policy no longer refuses uploads naming another key",
        document: "dataBucketPolicy",
        weakenings: [{ removeStatement: "DenyUploadsWithAnotherKey" }],
        changesRows: ["key-user-puts-with-another-key"],
    },
    {
        id: "data-bucket-without-upload-encryption-denies",
        description: "the data bucket policy loses both upload-encryption denies (each alone is covered by the other)",
        document: "dataBucketPolicy",
        weakenings: [{ removeStatement: "DenyUploadsWithoutSseKms" }, { removeStatement: "DenyUploadsWithAnotherKey" }],
        changesRows: ["key-user-puts-without-encryption-headers", "key-user-puts-with-sse-s3", "key-user-puts-with-another-key"],
    },
    {
        id: "trail-write-without-source-arn",
        description: "CloudTrail's write grant on the log bucket loses its aws:SourceArn condition",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeConditionKey: { sid: "CloudTrailWrite", key: "aws:SourceArn" } }],
        changesRows: ["cloudtrail-writes-for-other-account-trail", "cloudtrail-writes-for-other-trail"],
    },
    {
        id: "administrators-may-use-key",
        description: "the key policy loses the administrators' Deny of cryptographic use",
        document: "keyPolicy",
        weakenings: [{ removeStatement: "KeyAdministratorsNeverUse" }],
        changesRows: ["key-admin-decrypts", "key-admin-with-kms-star-decrypts", "key-admin-creates-grant"],
    },
    {
        id: "deletion-without-minimum-window",
        description: "the key policy loses its deny on deletion windows shorter than the configured minimum",
        document: "keyPolicy",
        weakenings: [{ removeStatement: "NobodySchedulesDeletionWithShorterWindow" }],
        changesRows: ["key-admin-schedules-deletion-with-shorter-window", "key-admin-with-kms-star-schedules-deletion-with-shorter-window"],
    },
    {
        id: "cloudtrail-key-use-without-trail-context",
        description: "CloudTrail's key grant loses its encryption-context condition",
        document: "keyPolicy",
        weakenings: [{ removeConditionKey: { sid: "CloudTrailEncryptThisTrail", key: "kms:EncryptionContext:aws:cloudtrail:arn" } }],
        changesRows: ["cloudtrail-generates-key-pair-without-trail-context"],
    },
    {
        id: "access-log-delivery-without-source-account",
        description: "S3 log delivery to the access-log bucket loses its aws:SourceAccount condition",
        document: "accessLogBucketPolicy",
        weakenings: [{ removeConditionKey: { sid: "S3ServerAccessLogDelivery", key: "aws:SourceAccount" } }],
        changesRows: ["s3-logging-delivers-for-other-account"],
    },
    {
        id: "delivery-role-trusts-any-trail",
        description: "the delivery role's trust policy loses its aws:SourceArn condition",
        document: "deliveryRoleTrustPolicy",
        weakenings: [{ removeConditionKey: { sid: "CloudTrailAssumesForThisTrail", key: "aws:SourceArn" } }],
        changesRows: ["cloudtrail-assumes-delivery-role-for-other-trail"],
    },
    {
        id: "key-user-grants-for-anyone",
        description: "the key users' grant statement loses kms:GrantIsForAWSResource",
        document: "keyPolicy",
        weakenings: [{ removeConditionKey: { sid: "KeyUsersGrantsForAwsResources", key: "kms:GrantIsForAWSResource" } }],
        changesRows: ["key-user-grants-to-anyone"],
    },
    {
        id: "key-users-statement-opened",
        description: "the key users' statement names every principal instead of the configured users",
        document: "keyPolicy",
        weakenings: [{ openPrincipal: "KeyUsersUse" }],
        changesRows: [
            "absent-principal-decrypts",
            "removed-key-user-decrypts",
            "other-account-principal-uses-key",
            "cloudtrail-generates-data-key-without-context",
            "cloudtrail-generates-key-pair-without-trail-context",
            "cloudtrail-generates-data-key-for-other-account-trail",
            "logs-encrypts-other-log-group",
            "alarms-publish-to-other-topic",
            "auditor-decrypts-data-object-through-s3",
            "auditor-decrypts-trail-log-key-directly",
        ],
    },
    {
        id: "key-users-statement-removed",
        description: "the key users' statement is gone (what the allowed rows rest on)",
        document: "keyPolicy",
        weakenings: [{ removeStatement: "KeyUsersUse" }],
        changesRows: ["key-user-decrypts-through-s3", "key-user-generates-data-key-through-s3", "added-key-user-decrypts"],
    },
    {
        id: "root-delegation-removed",
        description: "the key policy loses the account root's IAM delegation",
        document: "keyPolicy",
        weakenings: [{ removeStatement: "EnableIamPolicies" }],
        changesRows: ["absent-principal-with-iam-grant-decrypts"],
    },
    {
        id: "cloudtrail-bucket-key-grant-for-any-trail",
        description: "CloudTrail's bucket-key grant loses its aws:SourceArn condition",
        document: "keyPolicy",
        weakenings: [{ removeConditionKey: { sid: "CloudTrailBucketKeyForThisTrail", key: "aws:SourceArn" } }],
        changesRows: ["cloudtrail-generates-data-key-without-context", "cloudtrail-generates-data-key-for-other-account-trail"],
    },
    {
        id: "logs-key-use-for-any-log-group",
        description: "CloudWatch Logs' key grant loses its log-group encryption context",
        document: "keyPolicy",
        weakenings: [{ removeConditionKey: { sid: "CloudWatchLogsEncryptTrailLogGroup", key: "kms:EncryptionContext:aws:logs:arn" } }],
        changesRows: ["logs-encrypts-other-log-group"],
    },
    {
        id: "alarms-key-use-for-any-topic",
        description: "the alarms' key grant loses its topic encryption context",
        document: "keyPolicy",
        weakenings: [{ removeConditionKey: { sid: "CloudWatchAlarmsPublishToAlarmTopic", key: "kms:EncryptionContext:aws:sns:topicArn" } }],
        changesRows: ["alarms-publish-to-other-topic"],
    },
    {
        id: "trail-write-without-owner-control",
        description: "CloudTrail's write grant loses its s3:x-amz-acl condition",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeConditionKey: { sid: "CloudTrailWrite", key: "s3:x-amz-acl" } }],
        changesRows: ["cloudtrail-writes-without-owner-control"],
    },
    {
        id: "trail-write-anywhere",
        description: "CloudTrail's write grant covers every resource, not AWSLogs/<account>/",
        document: "trailLogBucketPolicy",
        weakenings: [{ widenResource: "CloudTrailWrite" }],
        changesRows: ["cloudtrail-writes-outside-its-prefix"],
    },
    {
        id: "trail-bucket-without-tls-deny",
        description: "the CloudTrail log bucket policy loses its TLS-only deny",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeStatement: "DenyInsecureTransport" }],
        changesRows: ["cloudtrail-writes-over-http"],
    },
    {
        id: "trail-bucket-accepts-other-algorithm",
        description: "the CloudTrail log bucket no longer refuses uploads naming another algorithm",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeStatement: "DenyUploadsWithAnotherAlgorithm" }],
        changesRows: ["cloudtrail-writes-naming-sse-s3"],
    },
    {
        id: "trail-bucket-accepts-other-key",
        description: "the CloudTrail log bucket no longer refuses uploads naming another key",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeStatement: "DenyUploadsWithAnotherKey" }],
        changesRows: ["cloudtrail-writes-naming-another-key"],
    },
    {
        id: "trail-acl-check-for-any-trail",
        description: "CloudTrail's ACL check grant loses its aws:SourceArn condition",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeConditionKey: { sid: "CloudTrailAclCheck", key: "aws:SourceArn" } }],
        changesRows: ["cloudtrail-checks-bucket-acl-for-other-account-trail"],
    },
    {
        id: "access-log-bucket-without-tls-deny",
        description: "the access-log bucket policy loses its TLS-only deny",
        document: "accessLogBucketPolicy",
        weakenings: [{ removeStatement: "DenyInsecureTransport" }],
        changesRows: ["anonymous-gets-access-log-over-http"],
    },
    {
        id: "access-log-delivery-for-any-bucket",
        description: "S3 log delivery to the access-log bucket loses its aws:SourceArn condition",
        document: "accessLogBucketPolicy",
        weakenings: [{ removeConditionKey: { sid: "S3ServerAccessLogDelivery", key: "aws:SourceArn" } }],
        changesRows: ["s3-logging-delivers-for-other-bucket"],
    },
    {
        id: "delivery-role-writes-anywhere",
        description: "the delivery role's permissions cover every resource, not the trail's log group",
        document: "deliveryRolePermissions",
        weakenings: [{ widenResource: "WriteTrailEventsToLogGroup" }],
        changesRows: ["delivery-role-writes-other-log-group"],
    },
];

function statementNamed(document: PolicyDocument, sid: string, mutationId: string): PolicyStatement {
    const found = document.Statement.find((s) => s.Sid === sid);
    if (!found) {
        throw new Error(`mutation ${mutationId}: no statement ${sid}; the document has ${document.Statement.map((s) => s.Sid).join(", ")}`);
    }
    return found;
}

/** The condition block without `key` under any operator; operators left empty are dropped. */
function withoutConditionKey(statement: PolicyStatement, key: string, mutationId: string): PolicyStatement {
    const condition = statement.Condition ?? {};
    const kept = Object.entries(condition)
        .map(([operator, entries]) => [operator, Object.fromEntries(Object.entries(entries).filter(([k]) => k !== key))] as const)
        .filter(([, entries]) => Object.keys(entries).length > 0);
    const removed = Object.values(condition).some((entries) => key in entries);
    if (!removed) {
        throw new Error(`mutation ${mutationId}: statement ${statement.Sid} has no condition on ${key}`);
    }
    const { Condition: _dropped, ...rest } = statement;
    return kept.length > 0 ? { ...rest, Condition: Object.fromEntries(kept) } : rest;
}

function targetOf(w: Weakening): string {
    if ("removeStatement" in w) return w.removeStatement;
    if ("removeConditionKey" in w) return w.removeConditionKey.sid;
    if ("widenResource" in w) return w.widenResource;
    return w.openPrincipal;
}

function weakened(statement: PolicyStatement, w: Weakening, mutationId: string): PolicyStatement[] {
    if ("removeStatement" in w) return [];
    if ("removeConditionKey" in w) return [withoutConditionKey(statement, w.removeConditionKey.key, mutationId)];
    if ("widenResource" in w) return [{ ...statement, Resource: "*" }];
    return [{ ...statement, Principal: "*" }];
}

function applyWeakening(document: PolicyDocument, w: Weakening, mutationId: string): PolicyDocument {
    const target = targetOf(w);
    statementNamed(document, target, mutationId);
    const statements = document.Statement.flatMap((statement) => (statement.Sid === target ? weakened(statement, w, mutationId) : [statement]));
    return { ...document, Statement: statements };
}

/** Applies a mutation to a copy of the document; fails when a statement or condition it names is not there. */
export function weaken(document: PolicyDocument, mutation: Mutation): PolicyDocument {
    return mutation.weakenings.reduce((doc, w) => applyWeakening(doc, w, mutation.id), document);
}
