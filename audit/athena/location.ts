/** --athena: the records come from the CloudTrail table in Athena instead of from log files. */
export interface AthenaLocation {
    kind: "athena";
    workgroup: string;
    database: string;
    table: string;
    /** Partition values to read (--accounts, --regions); empty reads every projected value. */
    accounts: string[];
    regions: string[];
}

/** Athena workgroup names: https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html */
export const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;
/**
 * Glue database and table names as Athena accepts them:
 * https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html
 */
export const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
export { ACCOUNT_ID, REGION_NAME } from "../../vocabulary/awsNames";
