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

/** What a caught error says: its message, or the value itself when something other than an Error was thrown. */
export function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** For a failed file read: the system error code (ENOENT, EACCES) when there is one, else the message. */
export function readErrorDetail(error: unknown): string {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return typeof code === "string" ? code : errorMessage(error);
}
