/**
 * How Pulumi hands property values to a program's analysis: unknown values (a preview's not-yet-computed outputs)
 * arrive as sentinel strings, one per kind of value. Pure helpers every room reading property bags shares (the pack's
 * rules, the IAM document parser below them, the security diff).
 */

/**
 * The engine's unknown sentinels: @pulumi/pulumi runtime/rpc.js `unknownValue` (the string form, which the engine
 * uses for every unknown on the wire) and @pulumi/policy proxy.js `unknown<Kind>Value`.
 */
const UNKNOWN_SENTINELS = new Set<string>([
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (the engine encodes every unknown this way on the wire)
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
]);

export function isUnknown(value: unknown): boolean {
    return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) && !isUnknown(value);
}

/**
 * A short, readable rendering of any property value for messages: strings quoted, objects as JSON, long
 * values cut, unknowns named. Never "[object Object]", never "undefined" (absent values say "missing").
 */
export function describeValue(value: unknown, limit = 80): string {
    if (value === undefined || value === null) {
        return "missing";
    }
    if (isUnknown(value)) {
        return "unknown during preview";
    }
    let text: string;
    try {
        text = JSON.stringify(value) ?? String(value);
    } catch {
        text = Object.prototype.toString.call(value);
    }
    return text.length > limit ? `${text.slice(0, limit - 3)}...` : text;
}
