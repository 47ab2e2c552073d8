import * as path from "path";
import type { ResourceTransformation } from "@pulumi/pulumi";
import { errorMessage, GateError } from "./errors";

/**
 * `--transform <module>[#<name>]`: a what-if and testing aid. The module exports
 * `transformations: Record<string, ResourceTransformation>`; `#<name>` picks one, otherwise all apply in order.
 */
export interface TransformSpec {
    module: string;
    name?: string;
}

export function parseTransformSpec(text: string, cwd: string): TransformSpec {
    const hash = text.lastIndexOf("#");
    const file = hash >= 0 ? text.slice(0, hash) : text;
    const name = hash >= 0 ? text.slice(hash + 1) : undefined;
    if (file === "" || name === "") {
        throw new GateError(`--transform ${JSON.stringify(text)}: expected <module> or <module>#<name>`);
    }
    return { module: path.resolve(cwd, file), name };
}

export function loadTransformations(spec: TransformSpec): ResourceTransformation[] {
    let mod: unknown;
    try {
        mod = require(spec.module);
    } catch (e) {
        throw new GateError(`--transform ${spec.module}: cannot be loaded: ${errorMessage(e)}`);
    }
    const table: unknown = (mod as { transformations?: unknown } | null | undefined)?.transformations;
    if (typeof table !== "object" || table === null) {
        throw new GateError(
            `--transform ${spec.module}: must export transformations: Record<string, ResourceTransformation>`,
        );
    }
    const exported = table as Record<string, unknown>;
    const names = spec.name === undefined ? Object.keys(table) : [spec.name];
    return names.map((name) => {
        const transformation = exported[name];
        if (typeof transformation !== "function") {
            throw new GateError(
                `--transform ${spec.module}#${name}: no such transformation; ` +
                    `the module exports: ${Object.keys(table).join(", ")}`,
            );
        }
        return transformation as ResourceTransformation;
    });
}
