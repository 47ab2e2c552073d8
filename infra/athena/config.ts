/**
 * `kms-audit:athenaAudit`: opt-in settings for querying the trail's logs with Amazon Athena. Absent, nothing is
 * provisioned. Pure, so tests and the offline gate can feed it any value.
 *
 *   kms-audit:athenaAudit:
 *     auditors: [arn:aws:iam::123456789012:role/SecurityAuditors]   # required: who may query the logs
 *     regions: [eu-west-1, us-east-1]                                # required: the trail's regions to project
 *     firstDay: 2024/01/01                                           # required: the oldest log folder to project
 *     accounts: [123456789012]                                       # default: the deploying account
 *     bytesScannedCutoffPerQuery: 10000000000                        # default 10 GB; Athena's minimum is 10 MB
 *     resultExpirationDays: 7                                        # default 7
 */
import { ACCOUNT_ID, PRINCIPAL_ARN, REGION_NAME } from "../../vocabulary/awsNames";

export interface AthenaAuditConfig {
    auditors: string[];
    regions: string[];
    firstDay: string;
    /** Empty: the deploying account only. */
    accounts: string[];
    bytesScannedCutoffPerQuery: number;
    resultExpirationDays: number;
}

/** Reports one problem: the setting (below athenaAudit), the value as given and what is allowed. */
export type ReportProblem = (setting: string, value: string, allowed: string) => void;

const DAY = /^(\d{4})\/(\d{2})\/(\d{2})$/;
/** BytesScannedCutoffPerQuery's floor (10 MB):
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_WorkGroupConfiguration.html */
export const MINIMUM_BYTES_SCANNED_CUTOFF = 10_000_000;
export const DEFAULT_BYTES_SCANNED_CUTOFF = 10_000_000_000;
export const DEFAULT_RESULT_EXPIRATION_DAYS = 7;
const SETTINGS = ["auditors", "regions", "firstDay", "accounts", "bytesScannedCutoffPerQuery", "resultExpirationDays"];

function isRealDay(text: string): boolean {
    const match = DAY.exec(text);
    if (match === null) return false;
    const [, y, m, d] = match.map(Number);
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function stringList(
    value: unknown,
    setting: string,
    required: boolean,
    pattern: RegExp,
    itemAllowed: string,
    report: ReportProblem,
): string[] {
    if (value === undefined) {
        if (required) report(setting, "(unset)", `required: a non-empty list of ${itemAllowed}`);
        return [];
    }
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
        report(setting, JSON.stringify(value), `a list of ${itemAllowed}`);
        return [];
    }
    const items = value as string[];
    if (required && items.length === 0) report(setting, "[]", `a non-empty list of ${itemAllowed}`);
    for (const item of items) if (!pattern.test(item)) report(setting, JSON.stringify(item), itemAllowed);
    for (const duplicate of new Set(items.filter((item, i) => items.indexOf(item) !== i))) {
        report(setting, JSON.stringify(duplicate), "each entry at most once");
    }
    return items;
}

function wholeNumber(
    value: unknown,
    setting: string,
    fallback: number,
    minimum: number,
    allowed: string,
    report: ReportProblem,
): number {
    if (value === undefined) return fallback;
    const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < minimum) {
        report(setting, JSON.stringify(value), allowed);
        return fallback;
    }
    return n;
}

/**
 * Parses the JSON text Pulumi passes for `kms-audit:athenaAudit` (a YAML map in the stack file). Returns undefined
 * when the setting is absent; reports every problem through `report`.
 */
export function parseAthenaAuditConfig(text: string | undefined, report: ReportProblem): AthenaAuditConfig | undefined {
    if (text === undefined) return undefined;
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        parsed = text;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        report(
            "",
            JSON.stringify(parsed),
            `a map with ${SETTINGS.join(", ")} (auditors, regions and firstDay required)`,
        );
        return undefined;
    }
    const settings = parsed as Record<string, unknown>;
    for (const unknown of Object.keys(settings).filter((key) => !SETTINGS.includes(key))) {
        report(
            unknown,
            JSON.stringify(settings[unknown]),
            `not an athenaAudit setting; allowed: ${SETTINGS.join(", ")}`,
        );
    }
    const principal =
        "IAM principal ARNs such as arn:aws:iam::123456789012:role/Name (root, user or role; no wildcards)";
    const auditors = stringList(settings.auditors, "auditors", true, PRINCIPAL_ARN, principal, report);
    const regions = stringList(
        settings.regions,
        "regions",
        true,
        REGION_NAME,
        "region names such as eu-west-1",
        report,
    );
    const accounts = stringList(settings.accounts, "accounts", false, ACCOUNT_ID, "12-digit account IDs", report);
    const firstDay = settings.firstDay;
    if (typeof firstDay !== "string" || !isRealDay(firstDay)) {
        report(
            "firstDay",
            firstDay === undefined ? "(unset)" : JSON.stringify(firstDay),
            "required: the oldest log folder to query, as YYYY/MM/DD (the form of CloudTrail's date folders)",
        );
    }
    const bytesScannedCutoffPerQuery = wholeNumber(
        settings.bytesScannedCutoffPerQuery,
        "bytesScannedCutoffPerQuery",
        DEFAULT_BYTES_SCANNED_CUTOFF,
        MINIMUM_BYTES_SCANNED_CUTOFF,
        `a whole number of bytes, at least ${MINIMUM_BYTES_SCANNED_CUTOFF} (Athena's minimum, 10 MB)`,
        report,
    );
    const resultExpirationDays = wholeNumber(
        settings.resultExpirationDays,
        "resultExpirationDays",
        DEFAULT_RESULT_EXPIRATION_DAYS,
        1,
        "a whole number of days, at least 1",
        report,
    );
    return {
        auditors,
        regions,
        firstDay: typeof firstDay === "string" ? firstDay : "",
        accounts,
        bytesScannedCutoffPerQuery,
        resultExpirationDays,
    };
}
