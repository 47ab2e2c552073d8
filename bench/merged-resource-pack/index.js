"use strict";
// Experiment, not part of `npm run bench` (compare it through bench/throughput.ts evaluateOnce): the pack's rules
// with every resource rule behind ONE resource policy that dispatches by type (rule defaults, no waivers, no
// not-applicable reports), and the pack's stack-rules policy as is. Measures what per-rule resource policies cost
// in the Analyze phase (docs/benchmarks.md, design choice).
const path = require("path");
// The pack compiles into bin/policy-pack/ (and the shared vocabulary into bin/vocabulary/).
const bin = path.resolve(__dirname, "../../policy-pack/bin/policy-pack");
const { PolicyPack } = require("@pulumi/policy");
const { allRules } = require(path.join(bin, "rules"));
const { toPolicies } = require(path.join(bin, "lib/toPolicy"));
const { plainProps } = require(path.join(bin, "lib/values"));
const resourceRules = allRules.filter((r) => r.kind === "resource");
const byType = new Map();
for (const rule of resourceRules) for (const t of rule.types) byType.set(t, [...(byType.get(t) ?? []), rule]);
const stackPolicies = toPolicies(allRules.filter((r) => r.kind === "stack"));
new PolicyPack("merged-experiment", {
    policies: [
        {
            name: "resource-rules",
            description: "all resource rules",
            enforcementLevel: "mandatory",
            validateResource: (args, report) => {
                const rules = byType.get(args.type);
                if (!rules) return;
                const resource = { type: args.type, name: args.name, urn: args.urn, props: plainProps(args.props) };
                for (const rule of rules) {
                    const config = {};
                    for (const [k, s] of Object.entries(rule.config)) config[k] = s.default;
                    config.waivers = [];
                    for (const p of rule.check(resource, config)) {
                        report({
                            name: rule.name,
                            description: rule.description,
                            message: `${rule.description}\n${p.problem}`,
                            urn: args.urn,
                            severity: rule.severity,
                        });
                    }
                }
            },
        },
        ...stackPolicies,
    ],
});
