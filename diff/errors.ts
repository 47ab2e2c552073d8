import { exitCodes, GateError } from "../gate";

/**
 * A problem with what the user asked for or gave (flags, ref, files): exit code 2, like the gate's. A GateError
 * (program, stack file, pack config) is reported the same way.
 */
export class DiffError extends GateError {
    constructor(message: string) {
        super(message);
        this.name = "DiffError";
    }
}

/** The gate's conventions: 0 passed, 1 the verdict fails under --fail-on, 2 usage, config or program error. */
export const diffExitCodes = {
    passed: 0,
    failedVerdict: exitCodes.mandatoryFindings,
    usageOrConfigError: exitCodes.usageOrConfigError,
} as const;
