/**
 * Plain-value access to resource properties, with unknown values made explicit.
 *
 * @pulumi/policy hands rules a Proxy that throws when an unknown (preview-time) value is read, and the
 * server then downgrades the whole policy to an advisory "can't run during preview" message. Rules in this
 * pack must decide deliberately what an unknown value means, so they read the underlying plain values
 * instead (`plainProps`), where an unknown arrives as one of the engine's sentinel strings.
 */
import { describeValue, isRecord, isUnknown } from "../../vocabulary/pulumiValues";

export { describeValue, isRecord, isUnknown };

export type Props = Readonly<Record<string, unknown>>;

/**
 * The key under which @pulumi/policy's unknown-checking Proxy hands out the object it wraps, unchecked
 * (node_modules/@pulumi/policy/proxy.js `getSpecialProxyTarget`; pulumi/pulumi-policy sdk/nodejs/policy/proxy.ts).
 */
const PROXY_TARGET_KEY = "__getSpecialProxyTarget";

/**
 * The plain property bag behind a (possibly proxied) one; nested values are already plain. For the server's Proxy
 * this is the object it wraps: the server deserializes a fresh one for every policy call
 * (node_modules/@pulumi/policy/server.js, makeAnalyzeRpcFun and makeAnalyzeStackRpcFun), and rules only read it
 * (`Props` is read-only), so no copy is needed. Anything else is copied key by key through property descriptors,
 * which the Proxy does not trap.
 */
export function plainProps(props: unknown): Props {
    if (props === null || typeof props !== "object") {
        return {};
    }
    const target = (props as Record<string, unknown>)[PROXY_TARGET_KEY];
    if (target !== null && typeof target === "object" && !Array.isArray(target)) {
        return target as Props;
    }
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(props)) {
        result[key] = Object.getOwnPropertyDescriptor(props, key)?.value;
    }
    return result;
}

/** Reads `obj.a.b.c`; returns undefined when a step is missing or not an object. Unknowns pass through. */
export function at(obj: unknown, ...path: string[]): unknown {
    let current: unknown = obj;
    for (const key of path) {
        if (!isRecord(current)) {
            return undefined;
        }
        current = current[key];
    }
    return current;
}

/** Accepts a single object or a list of objects (v7 singular blocks vs V2 list blocks). */
export function asList(value: unknown): unknown[] {
    if (value === undefined || value === null || isUnknown(value)) {
        return [];
    }
    return Array.isArray(value) ? value : [value];
}

/** A known, non-empty string; undefined for anything else (including unknowns: check those first). */
export function knownString(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" && !isUnknown(value) ? value : undefined;
}

/** Tri-state boolean: true/false when known, "unknown" at preview, undefined when absent or malformed. */
export function boolOf(value: unknown): boolean | "unknown" | undefined {
    if (isUnknown(value)) {
        return "unknown";
    }
    if (typeof value === "boolean") {
        return value;
    }
    if (value === "true" || value === "false") {
        return value === "true";
    }
    return undefined;
}

export function numberOf(value: unknown): number | "unknown" | undefined {
    if (isUnknown(value)) {
        return "unknown";
    }
    if (typeof value === "number" && Number.isFinite(value)) {
        return value;
    }
    if (typeof value === "string" && /^\d+$/.test(value)) {
        return Number(value);
    }
    return undefined;
}

/** True when the property is set to something (a known value or an unknown that will be set at apply). */
export function isSet(value: unknown): boolean {
    return value !== undefined && value !== null && value !== "";
}
