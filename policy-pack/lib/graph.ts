/**
 * One index over a stack's resources, built once per stack policy call, so that every link is a map
 * lookup (no scan per bucket): by URN, by type, and the reverse of `propertyDependencies`
 * ("which resources point at this one through property P"). Links come from the engine's dependency
 * graph, never from comparing IDs, so they are the same at a first preview (IDs unknown) and at update.
 */
import type { PolicyResource } from "@pulumi/policy";
import type { PlainResource } from "./rule";
import { isUnknown, plainProps, Props } from "./values";

export class GraphResource implements PlainResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    private plain?: Props;
    /** Who points at this resource, and through which property (filled in by the graph that made the node). */
    referrerList?: Referrer[];

    constructor(readonly source: PolicyResource) {
        this.type = source.type;
        this.name = source.name;
        this.urn = source.urn;
    }

    get props(): Props {
        if (this.plain === undefined) {
            this.plain = plainProps(this.source.props);
        }
        return this.plain;
    }
}

function addTo(index: Map<string, GraphResource[]>, key: string, resource: GraphResource): void {
    const list = index.get(key);
    if (list) {
        list.push(resource);
    } else {
        index.set(key, [resource]);
    }
}

interface Referrer {
    from: GraphResource;
    property: string;
}

/**
 * Built once per AnalyzeStack call over every resource, before the JIT has warmed up, so its construction is a
 * visible part of the pack's cost against the floor (docs/benchmarks.md): plain indexed loops, each URN looked up
 * once per link (the key strings are the resources' own, whose hashes V8 keeps), reverse links kept on the target
 * node rather than in another map, and a resource's own dependency list turned into nodes only when asked.
 */
export class StackGraph {
    private readonly byUrn = new Map<string, GraphResource>();
    private readonly byTypeIndex = new Map<string, GraphResource[]>();
    private readonly valueIndexes = new Map<string, Map<string, GraphResource[]>>();
    private readonly extractedIndexes = new Map<string, Map<string, GraphResource[]>>();

    constructor(resources: readonly PolicyResource[]) {
        for (let i = 0; i < resources.length; i++) {
            const node = new GraphResource(resources[i]);
            this.byUrn.set(node.urn, node);
            addTo(this.byTypeIndex, node.type, node);
        }
        for (let i = 0; i < resources.length; i++) {
            const source = resources[i];
            // With two resources of one URN (never from the engine) the last one stands for both, as before.
            const from = this.byUrn.get(source.urn)!;
            const dependencies = source.propertyDependencies;
            if (!dependencies) {
                continue;
            }
            const properties = Object.keys(dependencies);
            for (let p = 0; p < properties.length; p++) {
                const property = properties[p];
                const targets = dependencies[property] ?? [];
                for (let t = 0; t < targets.length; t++) {
                    const to = this.byUrn.get(targets[t].urn);
                    if (to === undefined) {
                        continue;
                    }
                    if (to.referrerList === undefined) {
                        to.referrerList = [{ from, property }];
                    } else {
                        to.referrerList.push({ from, property });
                    }
                }
            }
        }
    }

    get size(): number {
        return this.byUrn.size;
    }

    get(urn: string): GraphResource | undefined {
        return this.byUrn.get(urn);
    }

    ofTypes(types: readonly string[]): GraphResource[] {
        return types.flatMap((t) => this.byTypeIndex.get(t) ?? []);
    }

    /** Resources of the given types whose property `property` depends on `target`; each once. */
    referrers(target: PlainResource, types: readonly string[], property: string): GraphResource[] {
        const list = this.byUrn.get(target.urn)?.referrerList;
        const result: GraphResource[] = [];
        for (let i = 0; list !== undefined && i < list.length; i++) {
            const { from } = list[i];
            if (list[i].property === property && types.includes(from.type) && !result.includes(from)) {
                result.push(from);
            }
        }
        return result;
    }

    /** The resources that `source.property` depends on. */
    dependencies(source: PlainResource, property: string): GraphResource[] {
        const targets = this.byUrn.get(source.urn)?.source.propertyDependencies?.[property];
        const result: GraphResource[] = [];
        for (let i = 0; targets !== undefined && i < targets.length; i++) {
            const to = this.byUrn.get(targets[i].urn);
            if (to !== undefined) {
                result.push(to);
            }
        }
        return result;
    }

    /**
     * Resources of the given types whose top-level `property` is the known string `value`. This links
     * resources written with literal names (no dependency edge exists then); both sides must be known, so
     * it gives the same answer at preview and at update.
     */
    withKnownValue(types: readonly string[], property: string, value: string | undefined): GraphResource[] {
        if (value === undefined) {
            return [];
        }
        // Rules ask this once per bucket and rule: a key of constants (no join for one type) keeps the lookup cheap.
        const key = `${property}#${types.length === 1 ? types[0] : types.join(",")}`;
        let index = this.valueIndexes.get(key);
        if (!index) {
            index = new Map();
            for (const r of this.ofTypes(types)) {
                const v = r.props[property];
                if (typeof v === "string" && v !== "" && !isUnknown(v)) {
                    addTo(index, v, r);
                }
            }
            this.valueIndexes.set(key, index);
        }
        return index.get(value) ?? [];
    }

    /**
     * Resources of the given types from which `extract` reads the known string `value` (for literal names
     * nested inside a property, e.g. a bucket's inline `logging.targetBucket`). The index is built once per
     * `indexName` and stack policy call.
     */
    withExtractedValue(
        indexName: string,
        types: readonly string[],
        extract: (r: GraphResource) => readonly string[],
        value: string | undefined,
    ): GraphResource[] {
        if (value === undefined) {
            return [];
        }
        let index = this.extractedIndexes.get(indexName);
        if (!index) {
            index = new Map();
            for (const r of this.ofTypes(types)) {
                for (const v of new Set(extract(r))) {
                    if (v !== "" && !isUnknown(v)) {
                        addTo(index, v, r);
                    }
                }
            }
            this.extractedIndexes.set(indexName, index);
        }
        return index.get(value) ?? [];
    }

    /** Referrers through the graph, plus those naming `targetName` literally; each resource once, in that order. */
    linked(target: PlainResource, types: readonly string[], property: string, targetName?: string): GraphResource[] {
        const result = this.referrers(target, types, property);
        const named = this.withKnownValue(types, property, targetName);
        for (let i = 0; i < named.length; i++) {
            // Both lists are a bucket's few satellites, so a linear check beats building a Set per call.
            if (!result.includes(named[i])) {
                result.push(named[i]);
            }
        }
        return result;
    }
}
