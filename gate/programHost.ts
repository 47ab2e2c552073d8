/**
 * Child-process entry: runs one stack's program under mocks and writes the captured registrations to a file.
 * One process per run keeps the Pulumi runtime's global state (config, mocks, stack resource) clean.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, CapturedResource } from "./capture";
import { MockAccount } from "./awsMocks";
import { StackSettings } from "./project";
import { loadTransformations, TransformSpec } from "./transforms";

export interface ProgramJob {
    settings: StackSettings;
    preview: boolean;
    account: MockAccount;
    transforms: TransformSpec[];
    resultFile: string;
}

export type ProgramResult = { ok: true; resources: CapturedResource[] } | { ok: false; message: string };

function finish(file: string, result: ProgramResult): never {
    fs.writeFileSync(file, JSON.stringify(result));
    process.exit(0);
}

/** A RunError is the program's own, user-facing message; anything else is a crash worth its stack trace. */
function describe(error: any): string {
    if (pulumi.RunError.isInstance(error) || (error instanceof Error && error.name === "GateError")) {
        return error.message;
    }
    return error?.stack ?? String(error);
}

async function main(jobFile: string): Promise<void> {
    const job: ProgramJob = JSON.parse(fs.readFileSync(jobFile, "utf8"));
    const fail = (error: unknown) => finish(job.resultFile, { ok: false, message: describe(error) });
    process.on("unhandledRejection", fail);
    process.on("uncaughtException", fail);
    try {
        const transformations = job.transforms.flatMap(loadTransformations);
        const { settings } = job;
        const { resources } = await captureProgram(
            async () => {
                const exported = require(settings.entry);
                return exported instanceof Function ? exported() : exported;
            },
            {
                project: settings.project,
                stack: settings.stack,
                preview: job.preview,
                config: settings.config,
                secretKeys: settings.secretKeys,
                account: job.account,
                rootStack: true,
                transformations,
            },
        );
        finish(job.resultFile, { ok: true, resources });
    } catch (error) {
        fail(error);
    }
}

void main(process.argv[2]);
