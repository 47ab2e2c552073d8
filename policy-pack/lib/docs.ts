/** Base addresses of the AWS guides rules link to (each rule's `url`). */
export const S3_DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide";
export const CT_DOC = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide";
export const KMS_DOC = "https://docs.aws.amazon.com/kms/latest/developerguide";
export const LOGS_DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs";
export const EBS_DOC = "https://docs.aws.amazon.com/ebs/latest/userguide";
