/**
 * CloudTrail trails: each trail's settings (resource rules), and stack-wide coverage (a trail passing every one of
 * those rules exists; SSE-KMS data buckets have S3 object data events), which is defined by those rules.
 */
import { isAccessLogTarget, isKmsEncrypted, receivesTrailLogs } from "../lib/buckets";
import { CT_DOC } from "../lib/docs";
import type { PlainResource, Problem, PropsOf, ResourceRule, ResourceRuleSpec, StackProblem } from "../lib/rule";
import { eachResource, problem, resourceRule, resourcesOf, stackRule } from "../lib/rule";
import { DataEventIndex, managementCoverage } from "../lib/trails";
import { BUCKET_TYPES, TRAIL } from "../lib/types";
import { asList, at, boolOf, isSet } from "../lib/values";

/** A rule on one trail's own settings. */
function trailRule(spec: Omit<ResourceRuleSpec<typeof TRAIL, Record<never, never>>, "types">): ResourceRule {
    return resourceRule({ types: [TRAIL], ...spec });
}

/** A boolean that must be true; unset counts as `defaultValue`, unknown fails (these are always literals). */
function requireTrue(
    props: PropsOf<typeof TRAIL>,
    key: keyof PropsOf<typeof TRAIL> & string,
    defaultValue: boolean,
    what: string,
): Problem[] {
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
                    "includeManagementEvents: true and no excludeManagementEventSources, or an advanced selector " +
                    "with only eventCategory Equals Management.",
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
        (["cloudWatchLogsGroupArn", "cloudWatchLogsRoleArn"] as const)
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

export const cloudtrailStackCoverage = stackRule({
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
        const trails = resourcesOf(graph, [TRAIL]);
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
            ...eachResource(resourcesOf(graph, BUCKET_TYPES), (bucket) => {
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
                            "data events for all of its objects (an Equals ARN, an object-key prefix, an eventName " +
                            "filter or an exclusion covers only part of them).",
                        "add an event selector with dataResources " +
                            '[{ type: "AWS::S3::Object", values: [`${bucket.arn}/`] }] ' +
                            'and readWriteType "All", or an advanced selector eventCategory Equals Data, ' +
                            "resources.type Equals AWS::S3::Object, resources.ARN StartsWith `${bucket.arn}/`, " +
                            "to a trail.",
                    ),
                ];
            }),
        );
        return problems;
    },
});
