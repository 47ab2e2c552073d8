/**
 * CloudTrail trails: each trail's settings (resource rules), the bucket receiving its logs, and stack-wide
 * coverage (a compliant trail exists; SSE-KMS data buckets have S3 object data events).
 */
import type { GraphResource, StackGraph } from "../lib/graph";
import type { PlainResource, Problem, ResourceRule, StackProblem, StackRule } from "../lib/rule";
import { problem } from "../lib/rule";
import type { Props } from "../lib/values";
import { asList, at, boolOf, isRecord, isSet, isUnknown, knownString } from "../lib/values";
import {
    BUCKET_TYPES, LOGGING_TYPES, TRAIL, VERSIONING_TYPES, bucketName, bucketSatellites, isAccessLogTarget,
    isKmsEncrypted, receivesTrailLogs,
} from "./s3";

const CT_DOC = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide";

function trailRule(spec: Omit<ResourceRule, "kind" | "types" | "config" | "remediable" | "enforcementLevel"> &
    Partial<Pick<ResourceRule, "remediable" | "enforcementLevel">>): ResourceRule {
    return { kind: "resource", types: [TRAIL], config: {}, remediable: false, enforcementLevel: "mandatory", ...spec };
}

/** A boolean that must be true; unset counts as `defaultValue`, unknown fails (these are always literals). */
function requireTrue(props: Props, key: string, defaultValue: boolean, what: string): Problem[] {
    const value = props[key] === undefined || props[key] === null ? defaultValue : boolOf(props[key]);
    if (value === true) {
        return [];
    }
    return [problem(value === "unknown" ? `${key} is unknown during preview.` : `${what} is off (${key}).`,
        `set ${key}: true.`)];
}

export const cloudtrailMultiRegion = trailRule({
    name: "cloudtrail-multi-region",
    description: "Trails record every region and global service events.",
    severity: "high",
    controls: { cis: ["3.1"], fsbp: ["CloudTrail.1"], checkov: ["CKV_AWS_67"] },
    remediationSteps: "Set isMultiRegionTrail: true and leave includeGlobalServiceEvents at true.",
    url: `${CT_DOC}/receive-cloudtrail-log-files-from-multiple-regions.html`,
    check: r => [
        ...requireTrue(r.props, "isMultiRegionTrail", false, "multi-region recording"),
        ...requireTrue(r.props, "includeGlobalServiceEvents", true, "global service event recording"),
    ],
});

export const cloudtrailLogFileValidation = trailRule({
    name: "cloudtrail-log-file-validation",
    description: "Trails write digest files so log tampering can be detected.",
    severity: "medium",
    controls: { cis: ["3.2"], fsbp: ["CloudTrail.4"], checkov: ["CKV_AWS_36"] },
    remediationSteps: "Set enableLogFileValidation: true.",
    url: `${CT_DOC}/cloudtrail-log-file-validation-intro.html`,
    remediable: true,
    check: r => requireTrue(r.props, "enableLogFileValidation", false, "log file validation"),
    remediate: r => boolOf(r.props.enableLogFileValidation) === true ? undefined : { enableLogFileValidation: true },
});

export const cloudtrailKmsEncryption = trailRule({
    name: "cloudtrail-kms-encryption",
    description: "Trails encrypt log files with a KMS key (SSE-KMS).",
    severity: "high",
    controls: { cis: ["3.5"], fsbp: ["CloudTrail.2"], checkov: ["CKV_AWS_35"] },
    remediationSteps: "Set kmsKeyId to the ARN of a KMS key whose policy lets CloudTrail encrypt for this trail.",
    url: `${CT_DOC}/encrypting-cloudtrail-log-files-with-aws-kms.html`,
    // An unknown kmsKeyId is a key ARN that exists after apply: set, so compliant.
    check: r => isSet(r.props.kmsKeyId) ? [] : [problem("log files are not encrypted with KMS (no kmsKeyId).",
        "set kmsKeyId to your KMS key ARN.")],
});

export const cloudtrailLoggingEnabled = trailRule({
    name: "cloudtrail-logging-enabled",
    description: "Trails are not created or left with logging turned off.",
    severity: "high",
    controls: { cis: ["3.1"], fsbp: ["CloudTrail.1"] },
    remediationSteps: "Remove enableLogging: false (logging is on by default).",
    url: `${CT_DOC}/best-practices-security.html`,
    check: r => requireTrue(r.props, "enableLogging", true, "logging"),
});

interface ManagementCoverage {
    read: boolean;
    write: boolean;
    exclusions: string[];
    unknown: boolean;
}

function readWrite(type: unknown): { read: boolean; write: boolean } {
    const t = type === undefined || type === null ? "All" : type;
    return { read: t === "All" || t === "ReadOnly", write: t === "All" || t === "WriteOnly" };
}

function fieldSelector(selector: unknown, field: string): Record<string, unknown> | undefined {
    return asList(at(selector, "fieldSelectors")).find(f => at(f, "field") === field) as Record<string, unknown> | undefined;
}

function equalsOf(field: Record<string, unknown> | undefined): unknown[] {
    return asList(field?.equals);
}

/** Reads which management events a trail records; with no selectors AWS records all of them. */
export function managementCoverage(props: Props): ManagementCoverage {
    const advanced = asList(props.advancedEventSelectors);
    const basic = asList(props.eventSelectors);
    const result: ManagementCoverage = { read: false, write: false, exclusions: [], unknown: false };
    if (isUnknown(props.advancedEventSelectors) || isUnknown(props.eventSelectors)) {
        result.unknown = true;
        return result;
    }
    if (advanced.length > 0) {
        for (const s of advanced.filter(s => equalsOf(fieldSelector(s, "eventCategory")).includes("Management"))) {
            const readOnly = equalsOf(fieldSelector(s, "readOnly"));
            const rw = readOnly.length === 0 ? readWrite("All") : readWrite(readOnly.includes("true") ? "ReadOnly" : "WriteOnly");
            result.read ||= rw.read;
            result.write ||= rw.write;
            const source = fieldSelector(s, "eventSource");
            result.exclusions.push(...[...asList(source?.notEquals), ...asList(source?.notStartsWiths)].map(String));
        }
        return result;
    }
    if (basic.length === 0) {
        return { read: true, write: true, exclusions: [], unknown: false };
    }
    for (const s of basic.filter(s => boolOf(at(s, "includeManagementEvents")) !== false)) {
        const rw = readWrite(at(s, "readWriteType"));
        result.read ||= rw.read;
        result.write ||= rw.write;
        result.exclusions.push(...asList(at(s, "excludeManagementEventSources")).map(String));
    }
    return result;
}

export const cloudtrailManagementEvents = trailRule({
    name: "cloudtrail-management-events",
    description: "Trails record read and write management events with no excluded event sources.",
    severity: "high",
    controls: { cis: ["3.1"], fsbp: ["CloudTrail.1"], checkov: ["CKV_AWS_67"] },
    remediationSteps: "Use one basic event selector with readWriteType All, includeManagementEvents true and no " +
        "excludeManagementEventSources (or an advanced selector for eventCategory Management without readOnly " +
        "or eventSource exclusions). Do not combine basic and advanced selectors.",
    url: `${CT_DOC}/logging-management-events-with-cloudtrail.html`,
    check(r) {
        if (asList(r.props.eventSelectors).length > 0 && asList(r.props.advancedEventSelectors).length > 0) {
            return [problem("it sets both eventSelectors and advancedEventSelectors, which AWS rejects.",
                "keep one kind of selector.")];
        }
        const m = managementCoverage(r.props);
        if (m.unknown) {
            return [problem("its event selectors are unknown during preview.", "write event selectors as literals.")];
        }
        const problems: Problem[] = [];
        if (!m.read || !m.write) {
            problems.push(problem(`it records ${m.read ? "only read" : m.write ? "only write" : "no"} management events.`,
                "record management events with readWriteType \"All\" and includeManagementEvents: true."));
        }
        if (m.exclusions.length > 0) {
            problems.push(problem(`it excludes management events from ${m.exclusions.join(", ")}.`,
                "remove the event source exclusions."));
        }
        return problems;
    },
});

export const cloudtrailCloudWatchLogs = trailRule({
    name: "cloudtrail-cloudwatch-logs",
    description: "Trails deliver to CloudWatch Logs (log group ARN and delivery role set).",
    severity: "medium",
    controls: { cis: ["3.4"], fsbp: ["CloudTrail.5"], checkov: ["CKV2_AWS_10"] },
    remediationSteps: "Set cloudWatchLogsGroupArn (`${logGroup.arn}:*`) and cloudWatchLogsRoleArn (a role CloudTrail " +
        "can assume with logs:CreateLogStream and logs:PutLogEvents).",
    url: `${CT_DOC}/send-cloudtrail-events-to-cloudwatch-logs.html`,
    check: r => ["cloudWatchLogsGroupArn", "cloudWatchLogsRoleArn"].filter(k => !isSet(r.props[k]))
        .map(k => problem(`${k} is not set, so events do not reach CloudWatch Logs.`, `set ${k}.`)),
});

export const cloudtrailInsightsWriteEvents = trailRule({
    name: "cloudtrail-insights-write-events",
    description: "Trails with Insights record the management events Insights needs (write events for API call " +
        "rate; read or write for API error rate).",
    severity: "low",
    controls: {},
    remediationSteps: "Record write management events (readWriteType All or WriteOnly) on trails with insightSelectors.",
    url: `${CT_DOC}/logging-insights-events-with-cloudtrail.html`,
    check(r) {
        const types = asList(r.props.insightSelectors).map(s => at(s, "insightType"));
        if (types.length === 0) {
            return [];
        }
        const m = managementCoverage(r.props);
        if (m.unknown) {
            return [problem("its event selectors are unknown during preview.", "write event selectors as literals.")];
        }
        if (types.includes("ApiCallRateInsight") && !m.write) {
            return [problem("ApiCallRateInsight is on but the trail does not record write management events.",
                "record write management events (readWriteType \"All\").")];
        }
        if (types.includes("ApiErrorRateInsight") && !m.read && !m.write) {
            return [problem("ApiErrorRateInsight is on but the trail records no management events.",
                "record management events (readWriteType \"All\").")];
        }
        return [];
    },
});

const TRAIL_SETTING_RULES = [
    cloudtrailMultiRegion, cloudtrailLogFileValidation, cloudtrailKmsEncryption, cloudtrailLoggingEnabled,
    cloudtrailManagementEvents, cloudtrailCloudWatchLogs,
];

export function isCompliantTrail(trail: PlainResource): boolean {
    return TRAIL_SETTING_RULES.every(rule => rule.check(trail, {}).length === 0);
}

interface ReadWrite {
    read: boolean;
    write: boolean;
}

/** Which buckets the trails' S3 object data events cover: all, by bucket name, or by graph edge (URN). */
class DataEventIndex {
    private readonly all: ReadWrite = { read: false, write: false };
    private readonly byName = new Map<string, ReadWrite>();
    private readonly byUrn = new Map<string, ReadWrite>();

    constructor(graph: StackGraph, trails: GraphResource[]) {
        for (const trail of trails) {
            for (const s of asList(trail.props.eventSelectors)) {
                const values = asList(at(s, "dataResources")).filter(d => at(d, "type") === "AWS::S3::Object")
                    .flatMap(d => asList(at(d, "values")));
                this.add(graph, trail, "eventSelectors", values, readWrite(at(s, "readWriteType")));
            }
            for (const s of asList(trail.props.advancedEventSelectors)) {
                if (!equalsOf(fieldSelector(s, "eventCategory")).includes("Data") ||
                    !equalsOf(fieldSelector(s, "resources.type")).includes("AWS::S3::Object")) {
                    continue;
                }
                const readOnly = equalsOf(fieldSelector(s, "readOnly"));
                const rw = { read: readOnly.length === 0 || readOnly.includes("true"),
                    write: readOnly.length === 0 || readOnly.includes("false") };
                const arnField = fieldSelector(s, "resources.ARN");
                const values = arnField === undefined ? ["arn:aws:s3"]
                    : [...asList(arnField.startsWiths), ...asList(arnField.equals)];
                this.add(graph, trail, "advancedEventSelectors", values, rw);
            }
        }
    }

    private add(graph: StackGraph, trail: GraphResource, property: string, values: unknown[], rw: ReadWrite): void {
        const merge = (target: ReadWrite) => {
            target.read ||= rw.read;
            target.write ||= rw.write;
        };
        const entry = <K>(map: Map<K, ReadWrite>, key: K) => {
            const existing = map.get(key) ?? { read: false, write: false };
            map.set(key, existing);
            return existing;
        };
        for (const v of values) {
            if (v === "arn:aws:s3" || v === "arn:aws:s3:::") {
                merge(this.all);
            } else if (isUnknown(v)) {
                // The value is some resource's ARN: the graph says which bucket(s) it came from.
                graph.dependencies(trail, property).forEach(b => merge(entry(this.byUrn, b.urn)));
            } else if (typeof v === "string") {
                const name = /^arn:aws[a-z-]*:s3:::([^/]+)/.exec(v)?.[1];
                if (name !== undefined) {
                    merge(entry(this.byName, name));
                }
            }
        }
    }

    coverage(bucket: GraphResource): ReadWrite {
        const arnName = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(knownString(bucket.props.arn) ?? "")?.[1];
        const parts = [this.all, this.byUrn.get(bucket.urn), this.byName.get(bucketName(bucket) ?? ""),
            this.byName.get(arnName ?? "")];
        return { read: parts.some(p => p?.read), write: parts.some(p => p?.write) };
    }
}

export const cloudtrailStackCoverage: StackRule = {
    kind: "stack",
    name: "cloudtrail-stack-coverage",
    description: "The stack has at least one trail passing every trail rule, and every SSE-KMS data bucket is " +
        "covered by a trail's S3 object data events (read and write).",
    severity: "high",
    controls: { cis: ["3.1", "3.8", "3.9"], fsbp: ["CloudTrail.1"] },
    remediationSteps: "Add a compliant multi-region trail; add an event selector with dataResources type " +
        "AWS::S3::Object and values [`${bucket.arn}/`] (readWriteType All) for each data bucket. Turn " +
        "requireTrail off for application stacks whose account trail lives elsewhere.",
    url: `${CT_DOC}/logging-data-events-with-cloudtrail.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {
        requireTrail: { type: "boolean", default: true,
            description: "Require a compliant trail in this stack (off for app stacks)." },
        requireDataEvents: { type: "boolean", default: true,
            description: "Require S3 object data events for every SSE-KMS data bucket." },
        requireReadAndWrite: { type: "boolean", default: true,
            description: "Data events must include reads (CIS 3.9) as well as writes (CIS 3.8)." },
    },
    check(graph, config) {
        const problems: StackProblem[] = [];
        const trails = graph.ofTypes([TRAIL]);
        if (config.requireTrail && !trails.some(isCompliantTrail)) {
            problems.push(problem(trails.length === 0 ? "it has no CloudTrail trail."
                : `none of its ${trails.length} trail(s) passes every cloudtrail-* rule.`,
            "add a multi-region trail with log file validation, KMS encryption, CloudWatch Logs delivery and " +
            "all management events, or turn requireTrail off for application stacks."));
        }
        if (!config.requireDataEvents) {
            return problems;
        }
        const index = new DataEventIndex(graph, trails.filter(t => boolOf(t.props.enableLogging) !== false));
        const dataBuckets = graph.ofTypes(BUCKET_TYPES).filter(b => isKmsEncrypted(graph, b) &&
            !isAccessLogTarget(graph, b) && !receivesTrailLogs(graph, b));
        for (const bucket of dataBuckets) {
            const { read, write } = index.coverage(bucket);
            if (!write || (config.requireReadAndWrite && !read)) {
                const missing = [!write && "write", config.requireReadAndWrite && !read && "read"].filter(Boolean);
                problems.push({ resource: bucket, ...problem(
                    `it is an SSE-KMS data bucket without S3 object ${missing.join(" and ")} data events in any trail.`,
                    "add an event selector with dataResources [{ type: \"AWS::S3::Object\", values: " +
                    "[`${bucket.arn}/`] }] and readWriteType \"All\" to a trail.") });
            }
        }
        return problems;
    },
};

function versioningEnabled(graph: StackGraph, bucket: GraphResource): boolean | "unknown" {
    const statuses = bucketSatellites(graph, bucket, VERSIONING_TYPES)
        .map(v => at(v.props.versioningConfiguration, "status"));
    const inline = [at(bucket.props.versioning, "enabled"), ...asList(bucket.props.versionings).map(v => at(v, "enabled"))]
        .map(boolOf);
    if (statuses.includes("Enabled") || inline.includes(true)) {
        return true;
    }
    return statuses.some(isUnknown) || inline.includes("unknown") ? "unknown" : false;
}

function accessLogged(graph: StackGraph, bucket: GraphResource): boolean {
    return bucketSatellites(graph, bucket, LOGGING_TYPES).length > 0 ||
        isRecord(bucket.props.logging) || asList(bucket.props.loggings).length > 0;
}

export const cloudtrailBucketProtected: StackRule = {
    kind: "stack",
    name: "cloudtrail-bucket-protected",
    description: "Buckets that receive CloudTrail logs are versioned and access-logged (the access-log target " +
        "bucket itself need not be logged).",
    severity: "medium",
    controls: { cis: ["3.4"], fsbp: ["CloudTrail.7", "S3.14"], checkov: ["CKV_AWS_18", "CKV_AWS_21"] },
    remediationSteps: "Add a BucketVersioning (status Enabled) and a BucketLogging (targetBucket = your " +
        "access-log bucket) for the trail's bucket.",
    url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html",
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    check(graph) {
        const problems: StackProblem[] = [];
        for (const bucket of graph.ofTypes(BUCKET_TYPES).filter(b => receivesTrailLogs(graph, b))) {
            const versioned = versioningEnabled(graph, bucket);
            if (versioned !== true) {
                problems.push({ resource: bucket, ...problem(versioned === "unknown"
                    ? "it receives CloudTrail logs and its versioning status is unknown during preview."
                    : "it receives CloudTrail logs but versioning is not enabled.",
                "add a BucketVersioning with versioningConfiguration.status \"Enabled\".") });
            }
            if (!accessLogged(graph, bucket) && !isAccessLogTarget(graph, bucket)) {
                problems.push({ resource: bucket, ...problem(
                    "it receives CloudTrail logs but has no S3 server access logging.",
                    "add a BucketLogging with bucket set to this bucket and targetBucket set to your access-log bucket.") });
            }
        }
        return problems;
    },
};

export const cloudtrailRules = [
    cloudtrailMultiRegion, cloudtrailLogFileValidation, cloudtrailKmsEncryption, cloudtrailLoggingEnabled,
    cloudtrailManagementEvents, cloudtrailCloudWatchLogs, cloudtrailInsightsWriteEvents, cloudtrailBucketProtected,
    cloudtrailStackCoverage,
];
