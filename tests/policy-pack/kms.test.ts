import * as assert from "assert";
import { UNKNOWN, secret } from "./harness/requests";
import { assertNone, assertOneFinding, resourceFindings } from "./helpers";
import { ACCOUNT, T, keyPolicy, keyProps } from "./fixtures";

const key = (props: Record<string, unknown>, type: string = T.key) => ({
    type,
    name: "key",
    props: { ...keyProps, ...props },
});
const policyWith = (...statements: unknown[]) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [...keyPolicy.Statement, ...statements] });

describe("kms-key-rotation: is my symmetric key rotated often enough?", () => {
    it("passes a symmetric key with rotation on", async () =>
        assertNone(await resourceFindings(key({}), "kms-key-rotation")));
    it("flags a symmetric key with rotation off, naming the key and the fix", async () => {
        const f = assertOneFinding(
            await resourceFindings(key({ enableKeyRotation: false }), "kms-key-rotation"),
            'Key "key"',
            "rotation is off",
            "enableKeyRotation: true",
        );
        assert.strictEqual(f.enforcementLevel, "mandatory");
    });
    it("flags a key that omits enableKeyRotation (AWS default is off)", async () =>
        assertOneFinding(await resourceFindings(key({ enableKeyRotation: undefined }), "kms-key-rotation")));
    it("flags a rotation period above the configured maximum (default 365)", async () =>
        assertOneFinding(await resourceFindings(key({ rotationPeriodInDays: 730 }), "kms-key-rotation"), "730", "365"));
    it("leaves HMAC, asymmetric and custom-key-store keys alone (they cannot rotate)", async () => {
        assertNone(
            await resourceFindings(
                key({ enableKeyRotation: false, customerMasterKeySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" }),
                "kms-key-rotation",
            ),
        );
        assertNone(
            await resourceFindings(
                key({ enableKeyRotation: false, customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }),
                "kms-key-rotation",
            ),
        );
        assertNone(
            await resourceFindings(key({ enableKeyRotation: false, customKeyStoreId: "cks-1" }), "kms-key-rotation"),
        );
    });
    it("fails closed when enableKeyRotation is unknown at preview", async () =>
        assertOneFinding(
            await resourceFindings(key({ enableKeyRotation: UNKNOWN }), "kms-key-rotation"),
            "unknown during preview",
        ));
    it("reads secret values as the engine sends them", async () =>
        assertNone(await resourceFindings(key({ enableKeyRotation: secret(true) }), "kms-key-rotation")));
    it("is not applicable to other resource types", async () =>
        assertNone(
            await resourceFindings({ type: T.topic, name: "t", props: { kmsMasterKeyId: "arn" } }, "kms-key-rotation"),
        ));
});

describe("kms-key-deletion-window: can a key be deleted at short notice?", () => {
    it("passes 30 days and the unset default", async () => {
        assertNone(await resourceFindings(key({}), "kms-key-deletion-window"));
        assertNone(await resourceFindings(key({ deletionWindowInDays: undefined }), "kms-key-deletion-window"));
    });
    it("flags 7 days against the default minimum 30", async () =>
        assertOneFinding(
            await resourceFindings(key({ deletionWindowInDays: 7 }), "kms-key-deletion-window"),
            "7",
            "30",
        ));
});

describe("kms-key-no-lockout-bypass: is the lockout safety check kept?", () => {
    it("passes when the flag is absent or false", async () =>
        assertNone(
            await resourceFindings(key({ bypassPolicyLockoutSafetyCheck: false }), "kms-key-no-lockout-bypass"),
        ));
    it("flags true on a Key and on a KeyPolicy", async () => {
        assertOneFinding(
            await resourceFindings(key({ bypassPolicyLockoutSafetyCheck: true }), "kms-key-no-lockout-bypass"),
        );
        assertOneFinding(
            await resourceFindings(
                {
                    type: T.keyPolicy,
                    name: "kp",
                    props: { keyId: UNKNOWN, policy: JSON.stringify(keyPolicy), bypassPolicyLockoutSafetyCheck: true },
                },
                "kms-key-no-lockout-bypass",
            ),
            'KeyPolicy "kp"',
        );
    });
});

describe("kms-key-policy-no-public-principal: can anyone outside use my key?", () => {
    const rule = "kms-key-policy-no-public-principal";
    const open = (condition?: unknown) => ({
        Effect: "Allow",
        Principal: "*",
        Action: "kms:Decrypt",
        Resource: "*",
        ...(condition ? { Condition: condition } : {}),
    });
    it("passes the baseline policy (root, admins, users, confined service principals)", async () =>
        assertNone(await resourceFindings(key({}), rule)));
    it("flags a wildcard principal with no condition", async () =>
        assertOneFinding(await resourceFindings(key({ policy: policyWith(open()) }), rule), "statement 7", "wildcard"));
    it('flags {AWS: "*"} the same way', async () =>
        assertOneFinding(
            await resourceFindings(key({ policy: policyWith({ ...open(), Principal: { AWS: "*" } }) }), rule),
        ));
    it("accepts a wildcard confined by StringEquals kms:CallerAccount", async () =>
        assertNone(
            await resourceFindings(
                key({ policy: policyWith(open({ StringEquals: { "kms:CallerAccount": ACCOUNT } })) }),
                rule,
            ),
        ));
    it("accepts aws:PrincipalOrgID, and kms:ViaService paired with kms:CallerAccount", async () => {
        const orgOnly = policyWith(open({ StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }));
        assertNone(await resourceFindings(key({ policy: orgOnly }), rule));
        assertNone(
            await resourceFindings(
                key({
                    policy: policyWith(
                        open({
                            StringEquals: {
                                "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                                "kms:CallerAccount": ACCOUNT,
                            },
                        }),
                    ),
                }),
                rule,
            ),
        );
    });
    it('rejects conditions that do not confine: StringLike "*", ...IfExists, unrelated keys, StringNotEquals', async () => {
        for (const condition of [
            { StringLike: { "kms:CallerAccount": "*" } },
            { StringEqualsIfExists: { "aws:SourceAccount": ACCOUNT } },
            { StringEquals: { "kms:EncryptionContext:app": "x" } },
            { StringNotEquals: { "aws:SourceAccount": ACCOUNT } },
            { ArnLike: { "aws:SourceArn": "arn:aws:cloudtrail:*:*:trail/*" } },
        ]) {
            assertOneFinding(await resourceFindings(key({ policy: policyWith(open(condition)) }), rule));
        }
    });
    it("never objects to Deny statements with a wildcard principal", async () =>
        assertNone(
            await resourceFindings(
                key({ policy: policyWith({ Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" }) }),
                rule,
            ),
        ));
    it("reports a malformed policy (not JSON, no Statement, bad Effect) as a finding", async () => {
        assertOneFinding(await resourceFindings(key({ policy: "{not json" }), rule), "not valid JSON");
        assertOneFinding(await resourceFindings(key({ policy: "{}" }), rule), "no Statement");
        assertOneFinding(
            await resourceFindings(key({ policy: JSON.stringify({ Statement: [{ Effect: "Maybe" }] }) }), rule),
            "Effect",
        );
    });
    it("stays silent on a policy document that is unknown at preview (judged again before apply)", async () =>
        assertNone(await resourceFindings(key({ policy: UNKNOWN }), rule)));
    it("judges KeyPolicy resources too", async () =>
        assertOneFinding(
            await resourceFindings(
                { type: T.keyPolicy, name: "kp", props: { keyId: UNKNOWN, policy: policyWith(open()) } },
                rule,
            ),
            'KeyPolicy "kp"',
        ));
});

describe("kms-key-admin-separation: can key administrators decrypt?", () => {
    const rule = "kms-key-admin-separation";
    const admin = `arn:aws:iam::${ACCOUNT}:role/key-admin`;
    it("passes admins whose crypto actions are explicitly denied", async () =>
        assertNone(await resourceFindings(key({}), rule)));
    it("flags an admin that also holds crypto actions, at advisory level by default", async () => {
        const statements = keyPolicy.Statement.filter((s) => s.Sid !== "AdminsNoCrypto");
        const f = assertOneFinding(
            await resourceFindings(
                key({
                    policy: JSON.stringify({
                        Statement: [
                            ...statements,
                            { Effect: "Allow", Principal: { AWS: admin }, Action: "kms:Decrypt", Resource: "*" },
                        ],
                    }),
                }),
                rule,
            ),
            admin,
            "kms:Decrypt",
        );
        assert.strictEqual(f.enforcementLevel, "advisory");
    });
    it("flags kms:* granted to a non-root principal", async () =>
        assertOneFinding(
            await resourceFindings(
                key({
                    policy: JSON.stringify({
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/ops` },
                                Action: "kms:*",
                                Resource: "*",
                            },
                        ],
                    }),
                }),
                rule,
            ),
            "user/ops",
        ));
    it("counts on-demand rotation as administering (vocabulary/kmsActions.ts), so rotate + decrypt is flagged", async () => {
        const ops = `arn:aws:iam::${ACCOUNT}:role/rotator`;
        const statement = (actions: string[]) => ({
            Effect: "Allow",
            Principal: { AWS: ops },
            Action: actions,
            Resource: "*",
        });
        const policy = (actions: string[]) => key({ policy: JSON.stringify({ Statement: [statement(actions)] }) });
        assertOneFinding(
            await resourceFindings(policy(["kms:RotateKeyOnDemand", "kms:Decrypt"]), rule),
            "role/rotator",
        );
        assertNone(await resourceFindings(policy(["kms:RotateKeyOnDemand", "kms:DescribeKey"]), rule));
        assertNone(await resourceFindings(policy(["kms:RevokeGrant", "kms:Decrypt"]), rule));
    });
    it("does not treat the account root delegation as an administrator", async () =>
        assertNone(
            await resourceFindings(key({ policy: JSON.stringify({ Statement: [keyPolicy.Statement[0]] }) }), rule),
        ));
});
