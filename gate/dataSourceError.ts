/**
 * Thrown for invalid arguments, with the provider's kind of message. The SDK turns a failed invoke into
 * `new Error(err.details)` (sdk/nodejs/runtime/invoke.ts), so the message travels in `details` too.
 */
export class DataSourceError extends Error {
    readonly details: string;
    constructor(message: string) {
        super(message);
        this.details = message;
    }
}
