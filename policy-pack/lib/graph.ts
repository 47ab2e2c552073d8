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

    constructor(private readonly source: PolicyResource) {
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

export class StackGraph {
    private readonly byUrn = new Map<string, GraphResource>();
    private readonly byTypeIndex = new Map<string, GraphResource[]>();
    private readonly referrersIndex = new Map<string, Referrer[]>();
    private readonly dependencyIndex = new Map<string, Map<string, string[]>>();
    private readonly valueIndexes = new Map<string, Map<string, GraphResource[]>>();

    constructor(resources: readonly PolicyResource[]) {
        for (const source of resources) {
            const node = new GraphResource(source);
            this.byUrn.set(node.urn, node);
            const sameType = this.byTypeIndex.get(node.type);
            if (sameType) {
                sameType.push(node);
            } else {
                this.byTypeIndex.set(node.type, [node]);
            }
        }
        for (const source of resources) {
            const from = this.byUrn.get(source.urn)!;
            const dependencies = new Map<string, string[]>();
            for (const [property, targets] of Object.entries(source.propertyDependencies ?? {})) {
                const urns: string[] = [];
                for (const target of targets ?? []) {
                    urns.push(target.urn);
                    const list = this.referrersIndex.get(target.urn);
                    if (list) {
                        list.push({ from, property });
                    } else {
                        this.referrersIndex.set(target.urn, [{ from, property }]);
                    }
                }
                dependencies.set(property, urns);
            }
            this.dependencyIndex.set(from.urn, dependencies);
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

    /** Resources of the given types whose property `property` depends on `target`. */
    referrers(target: PlainResource, types: readonly string[], property: string): GraphResource[] {
        return (this.referrersIndex.get(target.urn) ?? [])
            .filter((r) => r.property === property && types.includes(r.from.type))
            .map((r) => r.from);
    }

    /** The resources that `source.property` depends on. */
    dependencies(source: PlainResource, property: string): GraphResource[] {
        const urns = this.dependencyIndex.get(source.urn)?.get(property) ?? [];
        return urns.map((u) => this.byUrn.get(u)).filter((r): r is GraphResource => r !== undefined);
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
        const key = `${types.join(",")}#${property}`;
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
        let index = this.valueIndexes.get(`extract#${indexName}`);
        if (!index) {
            index = new Map();
            for (const r of this.ofTypes(types)) {
                for (const v of new Set(extract(r))) {
                    if (v !== "" && !isUnknown(v)) {
                        addTo(index, v, r);
                    }
                }
            }
            this.valueIndexes.set(`extract#${indexName}`, index);
        }
        return index.get(value) ?? [];
    }

    /** Referrers through the graph, plus those naming `targetName` literally; each resource once. */
    linked(target: PlainResource, types: readonly string[], property: string, targetName?: string): GraphResource[] {
        const result = new Set(this.referrers(target, types, property));
        for (const r of this.withKnownValue(types, property, targetName)) {
            result.add(r);
        }
        return [...result];
    }
}
