import { CloudTrailRecord, text } from "./record";

/** Who made a call, in a form a reader recognises, plus the AWS service it came through, if any. */
export interface Principal {
    /** Stable, readable identity used to group calls: an ARN, a service name, or an account. */
    label: string;
    /** userIdentity.type as CloudTrail wrote it ("AssumedRole", "AWSService", ...), or "Unknown". */
    type: string;
    /** Service that made the call on the principal's behalf (for example s3.amazonaws.com), when there is one. */
    via?: string;
}

export const SERVICE_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;

/**
 * Derives the principal from userIdentity. AssumedRole sessions are named by the role that issued them plus the
 * session name, because the STS session ARN alone changes with every session and hides which role was used.
 */
export function describePrincipal(record: CloudTrailRecord): Principal {
    const identity = record.userIdentity ?? {};
    const type = text(identity.type) ?? "Unknown";
    const invokedBy = text(identity.invokedBy);
    const label = principalLabel(type, record);
    if (type === "AWSService" || label === invokedBy) return { label, type };
    const via = serviceVia(invokedBy, text(record.sourceIPAddress));
    return via === undefined ? { label, type } : { label, type, via };
}

function principalLabel(type: string, record: CloudTrailRecord): string {
    const identity = record.userIdentity ?? {};
    const arn = text(identity.arn);
    const accountId = text(identity.accountId);
    const principalId = text(identity.principalId);
    const invokedBy = text(identity.invokedBy);
    switch (type) {
        case "AssumedRole": {
            const roleArn = text(identity.sessionContext?.sessionIssuer?.arn);
            const session = arn?.split("/").slice(2).join("/");
            if (roleArn !== undefined) return session ? `${roleArn} (session ${session})` : roleArn;
            return arn ?? principalId ?? "AssumedRole (no ARN recorded)";
        }
        case "AWSService":
            return invokedBy ?? "AWS service (not named)";
        case "Root":
            return arn ?? (accountId ? `arn:aws:iam::${accountId}:root` : "root");
        case "AWSAccount":
            return `account ${accountId ?? "unknown"}${principalId ? ` (principal ${principalId})` : ""}`;
        default:
            return arn ?? text(identity.userName) ?? principalId ?? invokedBy ?? `${type} (no identity recorded)`;
    }
}

function serviceVia(invokedBy: string | undefined, sourceIp: string | undefined): string | undefined {
    if (invokedBy !== undefined && SERVICE_HOST.test(invokedBy)) return invokedBy;
    if (sourceIp !== undefined && SERVICE_HOST.test(sourceIp)) return sourceIp;
    return undefined;
}
