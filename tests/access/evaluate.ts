import { PolicyDocument } from "../../vocabulary/policyDocument";
import { IDENTITY_FIXTURES, IdentityFixtureName, MatrixRow, STACKS, Stack } from "./matrix";
import { Decision, NamedPolicy, SimulatedRequest, simulate } from "./simulator";
import { PROGRAM_DOCUMENTS, ProgramDocumentName, StackDocuments, StackFacts, stackDocuments } from "./stackDocuments";

/** Changes to the registered documents, for the mutation cases (applied to each config variant's own documents). */
export type DocumentTransforms = Partial<Record<ProgramDocumentName, (document: PolicyDocument) => PolicyDocument>>;

function programDocument(
    name: ProgramDocumentName,
    docs: StackDocuments,
    transforms: DocumentTransforms,
): PolicyDocument {
    const transform = transforms[name];
    return transform ? transform(docs.documents[name]) : docs.documents[name];
}

/** Replaces every `{fact}` in a string; an unknown name is an error naming the row and the names allowed. */
export function resolvePlaceholders(text: string, facts: StackFacts, rowId: string): string {
    return text.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
        if (!Object.prototype.hasOwnProperty.call(facts, name)) {
            throw new Error(
                `access matrix row ${rowId}: unknown placeholder {${name}}; allowed: ${Object.keys(facts)
                    .map((k) => `{${k}}`)
                    .join(", ")}`,
            );
        }
        return facts[name as keyof StackFacts];
    });
}

function resolveDeep<T>(value: T, facts: StackFacts, rowId: string): T {
    return JSON.parse(JSON.stringify(value), (_, v) =>
        typeof v === "string" ? resolvePlaceholders(v, facts, rowId) : v,
    ) as T;
}

function isProgramDocument(name: string): name is ProgramDocumentName {
    return (PROGRAM_DOCUMENTS as readonly string[]).includes(name);
}

function identityPolicy(
    name: IdentityFixtureName | ProgramDocumentName,
    docs: StackDocuments,
    transforms: DocumentTransforms,
    rowId: string,
): NamedPolicy {
    if (isProgramDocument(name)) {
        return { name, document: programDocument(name, docs, transforms) };
    }
    const fixture = IDENTITY_FIXTURES[name];
    if (!fixture) {
        throw new Error(
            `access matrix row ${rowId}: unknown identity policy ${name}; allowed: ${[...Object.keys(IDENTITY_FIXTURES), ...PROGRAM_DOCUMENTS].join(", ")}`,
        );
    }
    return { name, document: resolveDeep(fixture, docs.facts, rowId) };
}

/** The bucket an S3 ARN names (`arn:aws:s3:::bucket/key` -> `arn:aws:s3:::bucket`), or undefined for other ARNs. */
function bucketArnOf(resource: string): string | undefined {
    const match = /^(arn:[^:]+:s3:::[^/]+)/.exec(resource);
    return match?.[1];
}

/**
 * The context AWS adds to every request an IAM principal signs: `aws:PrincipalArn` (for a role session, the role's
 * ARN). The simulator does not derive it from the principal, and the log buckets' Denies spare principals by it.
 * Service principals and anonymous requests carry none.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
function principalContext(principal: string): Record<string, string> {
    return /^arn:[^:]+:iam::\d{12}:/.test(principal) ? { "aws:PrincipalArn": principal } : {};
}

/** The simulator's request for a row in one stack: placeholders resolved, documents taken from the program. */
export function requestFor(
    row: MatrixRow,
    docs: StackDocuments,
    transforms: DocumentTransforms = {},
): SimulatedRequest {
    const resource = resolvePlaceholders(row.resource, docs.facts, row.id);
    const bucketArn = bucketArnOf(resource);
    const principal = resolvePlaceholders(row.principal, docs.facts, row.id);
    return {
        principal,
        action: row.action,
        resource,
        // Every resource of the baseline lives in the deploying account.
        resourceAccount: docs.facts.account,
        context: { ...principalContext(principal), ...resolveDeep({ ...(row.context ?? {}) }, docs.facts, row.id) },
        identityPolicies: (row.identityPolicies ?? []).map((name) => identityPolicy(name, docs, transforms, row.id)),
        resourcePolicy: row.resourcePolicy
            ? { name: row.resourcePolicy, document: programDocument(row.resourcePolicy, docs, transforms) }
            : undefined,
        restrictPublicBuckets: bucketArn === undefined ? undefined : docs.restrictPublicBuckets[bucketArn],
    };
}

export function stacksOf(row: MatrixRow): readonly Stack[] {
    return row.stacks ?? STACKS;
}

/** Evaluates a row in one stack (running the program with the row's config change, if any). */
export async function evaluateRow(
    row: MatrixRow,
    stack: Stack,
    transforms: DocumentTransforms = {},
): Promise<Decision> {
    const docs = await stackDocuments(stack, row.config);
    return simulate(requestFor(row, docs, transforms));
}
