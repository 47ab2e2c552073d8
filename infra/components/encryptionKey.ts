import * as pulumi from "@pulumi/pulumi";
import * as kms from "@pulumi/aws/kms";
import { PolicyDocument } from "../../vocabulary/policyDocument";

export interface EncryptionKeyArgs {
    /** Becomes the alias `alias/kms-audit-<environment>`. */
    environment: string;
    /** The complete key policy (see `buildKeyPolicy`). */
    policy: pulumi.Input<PolicyDocument>;
    rotationPeriodDays: number;
    deletionWindowDays: number;
    multiRegion: boolean;
    protect: boolean;
}

/**
 * A symmetric customer-managed key with automatic rotation, its policy inline (so it exists from creation), and an
 * alias. The key is kept in AWS when Pulumi deletes or replaces it (`retainOnDelete`), in every stack: a config edit
 * that replaces the key (for example `multiRegionKey`) must never schedule the deletion of the key that encrypts
 * the existing data. Removing a key on purpose is a manual step (docs/operations.md).
 * @see pulumi/pulumi sdk/nodejs/resource.ts, `retainOnDelete`: the provider's Delete is not called (also not for
 *      the old resource of a replacement)
 */
export class EncryptionKey extends pulumi.ComponentResource {
    public readonly key: kms.Key;
    public readonly alias: kms.Alias;
    public readonly arn: pulumi.Output<string>;
    public readonly aliasName: pulumi.Output<string>;

    constructor(name: string, args: EncryptionKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kms-audit:index:EncryptionKey", name, {}, opts);
        this.key = new kms.Key(
            name,
            {
                description:
                    `kms-audit ${args.environment}: encrypts the data bucket, CloudTrail logs, ` +
                    "the trail's log group and the alarm topic",
                keyUsage: "ENCRYPT_DECRYPT",
                customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                enableKeyRotation: true,
                rotationPeriodInDays: args.rotationPeriodDays,
                deletionWindowInDays: args.deletionWindowDays,
                multiRegion: args.multiRegion,
                bypassPolicyLockoutSafetyCheck: false,
                policy: pulumi.output(args.policy).apply((doc) => JSON.stringify(doc)),
                tags: { Environment: args.environment, ManagedBy: "kms-audit" },
            },
            { parent: this, protect: args.protect, retainOnDelete: true },
        );
        this.alias = new kms.Alias(
            name,
            { name: `alias/kms-audit-${args.environment}`, targetKeyId: this.key.keyId },
            { parent: this },
        );
        this.arn = this.key.arn;
        this.aliasName = this.alias.name;
        this.registerOutputs({ arn: this.arn, aliasName: this.aliasName });
    }
}
