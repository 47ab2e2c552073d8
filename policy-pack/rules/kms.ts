/** KMS keys: rotation, deletion window, lockout safety, key policy principals, separation of duties. */
import type { ResourceRule, PlainResource, Problem } from "../lib/rule";
import { problem } from "../lib/rule";
import {
    KEY_POLICY_LIMIT,
    confiningCondition,
    isWildcardPrincipal,
    parsePolicyDocument,
    statementCovers,
    Statement,
} from "../lib/policyDocument";
import { boolOf, describeValue, isUnknown, knownString, numberOf } from "../lib/values";
import * as AWS from "../../vocabulary/awsTypes";
import { ADMINISTERS_KEY_ACTIONS, USES_KEY_ACTIONS } from "../../vocabulary/kmsActions";

export const KEY = AWS.KMS_KEY;
export const KEY_POLICY = AWS.KMS_KEY_POLICY;
export const REPLICA_KEY = AWS.KMS_REPLICA_KEY;
export const EXTERNAL_KEY = AWS.KMS_EXTERNAL_KEY;
export const REPLICA_EXTERNAL_KEY = AWS.KMS_REPLICA_EXTERNAL_KEY;
export const GRANT = AWS.KMS_GRANT;

/**
 * Every KMS key type @pulumi/aws 7.48 offers (kms/key.js, replicaKey.js, externalKey.js, replicaExternalKey.js
 * `__pulumiType`). All have a key policy, the lockout safety switch and a deletion window; only `Key` can
 * rotate automatically: keys with imported key material cannot, and a multi-Region replica follows the
 * setting of its primary key (https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html).
 */
export const KEY_TYPES = [KEY, REPLICA_KEY, EXTERNAL_KEY, REPLICA_EXTERNAL_KEY];
/** Resources that carry a key policy document. */
const KEY_POLICY_TYPES = [...KEY_TYPES, KEY_POLICY];

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
    remediationSteps:
        "Set enableKeyRotation: true (and rotationPeriodInDays within the maximum). Asymmetric, " +
        "HMAC and custom-key-store keys cannot rotate automatically and are not checked.",
    url: `${KMS_DOC}/rotate-keys.html`,
    enforcementLevel: "mandatory",
    remediable: true,
    config: {
        maxRotationPeriodDays: {
            type: "integer",
            minimum: 90,
            maximum: 2560,
            default: 365,
            description: "Longest allowed rotationPeriodInDays (AWS allows 90-2560, default 365).",
        },
    },
    types: [KEY],
    check(resource, config) {
        if (!rotationApplies(resource.props)) {
            return [];
        }
        const problems: Problem[] = [];
        const enabled = boolOf(resource.props.enableKeyRotation);
        if (enabled !== true) {
            problems.push(
                problem(
                    enabled === "unknown"
                        ? "enableKeyRotation is unknown during preview, so rotation cannot be confirmed."
                        : "automatic key rotation is off.",
                    "set enableKeyRotation: true.",
                ),
            );
        }
        const max = config.maxRotationPeriodDays as number;
        const period = numberOf(resource.props.rotationPeriodInDays);
        if (typeof period === "number" && period > max) {
            problems.push(
                problem(
                    `rotationPeriodInDays is ${period}, above the allowed ${max}.`,
                    `set rotationPeriodInDays to at most ${max}.`,
                ),
            );
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
        minDeletionWindowDays: {
            type: "integer",
            minimum: 7,
            maximum: 30,
            default: 30,
            description: "Shortest allowed deletionWindowInDays.",
        },
    },
    types: KEY_TYPES,
    check(resource, config) {
        const min = config.minDeletionWindowDays as number;
        const days = numberOf(resource.props.deletionWindowInDays);
        if (days === "unknown") {
            return [
                problem(
                    "deletionWindowInDays is unknown during preview.",
                    `set deletionWindowInDays to a literal of at least ${min}.`,
                ),
            ];
        }
        // Unset means the AWS default of 30 days.
        if (typeof days === "number" && days < min) {
            return [
                problem(
                    `deletionWindowInDays is ${days}, below the required ${min}.`,
                    `set deletionWindowInDays to ${min} or more.`,
                ),
            ];
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
    remediationSteps:
        "Remove bypassPolicyLockoutSafetyCheck or set it to false, and make sure the key " +
        "policy lets the account manage the key.",
    url: `${KMS_DOC}/key-policy-default.html`,
    enforcementLevel: "mandatory",
    remediable: true,
    config: {},
    types: KEY_POLICY_TYPES,
    check(resource) {
        const bypass = boolOf(resource.props.bypassPolicyLockoutSafetyCheck);
        if (bypass === true || bypass === "unknown") {
            return [
                problem(
                    bypass === true
                        ? "bypassPolicyLockoutSafetyCheck is true, so a key policy that locks everyone out is accepted."
                        : "bypassPolicyLockoutSafetyCheck is unknown during preview.",
                    "remove bypassPolicyLockoutSafetyCheck (or set it to false).",
                ),
            ];
        }
        return [];
    },
    remediate(resource) {
        return boolOf(resource.props.bypassPolicyLockoutSafetyCheck) === true
            ? { bypassPolicyLockoutSafetyCheck: false }
            : undefined;
    },
};

/**
 * Policy documents are usually built from other resources' ARNs and are then wholly unknown at a first
 * preview. Nothing can be judged then; the engine analyzes the resource again with known inputs before it
 * creates or updates it, so a bad policy is still stopped. Such rules stay silent on an unknown document.
 */
function keyPolicyStatements(resource: PlainResource): Statement[] | Problem {
    const parsed = parsePolicyDocument(resource.props.policy, KEY_POLICY_LIMIT);
    switch (parsed.kind) {
        case "parsed":
            return parsed.statements;
        case "malformed":
            return problem(
                `the key policy cannot be evaluated: ${parsed.error}.`,
                "supply the policy as a JSON document with a Statement list (e.g. via JSON.stringify).",
            );
        default:
            return [];
    }
}

export const kmsKeyPolicyNoPublicPrincipal: ResourceRule = {
    kind: "resource",
    name: "kms-key-policy-no-public-principal",
    description:
        "Key policies grant nothing to a wildcard principal unless conditions confine it to known " +
        "accounts, organizations, services or source resources.",
    severity: "critical",
    controls: { fsbp: ["KMS.5"], checkov: ["CKV_AWS_33", "CKV2_AWS_64"] },
    remediationSteps:
        "Name the principals explicitly, or add a condition such as StringEquals " +
        "kms:CallerAccount, aws:SourceAccount, aws:PrincipalOrgID or ArnEquals aws:SourceArn with a concrete value.",
    url: `${KMS_DOC}/key-policy-overview.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {},
    types: KEY_POLICY_TYPES,
    check(resource) {
        const statements = keyPolicyStatements(resource);
        if (!Array.isArray(statements)) {
            return [statements];
        }
        return statements
            .map((s, i) => ({ s, i }))
            .filter(
                ({ s }) =>
                    s.effect === "Allow" &&
                    s.principals.some(isWildcardPrincipal) &&
                    confiningCondition(s) === undefined,
            )
            .map(({ s, i }) =>
                problem(
                    `key policy statement ${i + 1} allows ${
                        s.actions.length > 0 ? describeValue(s.actions.join(", ")) : "everything but its NotAction"
                    } to a wildcard principal with no condition that confines it ` +
                        "(wildcard values, policy variables and kms:ViaService alone confine nothing).",
                    "name the principals, or add StringEquals kms:CallerAccount / aws:SourceAccount / " +
                        "aws:PrincipalOrgID (or ArnEquals aws:SourceArn) with a concrete value.",
                ),
            );
    },
};

/** What "uses" and "administers" a key mean here, and why they differ from the key policy builder's lists. */
const CRYPTO_ACTIONS = [...USES_KEY_ACTIONS];
const ADMIN_ACTIONS = [...ADMINISTERS_KEY_ACTIONS];

/** The account root principal delegates to IAM (the AWS default policy); it is not a key administrator. */
function isAdministrablePrincipal(principal: string): boolean {
    return (
        !isWildcardPrincipal(principal) &&
        !/^arn:aws[a-z-]*:iam::\d{12}:root$/.test(principal) &&
        !/^\d{12}$/.test(principal) &&
        !principal.endsWith(".amazonaws.com")
    );
}

export const kmsKeyAdminSeparation: ResourceRule = {
    kind: "resource",
    name: "kms-key-admin-separation",
    description:
        "Principals that administer a key (policy, deletion, enable/disable) cannot also use it for " +
        "cryptographic operations, unless an explicit Deny removes those operations.",
    severity: "low",
    controls: {},
    remediationSteps:
        "Split key administrators from key users, or add a Deny statement for the administrators " +
        "covering kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*.",
    url: `${KMS_DOC}/key-policy-default.html#key-policy-default-allow-administrators`,
    enforcementLevel: "advisory",
    remediable: false,
    config: {},
    types: KEY_POLICY_TYPES,
    check(resource) {
        const statements = keyPolicyStatements(resource);
        if (!Array.isArray(statements)) {
            return [statements];
        }
        // Index statements by principal once: a policy may list thousands of principals and statements.
        const byPrincipal = new Map<string, Statement[]>();
        const everyone: Statement[] = [];
        for (const st of statements) {
            for (const principal of new Set(st.principals)) {
                if (isWildcardPrincipal(principal) && st.effect === "Deny" && st.conditions.size === 0) {
                    everyone.push(st);
                }
                const list = byPrincipal.get(principal);
                if (list) {
                    list.push(st);
                } else {
                    byPrincipal.set(principal, [st]);
                }
            }
        }
        const problems: Problem[] = [];
        for (const [principal, own] of byPrincipal) {
            if (!isAdministrablePrincipal(principal) || !own.some((st) => st.effect === "Allow")) {
                continue;
            }
            const granted = (actions: string[], effect: "Allow" | "Deny") =>
                actions.filter(
                    (a) =>
                        own.some((st) => st.effect === effect && statementCovers(st, a)) ||
                        (effect === "Deny" && everyone.some((st) => st.effect === "Deny" && statementCovers(st, a))),
                );
            if (granted(ADMIN_ACTIONS, "Allow").length === 0) {
                continue;
            }
            const denied = new Set(granted(CRYPTO_ACTIONS, "Deny"));
            const crypto = granted(CRYPTO_ACTIONS, "Allow").filter((a) => !denied.has(a));
            if (crypto.length > 0) {
                problems.push(
                    problem(
                        `key administrator ${principal} may also use the key (${crypto.join(", ")}).`,
                        `remove those actions from ${principal}, or add a Deny statement for it covering them.`,
                    ),
                );
            }
        }
        return problems;
    },
};

/** The 12-digit account of an ARN or account ID; "*" for a wildcard account; undefined when there is none. */
function accountOf(value: string): string | undefined {
    if (/^\d{12}$/.test(value)) {
        return value;
    }
    const account = value.startsWith("arn:") ? value.split(":")[4] : undefined;
    if (account === undefined || account === "") {
        return undefined;
    }
    return /^\d{12}$/.test(account) ? account : "*";
}

/**
 * Grants give their grantee the listed operations on the key without any key-policy change, so a grant to
 * another account is a cross-account share (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
 * The key's account comes from a key ARN in keyId; grants on a key named by ID or alias are judged against
 * `trustedAccountIds` only. An unknown grantee (preview) is another resource's output and is judged when the
 * engine analyzes the grant again, with known inputs, just before creating it.
 */
export const kmsGrantSameAccount: ResourceRule = {
    kind: "resource",
    name: "kms-grant-same-account",
    description: "KMS grants name grantee principals of the key's own account (or of `trustedAccountIds`).",
    severity: "high",
    controls: {},
    remediationSteps:
        "Grant to a principal of the key's account, or, for a deliberate cross-account share, add " +
        "that account to trustedAccountIds (and prefer a key policy statement the other account can audit).",
    url: `${KMS_DOC}/grants.html`,
    enforcementLevel: "mandatory",
    remediable: false,
    config: {
        trustedAccountIds: {
            type: "array",
            items: { type: "string", pattern: "^\\d{12}$" },
            default: [],
            description: "Other accounts grants may name (12-digit IDs).",
        },
    },
    types: [GRANT],
    check(resource, config) {
        const grantee = resource.props.granteePrincipal;
        if (isUnknown(grantee) || grantee === undefined || grantee === null) {
            return [];
        }
        if (typeof grantee !== "string") {
            return [
                problem(
                    `granteePrincipal is ${describeValue(grantee)}, not a principal ARN.`,
                    "set granteePrincipal to the ARN of a principal in the key's account.",
                ),
            ];
        }
        const granteeAccount = accountOf(grantee);
        if (granteeAccount === undefined) {
            return []; // a service principal or another form without an account
        }
        const keyId = knownString(resource.props.keyId);
        const keyAccount = keyId !== undefined ? accountOf(keyId) : undefined;
        const trusted = new Set([
            ...(config.trustedAccountIds as unknown[]).filter((a): a is string => typeof a === "string"),
            ...(keyAccount !== undefined && keyAccount !== "*" ? [keyAccount] : []),
        ]);
        if (granteeAccount === "*") {
            return [
                problem(
                    `granteePrincipal ${describeValue(grantee)} names every account.`,
                    "name one principal of the key's account.",
                ),
            ];
        }
        if (trusted.size === 0 || trusted.has(granteeAccount)) {
            return [];
        }
        return [
            problem(
                `it grants ${asOperations(resource.props.operations)} to ${grantee}, in ` +
                    `account ${granteeAccount}, outside the key's account${keyAccount ? ` (${keyAccount})` : ""}.`,
                "grant to a principal of the key's account, or add the account to trustedAccountIds if the share is " +
                    "deliberate.",
            ),
        ];
    },
};

function asOperations(value: unknown): string {
    return Array.isArray(value) ? value.filter((v) => typeof v === "string").join(", ") : describeValue(value);
}

export const kmsRules = [
    kmsKeyRotation,
    kmsKeyDeletionWindow,
    kmsKeyNoLockoutBypass,
    kmsKeyPolicyNoPublicPrincipal,
    kmsKeyAdminSeparation,
    kmsGrantSameAccount,
];
