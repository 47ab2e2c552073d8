/** The pack's CrossGuard policies, one per rule (index.ts serves them; tests drive them in-process). */
import { toPolicy } from "./lib/toPolicy";
import { allRules } from "./rules";

export const policies = allRules.map(toPolicy);
