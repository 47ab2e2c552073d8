/**
 * The kms-audit program: one stack per environment. Config is validated before anything is registered, so a bad
 * value stops the run with every problem listed and nothing half-created.
 */
import * as pulumi from "@pulumi/pulumi";
import { BaselineConfigError, namespacedConfig, parseBaselineConfig } from "./config";
import { KmsAuditBaseline } from "./baseline";

function loadConfig() {
    try {
        return parseBaselineConfig(namespacedConfig(pulumi.runtime.allConfig()), pulumi.getStack());
    } catch (err) {
        if (err instanceof BaselineConfigError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}

const baseline = new KmsAuditBaseline(loadConfig());

export const keyArn = baseline.key.arn;
export const keyAlias = baseline.key.aliasName;
export const dataBucket = baseline.dataBucket.name;
export const logBucket = baseline.trail.logBucket.name;
export const accessLogBucket = baseline.accessLogs.bucket.name;
export const trailArn = baseline.trail.arn;
export const logGroup = baseline.trail.logGroup.name;
export const alarmTopicArn = baseline.monitoring.topic.arn;
