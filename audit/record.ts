/**
 * The subset of a CloudTrail record the audit reads. Log files are untrusted input, so every field is optional
 * and read through the helpers below rather than trusted to have the documented type.
 * Field reference:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
export interface SessionIssuer {
    type?: unknown;
    arn?: unknown;
    userName?: unknown;
    accountId?: unknown;
}

export interface UserIdentity {
    type?: unknown;
    principalId?: unknown;
    arn?: unknown;
    accountId?: unknown;
    userName?: unknown;
    invokedBy?: unknown;
    sessionContext?: { sessionIssuer?: SessionIssuer };
}

export interface CloudTrailResource {
    ARN?: unknown;
    type?: unknown;
    accountId?: unknown;
}

export interface CloudTrailRecord {
    eventTime?: unknown;
    eventSource?: unknown;
    eventName?: unknown;
    eventID?: unknown;
    awsRegion?: unknown;
    sourceIPAddress?: unknown;
    userAgent?: unknown;
    errorCode?: unknown;
    errorMessage?: unknown;
    recipientAccountId?: unknown;
    userIdentity?: UserIdentity;
    requestParameters?: unknown;
    responseElements?: unknown;
    additionalEventData?: unknown;
    resources?: unknown;
}

export function text(value: unknown): string | undefined {
    return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function field(container: unknown, name: string): unknown {
    if (container === null || typeof container !== "object" || Array.isArray(container)) return undefined;
    return (container as Record<string, unknown>)[name];
}

export function textField(container: unknown, name: string): string | undefined {
    return text(field(container, name));
}

export function resourceArns(record: CloudTrailRecord): string[] {
    if (!Array.isArray(record.resources)) return [];
    const arns: string[] = [];
    for (const resource of record.resources) {
        const arn = textField(resource, "ARN");
        if (arn !== undefined) arns.push(arn);
    }
    return arns;
}
