/**
 * Trail queries: which management events a trail records, and which trails log S3 object data events for a
 * bucket (an index over every trail's data event selectors). Selector semantics are in lib/eventSelectors.ts.
 */
import type { Bucket } from "./buckets";
import { bucketName } from "./buckets";
import type { BucketTarget, ManagementCoverage, ReadWrite, SelectorReach } from "./eventSelectors";
import {
    advancedBucketCoverage,
    advancedManagementCoverage,
    advancedSelectorReach,
    basicBucketCoverage,
    basicManagementCoverage,
    basicSelectorParts,
    parseAdvancedSelectors,
} from "./eventSelectors";
import type { StackGraph } from "./graph";
import type { PropsOf, Problem, StackResource } from "./rule";
import { problem } from "./rule";
import type { TRAIL } from "./types";
import { asList, isUnknown, knownString } from "./values";

/** A trail of the stack, its property names checked against the provider. */
export type Trail = StackResource<typeof TRAIL>;

/** Which management events a trail records; with no selectors at all AWS records all of them. */
export function managementCoverage(props: PropsOf<typeof TRAIL>): ManagementCoverage | Problem {
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

/** The prefix every object ARN of the bucket starts with, from its known ARN or literal name. */
function objectArnPrefix(bucket: Bucket): string | undefined {
    const arn = knownString(bucket.props.arn);
    if (arn !== undefined && /^arn:aws[a-z-]*:s3:::[^/]+$/.test(arn)) {
        return `${arn}/`;
    }
    const name = bucketName(bucket);
    return name === undefined ? undefined : `arn:aws:s3:::${name}/`;
}

/** One selector (or one basic data resource value) of one trail. */
interface SelectorEntry {
    trail: Trail;
    property: "eventSelectors" | "advancedEventSelectors";
    judge(target: BucketTarget): ReadWrite;
}

/**
 * The trails' data event selectors indexed by where they can reach, built once per stack policy call: a bucket
 * is judged against the selectors whose StartsWith values are prefixes of its object ARNs, those whose
 * property depends on it (unknown values at preview), and those that reach everywhere. Each candidate is then
 * judged exactly (lib/eventSelectors.ts). This keeps the rule linear in buckets and selectors.
 */
export class DataEventIndex {
    private readonly everywhere: SelectorEntry[] = [];
    private readonly byPrefix = new Map<string, SelectorEntry[]>();
    private readonly byDependency = new Map<string, SelectorEntry[]>();
    private readonly dependencies = new Map<Trail, Set<string>>();

    constructor(
        private readonly graph: StackGraph,
        trails: readonly Trail[],
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
            for (const value of new Set(reach.known)) {
                push(this.byPrefix, value);
            }
            if (reach.unknown) {
                for (const r of this.graph.dependencies(entry.trail, entry.property)) {
                    push(this.byDependency, r.urn);
                }
            }
        }
    }

    private dependsOn(entry: SelectorEntry, bucket: Bucket): boolean {
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

    coverage(bucket: Bucket): ReadWrite {
        const prefix = objectArnPrefix(bucket);
        const candidates = new Set<SelectorEntry>([...this.everywhere, ...(this.byDependency.get(bucket.urn) ?? [])]);
        for (let length = 0; prefix !== undefined && length <= prefix.length; length++) {
            for (const e of this.byPrefix.get(prefix.slice(0, length)) ?? []) {
                candidates.add(e);
            }
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
