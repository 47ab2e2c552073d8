/** IAM policy documents as plain data: what the builders return and what AWS receives as JSON. */

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow" | "Deny";
    /** Resource policies name a principal; identity policies must not. */
    Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
    Action: string | string[];
    /** Identity and resource policies name resources; role trust policies must not. */
    Resource?: string | string[];
    /** Every resource except these; used where a Deny must spare one prefix of a bucket. */
    NotResource?: string | string[];
    Condition?: ConditionBlock;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Id?: string;
    Statement: PolicyStatement[];
}

/** The ARN pieces every document needs, resolved from the deploying account. */
export interface AccountContext {
    partition: string;
    region: string;
    accountId: string;
}

export function accountRootArn(ctx: AccountContext): string {
    return `arn:${ctx.partition}:iam::${ctx.accountId}:root`;
}

/** The ARN a trail will have; known before the trail exists because the trail's name is chosen by us. */
export function trailArn(ctx: AccountContext, trailName: string): string {
    return `arn:${ctx.partition}:cloudtrail:${ctx.region}:${ctx.accountId}:trail/${trailName}`;
}

export function logGroupArn(ctx: AccountContext, logGroupName: string): string {
    return `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:${logGroupName}`;
}

export function topicArn(ctx: AccountContext, topicName: string): string {
    return `arn:${ctx.partition}:sns:${ctx.region}:${ctx.accountId}:${topicName}`;
}

export function serviceHost(ctx: AccountContext, service: string): string {
    return ctx.partition === "aws-cn" ? `${service}.amazonaws.com.cn` : `${service}.amazonaws.com`;
}
