import { CapturedResource } from "../../gate/capture";
import { defaultMockAccount } from "../../gate/awsMocks";
import { BaselineRun, runBaseline, stackConfig } from "../infra/harness";
import { PolicyDocument } from "../../vocabulary/policyDocument";
import { autoScalingServiceLinkedRoleArn } from "../../infra/policies/keyPolicy";

/** The policy documents the program registers, by the name the matrix uses for them. */
export const PROGRAM_DOCUMENTS = [
    "keyPolicy",
    "dataBucketPolicy",
    "trailLogBucketPolicy",
    "accessLogBucketPolicy",
    "deliveryRoleTrustPolicy",
    "deliveryRolePermissions",
] as const;
export type ProgramDocumentName = (typeof PROGRAM_DOCUMENTS)[number];

/** Values the matrix rows refer to as `{name}`, resolved from what the program registered for one stack. */
export interface StackFacts {
    account: string;
    region: string;
    keyArn: string;
    /** The key's bare id (the last part of its ARN) and its alias name: forms an upload may name instead of the ARN. */
    keyId: string;
    keyAlias: string;
    dataBucketArn: string;
    trailLogBucketArn: string;
    accessLogBucketArn: string;
    trailArn: string;
    logGroupArn: string;
    topicArn: string;
    deliveryRoleArn: string;
    keyUser: string;
    keyAdministrator: string;
    /** The first of `deploymentPrincipals` and of `breakGlassPrincipals` in the stack file. */
    deployer: string;
    breakGlass: string;
    /** The role the "key-policy-managers" variant names in `keyPolicyManagers`. */
    policyManager: string;
    /** The EC2 Auto Scaling service-linked role of the account. */
    autoScalingRole: string;
    /** A same-account role no stack file lists; the config-change rows add and remove it. */
    newcomer: string;
    /** The role the "athena-audit" variant names as its only Athena auditor; in no stack file either. */
    auditor: string;
    deletionWindowDays: string;
    shorterDeletionWindowDays: string;
}

export interface StackDocuments {
    stack: string;
    facts: StackFacts;
    documents: Record<ProgramDocumentName, PolicyDocument>;
    /** Bucket ARN -> the `restrictPublicBuckets` flag of its registered public access block. */
    restrictPublicBuckets: Record<string, boolean>;
}

/**
 * Config changes a row may ask for, each applied to the stack file's own config. "newcomer-removed" starts from
 * the list "newcomer-added" produced and deletes the newcomer again, as an operator would. "key-policy-managers"
 * names POLICY_MANAGER_ROLE in `keyPolicyManagers`; "ebs-default-encryption" turns `ebsDefaultEncryption` on;
 * "athena-audit" configures the Athena query side with one auditor.
 */
export const CONFIG_VARIANTS = [
    "newcomer-added",
    "newcomer-removed",
    "key-policy-managers",
    "ebs-default-encryption",
    "athena-audit",
] as const;
export type ConfigVariant = (typeof CONFIG_VARIANTS)[number];

/** The principal the config-change rows add to and remove from `keyUsers`; in no stack file. */
export const NEWCOMER_ROLE = "role/NewAnalyst";

export function newcomerArn(account: string): string {
    return `arn:aws:iam::${account}:${NEWCOMER_ROLE}`;
}

/** The role the "key-policy-managers" variant makes the only policy manager; in no stack file. */
export const POLICY_MANAGER_ROLE = "role/KeyPolicyManagers";

export function policyManagerArn(account: string): string {
    return `arn:aws:iam::${account}:${POLICY_MANAGER_ROLE}`;
}

/** The auditor the "athena-audit" variant configures (kms-audit:athenaAudit, infra/athena/config.ts). */
export function auditorArn(account: string): string {
    return `arn:aws:iam::${account}:role/LogAuditor`;
}

function stackList(stack: string, key: string): string[] {
    const text = stackConfig(stack)[`kms-audit:${key}`];
    const list: unknown = text === undefined ? [] : JSON.parse(text);
    if (!Array.isArray(list) || list.some((v) => typeof v !== "string")) {
        throw new Error(`Pulumi.${stack}.yaml: kms-audit:${key} must be a list of ARNs for the access matrix`);
    }
    return list;
}

function variantOverrides(stack: string, variant: ConfigVariant | undefined, account: string): Record<string, string> {
    if (variant === undefined) {
        return {};
    }
    if (variant === "key-policy-managers") {
        return { keyPolicyManagers: JSON.stringify([policyManagerArn(account)]) };
    }
    if (variant === "ebs-default-encryption") {
        return { ebsDefaultEncryption: "true" };
    }
    if (variant === "athena-audit") {
        const region = stackConfig(stack)["aws:region"] ?? "us-east-1";
        const athenaAudit = { auditors: [auditorArn(account)], regions: [region], firstDay: "2024/01/01" };
        return { athenaAudit: JSON.stringify(athenaAudit) };
    }
    const added = [...stackList(stack, "keyUsers"), newcomerArn(account)];
    const keyUsers = variant === "newcomer-added" ? added : added.filter((arn) => arn !== newcomerArn(account));
    return { keyUsers: JSON.stringify(keyUsers) };
}

function parsedPolicy(resource: CapturedResource, property: string): PolicyDocument {
    const text = resource.inputs[property];
    if (typeof text !== "string") {
        throw new Error(
            `${resource.type} ${resource.name}: ${property} is not a JSON string (got ${typeof text}); run the baseline without preview`,
        );
    }
    return JSON.parse(text) as PolicyDocument;
}

function output(resource: CapturedResource, property: string): string {
    const value = resource.serializedOutputs[property];
    if (typeof value !== "string") {
        throw new Error(`${resource.type} ${resource.name}: output ${property} is missing`);
    }
    return value;
}

/** The key ARN as the data bucket's default encryption names it: what S3 would use for uploads without headers. */
function dataBucketKeyArn(run: BaselineRun, dataBucketName: string): string {
    const sse = run.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        dataBucketName,
    );
    const keyArn = sse.inputs.rules?.[0]?.applyServerSideEncryptionByDefault?.kmsMasterKeyId;
    if (typeof keyArn !== "string") {
        throw new Error(`${sse.name}: default encryption names no KMS key`);
    }
    return keyArn;
}

/** Reads every document and fact the matrix needs from one run of the real program. */
export function documentsOf(stack: string, run: BaselineRun, account: string): StackDocuments {
    const key = run.one("aws:kms/key:Key");
    // Every resource name starts with the key's name (`kms-audit-<environment>`), see infra/baseline.ts.
    const base = key.name;
    const bucket = (suffix: string) => run.one("aws:s3/bucket:Bucket", `${base}-${suffix}`);
    const bucketPolicy = (suffix: string) =>
        parsedPolicy(run.one("aws:s3/bucketPolicy:BucketPolicy", `${base}-${suffix}`), "policy");
    const role = run.one("aws:iam/role:Role");
    const keyArn = dataBucketKeyArn(run, `${base}-data`);
    if (keyArn !== output(key, "arn")) {
        throw new Error(`data bucket default encryption names ${keyArn}, not the baseline key ${output(key, "arn")}`);
    }
    const deletionWindow = Number(key.inputs.deletionWindowInDays);
    const restrictPublicBuckets: Record<string, boolean> = {};
    for (const suffix of ["data", "logs", "access-logs"]) {
        const block = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${base}-${suffix}`);
        restrictPublicBuckets[output(bucket(suffix), "arn")] = block.inputs.restrictPublicBuckets === true;
    }
    return {
        stack,
        facts: {
            account,
            region: output(run.one("aws:s3/bucket:Bucket", `${base}-data`), "region"),
            keyArn,
            keyId: keyArn.split("/").pop() ?? keyArn,
            keyAlias: String(run.one("aws:kms/alias:Alias").inputs.name),
            dataBucketArn: output(bucket("data"), "arn"),
            trailLogBucketArn: output(bucket("logs"), "arn"),
            accessLogBucketArn: output(bucket("access-logs"), "arn"),
            trailArn: output(run.one("aws:cloudtrail/trail:Trail"), "arn"),
            logGroupArn: output(run.one("aws:cloudwatch/logGroup:LogGroup"), "arn"),
            topicArn: output(run.one("aws:sns/topic:Topic"), "arn"),
            deliveryRoleArn: output(role, "arn"),
            keyUser: stackList(stack, "keyUsers")[0],
            keyAdministrator: stackList(stack, "keyAdministrators")[0],
            deployer: stackList(stack, "deploymentPrincipals")[0],
            breakGlass: stackList(stack, "breakGlassPrincipals")[0],
            policyManager: policyManagerArn(account),
            autoScalingRole: autoScalingServiceLinkedRoleArn({ partition: "aws", region: "", accountId: account }),
            newcomer: newcomerArn(account),
            auditor: auditorArn(account),
            deletionWindowDays: String(deletionWindow),
            shorterDeletionWindowDays: String(deletionWindow - 1),
        },
        documents: {
            keyPolicy: parsedPolicy(key, "policy"),
            dataBucketPolicy: bucketPolicy("data"),
            trailLogBucketPolicy: bucketPolicy("logs"),
            accessLogBucketPolicy: bucketPolicy("access-logs"),
            deliveryRoleTrustPolicy: parsedPolicy(role, "assumeRolePolicy"),
            deliveryRolePermissions: parsedPolicy(run.one("aws:iam/rolePolicy:RolePolicy"), "policy"),
        },
        restrictPublicBuckets,
    };
}

/** The account tests/infra/harness.ts deploys into under mocks. */
const MOCK_ACCOUNT = defaultMockAccount.accountId;

const cache = new Map<string, Promise<StackDocuments>>();
/** Pulumi mocks are process-global, so program runs must not overlap: each waits for the one before. */
let previousRun: Promise<unknown> = Promise.resolve();

/** Runs the program for a stack (optionally with a config variant) once per process and returns its documents. */
export function stackDocuments(stack: string, variant?: ConfigVariant): Promise<StackDocuments> {
    const cacheKey = `${stack}/${variant ?? "as-filed"}`;
    let pending = cache.get(cacheKey);
    if (!pending) {
        const overrides = variantOverrides(stack, variant, MOCK_ACCOUNT);
        pending = previousRun
            .then(() => runBaseline(stack, { overrides }))
            .then((run) => {
                const docs = documentsOf(stack, run, MOCK_ACCOUNT);
                const keyAccount = docs.facts.keyArn.split(":")[4];
                if (keyAccount !== MOCK_ACCOUNT) {
                    throw new Error(
                        `the key ARN ${docs.facts.keyArn} is in account ${keyAccount}, not the mock account ${MOCK_ACCOUNT}`,
                    );
                }
                return docs;
            });
        previousRun = pending.catch(() => undefined);
        cache.set(cacheKey, pending);
    }
    return pending;
}
