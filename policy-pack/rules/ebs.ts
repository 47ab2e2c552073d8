/** EBS: account-level default encryption. */
import type { ResourceRule } from "../lib/rule";
import { problem } from "../lib/rule";
import { boolOf } from "../lib/values";

export const ebsEncryptionByDefault: ResourceRule = {
    kind: "resource",
    name: "ebs-encryption-by-default",
    description: "EBS encryption by default is not disabled in the region.",
    severity: "medium",
    controls: { cis: ["2.2.1"], fsbp: ["EC2.7"], checkov: ["CKV_AWS_106"] },
    remediationSteps: "Set enabled: true on aws.ebs.EncryptionByDefault (true is the default).",
    url: "https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
    enforcementLevel: "mandatory",
    remediable: true,
    config: {},
    types: ["aws:ebs/encryptionByDefault:EncryptionByDefault"],
    check(r) {
        const enabled = r.props.enabled === undefined || r.props.enabled === null ? true : boolOf(r.props.enabled);
        return enabled === true ? [] : [problem(enabled === "unknown" ? "enabled is unknown during preview."
            : "it turns EBS encryption by default off.", "set enabled: true.")];
    },
    remediate: r => boolOf(r.props.enabled) === false ? { enabled: true } : undefined,
};

export const ebsRules = [ebsEncryptionByDefault];
