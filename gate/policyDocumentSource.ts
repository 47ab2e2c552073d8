/**
 * `aws.iam.getPolicyDocument` under the gate's mocks, computed as the AWS provider computes it, so a key or bucket
 * policy built with the data source is judged like the same JSON literal. The other data sources are in
 * gate/dataSources.ts.
 */
import { createHash } from "crypto";
import { DataSourceError } from "./dataSourceError";

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, where: string): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
        throw new DataSourceError(`getPolicyDocument: ${where} must be a list of strings`);
    }
    return value as string[];
}

/**
 * `&{var}` is the data source's escape for IAM policy variables, rendered as `${var}` (Terraform aws provider,
 * data source aws_iam_policy_document: "use &{...} for interpolation that should be done by AWS").
 */
function policyVariables(value: string): string {
    return value.replace(/&\{([^}]*)\}/g, "${$1}");
}

/** A list of one element is rendered as a plain string, as the provider renders Action, Resource and the like. */
function oneOrMany(values: string[]): string | string[] {
    const rendered = values.map(policyVariables);
    return rendered.length === 1 ? rendered[0] : rendered;
}

type JsonStatement = Record<string, unknown>;

function principalsBlock(value: unknown, where: string): unknown {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (!Array.isArray(value)) {
        throw new DataSourceError(`getPolicyDocument: ${where} must be a list of { type, identifiers }`);
    }
    const byType = new Map<string, string[]>();
    value.forEach((p, i) => {
        if (!isRecord(p) || typeof p.type !== "string") {
            throw new DataSourceError(`getPolicyDocument: ${where}[${i}] needs a type and identifiers`);
        }
        byType.set(p.type, [...(byType.get(p.type) ?? []), ...stringList(p.identifiers, `${where}[${i}].identifiers`)]);
    });
    if (byType.size === 0) {
        return undefined;
    }
    // `type = "*"` with identifiers ["*"] is the anonymous principal, rendered as `"Principal": "*"`.
    const star = byType.get("*");
    if (star && byType.size === 1 && star.every((id) => id === "*")) {
        return "*";
    }
    return Object.fromEntries([...byType].map(([type, ids]) => [type, oneOrMany(ids)]));
}

function conditionsBlock(value: unknown, where: string): Record<string, Record<string, unknown>> | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (!Array.isArray(value)) {
        throw new DataSourceError(`getPolicyDocument: ${where} must be a list of { test, variable, values }`);
    }
    const result: Record<string, Record<string, string[]>> = {};
    value.forEach((c, i) => {
        if (!isRecord(c) || typeof c.test !== "string" || typeof c.variable !== "string") {
            throw new DataSourceError(`getPolicyDocument: ${where}[${i}] needs test, variable and values`);
        }
        result[c.test] ??= {};
        const byVariable = result[c.test];
        byVariable[c.variable] = [...(byVariable[c.variable] ?? []), ...stringList(c.values, `${where}[${i}].values`)];
    });
    return Object.fromEntries(
        Object.entries(result).map(([test, vars]) => [
            test,
            Object.fromEntries(Object.entries(vars).map(([v, values]) => [v, oneOrMany(values)])),
        ]),
    );
}

function statementFromArgs(raw: unknown, index: number): JsonStatement {
    const where = `statements[${index}]`;
    if (!isRecord(raw)) {
        throw new DataSourceError(`getPolicyDocument: ${where} must be an object`);
    }
    const effect = raw.effect ?? "Allow";
    if (effect !== "Allow" && effect !== "Deny") {
        throw new DataSourceError(`getPolicyDocument: ${where}.effect ${JSON.stringify(effect)}; allowed: Allow, Deny`);
    }
    const statement: JsonStatement = {};
    if (typeof raw.sid === "string" && raw.sid !== "") {
        statement.Sid = raw.sid;
    }
    statement.Effect = effect;
    const lists: [string, string][] = [
        ["actions", "Action"],
        ["notActions", "NotAction"],
        ["resources", "Resource"],
        ["notResources", "NotResource"],
    ];
    for (const [arg, key] of lists) {
        const values = stringList(raw[arg], `${where}.${arg}`);
        if (values.length > 0) {
            statement[key] = oneOrMany(values);
        }
    }
    const principal = principalsBlock(raw.principals, `${where}.principals`);
    if (principal !== undefined) {
        statement.Principal = principal;
    }
    const notPrincipal = principalsBlock(raw.notPrincipals, `${where}.notPrincipals`);
    if (notPrincipal !== undefined) {
        statement.NotPrincipal = notPrincipal;
    }
    const condition = conditionsBlock(raw.conditions, `${where}.conditions`);
    if (condition !== undefined) {
        statement.Condition = condition;
    }
    return statement;
}

function statementsOfDocument(text: unknown, where: string): JsonStatement[] {
    if (typeof text !== "string") {
        throw new DataSourceError(`getPolicyDocument: ${where} must be a JSON policy document (a string)`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new DataSourceError(`getPolicyDocument: ${where} is not valid JSON: ${(e as Error).message}`);
    }
    if (!isRecord(doc)) {
        throw new DataSourceError(`getPolicyDocument: ${where} is not a JSON object`);
    }
    const list = doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return list.filter(isRecord);
}

/** Statements with a Sid replace earlier ones with the same Sid in place; others are appended. */
function mergeBySid(into: JsonStatement[], statements: JsonStatement[]): void {
    for (const s of statements) {
        const sid = typeof s.Sid === "string" && s.Sid !== "" ? s.Sid : undefined;
        const at = sid === undefined ? -1 : into.findIndex((t) => t.Sid === sid);
        if (at >= 0) {
            into[at] = s;
        } else {
            into.push(s);
        }
    }
}

/**
 * `aws.iam.getPolicyDocument` as documented for the provider's data source (aws_iam_policy_document; @pulumi/aws
 * iam/getPolicyDocument.d.ts): `sourcePolicyDocuments` are merged first and need unique Sids, then `statements`
 * (a Sid equal to a source statement's replaces it), then `overridePolicyDocuments` in order (a Sid replaces, no
 * Sid appends). `effect` defaults to Allow, `version` to 2012-10-17; principals of one type are grouped; `&{x}`
 * becomes the policy variable `${x}`; single values are rendered as strings. Statement and value order are the
 * given order (the provider may order values differently; IAM evaluation does not depend on order).
 */
export function policyDocument(args: Record<string, unknown>): Record<string, unknown> {
    const version = args.version ?? "2012-10-17";
    if (version !== "2012-10-17" && version !== "2008-10-17") {
        throw new DataSourceError(
            `getPolicyDocument: version ${JSON.stringify(version)}; allowed: 2012-10-17, 2008-10-17`,
        );
    }
    const statements: JsonStatement[] = [];
    const sources = [
        ...(args.sourceJson !== undefined ? [args.sourceJson] : []),
        ...(Array.isArray(args.sourcePolicyDocuments) ? args.sourcePolicyDocuments : []),
    ];
    sources.forEach((text, i) => {
        for (const s of statementsOfDocument(text, `sourcePolicyDocuments[${i}]`)) {
            if (typeof s.Sid === "string" && s.Sid !== "" && statements.some((t) => t.Sid === s.Sid)) {
                throw new DataSourceError(`getPolicyDocument: duplicate Sid (${s.Sid}) in sourcePolicyDocuments`);
            }
            statements.push(s);
        }
    });
    const own = args.statements === undefined || args.statements === null ? [] : args.statements;
    if (!Array.isArray(own)) {
        throw new DataSourceError("getPolicyDocument: statements must be a list");
    }
    mergeBySid(statements, own.map(statementFromArgs));
    const overrides = [
        ...(Array.isArray(args.overridePolicyDocuments) ? args.overridePolicyDocuments : []),
        ...(args.overrideJson !== undefined ? [args.overrideJson] : []),
    ];
    overrides.forEach((text, i) => {
        mergeBySid(statements, statementsOfDocument(text, `overridePolicyDocuments[${i}]`));
    });

    const doc: Record<string, unknown> = { Version: version };
    if (typeof args.policyId === "string" && args.policyId !== "") {
        doc.Id = args.policyId;
    }
    doc.Statement = statements;
    const json = JSON.stringify(doc, null, 2);
    const minifiedJson = JSON.stringify(doc);
    return { ...args, json, minifiedJson, id: String(documentId(json)) };
}

/** The provider's ID for a policy document is a checksum of its JSON; any stable value serves here. */
function documentId(text: string): number {
    return parseInt(createHash("sha256").update(text).digest("hex").slice(0, 8), 16);
}
