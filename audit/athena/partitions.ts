import { datePartition, PARTITION_KEYS } from "../../infra/athena/cloudTrailTable";
import { DELIVERY_MARGIN_MS } from "../sources";
import { sqlString } from "./dialect";

/** What the partitions are pruned by: the window and the accounts and regions asked for. */
export interface PartitionScope {
    since?: Date;
    until?: Date;
    accounts?: readonly string[];
    regions?: readonly string[];
}

function quoted(name: string): string {
    return `"${name}"`;
}

/**
 * WHERE predicates on the partition columns, so that Athena lists and reads only those folders. The date partition
 * is the day CloudTrail delivered a file, which may be up to DELIVERY_MARGIN_MS after its events (the rule the
 * streaming reader applies to folders, audit/sources.ts): files delivered on since's day or later, and up to the
 * margin after until, are read. Projected partitions are pruned on such comparisons
 * (https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html).
 */
export function partitionPredicates(scope: PartitionScope): string[] {
    const predicates: string[] = [];
    const date = quoted(PARTITION_KEYS.date);
    if (scope.accounts !== undefined && scope.accounts.length > 0) {
        predicates.push(`${quoted(PARTITION_KEYS.account)} IN (${scope.accounts.map(sqlString).join(", ")})`);
    }
    if (scope.regions !== undefined && scope.regions.length > 0) {
        predicates.push(`${quoted(PARTITION_KEYS.region)} IN (${scope.regions.map(sqlString).join(", ")})`);
    }
    if (scope.since !== undefined) predicates.push(`${date} >= ${sqlString(datePartition(scope.since))}`);
    if (scope.until !== undefined) {
        const lastDelivery = new Date(scope.until.getTime() + DELIVERY_MARGIN_MS - 1);
        predicates.push(`${date} <= ${sqlString(datePartition(lastDelivery))}`);
    }
    return predicates;
}
