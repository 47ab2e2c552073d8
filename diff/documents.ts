/**
 * Finds every IAM policy document a stack's resources hold (key policies, bucket and topic policies, role trust
 * policies, inline and managed permission policies: any property whose value is a document with a `Statement`),
 * with what each governs and who holds it. Each document is read by diff/documentContent.ts.
 */
import { isRecord, isUnknown } from "../vocabulary/pulumiValues";
import type { EngineResource } from "../gate";
import { DocumentContent, isSecret, readDocument } from "./documentContent";
import * as AWS from "../vocabulary/awsTypes";

/**
 * `resource`: a resource-based policy (who may act on the resource that holds it); `trust`: a role's trust policy
 * (who may assume it); `identity`: a permission policy of the principals that hold it.
 */
export type DocumentKind = "resource" | "trust" | "identity";

export interface StackDocument {
    /** `<urn>#<property path>`: the same document on both sides of a diff. */
    id: string;
    urn: string;
    type: string;
    name: string;
    /** Where in the resource's inputs, e.g. `policy`, `assumeRolePolicy`, `inlinePolicies[0].policy`. */
    path: string;
    kind: DocumentKind;
    /** Resource and trust policies: the ARN (or, when unknown, the name) of what the policy governs. */
    governs?: string;
    /** The service whose actions a resource or trust policy governs (`kms` for a key policy), from the type. */
    homeService?: string;
    /** Identity policies: the principals that hold the document (role ARNs, or names when ARNs are unknown). */
    holders: string[];
    content: DocumentContent;
}

/** Every (path, value) below a resource's inputs that holds a document; engine bookkeeping keys (`__`) skipped. */
function documentsIn(value: unknown, path: string, found: { path: string; content: DocumentContent }[]): void {
    const content = readDocument(value);
    if (content) {
        found.push({ path, content });
        return;
    }
    if (Array.isArray(value)) {
        value.forEach((item, i) => {
            documentsIn(item, `${path}[${i}]`, found);
        });
    } else if (isRecord(value) && !isSecret(value)) {
        for (const [key, item] of Object.entries(value)) {
            if (!key.startsWith("__")) {
                documentsIn(item, path ? `${path}.${key}` : key, found);
            }
        }
    }
}

function knownString(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" && !isUnknown(value) ? value : undefined;
}

function arnOrName(resource: EngineResource): string {
    return (
        knownString(resource.outputs.arn) ?? knownString(resource.inputs.arn) ?? `${resource.type}::${resource.name}`
    );
}

/** Resource types whose `policy` is a permission policy of principals, and the input naming the holder. */
const IDENTITY_POLICY_HOLDER_INPUT: Record<string, { input: string; kind: "role" | "user" | "group" } | undefined> = {
    [AWS.IAM_ROLE_POLICY]: { input: "role", kind: "role" },
    [AWS.IAM_USER_POLICY]: { input: "user", kind: "user" },
    [AWS.IAM_GROUP_POLICY]: { input: "group", kind: "group" },
};

/** Managed-policy attachments: attachment type -> the inputs naming the holders. */
const ATTACHMENTS: Record<string, { input: string; kind: "role" | "user" | "group"; list: boolean }[]> = {
    [AWS.IAM_ROLE_POLICY_ATTACHMENT]: [{ input: "role", kind: "role", list: false }],
    [AWS.IAM_USER_POLICY_ATTACHMENT]: [{ input: "user", kind: "user", list: false }],
    [AWS.IAM_GROUP_POLICY_ATTACHMENT]: [{ input: "group", kind: "group", list: false }],
    [AWS.IAM_POLICY_ATTACHMENT]: [
        { input: "roles", kind: "role", list: true },
        { input: "users", kind: "user", list: true },
        { input: "groups", kind: "group", list: true },
    ],
};

const ROLE_TYPE = AWS.IAM_ROLE;
const MANAGED_POLICY_TYPE = AWS.IAM_POLICY;

/**
 * Names a role, user or group as its ARN when the stack knows it (a name or ARN given as input); otherwise as
 * `role/<name>`, so the same holder reads the same on both sides.
 */
function holderName(
    value: unknown,
    kind: "role" | "user" | "group",
    arnsByName: Map<string, string>,
): string | undefined {
    const text = knownString(value);
    if (text === undefined) {
        return undefined;
    }
    if (text.startsWith("arn:")) {
        return text;
    }
    return arnsByName.get(`${kind}/${text}`) ?? `${kind}/${text}`;
}

function principalArnsByName(resources: EngineResource[]): Map<string, string> {
    const result = new Map<string, string>();
    const kinds: Record<string, string> = {
        [ROLE_TYPE]: "role",
        [AWS.IAM_USER]: "user",
        [AWS.IAM_GROUP]: "group",
    };
    for (const r of resources) {
        const kind = kinds[r.type];
        const name = knownString(r.outputs.name) ?? knownString(r.inputs.name);
        const arn = knownString(r.outputs.arn);
        if (kind && name && arn) {
            result.set(`${kind}/${name}`, arn);
        }
    }
    return result;
}

/** Managed policy ARN -> the principals it is attached to in this stack. */
export function managedPolicyHolders(resources: EngineResource[]): Map<string, string[]> {
    const arnsByName = principalArnsByName(resources);
    const holders = new Map<string, string[]>();
    const add = (policyArn: string, holder: string) =>
        holders.set(policyArn, [...(holders.get(policyArn) ?? []), holder]);
    for (const r of resources) {
        // A role may also list managed policies itself (`managedPolicyArns`, exclusive of attachments).
        const roleArn = r.type === ROLE_TYPE ? knownString(r.outputs.arn) : undefined;
        const listed = Array.isArray(r.inputs.managedPolicyArns) ? (r.inputs.managedPolicyArns as unknown[]) : [];
        for (const policyArn of listed.map(knownString)) {
            if (roleArn && policyArn) {
                add(policyArn, roleArn);
            }
        }
        for (const spec of ATTACHMENTS[r.type] ?? []) {
            const policyArn = knownString(r.inputs.policyArn);
            const values = spec.list
                ? Array.isArray(r.inputs[spec.input])
                    ? r.inputs[spec.input]
                    : []
                : [r.inputs[spec.input]];
            for (const value of values as unknown[]) {
                const holder = holderName(value, spec.kind, arnsByName);
                if (policyArn && holder) {
                    add(policyArn, holder);
                }
            }
        }
    }
    return holders;
}

/** Every policy document the stack's resources hold, classified and linked to what it governs or who holds it. */
export function stackDocuments(resources: EngineResource[]): StackDocument[] {
    const arnsByName = principalArnsByName(resources);
    const attached = managedPolicyHolders(resources);
    const documents: StackDocument[] = [];
    for (const resource of resources) {
        const found: { path: string; content: DocumentContent }[] = [];
        documentsIn(resource.inputs, "", found);
        for (const { path, content } of found) {
            const base = {
                id: `${resource.urn}#${path}`,
                urn: resource.urn,
                type: resource.type,
                name: resource.name,
                path,
                content,
            };
            const holderSpec = IDENTITY_POLICY_HOLDER_INPUT[resource.type];
            if (resource.type === ROLE_TYPE && path === "assumeRolePolicy") {
                documents.push({
                    ...base,
                    kind: "trust",
                    governs: arnOrName(resource),
                    homeService: "sts",
                    holders: [],
                });
            } else if (resource.type === ROLE_TYPE) {
                const role =
                    knownString(resource.outputs.arn) ?? `role/${knownString(resource.inputs.name) ?? resource.name}`;
                documents.push({ ...base, kind: "identity", holders: [role] });
            } else if (holderSpec) {
                const holder = holderName(resource.inputs[holderSpec.input], holderSpec.kind, arnsByName);
                documents.push({ ...base, kind: "identity", holders: holder ? [holder] : [] });
            } else if (resource.type === MANAGED_POLICY_TYPE) {
                const arn = knownString(resource.outputs.arn);
                documents.push({ ...base, kind: "identity", holders: (arn && attached.get(arn)) || [] });
            } else {
                documents.push({
                    ...base,
                    kind: "resource",
                    governs: governedResource(resource),
                    homeService: AWS.moduleOfType(resource.type),
                    holders: [],
                });
            }
        }
    }
    return documents;
}

/**
 * What a resource policy governs: the resource itself (a key, a topic with its policy inline), or the resource a
 * separate policy resource names (`bucket` of a BucketPolicy, `arn` of a TopicPolicy).
 */
function governedResource(resource: EngineResource): string {
    const module = AWS.moduleOfType(resource.type);
    const bucket = knownString(resource.inputs.bucket);
    if (module === "s3" && bucket && resource.type.includes("Policy")) {
        return bucket.startsWith("arn:") ? bucket : `arn:aws:s3:::${bucket}`;
    }
    if (resource.type.includes("Policy:")) {
        const named = knownString(resource.inputs.arn) ?? knownString(resource.inputs.resourceArn);
        if (named) {
            return named;
        }
    }
    return arnOrName(resource);
}
