/** KMS grants: grantees in the key's own account (or a trusted one). */
import { KMS_DOC } from "../lib/docs";
import { problem, resourceRule } from "../lib/rule";
import { GRANT } from "../lib/types";
import { describeValue, isUnknown, knownString } from "../lib/values";

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
export const kmsGrantSameAccount = resourceRule({
    name: "kms-grant-same-account",
    description: "KMS grants name grantee principals of the key's own account (or of `trustedAccountIds`).",
    severity: "high",
    remediationSteps:
        "Grant to a principal of the key's account, or, for a deliberate cross-account share, add " +
        "that account to trustedAccountIds (and prefer a key policy statement the other account can audit).",
    url: `${KMS_DOC}/grants.html`,
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
            ...config.trustedAccountIds.filter((a): a is string => typeof a === "string"),
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
});

function asOperations(value: unknown): string {
    return Array.isArray(value) ? value.filter((v) => typeof v === "string").join(", ") : describeValue(value);
}
