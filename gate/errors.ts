import { UsageError } from "../core/cli";

/**
 * A problem with what the user asked for or gave us (flags, files, config, the program itself): exit code 2
 * (core/cli.ts exitCodes.usage). The message names the file and key and says what is allowed.
 */
export class GateError extends UsageError {
    constructor(message: string) {
        super(message);
        this.name = "GateError";
    }
}
