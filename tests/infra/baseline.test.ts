import { strict as assert } from "assert";
import { BaselineRun, runBaseline } from "./harness";
import { CapturedResource } from "../../gate/capture";
import { PolicyDocument, PolicyStatement } from "../../vocabulary/policyDocument";
import { TAMPER_ALARMS } from "../../infra/components/monitoring";

const T = {
    key: "aws:kms/key:Key",
    alias: "aws:kms/alias:Alias",
    bucket: "aws:s3/bucket:Bucket",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    logging: "aws:s3/bucketLogging:BucketLogging",
    trail: "aws:cloudtrail/trail:Trail",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    topic: "aws:sns/topic:Topic",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    filter: "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    objectLock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
};

const DEPLOYER = {
    dev: "arn:aws:iam::123456789012:role/KmsAuditDeployDev",
    prod: "arn:aws:iam::123456789012:role/KmsAuditDeployProd",
};
const UPLOAD_DENIES = [
    "DenyUploadsWithAnotherAlgorithm",
    "DenyUploadsWithCustomerProvidedKeys",
    "DenyUploadsWithAnotherKey",
    "DenyKmsUploadsWithoutKeyId",
];
const AUTO_SCALING_ROLE = "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
const BREAK_GLASS = "arn:aws:iam::123456789012:role/AuditBreakGlass";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

function doc(resource: CapturedResource, property = "policy"): PolicyDocument {
    return JSON.parse(resource.inputs[property]);
}
function statement(document: PolicyDocument, sid: string): PolicyStatement {
    const found = document.Statement.find((s) => s.Sid === sid);
    assert.ok(found, `no statement ${sid}`);
    return found;
}
/** The satellite of `type` that the program wired to `bucket` (through its `bucket` input). */
function satelliteOf(run: BaselineRun, type: string, bucket: CapturedResource): CapturedResource {
    const found = run.ofType(type).filter((r) => (r.propertyDependencies.bucket ?? []).includes(bucket.urn));
    assert.equal(found.length, 1, `${bucket.name} should have exactly one ${type}`);
    return found[0];
}

for (const stack of ["dev", "prod"] as const) {
    describe(`baseline (${stack} stack)`, () => {
        let run: BaselineRun;
        const env = stack;
        const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/kms-audit-${env}`;
        before(async () => {
            run = await runBaseline(stack);
        });

        it("creates one symmetric, rotating customer-managed key with the configured periods and its alias", () => {
            const key = run.one(T.key);
            assert.equal(key.inputs.customerMasterKeySpec, "SYMMETRIC_DEFAULT");
            assert.equal(key.inputs.keyUsage, "ENCRYPT_DECRYPT");
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.equal(key.inputs.rotationPeriodInDays, 365);
            assert.equal(key.inputs.deletionWindowInDays, stack === "dev" ? 7 : 30);
            assert.equal(key.inputs.bypassPolicyLockoutSafetyCheck, false);
            assert.equal(key.inputs.multiRegion, false);
            const alias = run.one(T.alias);
            assert.equal(alias.inputs.name, `alias/kms-audit-${env}`);
            assert.deepEqual(alias.propertyDependencies.targetKeyId, [key.urn]);
        });

        it("writes the configured administrators and users into the key policy, separately", () => {
            const policy = doc(run.one(T.key));
            const admins =
                stack === "dev"
                    ? ["arn:aws:iam::123456789012:role/PlatformKeyAdmins"]
                    : [
                          "arn:aws:iam::123456789012:role/PlatformKeyAdmins",
                          "arn:aws:iam::123456789012:role/BreakGlassKeyAdmin",
                      ];
            assert.deepEqual(statement(policy, "KeyAdministratorsManage").Principal, { AWS: admins });
            assert.deepEqual(statement(policy, "KeyAdministratorsNeverUse").Principal, { AWS: admins });
            const users = (statement(policy, "KeyUsersUse").Principal as { AWS: string[] }).AWS;
            assert.ok(users.includes("arn:aws:iam::123456789012:role/DataPipeline"));
            assert.ok(users.every((u) => !admins.includes(u)));
            assert.deepEqual(statement(policy, "EnableIamPolicies").Principal, { AWS: `arn:aws:iam::${ACCOUNT}:root` });
        });

        it("names the very trail, log group and topic it creates in the key policy", () => {
            const policy = doc(run.one(T.key));
            const trail = run.one(T.trail);
            assert.equal(trail.inputs.name, `kms-audit-${env}`);
            assert.deepEqual(statement(policy, "CloudTrailEncryptThisTrail").Condition, {
                StringEquals: { "aws:SourceArn": trailArn, "kms:EncryptionContext:aws:cloudtrail:arn": trailArn },
            });
            const logGroup = run.one(T.logGroup);
            assert.deepEqual(statement(policy, "CloudWatchLogsEncryptTrailLogGroup").Condition, {
                ArnEquals: {
                    "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup.inputs.name}`,
                },
            });
            const topic = run.one(T.topic);
            assert.deepEqual(statement(policy, "CloudWatchAlarmsPublishToAlarmTopic").Condition, {
                StringEquals: {
                    "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:${REGION}:${ACCOUNT}:${topic.inputs.name}`,
                },
            });
        });

        it("guards all three buckets: public access blocked, ACLs off, versioned, lifecycle, TLS-only policy", () => {
            const buckets = run.ofType(T.bucket);
            assert.deepEqual(buckets.map((b) => b.name).sort(), [
                `kms-audit-${env}-access-logs`,
                `kms-audit-${env}-data`,
                `kms-audit-${env}-logs`,
            ]);
            for (const bucket of buckets) {
                const pab = satelliteOf(run, T.pab, bucket).inputs;
                assert.deepEqual(
                    [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
                    [true, true, true, true],
                );
                assert.deepEqual(satelliteOf(run, T.ownership, bucket).inputs.rule, {
                    objectOwnership: "BucketOwnerEnforced",
                });
                assert.deepEqual(satelliteOf(run, T.versioning, bucket).inputs.versioningConfiguration, {
                    status: "Enabled",
                });
                const lifecycle = satelliteOf(run, T.lifecycle, bucket);
                assert.equal(lifecycle.inputs.rules[0].noncurrentVersionExpiration.noncurrentDays, 90);
                assert.ok(
                    lifecycle.dependencies.includes(satelliteOf(run, T.versioning, bucket).urn),
                    "lifecycle waits for versioning",
                );
                const policy = satelliteOf(run, T.policy, bucket);
                assert.deepEqual(statement(doc(policy), "DenyInsecureTransport").Condition, {
                    Bool: { "aws:SecureTransport": "false" },
                });
                assert.ok(
                    policy.dependencies.includes(satelliteOf(run, T.pab, bucket).urn),
                    "policy waits for the public access block",
                );
                assert.equal(bucket.inputs.forceDestroy, stack === "dev");
                assert.equal(bucket.protect, stack === "prod");
            }
        });

        it("encrypts the data and trail-log buckets with SSE-KMS under this key with a bucket key", () => {
            const key = run.one(T.key);
            for (const name of [`kms-audit-${env}-data`, `kms-audit-${env}-logs`]) {
                const sse = satelliteOf(run, T.sse, run.one(T.bucket, name));
                const [rule] = sse.inputs.rules;
                assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
                assert.match(
                    rule.applyServerSideEncryptionByDefault.kmsMasterKeyId,
                    new RegExp(`^arn:aws:kms:${REGION}:${ACCOUNT}:key/`),
                );
                assert.equal(rule.bucketKeyEnabled, true);
                assert.deepEqual(sse.propertyDependencies.rules, [key.urn]);
            }
        });

        it("encrypts the access-log bucket with SSE-S3, because S3 cannot deliver access logs to SSE-KMS buckets", () => {
            const sse = satelliteOf(run, T.sse, run.one(T.bucket, `kms-audit-${env}-access-logs`));
            assert.deepEqual(sse.inputs.rules, [
                { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, blockedEncryptionTypes: ["SSE-C"] },
            ]);
        });

        it("lets data-bucket uploads take the default key; refuses another algorithm, SSE-C, key, or no key id", () => {
            const data = run.one(T.bucket, `kms-audit-${env}-data`);
            const policy = doc(satelliteOf(run, T.policy, data));
            const keyArn = satelliteOf(run, T.sse, data).inputs.rules[0].applyServerSideEncryptionByDefault
                .kmsMasterKeyId;
            assert.deepEqual(statement(policy, "DenyUploadsWithAnotherKey").Condition, {
                StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
                Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
            });
            for (const sid of UPLOAD_DENIES) {
                assert.equal(
                    statement(policy, sid).Resource,
                    `${data.serializedOutputs.arn}/*`,
                    `${sid} covers every object`,
                );
            }
            assert.ok(
                !policy.Statement.some((s) => s.Sid === "DenyUploadsWithoutSseKms"),
                "an upload naming no encryption is not refused",
            );
            assert.ok(
                !policy.Statement.some((s) => s.Sid.startsWith("DenyObject")),
                "the data bucket has no log-bucket guards",
            );
        });

        it("blocks SSE-C on every bucket in its default encryption", () => {
            for (const bucket of run.ofType(T.bucket)) {
                assert.deepEqual(
                    satelliteOf(run, T.sse, bucket).inputs.rules[0].blockedEncryptionTypes,
                    ["SSE-C"],
                    bucket.name,
                );
            }
        });

        it("guards the CloudTrail log bucket: only this trail writes; custodians delete and change settings", () => {
            const logs = run.one(T.bucket, `kms-audit-${env}-logs`);
            const policy = doc(satelliteOf(run, T.policy, logs));
            assert.deepEqual(statement(policy, "DenyObjectWritesExceptDelivery").Condition, {
                ArnNotLike: { "aws:SourceArn": [trailArn] },
            });
            // In prod (protected) the deploy role may not delete logs; in dev it must, or destroy cannot empty them.
            const removal = stack === "prod" ? [BREAK_GLASS] : [DEPLOYER[stack], BREAK_GLASS];
            assert.deepEqual(statement(policy, "DenyObjectRemovalExceptCustodians").Condition, {
                ArnNotLike: { "aws:PrincipalArn": removal },
            });
            assert.deepEqual(statement(policy, "DenySettingChangesExceptCustodians").Condition, {
                ArnNotLike: { "aws:PrincipalArn": [DEPLOYER[stack], BREAK_GLASS] },
            });
            const bucketArn = String(statement(policy, "CloudTrailAclCheck").Resource);
            const digests = [`${bucketArn}/AWSLogs/${ACCOUNT}/CloudTrail-Digest/*`];
            for (const sid of UPLOAD_DENIES) {
                assert.deepEqual(statement(policy, sid).NotResource, digests, `${sid} spares the digest prefix`);
            }
        });

        it("guards the access-log bucket the same way; S3 log delivery for the two sources is the only writer", () => {
            const target = run.one(T.bucket, `kms-audit-${env}-access-logs`);
            const policy = doc(satelliteOf(run, T.policy, target));
            const sources = statement(policy, "S3ServerAccessLogDelivery").Condition!.ArnLike["aws:SourceArn"];
            assert.deepEqual(statement(policy, "DenyObjectWritesExceptDelivery").Condition, {
                ArnNotLike: { "aws:SourceArn": sources },
            });
            assert.ok(statement(policy, "DenyObjectRemovalExceptCustodians"));
            assert.ok(statement(policy, "DenySettingChangesExceptCustodians"));
            const locks = run.ofType(T.objectLock).filter((l) => l.propertyDependencies.bucket?.includes(target.urn));
            assert.equal(locks.length, 0, "no Object Lock on a log target");
        });

        it(`${stack === "prod" ? "locks" : "does not lock"} the CloudTrail log files with S3 Object Lock`, () => {
            const logs = run.one(T.bucket, `kms-audit-${env}-logs`);
            const locks = run.ofType(T.objectLock);
            if (stack === "dev") {
                assert.equal(locks.length, 0);
                return;
            }
            const lock = satelliteOf(run, T.objectLock, logs);
            assert.equal(locks.length, 1);
            assert.equal(lock.inputs.objectLockEnabled, "Enabled");
            assert.deepEqual(lock.inputs.rule, { defaultRetention: { mode: "GOVERNANCE", days: 365 } });
            assert.ok(
                lock.dependencies.includes(satelliteOf(run, T.versioning, logs).urn),
                "Object Lock waits for versioning",
            );
            assert.ok(
                run.one(T.trail).dependencies.includes(lock.urn),
                "the trail starts only once the retention is in place",
            );
            assert.equal(
                logs.inputs.objectLockEnabled,
                undefined,
                "not a bucket-creation flag, which would replace an existing bucket",
            );
            const lifecycle = satelliteOf(run, T.lifecycle, logs).inputs.rules.find(
                (r: { id: string }) => r.id === "age-current-objects",
            );
            assert.ok(lifecycle.expiration.days >= 365, "lifecycle expiry comes after the retention ends");
        });

        it("keeps the key in AWS when Pulumi deletes or replaces it", () => {
            const key = run.one(T.key);
            assert.ok(run.retainedOnDelete.has(`${T.key}::${key.name}`), "the key is registered with retainOnDelete");
            assert.ok(
                !run.retainedOnDelete.has(`${T.alias}::${run.one(T.alias).name}`),
                "only the key is retained, not its alias",
            );
        });

        it("lets only this trail write to the log bucket, under AWSLogs/<account>/", () => {
            const logs = run.one(T.bucket, `kms-audit-${env}-logs`);
            const policy = doc(satelliteOf(run, T.policy, logs));
            const write = statement(policy, "CloudTrailWrite");
            assert.match(
                write.Resource as string,
                new RegExp(`^arn:aws:s3:::kms-audit-${env}-logs-[0-9a-f]{7}/AWSLogs/${ACCOUNT}/\\*$`),
            );
            assert.deepEqual(write.Condition, {
                StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn },
            });
            assert.deepEqual(statement(policy, "CloudTrailAclCheck").Condition, {
                StringEquals: { "aws:SourceArn": trailArn },
            });
            assert.equal(run.one(T.trail).inputs.s3BucketName, String(write.Resource).split(":::")[1].split("/")[0]);
        });

        it("logs S3 access for the data and trail-log buckets into the access-log bucket, whose policy names exactly them", () => {
            const target = run.one(T.bucket, `kms-audit-${env}-access-logs`);
            const loggings = run.ofType(T.logging);
            const sources = loggings.map((l) => run.byUrn(l.propertyDependencies.bucket[0]).name).sort();
            assert.deepEqual(sources, [`kms-audit-${env}-data`, `kms-audit-${env}-logs`]);
            for (const logging of loggings) {
                assert.deepEqual(logging.propertyDependencies.targetBucket, [target.urn]);
            }
            const delivery = statement(doc(satelliteOf(run, T.policy, target)), "S3ServerAccessLogDelivery");
            const arns = (delivery.Condition!.ArnLike["aws:SourceArn"] as string[]).map((a) =>
                a.split(":::")[1].replace(/-[0-9a-f]{7}$/, ""),
            );
            assert.deepEqual(arns.sort(), [`kms-audit-${env}-data`, `kms-audit-${env}-logs`]);
        });

        it("configures the trail as CIS and Security Hub ask: multi-region, validated, encrypted, all management events", () => {
            const trail = run.one(T.trail).inputs;
            assert.equal(trail.isMultiRegionTrail, true);
            assert.equal(trail.includeGlobalServiceEvents, true);
            assert.equal(trail.enableLogFileValidation, true);
            assert.equal(trail.enableLogging, true);
            assert.match(trail.kmsKeyId, /^arn:aws:kms:/);
            const [selector] = trail.eventSelectors;
            assert.equal(selector.readWriteType, "All");
            assert.equal(selector.includeManagementEvents, true);
            assert.deepEqual(selector.excludeManagementEventSources, []);
        });

        it("records object-level S3 data events for the data bucket and the configured extra buckets", () => {
            const trail = run.one(T.trail);
            const data = run.one(T.bucket, `kms-audit-${env}-data`);
            const [resource] = trail.inputs.eventSelectors[0].dataResources;
            assert.equal(resource.type, "AWS::S3::Object");
            assert.equal(resource.values.length, stack === "prod" ? 2 : 1);
            assert.match(resource.values[0], new RegExp(`^arn:aws:s3:::kms-audit-${env}-data-[0-9a-f]{7}/$`));
            if (stack === "prod") assert.equal(resource.values[1], "arn:aws:s3:::example-corp-prod-exports/");
            assert.ok(
                trail.propertyDependencies.eventSelectors.includes(data.urn),
                "the selector is linked to the data bucket in the graph",
            );
        });

        it("turns Insights on for API call and error rates where configured", () => {
            const insights = run.one(T.trail).inputs.insightSelectors;
            assert.deepEqual(
                insights,
                stack === "prod" ? [{ insightType: "ApiCallRateInsight" }, { insightType: "ApiErrorRateInsight" }] : [],
            );
        });

        it("creates the trail only after its bucket policy and delivery role policy exist", () => {
            const trail = run.one(T.trail);
            const logsPolicy = satelliteOf(run, T.policy, run.one(T.bucket, `kms-audit-${env}-logs`));
            assert.ok(trail.dependencies.includes(logsPolicy.urn), "trail depends on the log bucket policy");
            assert.ok(
                trail.dependencies.includes(run.one(T.rolePolicy).urn),
                "trail depends on the delivery role policy",
            );
        });

        it("delivers to a KMS-encrypted log group with retention, through a role only this trail can assume", () => {
            const logGroup = run.one(T.logGroup);
            assert.equal(logGroup.inputs.name, `/aws/cloudtrail/kms-audit-${env}`);
            assert.equal(logGroup.inputs.retentionInDays, stack === "dev" ? 30 : 3653);
            assert.deepEqual(logGroup.propertyDependencies.kmsKeyId, [run.one(T.key).urn]);
            const trail = run.one(T.trail).inputs;
            assert.equal(
                trail.cloudWatchLogsGroupArn,
                `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/cloudtrail/kms-audit-${env}:*`,
            );
            const role = run.one(T.role);
            assert.equal(
                trail.cloudWatchLogsRoleArn.split("/")[1],
                `${role.name}-${trail.cloudWatchLogsRoleArn.split("-").pop()}`,
            );
            assert.deepEqual(doc(role, "assumeRolePolicy").Statement, [
                {
                    Sid: "CloudTrailAssumesRole",
                    Effect: "Allow",
                    Principal: { Service: "cloudtrail.amazonaws.com" },
                    Action: "sts:AssumeRole",
                },
            ]);
            assert.deepEqual(
                doc(run.one(T.rolePolicy)).Statement[0].Resource,
                `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/cloudtrail/kms-audit-${env}:log-stream:${ACCOUNT}_CloudTrail_*`,
            );
        });

        it("alarms on trail, key and bucket-policy tampering and denied KMS calls, to a KMS-encrypted topic", () => {
            const topic = run.one(T.topic);
            assert.deepEqual(topic.propertyDependencies.kmsMasterKeyId, [run.one(T.key).urn]);
            const filters = run.ofType(T.filter);
            const alarms = run.ofType(T.alarm);
            assert.equal(filters.length, TAMPER_ALARMS.length);
            assert.equal(alarms.length, TAMPER_ALARMS.length);
            for (const filter of filters) {
                assert.equal(filter.inputs.logGroupName, `/aws/cloudtrail/kms-audit-${env}`);
            }
            for (const alarm of alarms) {
                assert.deepEqual(alarm.propertyDependencies.alarmActions, [topic.urn]);
                assert.equal(alarm.inputs.threshold, 1);
                assert.equal(alarm.inputs.treatMissingData, "notBreaching");
            }
            const patterns = filters.map((f) => f.inputs.pattern).join("\n");
            for (const event of [
                "StopLogging",
                "DeleteTrail",
                "DisableKey",
                "ScheduleKeyDeletion",
                "PutBucketPolicy",
                "AccessDenied*",
            ]) {
                assert.ok(patterns.includes(event), `some alarm watches ${event}`);
            }
            const emails = run.ofType(T.subscription).map((s) => s.inputs.endpoint);
            assert.deepEqual(
                emails,
                stack === "dev"
                    ? ["platform-dev@example.com"]
                    : ["security-oncall@example.com", "platform-oncall@example.com"],
            );
        });

        it("protects every stateful resource in prod and none in dev", () => {
            for (const type of [T.key, T.bucket, T.logGroup, T.trail]) {
                for (const resource of run.ofType(type)) {
                    assert.equal(resource.protect, stack === "prod", `${resource.type} ${resource.name}`);
                }
            }
        });

        it("registers the same resources at a first preview, when IDs and ARNs are unknown", async () => {
            const preview = await runBaseline(stack, { preview: true });
            const shape = (r: BaselineRun) => r.resources.map((x) => `${x.urn} <- ${x.parent ?? ""}`).sort();
            assert.deepEqual(shape(preview), shape(run));
            const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
            assert.equal(
                preview.one(T.trail).serializedInputs.s3BucketName,
                UNKNOWN,
                "the log bucket's name is unknown at preview",
            );
            assert.equal(
                preview.one(T.trail).serializedInputs.name,
                `kms-audit-${env}`,
                "the trail's own name is known",
            );
            const urnsOf = (r: BaselineRun, type: string) => r.one(type).dependencies.slice().sort();
            assert.deepEqual(urnsOf(preview, T.trail), urnsOf(run, T.trail));
        });
    });
}

describe("baseline options", () => {
    it("turns on EBS encryption by default under this key only when asked, with the Auto Scaling role", async () => {
        const off = await runBaseline("dev");
        assert.equal(off.ofType("aws:ebs/encryptionByDefault:EncryptionByDefault").length, 0);
        assert.ok(!doc(off.one(T.key)).Statement.some((s) => s.Sid.startsWith("AutoScaling")));
        const on = await runBaseline("dev", { overrides: { ebsDefaultEncryption: "true" } });
        assert.equal(on.one("aws:ebs/encryptionByDefault:EncryptionByDefault").inputs.enabled, true);
        assert.deepEqual(on.one("aws:ebs/defaultKmsKey:DefaultKmsKey").propertyDependencies.keyArn, [
            on.one(T.key).urn,
        ]);
        const role = `arn:aws:iam::${ACCOUNT}:${AUTO_SCALING_ROLE}`;
        assert.deepEqual(statement(doc(on.one(T.key)), "AutoScalingServiceLinkedRoleUse").Principal, { AWS: role });
        assert.deepEqual(statement(doc(on.one(T.key)), "AutoScalingServiceLinkedRoleGrantsForAwsResources").Principal, {
            AWS: role,
        });
    });

    it("keeps the old key when a config change replaces it, in dev too (protect off)", async () => {
        const run = await runBaseline("dev", { overrides: { multiRegionKey: "true" } });
        assert.equal(run.one(T.key).protect, false);
        assert.ok(run.retainedOnDelete.has(`${T.key}::${run.one(T.key).name}`));
    });

    it("writes the policy managers into the key policy when configured, with the deployment", async () => {
        const manager = "arn:aws:iam::123456789012:role/KeyPolicyManagers";
        const run = await runBaseline("prod", { overrides: { keyPolicyManagers: JSON.stringify([manager]) } });
        const policy = doc(run.one(T.key));
        assert.deepEqual(statement(policy, "KeyPolicyManagersReplacePolicy").Principal, {
            AWS: [manager, DEPLOYER.prod],
        });
        assert.deepEqual(statement(policy, "OnlyKeyPolicyManagersReplacePolicy").Condition, {
            ArnNotLike: { "aws:PrincipalArn": [manager, DEPLOYER.prod] },
        });
    });

    it("creates a multi-region key when configured", async () => {
        const run = await runBaseline("dev", { overrides: { multiRegionKey: "true" } });
        assert.equal(run.one(T.key).inputs.multiRegion, true);
    });
});
