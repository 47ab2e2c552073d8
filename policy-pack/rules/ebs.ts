/** EBS: account-level default encryption, and encryption of volumes, instance block devices and launch templates. */
import { EBS_DOC } from "../lib/docs";
import type { Problem, TypedResource } from "../lib/rule";
import { problem, resourceRule } from "../lib/rule";
import { EBS_ENCRYPTION_BY_DEFAULT, INSTANCE, LAUNCH_TEMPLATE, VOLUME } from "../lib/types";
import { asList, at, boolOf, isRecord, isSet } from "../lib/values";

export const ebsEncryptionByDefault = resourceRule({
    name: "ebs-encryption-by-default",
    description: "EBS encryption by default is not disabled in the region.",
    severity: "medium",
    controls: { cis: ["2.2.1"], fsbp: ["EC2.7"], checkov: ["CKV_AWS_106"] },
    remediationSteps: "Set enabled: true on aws.ebs.EncryptionByDefault (true is the default).",
    url: `${EBS_DOC}/encryption-by-default.html`,
    types: [EBS_ENCRYPTION_BY_DEFAULT],
    check(r) {
        const enabled = r.props.enabled === undefined || r.props.enabled === null ? true : boolOf(r.props.enabled);
        return enabled === true
            ? []
            : [
                  problem(
                      enabled === "unknown"
                          ? "enabled is unknown during preview."
                          : "it turns EBS encryption by default off.",
                      "set enabled: true.",
                  ),
              ];
    },
    remediate: (r) => (boolOf(r.props.enabled) === false ? { enabled: true } : undefined),
});

/** One block device's `encrypted` flag: literal true passes; false, absent or unknown (a literal) does not. */
function deviceProblem(where: string, encrypted: unknown): Problem[] {
    const value = boolOf(encrypted);
    if (value === true) {
        return [];
    }
    return [
        problem(
            value === "unknown"
                ? `${where} encrypted is unknown during preview.`
                : `${where} is not encrypted (encrypted is ${value === false ? "false" : "not set"}).`,
            `set encrypted: true on ${where} (with kmsKeyId for a customer managed key).`,
        ),
    ];
}

function volumeProblems(r: TypedResource<typeof VOLUME>): Problem[] {
    return deviceProblem("the volume", r.props.encrypted);
}

function instanceProblems(r: TypedResource<typeof INSTANCE>): Problem[] {
    const problems: Problem[] = [];
    const root = r.props.rootBlockDevice;
    // Without rootBlockDevice the root volume comes from the AMI or the launch template (judged there).
    if (isRecord(root) || !isSet(r.props.launchTemplate)) {
        problems.push(...deviceProblem("the root block device", at(root, "encrypted")));
    }
    asList(r.props.ebsBlockDevices).forEach((d, i) => {
        const name = at(d, "deviceName");
        const label = `EBS block device ${typeof name === "string" ? name : i + 1}`;
        problems.push(...deviceProblem(label, at(d, "encrypted")));
    });
    return problems;
}

function launchTemplateProblems(r: TypedResource<typeof LAUNCH_TEMPLATE>): Problem[] {
    return asList(r.props.blockDeviceMappings).flatMap((m, i) => {
        const ebs = at(m, "ebs");
        if (!isRecord(ebs)) {
            return []; // instance store or NoDevice mappings have no EBS volume
        }
        const name = at(m, "deviceName");
        return deviceProblem(`block device mapping ${typeof name === "string" ? name : i + 1}`, ebs.encrypted);
    });
}

/**
 * Volumes and instance block devices are encrypted (Security Hub EC2.3, Checkov CKV_AWS_3 for volumes and
 * CKV_AWS_8 for instances and launch configurations). Encryption by default in the region would encrypt them
 * too, but this resource cannot see the region's setting; `encrypted: true` states it where it is needed.
 */
export const ebsVolumeEncrypted = resourceRule({
    name: "ebs-volume-encrypted",
    description:
        "EBS volumes, EC2 instance root and EBS block devices, and launch template EBS mappings set " +
        "encrypted: true.",
    severity: "medium",
    controls: { fsbp: ["EC2.3"], checkov: ["CKV_AWS_3", "CKV_AWS_8"] },
    remediationSteps:
        "Set encrypted: true (and kmsKeyId for a customer managed key) on aws.ebs.Volume, on the " +
        "instance's rootBlockDevice and ebsBlockDevices, and on launch template blockDeviceMappings[].ebs. An " +
        "existing unencrypted volume is replaced: copy its snapshot with encryption first. With a customer managed " +
        "key and Auto Scaling, the key policy must also let the AWSServiceRoleForAutoScaling role use the key, or " +
        "launches fail (https://docs.aws.amazon.com/autoscaling/ec2/userguide/" +
        "key-policy-requirements-EBS-encryption.html).",
    url: `${EBS_DOC}/ebs-encryption.html`,
    types: [VOLUME, INSTANCE, LAUNCH_TEMPLATE],
    check(r) {
        switch (r.type) {
            case VOLUME:
                return volumeProblems(r);
            case INSTANCE:
                return instanceProblems(r);
            default:
                return launchTemplateProblems(r);
        }
    },
});
