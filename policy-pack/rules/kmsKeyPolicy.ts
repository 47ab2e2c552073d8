/** KMS key policies: no unconfined wildcard principal; key administrators do not also use the key. */
import { KMS_DOC } from "../lib/docs";
import type { Statement } from "../lib/policyDocument";
import {
    KEY_POLICY_LIMIT,
    confiningCondition,
    isWildcardPrincipal,
    parsePolicyDocument,
    statementCovers,
} from "../lib/policyDocument";
import type { Problem, TypedResource } from "../lib/rule";
import { problem, resourceRule } from "../lib/rule";
import { ADMIN_ACTIONS, CRYPTO_ACTIONS, KEY_POLICY_TYPES } from "../lib/types";
import { describeValue } from "../lib/values";

/**
 * Policy documents are usually built from other resources' ARNs and are then wholly unknown at a first
 * preview. Nothing can be judged then; the engine analyzes the resource again with known inputs before it
 * creates or updates it, so a bad policy is still stopped. Such rules stay silent on an unknown document.
 */
function keyPolicyStatements(resource: TypedResource<(typeof KEY_POLICY_TYPES)[number]>): Statement[] | Problem {
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

export const kmsKeyPolicyNoPublicPrincipal = resourceRule({
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
});

/** The account root principal delegates to IAM (the AWS default policy); it is not a key administrator. */
function isAdministrablePrincipal(principal: string): boolean {
    return (
        !isWildcardPrincipal(principal) &&
        !/^arn:aws[a-z-]*:iam::\d{12}:root$/.test(principal) &&
        !/^\d{12}$/.test(principal) &&
        !principal.endsWith(".amazonaws.com")
    );
}

export const kmsKeyAdminSeparation = resourceRule({
    name: "kms-key-admin-separation",
    description:
        "Principals that administer a key (policy, deletion, enable/disable) cannot also use it for " +
        "cryptographic operations, unless an explicit Deny removes those operations.",
    severity: "low",
    remediationSteps:
        "Split key administrators from key users, or add a Deny statement for the administrators " +
        "covering kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*.",
    url: `${KMS_DOC}/key-policy-default.html#key-policy-default-allow-administrators`,
    enforcementLevel: "advisory",
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
});
