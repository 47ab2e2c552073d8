/** KMS keys: rotation, deletion window, lockout safety, key policy principals, separation of duties. */
import type { ResourceRule, PlainResource, Problem } from "../lib/rule";
import { problem } from "../lib/rule";
import {
    confiningCondition, isWildcardPrincipal, parsePolicyDocument, statementCovers, Statement,
} from "../lib/policyDocument";
import { boolOf, isUnknown, knownString, numberOf } from "../lib/values";

export const KEY = "aws:kms/key:Key";
export const KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";
export const REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey";

const KMS_DOC = "https://docs.aws.amazon.com/kms/latest/developerguide";

/** Only symmetric encryption keys outside custom key stores support automatic rotation. */
function rotationApplies(props: PlainResource["props"]): boolean {
    const spec = props.customerMasterKeySpec ?? props.keySpec;
    const usage = props.keyUsage;
    const symmetric = spec === undefined || spec === null || spec === "SYMMETRIC_DEFAULT";
    const encryptDecrypt = usage === undefined || usage === null || usage === "ENCRYPT_DECRYPT";
    const customStore = knownString(props.customKeyStoreId) !== undefined || isUnknown(props.customKeyStoreId);
    return symmetric && encryptDecrypt && !customStore;
}

export const kmsKeyRotation: ResourceRule = {
    kind: "resource",
    name: "kms-key-rotation",
    description: "Symmetric KMS keys rotate automatically, at most every `maxRotationPeriodDays` days.",
    severity: "medium",
    controls: { cis: ["3.6"], fsbp: ["KMS.4"], checkov: ["CKV_AWS_7"] },
    remediationSteps: "Set enableKeyRotation: true (and rotationPeriodInDays within the maximum). Asymmetric, " +
        "HMAC and custom-key-store keys cannot rotate automatically and are not checked.",
    url: `${KMS_DOC}/rotate-keys.html`,
    enforcementLevel: "mandatory",
    remediable: true,
    config: {
        maxRotationPeriodDays: { type: "integer", minimum: 90, maximum: 2560, default: 365,
            description: "Longest allowed rotationPeriodInDays (AWS allows 90-2560, default 365)." },
    },
    types: [KEY],
    check(resource, config) {
        if (!rotationApplies(resource.props)) {
            return [];
        }
        const problems: Problem[] = [];
        const enabled = boolOf(resource.props.enableKeyRotation);
        if (enabled !== true) {
            problems.push(problem(enabled === "unknown"
                ? "enableKeyRotation is unknown during preview, so rotation cannot be confirmed."
                : "automatic key rotation is off.", "set enableKeyRotation: true."));
        }
        const max = config.maxRotationPeriodDays as number;
        const period = numberOf(resource.props.rotationPeriodInDays);
        if (typeof period === "number" && period > max) {
            problems.push(problem(`rotationPeriodInDays is ${period}, above the allowed ${max}.`,
                `set rotationPeriodInDays to at most ${max}.`));
        }
        return problems;
    },
    remediate(resource, config) {
        if (!rotationApplies(resource.props)) {
            return undefined;
        }
        const max = config.maxRotationPeriodDays as number;
        const period = numberOf(resource.props.rotationPeriodInDays);
        const patch: Record<string, unknown> = {};
        if (boolOf(resource.props.enableKeyRotation) !== true) {
            patch.enableKeyRotation = true;
        }
        if (typeof period === "number" && period > max) {
            patch.rotationPeriodInDays = max;
        }
        return Object.keys(patch).length > 0 ? patch : undefined;
    },
};

export const kmsKeyDeletionWindow: ResourceRule = {
    kind: "resource",
    name: "kms-key-deletion-window",
    description: "KMS keys keep a deletion waiting period of at least `minDeletionWindowDays` days.",
    severity: "medium",
    controls: { fsbp: ["KMS.3"] },
    remediationSteps: "Set deletionWindowInDays to the configured minimum or more (AWS allows 7-30, default 30).",
    url: `${KMS_DOC}/deleting-keys.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {
        minDeletionWindowDays: { type: "integer", minimum: 7, maximum: 30, default: 30,
            description: "Shortest allowed deletionWindowInDays." },
    },
    types: [KEY, REPLICA_KEY],
    check(resource, config) {
        const min = config.minDeletionWindowDays as number;
        const days = numberOf(resource.props.deletionWindowInDays);
        if (days === "unknown") {
            return [problem("deletionWindowInDays is unknown during preview.",
                `set deletionWindowInDays to a literal of at least ${min}.`)];
        }
        // Unset means the AWS default of 30 days.
        if (typeof days === "number" && days < min) {
            return [problem(`deletionWindowInDays is ${days}, below the required ${min}.`,
                `set deletionWindowInDays to ${min} or more.`)];
        }
        return [];
    },
};

export const kmsKeyNoLockoutBypass: ResourceRule = {
    kind: "resource",
    name: "kms-key-no-lockout-bypass",
    description: "Key policies keep the KMS policy-lockout safety check (bypassPolicyLockoutSafetyCheck not true).",
    severity: "high",
    controls: {},
    remediationSteps: "Remove bypassPolicyLockoutSafetyCheck or set it to false, and make sure the key " +
        "policy lets the account manage the key.",
    url: `${KMS_DOC}/key-policy-default.html`,
    enforcementLevel: "mandatory",
    remediable: true,
    config: {},
    types: [KEY, KEY_POLICY, REPLICA_KEY],
    check(resource) {
        const bypass = boolOf(resource.props.bypassPolicyLockoutSafetyCheck);
        if (bypass === true || bypass === "unknown") {
            return [problem(bypass === true
                ? "bypassPolicyLockoutSafetyCheck is true, so a key policy that locks everyone out is accepted."
                : "bypassPolicyLockoutSafetyCheck is unknown during preview.",
            "remove bypassPolicyLockoutSafetyCheck (or set it to false).")];
        }
        return [];
    },
    remediate(resource) {
        return boolOf(resource.props.bypassPolicyLockoutSafetyCheck) === true
            ? { bypassPolicyLockoutSafetyCheck: false } : undefined;
    },
};

/**
 * Policy documents are usually built from other resources' ARNs and are then wholly unknown at a first
 * preview. Nothing can be judged then; the engine analyzes the resource again with known inputs before it
 * creates or updates it, so a bad policy is still stopped. Such rules stay silent on an unknown document.
 */
function keyPolicyStatements(resource: PlainResource): Statement[] | Problem {
    const parsed = parsePolicyDocument(resource.props.policy);
    switch (parsed.kind) {
        case "parsed":
            return parsed.statements;
        case "malformed":
            return problem(`the key policy cannot be evaluated: ${parsed.error}.`,
                "supply the policy as a JSON document with a Statement list (e.g. via JSON.stringify).");
        default:
            return [];
    }
}

export const kmsKeyPolicyNoPublicPrincipal: ResourceRule = {
    kind: "resource",
    name: "kms-key-policy-no-public-principal",
    description: "Key policies grant nothing to a wildcard principal unless conditions confine it to known " +
        "accounts, organizations, services or source resources.",
    severity: "critical",
    controls: { fsbp: ["KMS.5"], checkov: ["CKV_AWS_33", "CKV2_AWS_64"] },
    remediationSteps: "Name the principals explicitly, or add a condition such as StringEquals " +
        "kms:CallerAccount, aws:SourceAccount, aws:PrincipalOrgID or ArnEquals aws:SourceArn with a concrete value.",
    url: `${KMS_DOC}/key-policy-overview.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    types: [KEY, KEY_POLICY, REPLICA_KEY],
    check(resource) {
        const statements = keyPolicyStatements(resource);
        if (!Array.isArray(statements)) {
            return [statements];
        }
        return statements
            .map((s, i) => ({ s, i }))
            .filter(({ s }) => s.effect === "Allow" && s.principals.some(isWildcardPrincipal) &&
                confiningCondition(s) === undefined)
            .map(({ s, i }) => problem(
                `key policy statement ${i + 1} allows ${s.actions.join(", ") || "NotAction"} to a wildcard ` +
                "principal with no condition that confines it.",
                "name the principals, or add StringEquals kms:CallerAccount / aws:SourceAccount / " +
                "aws:PrincipalOrgID (or ArnEquals aws:SourceArn) with a concrete value."));
    },
};

const CRYPTO_ACTIONS = [
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext",
    "kms:Sign", "kms:Verify", "kms:GenerateMac", "kms:VerifyMac", "kms:DeriveSharedSecret",
];
const ADMIN_ACTIONS = [
    "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:EnableKey", "kms:UpdateKeyDescription",
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:TagResource",
    "kms:UntagResource", "kms:EnableKeyRotation", "kms:DisableKeyRotation",
];

/** The account root principal delegates to IAM (the AWS default policy); it is not a key administrator. */
function isAdministrablePrincipal(principal: string): boolean {
    return !isWildcardPrincipal(principal) && !/^arn:aws[a-z-]*:iam::\d{12}:root$/.test(principal) &&
        !/^\d{12}$/.test(principal) && !principal.endsWith(".amazonaws.com");
}

export const kmsKeyAdminSeparation: ResourceRule = {
    kind: "resource",
    name: "kms-key-admin-separation",
    description: "Principals that administer a key (policy, deletion, enable/disable) cannot also use it for " +
        "cryptographic operations, unless an explicit Deny removes those operations.",
    severity: "low",
    controls: {},
    remediationSteps: "Split key administrators from key users, or add a Deny statement for the administrators " +
        "covering kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*.",
    url: `${KMS_DOC}/key-policy-default.html#key-policy-default-allow-administrators`,
    enforcementLevel: "advisory",
    remediable: false,
    config: {},
    types: [KEY, KEY_POLICY, REPLICA_KEY],
    check(resource) {
        const statements = keyPolicyStatements(resource);
        if (!Array.isArray(statements)) {
            return [statements];
        }
        const granted = (principal: string, actions: string[], effect: "Allow" | "Deny") =>
            actions.filter(a => statements.some(s => s.effect === effect && s.principals.includes(principal) &&
                statementCovers(s, a)));
        const principals = new Set(statements.filter(s => s.effect === "Allow")
            .flatMap(s => s.principals).filter(isAdministrablePrincipal));
        const problems: Problem[] = [];
        for (const principal of principals) {
            if (granted(principal, ADMIN_ACTIONS, "Allow").length === 0) {
                continue;
            }
            const denied = new Set(granted(principal, CRYPTO_ACTIONS, "Deny"));
            const crypto = granted(principal, CRYPTO_ACTIONS, "Allow").filter(a => !denied.has(a));
            if (crypto.length > 0) {
                problems.push(problem(`key administrator ${principal} may also use the key (${crypto.join(", ")}).`,
                    `remove those actions from ${principal}, or add a Deny statement for it covering them.`));
            }
        }
        return problems;
    },
};

export const kmsRules = [
    kmsKeyRotation, kmsKeyDeletionWindow, kmsKeyNoLockoutBypass, kmsKeyPolicyNoPublicPrincipal, kmsKeyAdminSeparation,
];
