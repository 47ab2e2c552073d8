/** KMS key settings: automatic rotation, the deletion waiting period, the policy-lockout safety check. */
import { KMS_DOC } from "../lib/docs";
import type { Problem, TypedResource } from "../lib/rule";
import { problem, resourceRule } from "../lib/rule";
import { KEY, KEY_POLICY_TYPES, KEY_TYPES } from "../lib/types";
import { at, boolOf, isUnknown, knownString, numberOf } from "../lib/values";

/** Only symmetric encryption keys outside custom key stores support automatic rotation. */
function rotationApplies(props: TypedResource<typeof KEY>["props"]): boolean {
    // `keySpec` is no input of aws:kms/key:Key in @pulumi/aws 7.48 (only of the replica and external keys), so
    // the typed props reject it; it is still read, untyped, so that verdicts stay as they were.
    const spec = props.customerMasterKeySpec ?? at(props, "keySpec");
    const usage = props.keyUsage;
    const symmetric = spec === undefined || spec === null || spec === "SYMMETRIC_DEFAULT";
    const encryptDecrypt = usage === undefined || usage === null || usage === "ENCRYPT_DECRYPT";
    const customStore = knownString(props.customKeyStoreId) !== undefined || isUnknown(props.customKeyStoreId);
    return symmetric && encryptDecrypt && !customStore;
}

export const kmsKeyRotation = resourceRule({
    name: "kms-key-rotation",
    description: "Symmetric KMS keys rotate automatically, at most every `maxRotationPeriodDays` days.",
    severity: "medium",
    controls: { cis: ["3.6"], fsbp: ["KMS.4"], checkov: ["CKV_AWS_7"] },
    remediationSteps:
        "Set enableKeyRotation: true (and rotationPeriodInDays within the maximum). Asymmetric, " +
        "HMAC and custom-key-store keys cannot rotate automatically and are not checked.",
    url: `${KMS_DOC}/rotate-keys.html`,
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
        const max = config.maxRotationPeriodDays;
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
        const max = config.maxRotationPeriodDays;
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
});

export const kmsKeyDeletionWindow = resourceRule({
    name: "kms-key-deletion-window",
    description: "KMS keys keep a deletion waiting period of at least `minDeletionWindowDays` days.",
    severity: "medium",
    controls: { fsbp: ["KMS.3"] },
    remediationSteps: "Set deletionWindowInDays to the configured minimum or more (AWS allows 7-30, default 30).",
    url: `${KMS_DOC}/deleting-keys.html`,
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
        const min = config.minDeletionWindowDays;
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
});

export const kmsKeyNoLockoutBypass = resourceRule({
    name: "kms-key-no-lockout-bypass",
    description: "Key policies keep the KMS policy-lockout safety check (bypassPolicyLockoutSafetyCheck not true).",
    severity: "high",
    remediationSteps:
        "Remove bypassPolicyLockoutSafetyCheck or set it to false, and make sure the key " +
        "policy lets the account manage the key.",
    url: `${KMS_DOC}/key-policy-default.html`,
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
});
