/**
 * The stack's configuration surface: every knob under the `kms-audit:` namespace, typed, with secure defaults and
 * validation. `parseBaselineConfig` is pure so that tests and the offline gate can feed it any raw map.
 * One job, over 350 lines: each key's type, default, check and message sit together so a key is read in one place.
 */
import { ACCOUNT_ROOT_ARN, PRINCIPAL_ARN, S3_BUCKET_NAME, S3_BUCKET_NAME_ALLOWED } from "../vocabulary/awsNames";
import { AthenaAuditConfig, parseAthenaAuditConfig } from "./athena/config";

export const CONFIG_NAMESPACE = "kms-audit";

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const CLOUDWATCH_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export interface BaselineConfig {
    /** Short environment name used in every resource name (`kms-audit-<environment>`). */
    environment: string;
    /** Principals that manage the key but may never use it for cryptography. */
    keyAdministrators: string[];
    /** Principals that may encrypt and decrypt with the key (and so read the data and the logs). */
    keyUsers: string[];
    keyRotationPeriodDays: number;
    keyDeletionWindowDays: number;
    multiRegionKey: boolean;
    trailInsights: boolean;
    /** Further existing buckets whose object-level activity the trail records. */
    trailExtraDataEventBuckets: string[];
    logRetentionDays: number;
    logBucketTransitionDays: number;
    logBucketExpirationDays: number;
    noncurrentVersionExpirationDays: number;
    alarmEmails: string[];
    protect: boolean;
    ebsDefaultEncryption: boolean;
    /** IAM roles or users that run `pulumi up` for this stack: exempt from the log buckets' configuration guards. */
    deploymentPrincipals: string[];
    /** IAM roles or users that may, in an emergency, delete log objects and change the log buckets' settings. */
    breakGlassPrincipals: string[];
    /** Opt-in: when non-empty, only these (and the deployment principals) may replace the key policy. */
    keyPolicyManagers: string[];
    logBucketObjectLock: ObjectLockSetting;
    /** Querying the trail's logs with Athena (infra/athena/config.ts); absent unless configured. */
    athenaAudit?: AthenaAuditConfig;
}

/** S3 Object Lock default retention for the CloudTrail log bucket, or none. */
export type ObjectLockSetting = { mode: "none" } | { mode: ObjectLockMode; days: number };
export const OBJECT_LOCK_MODES = ["GOVERNANCE", "COMPLIANCE"] as const;
export type ObjectLockMode = (typeof OBJECT_LOCK_MODES)[number];

/** The environment whose defaults are the strictest: Object Lock on, alarm recipients required. */
export const PRODUCTION_ENVIRONMENT = "prod";

/** One rejected config value: the key, what it was, and what is allowed. */
export interface ConfigProblem {
    key: string;
    value: string;
    allowed: string;
}

/** Thrown with every problem at once, before any resource is registered. */
export class BaselineConfigError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(
            `Invalid kms-audit configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${CONFIG_NAMESPACE}:${p.key} = ${p.value}: ${p.allowed}`).join("\n"),
        );
        this.name = "BaselineConfigError";
    }
}

type Raw = Record<string, string | undefined>;

/**
 * Why the account root is refused in every principal list: a Deny naming it binds every principal of the account,
 * and an Allow naming it delegates to IAM policies (the key policy's EnableIamPolicies statement already does).
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html, section "Allows access to the AWS
 * account and enables IAM policies".
 */
const ROOT_REFUSED =
    "an IAM role or user, not the account root (arn:aws:iam::<account>:root stands for every principal of the " +
    "account: a Deny naming it binds them all, and as a key user it is the IAM delegation the key policy already has)";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,19}$/;

/** Reads values and collects problems, so that one run reports every invalid key. */
class Reader {
    readonly problems: ConfigProblem[] = [];
    private readonly known = new Set<string>();

    constructor(private readonly raw: Raw) {}

    /** `value` is shown as given; real values arrive JSON-quoted so that blanks and odd characters are visible. */
    report(key: string, value: string, allowed: string): void {
        this.problems.push({ key, value, allowed });
    }

    private get(key: string): string | undefined {
        this.known.add(key);
        return this.raw[key];
    }

    string(key: string, fallback: string | undefined, pattern: RegExp, allowed: string): string {
        const value = this.get(key) ?? fallback;
        if (value === undefined) {
            this.report(key, "(unset)", `required; ${allowed}`);
            return "";
        }
        if (!pattern.test(value)) {
            this.report(key, JSON.stringify(value), allowed);
        }
        return value;
    }

    integer(key: string, fallback: number, isAllowed: (n: number) => boolean, allowed: string): number {
        const text = this.get(key);
        if (text === undefined) {
            return fallback;
        }
        const n = Number(text);
        if (!/^-?\d+$/.test(text.trim()) || !isAllowed(n)) {
            this.report(key, JSON.stringify(text), allowed);
            return fallback;
        }
        return n;
    }

    boolean(key: string, fallback: boolean): boolean {
        const text = this.get(key);
        if (text === undefined) {
            return fallback;
        }
        if (text !== "true" && text !== "false") {
            this.report(key, JSON.stringify(text), "true or false");
            return fallback;
        }
        return text === "true";
    }

    list(key: string, required: boolean, item: RegExp, itemAllowed: string): string[] {
        const text = this.get(key);
        if (text === undefined) {
            if (required) {
                this.report(key, "(unset)", `required: a non-empty list of ${itemAllowed}`);
            }
            return [];
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch {
            this.report(key, JSON.stringify(text), `a YAML list of ${itemAllowed}`);
            return [];
        }
        if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== "string")) {
            this.report(key, JSON.stringify(text), `a YAML list of ${itemAllowed}`);
            return [];
        }
        const values = parsed as string[];
        if (required && values.length === 0) {
            this.report(key, text, `a non-empty list of ${itemAllowed}`);
        }
        for (const v of values) {
            if (!item.test(v)) {
                this.report(key, JSON.stringify(v), itemAllowed);
            }
        }
        const duplicates = values.filter((v, i) => values.indexOf(v) !== i);
        for (const d of new Set(duplicates)) {
            this.report(key, JSON.stringify(d), "each entry at most once");
        }
        return values;
    }

    unknownKeys(): string[] {
        return Object.keys(this.raw).filter((k) => !this.known.has(k));
    }

    /** The raw text of a key that another module parses. */
    text(key: string): string | undefined {
        return this.get(key);
    }

    problem(key: string, value: string | undefined, allowed: string): void {
        this.report(key, JSON.stringify(value ?? ""), allowed);
    }
}

/**
 * Validates raw config (keys without the namespace, values as Pulumi passes them: strings, lists as JSON) and returns
 * the typed config, or throws one BaselineConfigError naming every bad key.
 *
 * @param raw config values keyed by their name without the `kms-audit:` prefix
 * @param stack the stack name, the environment's default
 */
export function parseBaselineConfig(raw: Raw, stack: string): BaselineConfig {
    const r = new Reader(raw);
    const principal =
        "IAM principal ARNs such as arn:aws:iam::123456789012:role/Name " +
        "(user or role; no wildcards, no sts session ARNs)";

    const environment = r.string(
        "environment",
        stack,
        ENVIRONMENT,
        "lower-case letters, digits and '-', starting with a letter, at most 20 characters",
    );
    const keyAdministrators = r.list("keyAdministrators", true, PRINCIPAL_ARN, principal);
    const keyUsers = r.list("keyUsers", false, PRINCIPAL_ARN, principal);
    for (const both of keyAdministrators.filter((a) => keyUsers.includes(a))) {
        r.problem(
            "keyUsers",
            both,
            "a key administrator may not also be a key user (administrators manage the key, they never use it)",
        );
    }
    const custody = readCustody(r, principal, keyUsers);

    const keyRotationPeriodDays = r.integer(
        "keyRotationPeriodDays",
        365,
        (n) => n >= 90 && n <= 2560,
        "a whole number of days from 90 to 2560 (AWS KMS limits)",
    );
    const keyDeletionWindowDays = r.integer(
        "keyDeletionWindowDays",
        30,
        (n) => n >= 7 && n <= 30,
        "a whole number of days from 7 to 30 (AWS KMS limits)",
    );
    const multiRegionKey = r.boolean("multiRegionKey", false);
    const trailInsights = r.boolean("trailInsights", true);
    const trailExtraDataEventBuckets = r.list(
        "trailExtraDataEventBuckets",
        false,
        S3_BUCKET_NAME,
        `S3 bucket names (${S3_BUCKET_NAME_ALLOWED})`,
    );
    const logRetentionDays = r.integer(
        "logRetentionDays",
        365,
        (n) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(n),
        `one of the values CloudWatch Logs accepts: ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
    );
    const logBucketTransitionDays = r.integer(
        "logBucketTransitionDays",
        90,
        (n) => n >= 30,
        "a whole number of days, at least 30 (S3 minimum before STANDARD_IA)",
    );
    const logBucketExpirationDays = r.integer(
        "logBucketExpirationDays",
        2557,
        (n) => n >= 1,
        "a whole number of days, at least 1",
    );
    if (logBucketExpirationDays <= logBucketTransitionDays) {
        r.problem(
            "logBucketExpirationDays",
            raw.logBucketExpirationDays ?? String(logBucketExpirationDays),
            `more than logBucketTransitionDays (${logBucketTransitionDays})`,
        );
    }
    const noncurrentVersionExpirationDays = r.integer(
        "noncurrentVersionExpirationDays",
        90,
        (n) => n >= 1,
        "a whole number of days, at least 1",
    );
    const alarmEmails = r.list("alarmEmails", false, EMAIL, "e-mail addresses");
    const alarmEmailsMalformed = r.problems.some((p) => p.key === "alarmEmails");
    if (environment === PRODUCTION_ENVIRONMENT && alarmEmails.length === 0 && !alarmEmailsMalformed) {
        // Alarms with no subscriber notify nobody: in production that is a configuration error, elsewhere a warning.
        r.problem(
            "alarmEmails",
            raw.alarmEmails ?? "(unset)",
            `required in the ${PRODUCTION_ENVIRONMENT} environment: at least one e-mail address`,
        );
    }
    const protect = r.boolean("protect", true);
    const ebsDefaultEncryption = r.boolean("ebsDefaultEncryption", false);
    const logBucketObjectLock = readObjectLock(r, environment, logBucketExpirationDays);
    for (const [key, values] of Object.entries({ keyAdministrators, keyUsers, ...custody })) {
        for (const root of values.filter((v) => ACCOUNT_ROOT_ARN.test(v))) {
            r.problem(key, root, ROOT_REFUSED);
        }
    }
    const athenaAudit = parseAthenaAuditConfig(r.text("athenaAudit"), (setting, value, allowed) =>
        r.report(setting === "" ? "athenaAudit" : `athenaAudit.${setting}`, value, allowed),
    );

    for (const key of r.unknownKeys()) {
        r.problem(key, raw[key], "not a kms-audit setting (check the spelling; see the README's configuration table)");
    }
    if (r.problems.length > 0) {
        throw new BaselineConfigError(r.problems);
    }
    return {
        environment,
        keyAdministrators,
        keyUsers,
        keyRotationPeriodDays,
        keyDeletionWindowDays,
        multiRegionKey,
        trailInsights,
        trailExtraDataEventBuckets,
        logRetentionDays,
        logBucketTransitionDays,
        logBucketExpirationDays,
        noncurrentVersionExpirationDays,
        alarmEmails,
        protect,
        ebsDefaultEncryption,
        ...custody,
        logBucketObjectLock,
        ...(athenaAudit === undefined ? {} : { athenaAudit }),
    };
}

/**
 * Who is exempt from the log buckets' guards (and, opt-in, who may replace the key policy). The deployment
 * principals are required: without them the guards would lock the deployment out of its own buckets.
 */
function readCustody(r: Reader, principal: string, keyUsers: string[]) {
    const deployers = `${principal}; the roles that run pulumi up for this stack`;
    const deploymentPrincipals = r.list("deploymentPrincipals", true, PRINCIPAL_ARN, deployers);
    const breakGlassPrincipals = r.list("breakGlassPrincipals", false, PRINCIPAL_ARN, principal);
    const keyPolicyManagers = r.list("keyPolicyManagers", false, PRINCIPAL_ARN, principal);
    for (const both of keyPolicyManagers.filter((m) => keyUsers.includes(m))) {
        r.problem("keyPolicyManagers", both, "a key policy manager may not also be a key user (two duties)");
    }
    if (keyPolicyManagers.length > 0) {
        for (const both of deploymentPrincipals.filter((d) => keyUsers.includes(d))) {
            r.problem(
                "deploymentPrincipals",
                both,
                "not also a key user while keyPolicyManagers is set " +
                    "(the deployment keeps kms:PutKeyPolicy, so it would both manage and use the key)",
            );
        }
    }
    return { deploymentPrincipals, breakGlassPrincipals, keyPolicyManagers };
}

/**
 * Object Lock on the CloudTrail log bucket: on (GOVERNANCE, 365 days) in the production environment unless
 * configured otherwise, off elsewhere. Retention may not outlast the lifecycle's expiry, so that lifecycle never
 * acts on a version that is still locked.
 */
function readObjectLock(r: Reader, environment: string, expirationDays: number): ObjectLockSetting {
    const modes = ["none", ...OBJECT_LOCK_MODES];
    const fallback = environment === PRODUCTION_ENVIRONMENT ? "GOVERNANCE" : "none";
    const pattern = new RegExp(`^(${modes.join("|")})$`);
    const mode = r.string("logBucketObjectLockMode", fallback, pattern, `one of ${modes.join(", ")}`);
    const days = r.integer("logBucketObjectLockDays", 365, (n) => n >= 1, "a whole number of days, at least 1");
    if (mode !== "none" && days > expirationDays) {
        r.problem(
            "logBucketObjectLockDays",
            String(days),
            `at most logBucketExpirationDays (${expirationDays}): lifecycle expiry must not meet a locked version`,
        );
    }
    return mode === "GOVERNANCE" || mode === "COMPLIANCE" ? { mode, days } : { mode: "none" };
}

/**
 * Things that are valid but probably wrong, for the program to print as warnings at preview.
 */
export function configWarnings(config: BaselineConfig): string[] {
    const warnings: string[] = [];
    if (config.alarmEmails.length === 0) {
        warnings.push(
            `${CONFIG_NAMESPACE}:alarmEmails is empty: the tamper alarms (CIS 4.5, 4.7, 4.8) will fire into an ` +
                "SNS topic nobody is subscribed to",
        );
    }
    return warnings;
}

/** Picks this project's keys out of Pulumi's flat `namespace:key` config map. */
export function namespacedConfig(all: Record<string, string>): Raw {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const raw: Raw = {};
    for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(prefix)) {
            raw[key.slice(prefix.length)] = value;
        }
    }
    return raw;
}
