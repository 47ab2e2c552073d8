/**
 * The test oracle for access changes: the AGPL simulator (a devDependency only, driven through
 * tests/access/simulator.ts) decides the same requests against the before and after documents, and the diff's
 * gained and lost accesses must agree with its decisions.
 */
import { AccessChange } from "../../diff/access";
import { ANYONE_ELSE } from "../../diff/accessEvaluation";
import type { DiffResult } from "../../diff";
import { StackDocument } from "../../diff/documents";
import { ANONYMOUS, Decision, NamedPolicy, simulate, SimulatedRequest } from "../access/simulator";

export const ACCOUNT = "123456789012";
/** A same-account role no document names: stands for "anyone else" where a request must be signed. */
export const SOMEONE_ELSE = `arn:aws:iam::${ACCOUNT}:role/SomeoneElseEntirely`;

interface ParsedCondition {
    operator: string;
    key: string;
    values: string[];
}

/** Reads back a condition line of the report (`<operator> <key> <value>` or `... [a, b]`). */
export function parseConditionLine(line: string): ParsedCondition {
    const [operator, key, ...rest] = line.split(" ");
    const text = rest.join(" ");
    const values = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1).split(", ") : [text];
    return { operator, key, values };
}

function otherValue(key: string): string {
    return /arn/i.test(key) ? `arn:aws:iam::999999999999:role/NotThisOne` : "some-other-value";
}

/** A context value that makes the condition true (undefined: leave the key out); or false with `negate`. */
function valueFor(c: ParsedCondition, negate: boolean): string | undefined {
    const operator = c.operator.replace(/IfExists$/, "").replace(/^For(Any|All)Values:/, "");
    const first = c.values[0];
    const positive = (): string | undefined => {
        switch (operator) {
            case "Bool":
                return first;
            case "StringEquals":
            case "StringEqualsIgnoreCase":
            case "ArnEquals":
                return first;
            case "StringLike":
            case "ArnLike":
                return first.replace(/[*?]/g, "x");
            case "StringNotEquals":
            case "StringNotEqualsIgnoreCase":
            case "StringNotLike":
            case "ArnNotEquals":
            case "ArnNotLike":
                return otherValue(c.key);
            case "NumericLessThan":
                return String(Number(first) - 1);
            case "NumericGreaterThan":
                return String(Number(first) + 1);
            case "NumericLessThanEquals":
            case "NumericGreaterThanEquals":
            case "NumericEquals":
                return first;
            case "Null":
                return first === "true" ? undefined : "present";
            default:
                throw new Error(`oracle: no context value for operator ${c.operator}`);
        }
    };
    if (!negate) {
        return positive();
    }
    switch (operator) {
        case "Bool":
            return first === "true" ? "false" : "true";
        case "StringNotEquals":
        case "StringNotEqualsIgnoreCase":
        case "StringNotLike":
        case "ArnNotEquals":
        case "ArnNotLike":
            return first.replace(/[*?]/g, "x");
        case "NumericLessThan":
        case "NumericLessThanEquals":
            return String(Number(first) + 1);
        case "NumericGreaterThan":
        case "NumericGreaterThanEquals":
            return String(Number(first) - 1);
        case "Null":
            return first === "true" ? "present" : undefined;
        default:
            return otherValue(c.key);
    }
}

/** A request context satisfying one condition set and, where it can, falsifying each `unless` set. */
export function contextFor(satisfy: string[], unless: string[][]): Record<string, string> {
    const context: Record<string, string> = {};
    const omitted = new Set<string>();
    for (const c of satisfy.map(parseConditionLine)) {
        const v = valueFor(c, false);
        if (v === undefined) {
            omitted.add(c.key);
        } else {
            context[c.key] = v;
        }
    }
    for (const set of unless) {
        const conditions = set.map(parseConditionLine);
        // A key already left out may falsify this set on its own; leaving a key out never contradicts another set's
        // choice, so it is preferred over writing a value another Deny could match (several upload Denies test the
        // same encryption headers: a request that names none falsifies them all).
        if (conditions.some((c) => omitted.has(c.key) && falseWhenAbsent(c))) {
            continue;
        }
        const free = conditions.filter((c) => !(c.key in context) && !omitted.has(c.key));
        const byOmission = free.find(falseWhenAbsent);
        if (byOmission) {
            omitted.add(byOmission.key);
            continue;
        }
        const falsifiable = free[0];
        if (falsifiable) {
            const v = valueFor(falsifiable, true);
            if (v === undefined) {
                omitted.add(falsifiable.key);
            } else {
                context[falsifiable.key] = v;
            }
        }
    }
    return context;
}

/**
 * Whether a condition is false when its key is missing from the request: IAM's positive operators do not match a
 * missing key, `Null: false` asks for the key to be there; negated operators and `...IfExists` match a missing key
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 */
function falseWhenAbsent(c: ParsedCondition): boolean {
    if (c.operator === "Null") {
        return c.values[0] === "false";
    }
    const operator = c.operator.replace(/^For(Any|All)Values:/, "");
    return !operator.endsWith("IfExists") && !operator.includes("Not") && !c.operator.startsWith("ForAllValues:");
}

function documentOf(doc: StackDocument | undefined, name: string): NamedPolicy | undefined {
    return doc?.content.state === "parsed" ? { name, document: doc.content.document } : undefined;
}

/** A concrete resource for a request: a statement's `bucket/*` names one object in it. */
function concrete(resource: string): string {
    return resource.replace(/\*/g, "reports/2026/object.json");
}

export interface OracleSides {
    before: Decision;
    after: Decision;
}

/**
 * Simulates one (principal, action, resource) of a resource policy before and after. Deny changes are judged with
 * an identity policy granting the action, so that what the Deny stops is visible.
 */
export async function simulateChange(
    result: DiffResult,
    change: Pick<AccessChange, "document" | "principal" | "action" | "resource">,
    context: Record<string, string>,
    withIdentityGrant: boolean,
): Promise<OracleSides> {
    const before = result.documents.base.find((d) => d.id === change.document);
    const after = result.documents.head.find((d) => d.id === change.document);
    const kind = (after ?? before)!.kind;
    if (kind !== "resource") {
        throw new Error(`oracle: ${change.document} is a ${kind} policy; the oracle drives resource policies`);
    }
    const principal =
        change.principal === ANYONE_ELSE ? (withIdentityGrant ? SOMEONE_ELSE : ANONYMOUS) : change.principal;
    const identityPolicies: NamedPolicy[] = withIdentityGrant
        ? [
              {
                  name: "grant",
                  document: {
                      Version: "2012-10-17",
                      Statement: [{ Effect: "Allow", Action: change.action, Resource: "*" }],
                  },
              },
          ]
        : [];
    const request = (doc: StackDocument | undefined): SimulatedRequest => ({
        principal,
        action: change.action,
        resource: concrete(change.resource),
        resourceAccount: ACCOUNT,
        context,
        identityPolicies,
        resourcePolicy: documentOf(doc, "resource"),
    });
    return { before: await simulate(request(before)), after: await simulate(request(after)) };
}
