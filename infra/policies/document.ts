/** The ARNs and service principals policy documents name, built from the deploying account. */

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
