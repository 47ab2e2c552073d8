/**
 * A problem with what the user asked for or gave us (flags, files, config, the program itself): exit code 2.
 * The message names the file and key and says what is allowed.
 */
export class GateError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "GateError";
    }
}

export const exitCodes = { passed: 0, mandatoryFindings: 1, usageOrConfigError: 2 } as const;
