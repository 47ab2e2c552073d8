import { GateError } from "../gate";

/**
 * A problem with what the user asked for or gave (flags, ref, files): exit code 2 (core/cli.ts exitCodes.usage),
 * like the gate's. A GateError (program, stack file, pack config) is reported the same way.
 */
export class DiffError extends GateError {
    constructor(message: string) {
        super(message);
        this.name = "DiffError";
    }
}
