"use strict";
/**
 * Preloaded into a pack under `node --cpu-prof` by bench/profile.ts: V8 writes the profile when the process exits
 * normally, and a SIGTERM (how the bench stops a pack) would end it without one.
 */
process.once("SIGTERM", () => process.exit(0));
