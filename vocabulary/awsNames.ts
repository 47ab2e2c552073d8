/**
 * What AWS accepts as a name: one pattern per kind of name, shared by the stack configuration (infra/config.ts)
 * and the audit's flags (audit/options.ts), with the sentence that says what is allowed.
 */

/**
 * A general purpose S3 bucket name (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
 * 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit; no two adjacent
 * dots; not an IP address; not starting with `xn--`, `sthree-` (which includes `sthree-configurator`) or
 * `amzn-s3-demo-`; not ending with the suffixes AWS reserves for access point aliases (`-s3alias`), Object Lambda
 * access point aliases (`--ol-s3`), Multi-Region Access Points (`.mrap`), directory buckets (`--x-s3`) and table
 * buckets (`--table-s3`). Buckets created before March 2018 in us-east-1 may have names outside these rules; the
 * project names only buckets that can be created today.
 */
const S3_BUCKET_RESERVED_PREFIXES: readonly string[] = ["xn--", "sthree-", "amzn-s3-demo-"];
const S3_BUCKET_RESERVED_SUFFIXES: readonly string[] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

const anyOf = (texts: readonly string[]): string => texts.map((t) => t.replace(/\./g, "\\.")).join("|");

export const S3_BUCKET_NAME = new RegExp(
    `^(?!${anyOf(S3_BUCKET_RESERVED_PREFIXES)})` +
        "(?!.*\\.\\.)" + // no two adjacent dots
        "(?!\\d{1,3}(\\.\\d{1,3}){3}$)" + // not an IP address
        `(?!.*(${anyOf(S3_BUCKET_RESERVED_SUFFIXES)})$)` +
        "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
);

export const S3_BUCKET_NAME_ALLOWED =
    "3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, no '..', not an " +
    `IP address, no reserved prefix (${S3_BUCKET_RESERVED_PREFIXES.join(", ")}) or suffix ` +
    `(${S3_BUCKET_RESERVED_SUFFIXES.join(", ")})`;

/** A 12-digit AWS account ID. */
export const ACCOUNT_ID = /^\d{12}$/;

/** A Region code such as `eu-west-1` or `us-gov-west-1` (https://docs.aws.amazon.com/general/latest/gr/rande.html). */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * An IAM user or role ARN, or an account root, in the partitions the project deploys to (aws, aws-cn, aws-us-gov);
 * path characters as IAM allows them in names and paths
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
 */
export const PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)$/;
export const ACCOUNT_ROOT_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:root$/;
