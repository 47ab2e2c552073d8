import type { ResourceTransformation, ResourceTransformationArgs, ResourceTransformationResult } from "@pulumi/pulumi";

/**
 * One security property flipped on one resource, and what the gate must say about it: exit 1, naming `policy` and a
 * resource of one of `reportedOn` (the pack may attribute a finding to the resource or to the one it protects).
 */
export interface Mutation {
    id: string;
    what: string;
    type: string;
    /** Picks which resource of `type` to change (default: the first one); called with its inputs. */
    selects?: (props: Record<string, any>) => boolean;
    mutate: (props: Record<string, any>) => Record<string, any>;
    policy: string;
    reportedOn: string[];
    /** `update` when the property is only decidable with IDs and ARNs known (e.g. inside a policy document). */
    mode?: "preview" | "update";
}

/**
 * Turns a mutation table into `--transform` transformations: each changes only the first resource it selects, so a
 * finding can be traced to exactly one change.
 */
export function asTransformations(table: Mutation[]): Record<string, ResourceTransformation> {
    return Object.fromEntries(
        table.map((m) => {
            let applied = false;
            const transformation = (args: ResourceTransformationArgs): ResourceTransformationResult | undefined => {
                if (applied || args.type !== m.type || !(m.selects ?? (() => true))(args.props)) {
                    return undefined;
                }
                applied = true;
                return { props: m.mutate({ ...args.props }), opts: args.opts };
            };
            return [m.id, transformation];
        }),
    );
}
