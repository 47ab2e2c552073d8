/**
 * Weakened versions of the program's documents, each with the matrix rows whose outcome must change because of it.
 * The tests evaluate the whole matrix under each mutation and require exactly these rows to change, in every stack:
 * proof that each row depends on the statement it claims to, and that nothing else does.
 */
import { PolicyDocument, PolicyStatement } from "../../vocabulary/policyDocument";
import { ConfigVariant, ProgramDocumentName } from "./stackDocuments";

export type Weakening =
    | { removeStatement: string }
    | { removeConditionKey: { sid: string; key: string } }
    /** The statement applies to every resource instead of the ones it names (or spares). */
    | { widenResource: string }
    /** The statement applies to every principal (`"*"`) instead of the ones it names. */
    | { openPrincipal: string };

export interface Mutation {
    id: string;
    description: string;
    document: ProgramDocumentName;
    /** Applied in order to the one document. */
    weakenings: readonly Weakening[];
    /**
     * The statements exist only with this config variant: the mutation applies to the rows evaluated with it, and
     * every other row keeps its documents.
     */
    onlyConfig?: ConfigVariant;
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
        description:
            "the data bucket policy no longer refuses uploads naming another key (or this key by alias or bare id)",
        document: "dataBucketPolicy",
        weakenings: [{ removeStatement: "DenyUploadsWithAnotherKey" }],
        changesRows: [
            "key-user-puts-with-another-key",
            "key-user-puts-naming-key-alias",
            "key-user-puts-naming-bare-key-id",
        ],
    },
    {
        id: "data-bucket-accepts-another-algorithm",
        description: "the data bucket policy no longer refuses uploads naming SSE-S3",
        document: "dataBucketPolicy",
        weakenings: [{ removeStatement: "DenyUploadsWithAnotherAlgorithm" }],
        changesRows: ["key-user-puts-with-sse-s3"],
    },
    {
        id: "data-bucket-accepts-aws-managed-key",
        description: "the data bucket policy no longer refuses aws:kms without a key id (the silent escape to aws/s3)",
        document: "dataBucketPolicy",
        weakenings: [{ removeStatement: "DenyKmsUploadsWithoutKeyId" }],
        changesRows: ["key-user-puts-kms-without-key-id", "key-user-puts-dsse-without-key-id"],
    },
    {
        id: "data-bucket-accepts-sse-c",
        description: "the data bucket policy no longer refuses customer-provided keys",
        document: "dataBucketPolicy",
        weakenings: [{ removeStatement: "DenyUploadsWithCustomerProvidedKeys" }],
        changesRows: ["key-user-puts-with-sse-c"],
    },
    {
        id: "data-bucket-demands-headers",
        description:
            "the data bucket's algorithm deny no longer waits for the header (the old rule: uploads naming nothing " +
            "are refused)",
        document: "dataBucketPolicy",
        weakenings: [
            { removeConditionKey: { sid: "DenyUploadsWithAnotherAlgorithm", key: "s3:x-amz-server-side-encryption" } },
        ],
        changesRows: [
            "key-user-puts-without-encryption-headers",
            "key-user-puts-with-this-key",
            "key-user-puts-with-this-key-dsse",
        ],
    },
    {
        id: "trail-write-without-source-arn",
        description: "CloudTrail's write grant loses its aws:SourceArn condition and the write deny is gone too",
        document: "trailLogBucketPolicy",
        weakenings: [
            { removeStatement: "DenyObjectWritesExceptDelivery" },
            { removeConditionKey: { sid: "CloudTrailWrite", key: "aws:SourceArn" } },
        ],
        changesRows: [
            "cloudtrail-writes-for-other-account-trail",
            "cloudtrail-writes-for-other-trail",
            "cloudtrail-writes-digest-for-other-trail",
            "s3-admin-plants-log-file",
            "deployer-plants-log-file",
        ],
    },
    {
        id: "trail-bucket-writable-by-anyone",
        description: "the CloudTrail log bucket loses its deny of object writes not made for this trail",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeStatement: "DenyObjectWritesExceptDelivery" }],
        changesRows: [
            "cloudtrail-writes-for-other-account-trail",
            "cloudtrail-writes-for-other-trail",
            "cloudtrail-writes-digest-for-other-trail",
            "s3-admin-plants-log-file",
            "deployer-plants-log-file",
        ],
    },
    {
        id: "trail-bucket-deletable",
        description: "the CloudTrail log bucket loses its deny of deletes and Object Lock bypass",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeStatement: "DenyObjectRemovalExceptCustodians" }],
        changesRows: [
            "s3-admin-deletes-log-version",
            "s3-admin-bypasses-governance-retention",
            "deployer-deletes-log-version-protected",
        ],
    },
    {
        id: "trail-bucket-settings-open",
        description:
            "the CloudTrail log bucket loses its deny of policy, lifecycle, versioning and Object Lock changes",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeStatement: "DenySettingChangesExceptCustodians" }],
        changesRows: [
            "s3-admin-replaces-log-bucket-policy",
            "s3-admin-shortens-log-lifecycle",
            "s3-admin-suspends-log-versioning",
            "s3-admin-changes-log-object-lock",
        ],
    },
    {
        id: "trail-bucket-locks-out-deployment",
        description: "the CloudTrail log bucket's setting deny spares nobody (what the custodian exemption prevents)",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeConditionKey: { sid: "DenySettingChangesExceptCustodians", key: "aws:PrincipalArn" } }],
        changesRows: [
            "deployer-replaces-log-bucket-policy",
            "deployer-changes-log-object-lock",
            "break-glass-replaces-log-bucket-policy",
        ],
    },
    {
        id: "trail-bucket-deletes-by-nobody",
        description: "the CloudTrail log bucket's delete deny spares nobody, not even break-glass",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeConditionKey: { sid: "DenyObjectRemovalExceptCustodians", key: "aws:PrincipalArn" } }],
        changesRows: ["break-glass-deletes-log-version", "deployer-deletes-log-version-unprotected"],
    },
    {
        id: "trail-bucket-polices-digests",
        description:
            "the CloudTrail log bucket's algorithm deny no longer spares the digest prefix (digests named SSE-S3 " +
            "would be refused)",
        document: "trailLogBucketPolicy",
        weakenings: [{ widenResource: "DenyUploadsWithAnotherAlgorithm" }],
        changesRows: ["cloudtrail-writes-digest-naming-sse-s3"],
    },
    {
        id: "trail-bucket-accepts-aws-managed-key",
        description: "the CloudTrail log bucket no longer refuses aws:kms without a key id",
        document: "trailLogBucketPolicy",
        weakenings: [{ removeStatement: "DenyKmsUploadsWithoutKeyId" }],
        changesRows: ["cloudtrail-writes-log-kms-without-key-id"],
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
        changesRows: [
            "key-admin-schedules-deletion-with-shorter-window",
            "key-admin-with-kms-star-schedules-deletion-with-shorter-window",
        ],
    },
    {
        id: "cloudtrail-key-use-without-trail-context",
        description: "CloudTrail's key grant loses its encryption-context condition",
        document: "keyPolicy",
        weakenings: [
            {
                removeConditionKey: {
                    sid: "CloudTrailEncryptThisTrail",
                    key: "kms:EncryptionContext:aws:cloudtrail:arn",
                },
            },
        ],
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
        id: "delivery-role-trusts-anyone",
        description: "the delivery role's trust policy names every principal instead of CloudTrail",
        document: "deliveryRoleTrustPolicy",
        weakenings: [{ openPrincipal: "CloudTrailAssumesRole" }],
        changesRows: ["other-service-assumes-delivery-role"],
    },
    {
        id: "key-user-grants-for-anyone",
        description: "the key users' grant statement loses kms:GrantIsForAWSResource",
        document: "keyPolicy",
        weakenings: [
            { removeConditionKey: { sid: "KeyUsersGrantsForAwsResources", key: "kms:GrantIsForAWSResource" } },
        ],
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
            "autoscaling-role-uses-key-without-ebs-encryption",
            "auditor-decrypts-data-object-through-s3",
            "auditor-decrypts-trail-log-key-directly",
        ],
    },
    {
        id: "key-users-statement-removed",
        description: "the key users' statement is gone (what the allowed rows rest on)",
        document: "keyPolicy",
        weakenings: [{ removeStatement: "KeyUsersUse" }],
        changesRows: [
            "key-user-decrypts-through-s3",
            "key-user-generates-data-key-through-s3",
            "added-key-user-decrypts",
        ],
    },
    {
        id: "root-delegation-removed",
        description: "the key policy loses the account root's IAM delegation",
        document: "keyPolicy",
        weakenings: [{ removeStatement: "EnableIamPolicies" }],
        changesRows: [
            "absent-principal-with-iam-grant-decrypts",
            "kms-admin-replaces-key-policy",
            "deployer-replaces-key-policy",
        ],
    },
    {
        id: "cloudtrail-bucket-key-grant-for-any-trail",
        description: "CloudTrail's bucket-key grant loses its aws:SourceArn condition",
        document: "keyPolicy",
        weakenings: [{ removeConditionKey: { sid: "CloudTrailBucketKeyForThisTrail", key: "aws:SourceArn" } }],
        changesRows: [
            "cloudtrail-generates-data-key-without-context",
            "cloudtrail-generates-data-key-for-other-account-trail",
        ],
    },
    {
        id: "logs-key-use-for-any-log-group",
        description: "CloudWatch Logs' key grant loses its log-group encryption context",
        document: "keyPolicy",
        weakenings: [
            {
                removeConditionKey: {
                    sid: "CloudWatchLogsEncryptTrailLogGroup",
                    key: "kms:EncryptionContext:aws:logs:arn",
                },
            },
        ],
        changesRows: ["logs-encrypts-other-log-group"],
    },
    {
        id: "alarms-key-use-for-any-topic",
        description: "the alarms' key grant loses its topic encryption context",
        document: "keyPolicy",
        weakenings: [
            {
                removeConditionKey: {
                    sid: "CloudWatchAlarmsPublishToAlarmTopic",
                    key: "kms:EncryptionContext:aws:sns:topicArn",
                },
            },
        ],
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
        description: "S3 log delivery to the access-log bucket loses its aws:SourceArn condition and the write deny",
        document: "accessLogBucketPolicy",
        weakenings: [
            { removeStatement: "DenyObjectWritesExceptDelivery" },
            { removeConditionKey: { sid: "S3ServerAccessLogDelivery", key: "aws:SourceArn" } },
        ],
        changesRows: ["s3-logging-delivers-for-other-bucket", "s3-admin-rewrites-access-log"],
    },
    {
        id: "access-log-bucket-writable-by-anyone",
        description: "the access-log bucket loses its deny of object writes not made by log delivery for the sources",
        document: "accessLogBucketPolicy",
        weakenings: [{ removeStatement: "DenyObjectWritesExceptDelivery" }],
        changesRows: ["s3-logging-delivers-for-other-bucket", "s3-admin-rewrites-access-log"],
    },
    {
        id: "access-log-bucket-deletable",
        description: "the access-log bucket loses its deny of deletes",
        document: "accessLogBucketPolicy",
        weakenings: [{ removeStatement: "DenyObjectRemovalExceptCustodians" }],
        changesRows: ["s3-admin-deletes-access-log-version"],
    },
    {
        id: "access-log-bucket-settings-open",
        description: "the access-log bucket loses its deny of setting changes",
        document: "accessLogBucketPolicy",
        weakenings: [{ removeStatement: "DenySettingChangesExceptCustodians" }],
        changesRows: ["s3-admin-replaces-access-log-bucket-policy"],
    },
    {
        id: "access-log-bucket-locks-out-deployment",
        description: "the access-log bucket's setting deny spares nobody",
        document: "accessLogBucketPolicy",
        weakenings: [{ removeConditionKey: { sid: "DenySettingChangesExceptCustodians", key: "aws:PrincipalArn" } }],
        changesRows: ["deployer-replaces-access-log-bucket-policy"],
    },
    {
        id: "policy-managers-deny-removed",
        description: "with keyPolicyManagers set, the key policy loses the Deny that keeps kms:PutKeyPolicy to them",
        document: "keyPolicy",
        onlyConfig: "key-policy-managers",
        weakenings: [{ removeStatement: "OnlyKeyPolicyManagersReplacePolicy" }],
        changesRows: [
            "key-admin-replaces-key-policy-with-policy-managers",
            "kms-admin-replaces-key-policy-with-policy-managers",
        ],
    },
    {
        id: "policy-managers-lock-out-deployment",
        description:
            "with keyPolicyManagers set, the PutKeyPolicy Deny spares nobody (the lock-out the exemption prevents)",
        document: "keyPolicy",
        onlyConfig: "key-policy-managers",
        weakenings: [{ removeConditionKey: { sid: "OnlyKeyPolicyManagersReplacePolicy", key: "aws:PrincipalArn" } }],
        changesRows: ["policy-manager-replaces-key-policy", "deployer-replaces-key-policy-with-policy-managers"],
    },
    {
        id: "autoscaling-use-removed",
        description: "with ebsDefaultEncryption on, the key policy loses the Auto Scaling role's use of the key",
        document: "keyPolicy",
        onlyConfig: "ebs-default-encryption",
        weakenings: [{ removeStatement: "AutoScalingServiceLinkedRoleUse" }],
        changesRows: ["autoscaling-role-uses-key"],
    },
    {
        id: "autoscaling-grants-for-anything",
        description:
            "with ebsDefaultEncryption on, the Auto Scaling role's grant statement loses kms:GrantIsForAWSResource",
        document: "keyPolicy",
        onlyConfig: "ebs-default-encryption",
        weakenings: [
            {
                removeConditionKey: {
                    sid: "AutoScalingServiceLinkedRoleGrantsForAwsResources",
                    key: "kms:GrantIsForAWSResource",
                },
            },
        ],
        changesRows: ["autoscaling-role-grants-to-anyone"],
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
        throw new Error(
            `mutation ${mutationId}: no statement ${sid}; the document has ${document.Statement.map((s) => s.Sid).join(", ")}`,
        );
    }
    return found;
}

/** The condition block without `key` under any operator; operators left empty are dropped. */
function withoutConditionKey(statement: PolicyStatement, key: string, mutationId: string): PolicyStatement {
    const condition = statement.Condition ?? {};
    const kept = Object.entries(condition)
        .map(
            ([operator, entries]) =>
                [operator, Object.fromEntries(Object.entries(entries).filter(([k]) => k !== key))] as const,
        )
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
    if ("widenResource" in w) {
        const { NotResource: _spared, ...rest } = statement;
        return [{ ...rest, Resource: "*" }];
    }
    return [{ ...statement, Principal: "*" }];
}

function applyWeakening(document: PolicyDocument, w: Weakening, mutationId: string): PolicyDocument {
    const target = targetOf(w);
    statementNamed(document, target, mutationId);
    const statements = document.Statement.flatMap((statement) =>
        statement.Sid === target ? weakened(statement, w, mutationId) : [statement],
    );
    return { ...document, Statement: statements };
}

/** Applies a mutation to a copy of the document; fails when a statement or condition it names is not there. */
export function weaken(document: PolicyDocument, mutation: Mutation): PolicyDocument {
    return mutation.weakenings.reduce((doc, w) => applyWeakening(doc, w, mutation.id), document);
}
