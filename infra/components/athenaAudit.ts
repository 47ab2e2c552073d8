import * as pulumi from "@pulumi/pulumi";
import * as athena from "@pulumi/aws/athena";
import * as glue from "@pulumi/aws/glue";
import * as iam from "@pulumi/aws/iam";
import { AthenaAuditConfig } from "../athena/config";
import {
    CLOUDTRAIL_COLUMNS,
    CLOUDTRAIL_INPUT_FORMAT,
    CLOUDTRAIL_OUTPUT_FORMAT,
    CLOUDTRAIL_SERDE,
    PARTITION_KEYS,
    projectionParameters,
} from "../athena/cloudTrailTable";
import { AccountContext } from "../policies/document";
import { athenaAuditorIdentityPolicy, athenaAuditorResultsBucketStatements } from "../policies/athenaAudit";
import { SecureBucket } from "./secureBucket";

/** The names the query side gets; the audit tool takes them as --workgroup, --database and --table. */
export function athenaAuditNames(environment: string) {
    return {
        workgroup: `kms-audit-${environment}`,
        // Glue database names: lower-case letters, digits and '_' for Athena.
        database: `kms_audit_${environment.replace(/-/g, "_")}`,
        table: "cloudtrail",
    };
}

/** Athena's current engine, on which the audit's SQL is written (audit/athena/dialect.ts). */
export const ATHENA_ENGINE_VERSION = "Athena engine version 3";

export interface AthenaAuditArgs {
    environment: string;
    account: pulumi.Output<AccountContext>;
    config: AthenaAuditConfig;
    keyArn: pulumi.Input<string>;
    logBucketName: pulumi.Input<string>;
    noncurrentVersionExpirationDays: number;
    protect: boolean;
}

/**
 * The query side of the audit: a Glue database and CloudTrail table over the trail bucket with partition projection,
 * a workgroup whose settings bind every query (results SSE-KMS under the key, bytes scanned capped), a results bucket
 * of the baseline's kind that forgets results, and the identity policy auditors attach.
 */
export class AthenaAudit extends pulumi.ComponentResource {
    public readonly resultsBucket: SecureBucket;
    public readonly database: glue.CatalogDatabase;
    public readonly table: glue.CatalogTable;
    public readonly workgroup: athena.Workgroup;
    public readonly auditorPolicy: iam.Policy;

    constructor(name: string, args: AthenaAuditArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kms-audit:index:AthenaAudit", name, {}, opts);
        const names = athenaAuditNames(args.environment);
        const child = { parent: this };
        const tags = { Environment: args.environment, ManagedBy: "kms-audit" };

        this.resultsBucket = new SecureBucket(
            `${name}-athena-results`,
            {
                environment: args.environment,
                // Athena sends the SSE-KMS headers naming the workgroup's key, which this rule accepts.
                encryption: { kind: "kms", keyArn: args.keyArn, uploads: "forbid-other-kms-keys" },
                noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays,
                currentVersionLifecycle: { expirationDays: args.config.resultExpirationDays },
                grants: (bucketArn) =>
                    bucketArn.apply((arn) => athenaAuditorResultsBucketStatements(arn, args.config.auditors)),
                forceDestroy: !args.protect,
                protect: args.protect,
            },
            child,
        );

        this.database = new glue.CatalogDatabase(
            name,
            {
                name: names.database,
                description: `kms-audit ${args.environment}: the CloudTrail trail's logs for Athena`,
            },
            child,
        );

        const accounts = args.account.apply((ctx) =>
            args.config.accounts.length > 0 ? args.config.accounts : [ctx.accountId],
        );
        const logsLocation = pulumi.interpolate`s3://${args.logBucketName}/AWSLogs/`;
        this.table = new glue.CatalogTable(
            name,
            {
                name: names.table,
                databaseName: this.database.name,
                tableType: "EXTERNAL_TABLE",
                description: "CloudTrail log files, partitioned by account, region and delivery day (projected)",
                parameters: pulumi.all([logsLocation, accounts]).apply(([location, accountIds]) =>
                    projectionParameters({
                        logsLocation: location,
                        accounts: accountIds,
                        regions: args.config.regions,
                        startDate: args.config.firstDay,
                    }),
                ),
                partitionKeys: Object.values(PARTITION_KEYS).map((key) => ({ name: key, type: "string" })),
                storageDescriptor: {
                    location: logsLocation,
                    inputFormat: CLOUDTRAIL_INPUT_FORMAT,
                    outputFormat: CLOUDTRAIL_OUTPUT_FORMAT,
                    serDeInfo: { serializationLibrary: CLOUDTRAIL_SERDE },
                    columns: CLOUDTRAIL_COLUMNS.map((column) => ({ name: column.name, type: column.type })),
                },
            },
            child,
        );

        // https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html (enforced settings),
        // https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html (cutoff).
        this.workgroup = new athena.Workgroup(
            name,
            {
                name: names.workgroup,
                description: `kms-audit ${args.environment}: queries over the trail's logs`,
                state: "ENABLED",
                forceDestroy: !args.protect,
                configuration: {
                    enforceWorkgroupConfiguration: true,
                    publishCloudwatchMetricsEnabled: true,
                    bytesScannedCutoffPerQuery: args.config.bytesScannedCutoffPerQuery,
                    engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
                    resultConfiguration: {
                        outputLocation: pulumi.interpolate`s3://${this.resultsBucket.name}/`,
                        encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: args.keyArn },
                        expectedBucketOwner: args.account.apply((ctx) => ctx.accountId),
                    },
                },
                tags,
            },
            child,
        );

        this.auditorPolicy = new iam.Policy(
            `${name}-athena-auditor`,
            {
                description: `Lets a kms-audit ${args.environment} auditor query the trail's logs (${names.workgroup})`,
                policy: args.account.apply((ctx) =>
                    JSON.stringify(
                        athenaAuditorIdentityPolicy({
                            account: ctx,
                            workgroupName: names.workgroup,
                            databaseName: names.database,
                            tableName: names.table,
                        }),
                    ),
                ),
                tags,
            },
            child,
        );
        this.registerOutputs({ workgroup: this.workgroup.name, database: this.database.name, table: this.table.name });
    }
}
