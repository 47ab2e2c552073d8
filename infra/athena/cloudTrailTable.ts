/**
 * The CloudTrail table for Athena, as plain data: the program registers it in Glue (infra/components/athenaAudit.ts)
 * and the audit tool queries it (audit/athena/). No Pulumi import here, so the audit can read it.
 *
 * Columns, SerDe, input format and the date projection follow AWS's DDL in "Create the table for CloudTrail logs in
 * Athena using partition projection"
 * (https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html); the account and
 * region partitions follow the folder layout CloudTrail writes, AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html), projected as enum
 * values (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html).
 */

export interface TableColumn {
    name: string;
    /** Hive type as Glue stores it. */
    type: string;
}

const STRING = "string";

export const CLOUDTRAIL_COLUMNS: readonly TableColumn[] = [
    { name: "eventversion", type: STRING },
    {
        name: "useridentity",
        type:
            "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string," +
            "username:string,onbehalfof:struct<userid:string,identitystorearn:string>," +
            "sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>," +
            "sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>," +
            "ec2roledelivery:string," +
            "webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>>>",
    },
    { name: "eventtime", type: STRING },
    { name: "eventsource", type: STRING },
    { name: "eventname", type: STRING },
    { name: "awsregion", type: STRING },
    { name: "sourceipaddress", type: STRING },
    { name: "useragent", type: STRING },
    { name: "errorcode", type: STRING },
    { name: "errormessage", type: STRING },
    // Kept as JSON text, read with JSON functions: their shape differs per API.
    { name: "requestparameters", type: STRING },
    { name: "responseelements", type: STRING },
    { name: "additionaleventdata", type: STRING },
    { name: "requestid", type: STRING },
    { name: "eventid", type: STRING },
    { name: "readonly", type: STRING },
    { name: "resources", type: "array<struct<arn:string,accountid:string,type:string>>" },
    { name: "eventtype", type: STRING },
    { name: "apiversion", type: STRING },
    { name: "recipientaccountid", type: STRING },
    { name: "serviceeventdetails", type: STRING },
    { name: "sharedeventid", type: STRING },
    { name: "vpcendpointid", type: STRING },
    { name: "vpcendpointaccountid", type: STRING },
    { name: "eventcategory", type: STRING },
    {
        name: "addendum",
        type: "struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>",
    },
    { name: "sessioncredentialfromconsole", type: STRING },
    { name: "edgedevicedetails", type: STRING },
    { name: "tlsdetails", type: "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>" },
];

/** Partition keys, in the order of the folders: AWSLogs/<account>/CloudTrail/<region>/<timestamp>. */
export const PARTITION_KEYS = { account: "account", region: "region", date: "timestamp" } as const;
/** projection.timestamp.format: the date folders' own form. */
export const DATE_PARTITION_FORMAT = "yyyy/MM/dd";

export const CLOUDTRAIL_SERDE = "org.apache.hive.hcatalog.data.JsonSerDe";
export const CLOUDTRAIL_INPUT_FORMAT = "com.amazon.emr.cloudtrail.CloudTrailInputFormat";
export const CLOUDTRAIL_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";

/** The date partition value (yyyy/MM/dd, UTC) of a time. */
export function datePartition(time: Date): string {
    return time.toISOString().slice(0, 10).replace(/-/g, "/");
}

export interface ProjectionSettings {
    /** s3://bucket/AWSLogs/ (with the trailing slash). */
    logsLocation: string;
    accounts: readonly string[];
    regions: readonly string[];
    /** First day the projection covers, yyyy/MM/dd. */
    startDate: string;
}

/**
 * Table parameters for partition projection: Athena computes the partitions from these instead of reading them
 * from Glue (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html).
 */
export function projectionParameters(settings: ProjectionSettings): Record<string, string> {
    const { account, region, date } = PARTITION_KEYS;
    return {
        EXTERNAL: "TRUE",
        classification: "cloudtrail",
        "projection.enabled": "true",
        [`projection.${account}.type`]: "enum",
        [`projection.${account}.values`]: settings.accounts.join(","),
        [`projection.${region}.type`]: "enum",
        [`projection.${region}.values`]: settings.regions.join(","),
        [`projection.${date}.type`]: "date",
        [`projection.${date}.format`]: DATE_PARTITION_FORMAT,
        [`projection.${date}.range`]: `${settings.startDate},NOW`,
        [`projection.${date}.interval`]: "1",
        [`projection.${date}.interval.unit`]: "DAYS",
        "storage.location.template": `${settings.logsLocation}\${${account}}/CloudTrail/\${${region}}/\${${date}}`,
    };
}
