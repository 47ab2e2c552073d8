// Pulumi's entry point (Pulumi.yaml `main: infra/`): the module's exports are the stack outputs.
import { kmsAuditProgram } from "./program";

export = kmsAuditProgram();
