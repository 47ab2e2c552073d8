/** Every rule of the pack, in the order the engine evaluates and reports them. */
import type { Rule } from "../lib/rule";
import { cloudtrailRules } from "./cloudtrail";
import { ebsRules } from "./ebs";
import { kmsRules } from "./kms";
import { logsRules } from "./logs";
import { rdsRules } from "./rds";
import { s3Rules } from "./s3";
import { snsRules } from "./sns";

export const allRules: readonly Rule[] = [
    ...kmsRules,
    ...s3Rules,
    ...cloudtrailRules,
    ...logsRules,
    ...snsRules,
    ...ebsRules,
    ...rdsRules,
];
