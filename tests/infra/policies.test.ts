import { strict as assert } from "assert";
import { PolicyStatement } from "../../vocabulary/policyDocument";
import { AccountContext } from "../../infra/policies/document";
import {
    ACTIONS_DENIED_TO_ADMINISTRATORS,
    KEY_ADMINISTRATOR_ACTIONS,
    KeyPolicyInputs,
    buildKeyPolicy,
} from "../../infra/policies/keyPolicy";
import {
    LOG_BUCKET_SETTING_ACTIONS,
    accessLogDeliveryStatements,
    buildSecureBucketPolicy,
    cloudTrailDeliveryStatements,
    logBucketGuardStatements,
} from "../../infra/policies/bucketPolicies";
import { buildTrailDeliveryPermissions, buildTrailDeliveryTrustPolicy } from "../../infra/policies/trailDeliveryRole";

const account: AccountContext = { partition: "aws", region: "eu-west-1", accountId: "111122223333" };
const TRAIL = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/kms-audit-test";
const LOG_GROUP = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/cloudtrail/kms-audit-test";
const TOPIC = "arn:aws:sns:eu-west-1:111122223333:kms-audit-test-alarms";
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const BUCKET = "arn:aws:s3:::kms-audit-test-data-1234567";
const ADMINS = ["arn:aws:iam::111122223333:role/KeyAdmins"];
const USERS = ["arn:aws:iam::111122223333:role/App", "arn:aws:iam::111122223333:user/alice"];
const DEPLOYER = "arn:aws:iam::111122223333:role/Deploy";
const BREAK_GLASS = "arn:aws:iam::111122223333:role/BreakGlass";
const POLICY_MANAGER = "arn:aws:iam::111122223333:role/PolicyManagers";
const DIGEST_PREFIX = "AWSLogs/111122223333/CloudTrail-Digest/";
const UPLOAD_DENIES = [
    "DenyUploadsWithAnotherAlgorithm",
    "DenyUploadsWithCustomerProvidedKeys",
    "DenyUploadsWithAnotherKey",
    "DenyKmsUploadsWithoutKeyId",
];

function keyPolicy(keyUsers = USERS, changes: Partial<KeyPolicyInputs> = {}) {
    return buildKeyPolicy({
        account,
        keyAdministrators: ADMINS,
        keyUsers,
        minimumDeletionWindowDays: 30,
        trailArn: TRAIL,
        logGroupArn: LOG_GROUP,
        alarmTopicArn: TOPIC,
        deploymentPrincipals: [DEPLOYER],
        keyPolicyManagers: [],
        autoScalingUsesKey: false,
        ...changes,
    });
}

function sid(statements: PolicyStatement[], id: string): PolicyStatement {
    const found = statements.find((s) => s.Sid === id);
    assert.ok(found, `no statement ${id} in ${statements.map((s) => s.Sid).join(", ")}`);
    return found;
}

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("key policy", () => {
    const doc = keyPolicy();

    it("keeps the account root's IAM delegation, as AWS's default policy does", () => {
        assert.deepEqual(sid(doc.Statement, "EnableIamPolicies"), {
            Sid: "EnableIamPolicies",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:root" },
            Action: "kms:*",
            Resource: "*",
        });
    });

    it("lets administrators manage the key without any cryptographic or grant-creating action", () => {
        const manage = sid(doc.Statement, "KeyAdministratorsManage");
        assert.deepEqual(manage.Principal, { AWS: ADMINS });
        const actions = asList(manage.Action);
        for (const action of actions) {
            assert.ok(!action.includes("*"), `administrator action ${action} must be spelled out, not a wildcard`);
            assert.ok(
                !(ACTIONS_DENIED_TO_ADMINISTRATORS as readonly string[]).includes(action),
                `administrators must not hold ${action}`,
            );
        }
        assert.ok(
            actions.includes("kms:PutKeyPolicy") &&
                actions.includes("kms:DisableKey") &&
                actions.includes("kms:CancelKeyDeletion"),
        );
    });

    it("explicitly denies administrators every use of the key, whatever their IAM policies say", () => {
        const deny = sid(doc.Statement, "KeyAdministratorsNeverUse");
        assert.equal(deny.Effect, "Deny");
        assert.deepEqual(deny.Principal, { AWS: ADMINS });
        for (const action of [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncryptFrom",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:CreateGrant",
        ]) {
            assert.ok(asList(deny.Action).includes(action), `the deny must cover ${action}`);
        }
    });

    it("lets administrators schedule deletion only with at least the configured waiting period", () => {
        const schedule = sid(doc.Statement, "KeyAdministratorsScheduleDeletionWithMinimumWindow");
        assert.equal(schedule.Action, "kms:ScheduleKeyDeletion");
        assert.deepEqual(schedule.Condition, {
            NumericGreaterThanEquals: { "kms:ScheduleKeyDeletionPendingWindowInDays": "30" },
        });
        assert.ok(!(KEY_ADMINISTRATOR_ACTIONS as readonly string[]).includes("kms:ScheduleKeyDeletion"));
    });

    it("denies everyone, whatever IAM grants, a deletion window below the configured minimum", () => {
        assert.deepEqual(sid(doc.Statement, "NobodySchedulesDeletionWithShorterWindow"), {
            Sid: "NobodySchedulesDeletionWithShorterWindow",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "kms:ScheduleKeyDeletion",
            Resource: "*",
            Condition: { NumericLessThan: { "kms:ScheduleKeyDeletionPendingWindowInDays": "30" } },
        });
    });

    it("gives key users the cryptographic actions, and grants only for AWS resources", () => {
        const use = sid(doc.Statement, "KeyUsersUse");
        assert.deepEqual(use.Principal, { AWS: USERS });
        assert.deepEqual(use.Action, [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
        ]);
        const grants = sid(doc.Statement, "KeyUsersGrantsForAwsResources");
        assert.deepEqual(grants.Action, ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]);
        assert.deepEqual(grants.Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
    });

    it("omits the user statements when there are no key users (an empty principal list is invalid)", () => {
        const sids = keyPolicy([]).Statement.map((s) => s.Sid);
        assert.ok(!sids.includes("KeyUsersUse") && !sids.includes("KeyUsersGrantsForAwsResources"));
    });

    it("lets CloudTrail encrypt only for this trail, by source ARN and encryption context", () => {
        const encrypt = sid(doc.Statement, "CloudTrailEncryptThisTrail");
        assert.deepEqual(encrypt.Principal, { Service: "cloudtrail.amazonaws.com" });
        assert.equal(encrypt.Action, "kms:GenerateDataKey*");
        assert.deepEqual(encrypt.Condition, {
            StringEquals: { "aws:SourceArn": TRAIL, "kms:EncryptionContext:aws:cloudtrail:arn": TRAIL },
        });
    });

    it("grants CloudTrail what an S3 Bucket Key on the log bucket needs, for this trail only", () => {
        const bucketKey = sid(doc.Statement, "CloudTrailBucketKeyForThisTrail");
        assert.deepEqual(bucketKey.Action, ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"]);
        assert.deepEqual(bucketKey.Condition, { StringEquals: { "aws:SourceArn": TRAIL } });
    });

    it("lets CloudWatch Logs use the key for the trail's log group only", () => {
        const logs = sid(doc.Statement, "CloudWatchLogsEncryptTrailLogGroup");
        assert.deepEqual(logs.Principal, { Service: "logs.eu-west-1.amazonaws.com" });
        assert.deepEqual(logs.Condition, { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": LOG_GROUP } });
    });

    it("lets CloudWatch alarms publish to the encrypted alarm topic only", () => {
        const alarms = sid(doc.Statement, "CloudWatchAlarmsPublishToAlarmTopic");
        assert.deepEqual(alarms.Principal, { Service: "cloudwatch.amazonaws.com" });
        assert.deepEqual(alarms.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
        assert.deepEqual(alarms.Condition, { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": TOPIC } });
    });

    it("never allows a wildcard principal, and gives every service statement a confining condition", () => {
        for (const statement of doc.Statement) {
            if (statement.Effect === "Allow") {
                assert.ok(
                    statement.Principal !== "*" && statement.Principal?.AWS !== "*",
                    `${statement.Sid} allows everyone`,
                );
            }
            if (statement.Principal !== "*" && statement.Principal?.Service) {
                assert.ok(statement.Condition, `${statement.Sid} must be confined by a condition`);
            }
        }
        assert.equal(new Set(doc.Statement.map((s) => s.Sid)).size, doc.Statement.length, "Sids are unique");
    });

    it("without policy managers, leaves kms:PutKeyPolicy with the administrators and adds no Deny on it", () => {
        assert.ok(asList(sid(doc.Statement, "KeyAdministratorsManage").Action).includes("kms:PutKeyPolicy"));
        const sids = doc.Statement.map((s) => s.Sid);
        assert.ok(!sids.includes("KeyPolicyManagersReplacePolicy"));
        assert.ok(!sids.includes("OnlyKeyPolicyManagersReplacePolicy"));
    });

    it("with policy managers, only they and the deployment may replace the policy, whatever IAM grants", () => {
        const managed = keyPolicy(USERS, { keyPolicyManagers: [POLICY_MANAGER] });
        assert.ok(!asList(sid(managed.Statement, "KeyAdministratorsManage").Action).includes("kms:PutKeyPolicy"));
        assert.ok(asList(sid(managed.Statement, "KeyAdministratorsManage").Action).includes("kms:DisableKey"));
        assert.deepEqual(sid(managed.Statement, "KeyPolicyManagersReplacePolicy").Principal, {
            AWS: [POLICY_MANAGER, DEPLOYER],
        });
        assert.deepEqual(sid(managed.Statement, "OnlyKeyPolicyManagersReplacePolicy"), {
            Sid: "OnlyKeyPolicyManagersReplacePolicy",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "kms:PutKeyPolicy",
            Resource: "*",
            Condition: { ArnNotLike: { "aws:PrincipalArn": [POLICY_MANAGER, DEPLOYER] } },
        });
    });

    it("lets the Auto Scaling service-linked role use the key and grant for AWS resources only with EBS on", () => {
        const role =
            "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/" +
            "AWSServiceRoleForAutoScaling";
        const sids = doc.Statement.map((s) => s.Sid);
        assert.ok(!sids.includes("AutoScalingServiceLinkedRoleUse"));
        assert.ok(!sids.includes("AutoScalingServiceLinkedRoleGrantsForAwsResources"));
        const ebs = keyPolicy(USERS, { autoScalingUsesKey: true });
        const use = sid(ebs.Statement, "AutoScalingServiceLinkedRoleUse");
        assert.deepEqual(use.Principal, { AWS: role });
        assert.deepEqual(use.Action, [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
        ]);
        const grants = sid(ebs.Statement, "AutoScalingServiceLinkedRoleGrantsForAwsResources");
        assert.deepEqual(grants.Action, "kms:CreateGrant");
        assert.deepEqual(grants.Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
    });

    it("uses the China partition's service host names there", () => {
        const china = { partition: "aws-cn", region: "cn-north-1", accountId: "111122223333" };
        const cn = keyPolicy([], { account: china, minimumDeletionWindowDays: 7 });
        assert.deepEqual(sid(cn.Statement, "CloudTrailEncryptThisTrail").Principal, {
            Service: "cloudtrail.amazonaws.com.cn",
        });
        assert.deepEqual(sid(cn.Statement, "EnableIamPolicies").Principal, {
            AWS: "arn:aws-cn:iam::111122223333:root",
        });
    });
});

describe("bucket policies", () => {
    it("denies every non-TLS request to the bucket and its objects", () => {
        const doc = buildSecureBucketPolicy({ bucketArn: BUCKET, encryption: { kind: "s3-managed" } });
        assert.deepEqual(doc.Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [BUCKET, `${BUCKET}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
    });

    it("on an SSE-KMS bucket, lets the default apply; refuses another algorithm, SSE-C, key, or no key id", () => {
        const doc = buildSecureBucketPolicy({ bucketArn: BUCKET, encryption: { kind: "this-kms-key", keyArn: KEY } });
        const byId = (id: string) => sid(doc.Statement, id);
        for (const id of UPLOAD_DENIES) {
            assert.equal(byId(id).Effect, "Deny");
            assert.equal(byId(id).Action, "s3:PutObject");
            assert.equal(byId(id).Resource, `${BUCKET}/*`);
        }
        assert.deepEqual(byId("DenyUploadsWithAnotherAlgorithm").Condition, {
            StringNotEquals: { "s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"] },
            Null: { "s3:x-amz-server-side-encryption": "false" },
        });
        assert.deepEqual(byId("DenyUploadsWithCustomerProvidedKeys").Condition, {
            Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" },
        });
        assert.deepEqual(byId("DenyUploadsWithAnotherKey").Condition, {
            StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY },
            Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        });
        assert.deepEqual(byId("DenyKmsUploadsWithoutKeyId").Condition, {
            StringEquals: { "s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"] },
            Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "true" },
        });
        // Every deny is conditional on a header being present: an upload naming nothing matches none of them.
        for (const statement of doc.Statement.filter((s) => s.Sid !== "DenyInsecureTransport")) {
            assert.ok(statement.Condition?.Null, `${statement.Sid} must test for the presence of a header`);
        }
    });

    it("spares unpoliced prefixes from the upload rule through NotResource, and nothing else", () => {
        const doc = buildSecureBucketPolicy({
            bucketArn: BUCKET,
            encryption: { kind: "this-kms-key", keyArn: KEY, unpolicedPrefixes: [DIGEST_PREFIX] },
        });
        for (const statement of doc.Statement.filter((s) => UPLOAD_DENIES.includes(s.Sid))) {
            assert.equal(statement.Resource, undefined);
            assert.deepEqual(statement.NotResource, [`${BUCKET}/AWSLogs/111122223333/CloudTrail-Digest/*`]);
        }
        assert.deepEqual(sid(doc.Statement, "DenyInsecureTransport").Resource, [BUCKET, `${BUCKET}/*`]);
    });

    it("lets only this trail write CloudTrail logs, under AWSLogs/<account>/ with the owner in full control", () => {
        const [acl, write] = cloudTrailDeliveryStatements(account, BUCKET, TRAIL);
        assert.deepEqual(acl, {
            Sid: "CloudTrailAclCheck",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: BUCKET,
            Condition: { StringEquals: { "aws:SourceArn": TRAIL } },
        });
        assert.deepEqual(write, {
            Sid: "CloudTrailWrite",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${BUCKET}/AWSLogs/111122223333/*`,
            Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL } },
        });
    });

    it("accepts server access logs only from the named source buckets of this account", () => {
        const sources = ["arn:aws:s3:::a", "arn:aws:s3:::b"];
        const [delivery] = accessLogDeliveryStatements(account, BUCKET, sources);
        assert.deepEqual(delivery.Principal, { Service: "logging.s3.amazonaws.com" });
        assert.deepEqual(delivery.Condition, {
            ArnLike: { "aws:SourceArn": sources },
            StringEquals: { "aws:SourceAccount": "111122223333" },
        });
    });

    it("puts the guards before the service grants", () => {
        const doc = buildSecureBucketPolicy({
            bucketArn: BUCKET,
            encryption: { kind: "this-kms-key", keyArn: KEY },
            additionalStatements: cloudTrailDeliveryStatements(account, BUCKET, TRAIL),
        });
        assert.deepEqual(
            doc.Statement.map((s) => s.Sid),
            [
                "DenyInsecureTransport",
                "DenyUploadsWithAnotherAlgorithm",
                "DenyUploadsWithCustomerProvidedKeys",
                "DenyUploadsWithAnotherKey",
                "DenyKmsUploadsWithoutKeyId",
                "CloudTrailAclCheck",
                "CloudTrailWrite",
            ],
        );
    });
});

describe("log bucket guards", () => {
    const guards = logBucketGuardStatements({
        bucketArn: BUCKET,
        writerSourceArns: [TRAIL],
        settingCustodians: [DEPLOYER, BREAK_GLASS],
        removalCustodians: [BREAK_GLASS],
    });

    it("denies object writes to every request not made for the delivering trail", () => {
        assert.deepEqual(sid(guards, "DenyObjectWritesExceptDelivery"), {
            Sid: "DenyObjectWritesExceptDelivery",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:PutObject", "s3:ReplicateObject", "s3:ReplicateDelete"],
            Resource: `${BUCKET}/*`,
            Condition: { ArnNotLike: { "aws:SourceArn": [TRAIL] } },
        });
    });

    it("denies deletes and Object Lock loosening to all but the removal custodians, by aws:PrincipalArn", () => {
        const removal = sid(guards, "DenyObjectRemovalExceptCustodians");
        assert.equal(removal.Principal, "*");
        assert.deepEqual(removal.Action, [
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:BypassGovernanceRetention",
            "s3:PutObjectRetention",
            "s3:PutObjectLegalHold",
        ]);
        assert.deepEqual(removal.Condition, { ArnNotLike: { "aws:PrincipalArn": [BREAK_GLASS] } });
    });

    it("denies policy, lifecycle, versioning and Object Lock changes to all but the setting custodians", () => {
        const settings = sid(guards, "DenySettingChangesExceptCustodians");
        assert.equal(settings.Resource, BUCKET);
        const promised = ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration"];
        for (const action of [...promised, "s3:PutBucketVersioning", "s3:PutBucketObjectLockConfiguration"]) {
            assert.ok(asList(settings.Action).includes(action), `${action} is guarded`);
        }
        assert.deepEqual(settings.Action, [...LOG_BUCKET_SETTING_ACTIONS]);
        assert.deepEqual(settings.Condition, { ArnNotLike: { "aws:PrincipalArn": [DEPLOYER, BREAK_GLASS] } });
    });

    it("never uses NotPrincipal (AWS recommends aws:PrincipalArn with ARN operators)", () => {
        assert.ok(guards.every((g) => !("NotPrincipal" in g)));
    });

    it("with no removal custodian, binds everyone; without a setting custodian, refuses to build (lock-out)", () => {
        const base = { bucketArn: BUCKET, writerSourceArns: [TRAIL] };
        const nobody = logBucketGuardStatements({ ...base, settingCustodians: [DEPLOYER], removalCustodians: [] });
        assert.equal(sid(nobody, "DenyObjectRemovalExceptCustodians").Condition, undefined);
        assert.throws(
            () => logBucketGuardStatements({ ...base, settingCustodians: [], removalCustodians: [] }),
            /settingCustodians must name the deployment/,
        );
    });
});

describe("trail delivery role", () => {
    it("trusts CloudTrail exactly as AWS documents it (no undocumented condition keys), and has no Resource", () => {
        const trust = buildTrailDeliveryTrustPolicy(account);
        assert.deepEqual(trust.Statement, [
            {
                Sid: "CloudTrailAssumesRole",
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: "sts:AssumeRole",
            },
        ]);
    });

    it("may only create and write CloudTrail streams in the one log group, and names no Principal (identity policy)", () => {
        const permissions = buildTrailDeliveryPermissions(account, LOG_GROUP);
        assert.deepEqual(permissions.Statement, [
            {
                Sid: "WriteTrailEventsToLogGroup",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${LOG_GROUP}:log-stream:111122223333_CloudTrail_*`,
            },
        ]);
    });
});
