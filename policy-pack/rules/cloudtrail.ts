/**
 * CloudTrail trails: each trail's settings (resource rules), the bucket receiving its logs, and stack-wide
 * coverage (a compliant trail exists; SSE-KMS data buckets have S3 object data events).
 */
import type { GraphResource, StackGraph } from "../lib/graph";
import type { PlainResource, Problem, ResourceRule, StackProblem, StackRule } from "../lib/rule";
import { eachResource, problem } from "../lib/rule";
import type { BucketTarget, ManagementCoverage, ReadWrite, SelectorReach } from "../lib/eventSelectors";
import {
    advancedBucketCoverage,
    advancedManagementCoverage,
    advancedSelectorReach,
    basicBucketCoverage,
    basicManagementCoverage,
    basicSelectorParts,
    parseAdvancedSelectors,
} from "../lib/eventSelectors";
import type { Props } from "../lib/values";
import { asList, at, boolOf, isRecord, isSet, isUnknown, knownString } from "../lib/values";
import {
    BUCKET_TYPES,
    LOGGING_TYPES,
    TRAIL,
    VERSIONING_TYPES,
    bucketName,
    bucketSatellites,
    isAccessLogTarget,
    isKmsEncrypted,
    receivesTrailLogs,
} from "./s3";

const CT_DOC = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide";

function trailRule(
    spec: Omit<ResourceRule, "kind" | "types" | "config" | "remediable" | "enforcementLevel"> &
        Partial<Pick<ResourceRule, "remediable" | "enforcementLevel">>,
): ResourceRule {
    return { kind: "resource", types: [TRAIL], config: {}, remediable: false, enforcementLevel: "mandatory", ...spec };
}

/** A boolean that must be true; unset counts as `defaultValue`, unknown fails (these are always literals). */
function requireTrue(props: Props, key: string, defaultValue: boolean, what: string): Problem[] {
    const value = props[key] === undefined || props[key] === null ? defaultValue : boolOf(props[key]);
    if (value === true) {
        return [];
    }
    return [
        problem(
            value === "unknown" ? `${key} is unknown during preview.` : `${what} is off (${key}).`,
            `set ${key}: true.`,
        ),
    ];
}

export const cloudtrailMultiRegion = trailRule({
    name: "cloudtrail-multi-region",
    description: "Trails record every region and global service events.",
    severity: "high",
    controls: { cis: ["3.1"], fsbp: ["CloudTrail.1"], checkov: ["CKV_AWS_67"] },
    remediationSteps: "Set isMultiRegionTrail: true and leave includeGlobalServiceEvents at true.",
    url: `${CT_DOC}/receive-cloudtrail-log-files-from-multiple-regions.html`,
    check: (r) => [
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
    check: (r) => requireTrue(r.props, "enableLogFileValidation", false, "log file validation"),
    remediate: (r) =>
        boolOf(r.props.enableLogFileValidation) === true ? undefined : { enableLogFileValidation: true },
});

export const cloudtrailKmsEncryption = trailRule({
    name: "cloudtrail-kms-encryption",
    description: "Trails encrypt log files with a KMS key (SSE-KMS).",
    severity: "high",
    controls: { cis: ["3.5"], fsbp: ["CloudTrail.2"], checkov: ["CKV_AWS_35"] },
    remediationSteps: "Set kmsKeyId to the ARN of a KMS key whose policy lets CloudTrail encrypt for this trail.",
    url: `${CT_DOC}/encrypting-cloudtrail-log-files-with-aws-kms.html`,
    // An unknown kmsKeyId is a key ARN that exists after apply: set, so compliant.
    check: (r) =>
        isSet(r.props.kmsKeyId)
            ? []
            : [problem("log files are not encrypted with KMS (no kmsKeyId).", "set kmsKeyId to your KMS key ARN.")],
});

export const cloudtrailLoggingEnabled = trailRule({
    name: "cloudtrail-logging-enabled",
    description: "Trails are not created or left with logging turned off.",
    severity: "high",
    controls: { cis: ["3.1"], fsbp: ["CloudTrail.1"] },
    remediationSteps: "Remove enableLogging: false (logging is on by default).",
    url: `${CT_DOC}/best-practices-security.html`,
    check: (r) => requireTrue(r.props, "enableLogging", true, "logging"),
});

/** Which management events a trail records; with no selectors at all AWS records all of them. */
export function managementCoverage(props: Props): ManagementCoverage | Problem {
    if (isUnknown(props.advancedEventSelectors) || isUnknown(props.eventSelectors)) {
        return { read: false, write: false, narrowed: [], unknown: true };
    }
    if (asList(props.advancedEventSelectors).length > 0) {
        const parsed = parseAdvancedSelectors(props.advancedEventSelectors);
        if (parsed.kind === "malformed") {
            return problem(
                `its advanced event selectors cannot be read: ${parsed.error}.`,
                "write advancedEventSelectors as AWS documents them (fieldSelectors with field and operators).",
            );
        }
        return parsed.kind === "unknown"
            ? { read: false, write: false, narrowed: [], unknown: true }
            : advancedManagementCoverage(parsed.selectors);
    }
    return basicManagementCoverage(asList(props.eventSelectors));
}

export const cloudtrailManagementEvents = trailRule({
    name: "cloudtrail-management-events",
    description: "Trails record read and write management events with no excluded event sources.",
    severity: "high",
    controls: { cis: ["3.1"], fsbp: ["CloudTrail.1"], checkov: ["CKV_AWS_67"] },
    remediationSteps:
        "Use one basic event selector with readWriteType All, includeManagementEvents true and no " +
        "excludeManagementEventSources (or an advanced selector for eventCategory Management without readOnly " +
        "or eventSource exclusions). Do not combine basic and advanced selectors.",
    url: `${CT_DOC}/logging-management-events-with-cloudtrail.html`,
    check(r) {
        if (asList(r.props.eventSelectors).length > 0 && asList(r.props.advancedEventSelectors).length > 0) {
            return [
                problem(
                    "it sets both eventSelectors and advancedEventSelectors, which AWS rejects.",
                    "keep one kind of selector.",
                ),
            ];
        }
        const m = managementCoverage(r.props);
        if ("problem" in m) {
            return [m];
        }
        if (m.read && m.write) {
            return [];
        }
        if (m.unknown) {
            return [problem("its event selectors are unknown during preview.", "write event selectors as literals.")];
        }
        const narrowed =
            m.narrowed.length > 0 ? ` (a selector that would record more is narrowed by ${m.narrowed.join("; ")})` : "";
        return [
            problem(
                `it records ${m.read ? "only read" : m.write ? "only write" : "no"} management events in ` +
                    `full${narrowed}.`,
                'record all management events: a basic selector with readWriteType "All", ' +
                    "includeManagementEvents: true and no excludeManagementEventSources, or an advanced selector with only " +
                    "eventCategory Equals Management.",
            ),
        ];
    },
});

export const cloudtrailCloudWatchLogs = trailRule({
    name: "cloudtrail-cloudwatch-logs",
    description: "Trails deliver to CloudWatch Logs (log group ARN and delivery role set).",
    severity: "medium",
    controls: { cis: ["3.4"], fsbp: ["CloudTrail.5"], checkov: ["CKV2_AWS_10"] },
    remediationSteps:
        "Set cloudWatchLogsGroupArn (`${logGroup.arn}:*`) and cloudWatchLogsRoleArn (a role CloudTrail " +
        "can assume with logs:CreateLogStream and logs:PutLogEvents).",
    url: `${CT_DOC}/send-cloudtrail-events-to-cloudwatch-logs.html`,
    check: (r) =>
        ["cloudWatchLogsGroupArn", "cloudWatchLogsRoleArn"]
            .filter((k) => !isSet(r.props[k]))
            .map((k) => problem(`${k} is not set, so events do not reach CloudWatch Logs.`, `set ${k}.`)),
});

export const cloudtrailInsightsWriteEvents = trailRule({
    name: "cloudtrail-insights-write-events",
    description:
        "Trails with Insights record the management events Insights needs (write events for API call " +
        "rate; read or write for API error rate).",
    severity: "low",
    controls: {},
    remediationSteps:
        "Record write management events (readWriteType All or WriteOnly) on trails with insightSelectors.",
    url: `${CT_DOC}/logging-insights-events-with-cloudtrail.html`,
    check(r) {
        const types = asList(r.props.insightSelectors).map((s) => at(s, "insightType"));
        if (types.length === 0) {
            return [];
        }
        const m = managementCoverage(r.props);
        if ("problem" in m) {
            return [m];
        }
        if (m.unknown && !(m.read && m.write)) {
            return [problem("its event selectors are unknown during preview.", "write event selectors as literals.")];
        }
        if (types.includes("ApiCallRateInsight") && !m.write) {
            return [
                problem(
                    "ApiCallRateInsight is on but the trail does not record write management events.",
                    'record write management events (readWriteType "All").',
                ),
            ];
        }
        if (types.includes("ApiErrorRateInsight") && !m.read && !m.write) {
            return [
                problem(
                    "ApiErrorRateInsight is on but the trail records no management events.",
                    'record management events (readWriteType "All").',
                ),
            ];
        }
        return [];
    },
});

const TRAIL_SETTING_RULES = [
    cloudtrailMultiRegion,
    cloudtrailLogFileValidation,
    cloudtrailKmsEncryption,
    cloudtrailLoggingEnabled,
    cloudtrailManagementEvents,
    cloudtrailCloudWatchLogs,
];

export function isCompliantTrail(trail: PlainResource): boolean {
    return TRAIL_SETTING_RULES.every((rule) => rule.check(trail, {}).length === 0);
}

/** The prefix every object ARN of the bucket starts with, from its known ARN or literal name. */
function objectArnPrefix(bucket: PlainResource): string | undefined {
    const arn = knownString(bucket.props.arn);
    if (arn !== undefined && /^arn:aws[a-z-]*:s3:::[^/]+$/.test(arn)) {
        return `${arn}/`;
    }
    const name = bucketName(bucket);
    return name === undefined ? undefined : `arn:aws:s3:::${name}/`;
}

/** One selector (or one basic data resource value) of one trail. */
interface SelectorEntry {
    trail: GraphResource;
    property: "eventSelectors" | "advancedEventSelectors";
    judge(target: BucketTarget): ReadWrite;
}

/**
 * The trails' data event selectors indexed by where they can reach, built once per stack policy call: a bucket
 * is judged against the selectors whose StartsWith values are prefixes of its object ARNs, those whose
 * property depends on it (unknown values at preview), and those that reach everywhere. Each candidate is then
 * judged exactly (lib/eventSelectors.ts). This keeps the rule linear in buckets and selectors.
 */
class DataEventIndex {
    private readonly everywhere: SelectorEntry[] = [];
    private readonly byPrefix = new Map<string, SelectorEntry[]>();
    private readonly byDependency = new Map<string, SelectorEntry[]>();
    private readonly dependencies = new Map<GraphResource, Set<string>>();

    constructor(
        private readonly graph: StackGraph,
        trails: GraphResource[],
    ) {
        for (const trail of trails) {
            if (asList(trail.props.advancedEventSelectors).length > 0) {
                const parsed = parseAdvancedSelectors(trail.props.advancedEventSelectors);
                // A malformed or unknown selector list covers nothing here; the trail's own rules report it.
                for (const selector of parsed.kind === "parsed" ? parsed.selectors : []) {
                    this.add(
                        {
                            trail,
                            property: "advancedEventSelectors",
                            judge: (target) => advancedBucketCoverage([selector], target),
                        },
                        advancedSelectorReach(selector),
                    );
                }
            } else {
                for (const { part, reach } of asList(trail.props.eventSelectors).flatMap(basicSelectorParts)) {
                    this.add(
                        { trail, property: "eventSelectors", judge: (target) => basicBucketCoverage([part], target) },
                        reach,
                    );
                }
            }
        }
    }

    private add(entry: SelectorEntry, reach: SelectorReach): void {
        const push = (map: Map<string, SelectorEntry[]>, key: string) => {
            const list = map.get(key);
            if (list) {
                list.push(entry);
            } else {
                map.set(key, [entry]);
            }
        };
        if (reach.kind === "everywhere") {
            this.everywhere.push(entry);
        } else if (reach.kind === "prefixes") {
            new Set(reach.known).forEach((value) => push(this.byPrefix, value));
            if (reach.unknown) {
                this.graph.dependencies(entry.trail, entry.property).forEach((r) => push(this.byDependency, r.urn));
            }
        }
    }

    private dependsOn(entry: SelectorEntry, bucket: GraphResource): boolean {
        let urns = this.dependencies.get(entry.trail);
        if (urns === undefined) {
            urns = new Set(
                ["eventSelectors", "advancedEventSelectors"].flatMap((p) =>
                    this.graph.dependencies(entry.trail, p).map((r) => `${p}#${r.urn}`),
                ),
            );
            this.dependencies.set(entry.trail, urns);
        }
        return urns.has(`${entry.property}#${bucket.urn}`);
    }

    coverage(bucket: GraphResource): ReadWrite {
        const prefix = objectArnPrefix(bucket);
        const candidates = new Set<SelectorEntry>([...this.everywhere, ...(this.byDependency.get(bucket.urn) ?? [])]);
        for (let length = 0; prefix !== undefined && length <= prefix.length; length++) {
            (this.byPrefix.get(prefix.slice(0, length)) ?? []).forEach((e) => candidates.add(e));
        }
        const result: ReadWrite = { read: false, write: false };
        for (const entry of candidates) {
            const rw = entry.judge({ objectArnPrefix: prefix, dependedOn: this.dependsOn(entry, bucket) });
            result.read ||= rw.read;
            result.write ||= rw.write;
            if (result.read && result.write) {
                break;
            }
        }
        return result;
    }
}

export const cloudtrailStackCoverage: StackRule = {
    kind: "stack",
    name: "cloudtrail-stack-coverage",
    description:
        "The stack has at least one trail passing every trail rule, and every SSE-KMS data bucket is " +
        "covered by a trail's S3 object data events (read and write).",
    severity: "high",
    controls: { cis: ["3.1", "3.8", "3.9"], fsbp: ["CloudTrail.1"] },
    remediationSteps:
        "Add a compliant multi-region trail; add an event selector with dataResources type " +
        "AWS::S3::Object and values [`${bucket.arn}/`] (readWriteType All) for each data bucket. Turn " +
        "requireTrail off for application stacks whose account trail lives elsewhere.",
    url: `${CT_DOC}/logging-data-events-with-cloudtrail.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {
        requireTrail: {
            type: "boolean",
            default: true,
            description: "Require a compliant trail in this stack (off for app stacks).",
        },
        requireDataEvents: {
            type: "boolean",
            default: true,
            description: "Require S3 object data events for every SSE-KMS data bucket.",
        },
        requireReadAndWrite: {
            type: "boolean",
            default: true,
            description: "Data events must include reads (CIS 3.9) as well as writes (CIS 3.8).",
        },
    },
    check(graph, config) {
        const problems: StackProblem[] = [];
        const trails = graph.ofTypes([TRAIL]);
        if (config.requireTrail && !trails.some(isCompliantTrail)) {
            problems.push(
                problem(
                    trails.length === 0
                        ? "it has no CloudTrail trail."
                        : `none of its ${trails.length} trail(s) passes every cloudtrail-* rule.`,
                    "add a multi-region trail with log file validation, KMS encryption, CloudWatch Logs delivery and " +
                        "all management events, or turn requireTrail off for application stacks.",
                ),
            );
        }
        if (!config.requireDataEvents) {
            return problems;
        }
        const index = new DataEventIndex(
            graph,
            trails.filter((t) => boolOf(t.props.enableLogging) !== false),
        );
        problems.push(
            ...eachResource(graph.ofTypes(BUCKET_TYPES), (bucket) => {
                if (
                    !isKmsEncrypted(graph, bucket) ||
                    isAccessLogTarget(graph, bucket) ||
                    receivesTrailLogs(graph, bucket)
                ) {
                    return [];
                }
                const { read, write } = index.coverage(bucket);
                if (write && (read || !config.requireReadAndWrite)) {
                    return [];
                }
                const missing = [!write && "write", config.requireReadAndWrite && !read && "read"].filter(Boolean);
                return [
                    problem(
                        `it is an SSE-KMS data bucket and no trail logs S3 object ${missing.join(" and ")} ` +
                            "data events for all of its objects (an Equals ARN, an object-key prefix, an eventName filter or " +
                            "an exclusion covers only part of them).",
                        'add an event selector with dataResources [{ type: "AWS::S3::Object", values: [`${bucket.arn}/`] }] ' +
                            'and readWriteType "All", or an advanced selector eventCategory Equals Data, resources.type Equals ' +
                            "AWS::S3::Object, resources.ARN StartsWith `${bucket.arn}/`, to a trail.",
                    ),
                ];
            }),
        );
        return problems;
    },
};

function versioningEnabled(graph: StackGraph, bucket: GraphResource): boolean | "unknown" {
    const statuses = bucketSatellites(graph, bucket, VERSIONING_TYPES).map((v) =>
        at(v.props.versioningConfiguration, "status"),
    );
    const inline = [
        at(bucket.props.versioning, "enabled"),
        ...asList(bucket.props.versionings).map((v) => at(v, "enabled")),
    ].map(boolOf);
    if (statuses.includes("Enabled") || inline.includes(true)) {
        return true;
    }
    return statuses.some(isUnknown) || inline.includes("unknown") ? "unknown" : false;
}

function accessLogged(graph: StackGraph, bucket: GraphResource): boolean {
    return (
        bucketSatellites(graph, bucket, LOGGING_TYPES).length > 0 ||
        isRecord(bucket.props.logging) ||
        asList(bucket.props.loggings).length > 0
    );
}

export const cloudtrailBucketProtected: StackRule = {
    kind: "stack",
    name: "cloudtrail-bucket-protected",
    description:
        "Buckets that receive CloudTrail logs are versioned and access-logged (the access-log target " +
        "bucket itself need not be logged).",
    severity: "medium",
    controls: { cis: ["3.4"], fsbp: ["CloudTrail.7", "S3.14"], checkov: ["CKV_AWS_18", "CKV_AWS_21"] },
    remediationSteps:
        "Add a BucketVersioning (status Enabled) and a BucketLogging (targetBucket = your " +
        "access-log bucket) for the trail's bucket.",
    url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html",
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    check(graph) {
        return eachResource(graph.ofTypes(BUCKET_TYPES), (bucket) => {
            if (!receivesTrailLogs(graph, bucket)) {
                return [];
            }
            const problems: Problem[] = [];
            const versioned = versioningEnabled(graph, bucket);
            if (versioned !== true) {
                problems.push(
                    problem(
                        versioned === "unknown"
                            ? "it receives CloudTrail logs and its versioning status is unknown during preview."
                            : "it receives CloudTrail logs but versioning is not enabled.",
                        'add a BucketVersioning with versioningConfiguration.status "Enabled".',
                    ),
                );
            }
            if (!accessLogged(graph, bucket) && !isAccessLogTarget(graph, bucket)) {
                problems.push(
                    problem(
                        "it receives CloudTrail logs but has no S3 server access logging.",
                        "add a BucketLogging with bucket set to this bucket and targetBucket set to your access-log " +
                            "bucket.",
                    ),
                );
            }
            return problems;
        });
    },
};

export const cloudtrailRules = [
    cloudtrailMultiRegion,
    cloudtrailLogFileValidation,
    cloudtrailKmsEncryption,
    cloudtrailLoggingEnabled,
    cloudtrailManagementEvents,
    cloudtrailCloudWatchLogs,
    cloudtrailInsightsWriteEvents,
    cloudtrailBucketProtected,
    cloudtrailStackCoverage,
];
