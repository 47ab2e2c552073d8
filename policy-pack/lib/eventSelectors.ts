// Over 350 lines on purpose: one job, CloudTrail selector semantics, as small pure functions over one reading.
/**
 * CloudTrail event selectors read as AWS documents them, as pure functions (no graph, no Pulumi types).
 *
 * Advanced selectors (AdvancedEventSelector / AdvancedFieldSelector,
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedEventSelector.html and
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html; the user guide
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html):
 * - `Equals` includes events whose field is exactly one of the values; `StartsWith` / `EndsWith` include
 *   events whose field begins / ends with one of the values (plain strings: selectors support no wildcards);
 *   `NotEquals`, `NotStartsWith`, `NotEndsWith` exclude events the same way.
 * - The field selectors of one advanced selector are ANDed; a trail logs an event that any selector matches.
 *   When one field selector carries several operators this module requires all of them (the narrowest
 *   reading), so it never claims coverage AWS might not give.
 * - `eventCategory` (required) and `resources.type` (required for data events) and `readOnly` take `Equals`
 *   only; without `readOnly` both read and write events are logged. Any other field (`eventName`,
 *   `eventSource`, `userIdentity.arn`, ...) can only narrow what a selector logs.
 * - For all objects of a bucket AWS documents `resources.ARN` StartsWith `arn:<partition>:s3:::<bucket>/`.
 *   So `Equals` covers single objects only, a prefix longer than that covers some keys only, and a shorter
 *   one covers this bucket and others; `NotStartsWith` the bucket's ARN excludes it ("all buckets except").
 * Basic selectors (EventSelector / DataResource): S3 values are prefixes, `arn:aws:s3` for all buckets,
 * `arn:aws:s3:::<bucket>/` for all of a bucket's objects; readWriteType All / ReadOnly / WriteOnly.
 */
import { asList, at, boolOf, describeValue, isRecord, isUnknown } from "./values";
import { S3_EVENT_SOURCE } from "../../vocabulary/cloudTrailEvents";

const OPERATORS = ["equals", "startsWiths", "endsWiths", "notEquals", "notStartsWiths", "notEndsWiths"] as const;
type Operator = (typeof OPERATORS)[number];
const OPERATOR_NAMES: Record<Operator, string> = {
    equals: "Equals",
    startsWiths: "StartsWith",
    endsWiths: "EndsWith",
    notEquals: "NotEquals",
    notStartsWiths: "NotStartsWith",
    notEndsWiths: "NotEndsWith",
};

/** "You can have a maximum of 500 values for all selectors on a trail" (logging-data-events-with-cloudtrail). */
const MAX_SELECTOR_VALUES = 500;

export interface FieldCondition {
    field: string;
    /** Each operator's values; an unknown value (preview) is kept as the engine's sentinel. */
    values: Record<Operator, unknown[]>;
}

export interface AdvancedSelector {
    conditions: FieldCondition[];
}

export type ParsedSelectors =
    | { kind: "parsed"; selectors: AdvancedSelector[] }
    | { kind: "unknown" }
    | { kind: "malformed"; error: string };

export function parseAdvancedSelectors(value: unknown): ParsedSelectors {
    if (isUnknown(value)) {
        return { kind: "unknown" };
    }
    const selectors: AdvancedSelector[] = [];
    let valueCount = 0;
    for (const [index, raw] of asList(value).entries()) {
        const fieldSelectors = at(raw, "fieldSelectors");
        if (isUnknown(raw) || isUnknown(fieldSelectors)) {
            return { kind: "unknown" };
        }
        if (!isRecord(raw) || !Array.isArray(fieldSelectors)) {
            return { kind: "malformed", error: `advanced selector ${index + 1} has no fieldSelectors list` };
        }
        const conditions: FieldCondition[] = [];
        for (const f of fieldSelectors) {
            const field = at(f, "field");
            if (isUnknown(field)) {
                return { kind: "unknown" };
            }
            if (typeof field !== "string") {
                return {
                    kind: "malformed",
                    error:
                        `advanced selector ${index + 1} has a field selector whose ` +
                        `field is ${describeValue(field)}, not a field name`,
                };
            }
            const values = {} as Record<Operator, unknown[]>;
            for (const operator of OPERATORS) {
                const list = at(f, operator);
                if (isUnknown(list)) {
                    return { kind: "unknown" };
                }
                values[operator] = asList(list);
                valueCount += values[operator].length;
            }
            conditions.push({ field, values });
        }
        if (valueCount > MAX_SELECTOR_VALUES) {
            return {
                kind: "malformed",
                error:
                    `its advanced selectors hold more than the ${MAX_SELECTOR_VALUES} ` +
                    "values AWS accepts on a trail",
            };
        }
        selectors.push({ conditions });
    }
    return { kind: "parsed", selectors };
}

/** `field Operator [values]`, for messages. */
function describeCondition(condition: FieldCondition): string {
    return OPERATORS.filter((op) => condition.values[op].length > 0)
        .map(
            (op) =>
                `${condition.field} ${OPERATOR_NAMES[op]} ${condition.values[op]
                    .map((v) => (typeof v === "string" && !isUnknown(v) ? v : describeValue(v)))
                    .join(", ")}`,
        )
        .join(" and ");
}

type Verdict = boolean | "unknown";

/** Does the condition let an event whose field is exactly `value` through? */
function acceptsExact(condition: FieldCondition, value: string): Verdict {
    const v = condition.values;
    if (
        [...v.equals, ...v.startsWiths, ...v.endsWiths, ...v.notEquals, ...v.notStartsWiths, ...v.notEndsWiths].some(
            isUnknown,
        )
    ) {
        return "unknown";
    }
    const strings = (list: unknown[]) => list.filter((x): x is string => typeof x === "string");
    return (
        (v.equals.length === 0 || strings(v.equals).includes(value)) &&
        (v.startsWiths.length === 0 || strings(v.startsWiths).some((p) => value.startsWith(p))) &&
        (v.endsWiths.length === 0 || strings(v.endsWiths).some((s) => value.endsWith(s))) &&
        !strings(v.notEquals).includes(value) &&
        !strings(v.notStartsWiths).some((p) => value.startsWith(p)) &&
        !strings(v.notEndsWiths).some((s) => value.endsWith(s))
    );
}

/** All conditions on `field` accept `value` (absent field: accepted). */
function fieldAccepts(conditions: FieldCondition[], field: string, value: string): Verdict {
    let result: Verdict = true;
    for (const c of conditions.filter((c) => c.field === field)) {
        const verdict = acceptsExact(c, value);
        if (verdict === false) {
            return false;
        }
        if (verdict === "unknown") {
            result = "unknown";
        }
    }
    return result;
}

/** The bucket whose object events are asked about. */
export interface BucketTarget {
    /** `arn:<partition>:s3:::<bucket>/` when the bucket's ARN or name is known; undefined at a first preview. */
    objectArnPrefix: string | undefined;
    /**
     * The selector property depends on this bucket in the engine's graph, so an unknown value in it
     * (preview) may be this bucket's ARN.
     */
    dependedOn: boolean;
}

/**
 * Does a `resources.ARN` condition let through the events of every object of the bucket? Positive values
 * must be a prefix of the bucket's object ARN prefix (StartsWith); Equals and EndsWith never cover every
 * key; an exclusion that could touch one of its keys narrows. At preview an unknown value in a property
 * that depends on the bucket counts as the bucket's ARN for inclusion and for exclusion alike.
 */
function arnConditionCoversBucket(condition: FieldCondition, target: BucketTarget): boolean {
    const v = condition.values;
    if (v.equals.length > 0 || v.endsWiths.length > 0 || v.notEndsWiths.length > 0) {
        return false;
    }
    const base = target.objectArnPrefix;
    const mayBeThisBucket = (x: unknown) => isUnknown(x) && target.dependedOn;
    const included =
        v.startsWiths.length === 0 ||
        v.startsWiths.some(
            (p) =>
                mayBeThisBucket(p) ||
                (typeof p === "string" && !isUnknown(p) && base !== undefined && base.startsWith(p)),
        );
    const excluded =
        v.notEquals.some(
            (x) => mayBeThisBucket(x) || (typeof x === "string" && base !== undefined && x.startsWith(base)),
        ) ||
        v.notStartsWiths.some(
            (q) =>
                mayBeThisBucket(q) ||
                (typeof q === "string" &&
                    !isUnknown(q) &&
                    base !== undefined &&
                    (q.startsWith(base) || base.startsWith(q))),
        );
    return included && !excluded;
}

export interface ReadWrite {
    read: boolean;
    write: boolean;
}

export interface ManagementCoverage extends ReadWrite {
    /** Selectors that would log management events but are narrowed (event sources, names...), described. */
    narrowed: string[];
    /** Some selector could not be judged at preview. */
    unknown: boolean;
}

const DATA_FIELDS_JUDGED = new Set(["eventCategory", "resources.type", "readOnly", "resources.ARN", "eventSource"]);

/** Read and write S3 object data events the advanced selectors log for every object of the bucket. */
export function advancedBucketCoverage(selectors: AdvancedSelector[], target: BucketTarget): ReadWrite {
    const result: ReadWrite = { read: false, write: false };
    for (const { conditions } of selectors) {
        const has = (field: string) => conditions.some((c) => c.field === field);
        if (
            !has("eventCategory") ||
            !has("resources.type") ||
            fieldAccepts(conditions, "eventCategory", "Data") !== true ||
            fieldAccepts(conditions, "resources.type", "AWS::S3::Object") !== true ||
            fieldAccepts(conditions, "eventSource", S3_EVENT_SOURCE) !== true ||
            conditions.some((c) => !DATA_FIELDS_JUDGED.has(c.field))
        ) {
            continue; // not S3 object data events, or narrowed by eventName or another field
        }
        if (!conditions.filter((c) => c.field === "resources.ARN").every((c) => arnConditionCoversBucket(c, target))) {
            continue;
        }
        result.read ||= fieldAccepts(conditions, "readOnly", "true") === true;
        result.write ||= fieldAccepts(conditions, "readOnly", "false") === true;
    }
    return result;
}

export function advancedManagementCoverage(selectors: AdvancedSelector[]): ManagementCoverage {
    const result: ManagementCoverage = { read: false, write: false, narrowed: [], unknown: false };
    for (const { conditions } of selectors) {
        const category = conditions.some((c) => c.field === "eventCategory")
            ? fieldAccepts(conditions, "eventCategory", "Management")
            : false;
        if (category === "unknown") {
            result.unknown = true;
        }
        if (category !== true) {
            continue;
        }
        const read = fieldAccepts(conditions, "readOnly", "true");
        const write = fieldAccepts(conditions, "readOnly", "false");
        if (read === "unknown" || write === "unknown") {
            result.unknown = true;
            continue;
        }
        const narrowing = conditions.filter((c) => !["eventCategory", "readOnly"].includes(c.field));
        if (narrowing.length > 0) {
            result.narrowed.push(narrowing.map(describeCondition).join(" and "));
            continue;
        }
        result.read ||= read;
        result.write ||= write;
    }
    return result;
}

function basicReadWrite(type: unknown): ReadWrite {
    const t = type === undefined || type === null ? "All" : type;
    return { read: t === "All" || t === "ReadOnly", write: t === "All" || t === "WriteOnly" };
}

/** Basic selectors: S3 object data events for every object of the bucket. */
export function basicBucketCoverage(selectors: unknown[], target: BucketTarget): ReadWrite {
    const result: ReadWrite = { read: false, write: false };
    for (const s of selectors) {
        const values = asList(at(s, "dataResources"))
            .filter((d) => at(d, "type") === "AWS::S3::Object")
            .flatMap((d) => asList(at(d, "values")));
        const covers = values.some(
            (v) =>
                (isUnknown(v) && target.dependedOn) ||
                (typeof v === "string" &&
                    !isUnknown(v) &&
                    target.objectArnPrefix !== undefined &&
                    target.objectArnPrefix.startsWith(v)),
        );
        if (covers) {
            const rw = basicReadWrite(at(s, "readWriteType"));
            result.read ||= rw.read;
            result.write ||= rw.write;
        }
    }
    return result;
}

export function basicManagementCoverage(selectors: unknown[]): ManagementCoverage {
    const result: ManagementCoverage = { read: false, write: false, narrowed: [], unknown: false };
    if (selectors.length === 0) {
        return { ...result, read: true, write: true }; // no selectors: AWS logs all management events
    }
    for (const s of selectors) {
        const include = boolOf(at(s, "includeManagementEvents"));
        if (include === false) {
            continue;
        }
        if (include === "unknown" || isUnknown(at(s, "readWriteType"))) {
            result.unknown = true;
            continue;
        }
        const exclusions = asList(at(s, "excludeManagementEventSources"));
        if (exclusions.length > 0) {
            result.narrowed.push(
                `excludeManagementEventSources ${exclusions
                    .map((v) => (typeof v === "string" && !isUnknown(v) ? v : describeValue(v)))
                    .join(", ")}`,
            );
            continue;
        }
        const rw = basicReadWrite(at(s, "readWriteType"));
        result.read ||= rw.read;
        result.write ||= rw.write;
    }
    return result;
}

/**
 * Where a selector could cover a bucket in full, so a stack of many buckets and trails is judged through an
 * index instead of every (bucket, selector) pair: `none` (it never covers a whole bucket), `everywhere` (no
 * positive ARN values: it may cover any bucket), or `prefixes` (only buckets whose object ARN prefix starts
 * with one of `known`, or, when `unknown`, buckets the selector property depends on).
 */
export type SelectorReach =
    | { kind: "none" }
    | { kind: "everywhere" }
    | { kind: "prefixes"; known: string[]; unknown: boolean };

export function advancedSelectorReach(selector: AdvancedSelector): SelectorReach {
    const arn = selector.conditions.filter((c) => c.field === "resources.ARN");
    if (arn.some((c) => c.values.equals.length > 0 || c.values.endsWiths.length > 0)) {
        return { kind: "none" };
    }
    const positive = arn.find((c) => c.values.startsWiths.length > 0);
    if (positive === undefined) {
        return { kind: "everywhere" };
    }
    const known = positive.values.startsWiths.filter((v): v is string => typeof v === "string" && !isUnknown(v));
    return { kind: "prefixes", known, unknown: positive.values.startsWiths.some(isUnknown) };
}

/** A basic selector split into one selector per S3 object value, each with its reach. */
export function basicSelectorParts(selector: unknown): { part: unknown; reach: SelectorReach }[] {
    const readWriteType = at(selector, "readWriteType");
    return asList(at(selector, "dataResources"))
        .filter((d) => at(d, "type") === "AWS::S3::Object")
        .flatMap((d) => asList(at(d, "values")))
        .map((v) => {
            const reach: SelectorReach = isUnknown(v)
                ? { kind: "prefixes", known: [], unknown: true }
                : typeof v === "string"
                  ? { kind: "prefixes", known: [v], unknown: false }
                  : { kind: "none" };
            return { part: { readWriteType, dataResources: [{ type: "AWS::S3::Object", values: [v] }] }, reach };
        });
}
