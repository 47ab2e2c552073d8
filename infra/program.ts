import * as pulumi from "@pulumi/pulumi";
import { BaselineConfig, BaselineConfigError, configWarnings, namespacedConfig, parseBaselineConfig } from "./config";
import { KmsAuditBaseline } from "./baseline";

/**
 * The program behind `infra/index.ts`: validates all config before registering anything, builds the baseline and
 * returns the stack outputs.
 */
export function kmsAuditProgram(
    allConfig: Record<string, string> = pulumi.runtime.allConfig(),
    stack: string = pulumi.getStack(),
) {
    let config: BaselineConfig;
    try {
        config = parseBaselineConfig(namespacedConfig(allConfig), stack);
    } catch (err) {
        // A RunError is printed without a stack trace: the message already names every key.
        throw err instanceof BaselineConfigError ? new pulumi.RunError(err.message) : err;
    }
    // Printed by `pulumi preview` and `pulumi up` alike; valid but probably unintended settings.
    for (const warning of configWarnings(config)) {
        pulumi.log.warn(warning);
    }
    const baseline = new KmsAuditBaseline(config);
    return {
        keyArn: baseline.key.arn,
        keyAlias: baseline.key.aliasName,
        dataBucket: baseline.dataBucket.name,
        logBucket: baseline.trail.logBucket.name,
        accessLogBucket: baseline.accessLogs.bucket.name,
        trailArn: baseline.trail.arn,
        logGroup: baseline.trail.logGroup.name,
        alarmTopicArn: baseline.monitoring.topic.arn,
        // What `npm run audit -- --athena` takes as --workgroup, --database and --table.
        ...(baseline.athenaAudit === undefined
            ? {}
            : {
                  athenaWorkgroup: baseline.athenaAudit.workgroup.name,
                  athenaDatabase: baseline.athenaAudit.database.name,
                  athenaTable: baseline.athenaAudit.table.name,
                  athenaResultsBucket: baseline.athenaAudit.resultsBucket.name,
                  athenaAuditorPolicyArn: baseline.athenaAudit.auditorPolicy.arn,
              }),
    };
}
