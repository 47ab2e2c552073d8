import { CloudTrailRecord, field, resourceArns, text, textField } from "./record";

/** What the user asked for with --key. */
export type KeySelector =
    | { kind: "keyArn"; value: string }
    | { kind: "keyId"; value: string }
    | { kind: "aliasName"; value: string }
    | { kind: "aliasArn"; value: string };

export const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
export const ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/[A-Za-z0-9/_-]+$/;
export const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export const ALIAS_NAME = /^alias\/[A-Za-z0-9/_-]+$/;

export const KEY_FORMS =
    "a key ARN (arn:aws:kms:<region>:<account>:key/<id>), " +
    "a key ID (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-...), " +
    "an alias name (alias/<name>) or an alias ARN (arn:aws:kms:<region>:<account>:alias/<name>)";

export function parseKeySelector(value: string): KeySelector | undefined {
    if (KEY_ARN.test(value)) return { kind: "keyArn", value };
    if (ALIAS_ARN.test(value)) return { kind: "aliasArn", value };
    if (KEY_ID.test(value)) return { kind: "keyId", value };
    if (ALIAS_NAME.test(value)) return { kind: "aliasName", value };
    return undefined;
}

export function isKeyArn(ref: string): boolean {
    return ref.includes(":key/");
}

export function isAliasArn(ref: string): boolean {
    return ref.includes(":alias/");
}

function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/**
 * Turns a key reference as a caller wrote it (key ID, key ARN, alias name or alias ARN) into an ARN, using the
 * record's region and account for the short forms, the way KMS itself resolves them.
 */
export function canonicalKeyRef(reference: string, record: CloudTrailRecord): string | undefined {
    if (reference.startsWith("arn:"))
        return KEY_ARN.test(reference) || ALIAS_ARN.test(reference) ? reference : undefined;
    const region = text(record.awsRegion);
    const account = text(record.recipientAccountId) ?? text(record.userIdentity?.accountId);
    if (region === undefined || account === undefined) return undefined;
    const prefix = `arn:${partitionOf(region)}:kms:${region}:${account}:`;
    if (ALIAS_NAME.test(reference)) return prefix + reference;
    if (KEY_ID.test(reference)) return `${prefix}key/${reference}`;
    return undefined;
}

const KEY_PARAMETERS = ["keyId", "sourceKeyId", "destinationKeyId", "targetKeyId"];

/**
 * The keys a KMS record is about. KMS lists the key ARNs in resources[]; the request parameters are the fallback
 * (denied calls and some older records have no resources), and may name an alias that is resolved later.
 */
export function keyRefsOf(record: CloudTrailRecord): string[] {
    const fromResources = resourceArns(record).filter(isKeyArn);
    if (fromResources.length > 0) return [...new Set(fromResources)];
    const refs = new Set<string>();
    const createdKeyArn = textField(field(record.responseElements, "keyMetadata"), "arn");
    if (createdKeyArn !== undefined) refs.add(createdKeyArn);
    for (const name of KEY_PARAMETERS) {
        const reference = textField(record.requestParameters, name);
        const canonical = reference === undefined ? undefined : canonicalKeyRef(reference, record);
        if (canonical !== undefined) refs.add(canonical);
    }
    return [...refs];
}

/** Alias-to-key links a record proves: alias management events and calls that used an alias by name. */
export function aliasLinksOf(record: CloudTrailRecord): Array<{ aliasArn: string; keyArn: string }> {
    if (text(record.errorCode) !== undefined) return [];
    const eventName = text(record.eventName);
    const params = record.requestParameters;
    const keyArns = resourceArns(record).filter(isKeyArn);
    if (eventName === "CreateAlias" || eventName === "UpdateAlias") {
        const aliasName = textField(params, "aliasName");
        const aliasArn = aliasName === undefined ? undefined : canonicalKeyRef(aliasName, record);
        const target = textField(params, "targetKeyId");
        const keyArn =
            textField(record.responseElements, "keyId") ??
            (keyArns.length === 1 ? keyArns[0] : target === undefined ? undefined : canonicalKeyRef(target, record));
        return aliasArn !== undefined && keyArn !== undefined && isKeyArn(keyArn) ? [{ aliasArn, keyArn }] : [];
    }
    const used = textField(params, "keyId");
    if (used === undefined || keyArns.length !== 1) return [];
    const aliasArn = canonicalKeyRef(used, record);
    return aliasArn !== undefined && isAliasArn(aliasArn) ? [{ aliasArn, keyArn: keyArns[0] }] : [];
}

/** Whether a key or alias ARN is what the selector names; aliases are matched through the links learned. */
export function selectorMatches(selector: KeySelector, ref: string, aliasesOfKey: ReadonlySet<string>): boolean {
    switch (selector.kind) {
        case "keyArn":
            return ref === selector.value;
        case "keyId":
            return isKeyArn(ref) && ref.endsWith(`:key/${selector.value}`);
        case "aliasArn":
            return ref === selector.value || aliasesOfKey.has(selector.value);
        case "aliasName": {
            const suffix = `:${selector.value}`;
            return ref.endsWith(suffix) || [...aliasesOfKey].some((alias) => alias.endsWith(suffix));
        }
    }
}
