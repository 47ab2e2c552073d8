/**
 * The pack's CrossGuard policies (index.ts serves them; tests drive them in-process): one per resource rule, and
 * one, `stack-rules`, that runs every stack rule on a single index of the stack (lib/toPolicy.ts says why).
 */
import { toPolicies } from "./lib/toPolicy";
import { allRules } from "./rules";

export const policies = toPolicies(allRules);
