/**
 * Every type token of vocabulary/awsTypes.ts against the installed provider (@pulumi/aws, a dependency): resource
 * tokens are the classes' `__pulumiType`, data-source tokens the names their functions invoke. The provider's
 * declaration files leave `__pulumiType` out (`@internal`), so this cannot be a compile-time check.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as tokens from "../../vocabulary/awsTypes";

const TOKEN = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):([A-Za-z0-9]+)$/;

/** `aws:kms/key:Key` -> the module file `kms/key` (`index` is the package's top level) and the export `Key`. */
function providerFile(token: string): { file: string; exported: string } {
    const match = TOKEN.exec(token);
    assert.ok(match, `${token} is not an aws:<module>/<member>:<Type> token`);
    const [, module, member, exported] = match;
    return { file: module === "index" ? member : `${module}/${member}`, exported };
}

const resourceTokens: [string, string][] = Object.entries(tokens).flatMap(([name, value]): [string, string][] =>
    typeof value === "string" ? [[name, value]] : [],
);

describe("vocabulary: AWS type tokens match the installed @pulumi/aws", () => {
    it("names each resource token once", () => {
        const values = resourceTokens.map(([, token]) => token);
        assert.ok(values.length >= 40, `only ${values.length} tokens`);
        assert.deepEqual(values.length, new Set(values).size, "a token is exported under two names");
    });

    for (const [name, token] of resourceTokens) {
        it(`${name} is the __pulumiType of its provider class`, () => {
            const { file, exported } = providerFile(token);
            const module = require(`@pulumi/aws/${file}`) as Record<string, { __pulumiType?: unknown } | undefined>;
            assert.equal(module[exported]?.__pulumiType, token);
        });
    }

    for (const [name, token] of Object.entries(tokens.DATA_SOURCES)) {
        it(`data source ${name} is what the provider's function invokes`, () => {
            const { file, exported } = providerFile(token);
            assert.equal(exported, name);
            const source = fs.readFileSync(require.resolve(`@pulumi/aws/${file}.js`), "utf8");
            assert.ok(source.includes(`invoke("${token}"`), `@pulumi/aws/${file}.js does not invoke ${token}`);
        });
    }

    it("moduleOfType reads the module, and nothing from a string that is no token", () => {
        assert.equal(tokens.moduleOfType(tokens.KMS_KEY), "kms");
        assert.equal(tokens.moduleOfType("kms-audit:index:Monitoring"), undefined);
    });
});
