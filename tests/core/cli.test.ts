import { strict as assert } from "node:assert";
import { oneOf, parseFlags, UsageError, wholeNumber } from "../../core/cli";

const spec = {
    name: "example",
    usage: "usage: example --stack <name>",
    flags: {
        stack: { type: "string" },
        event: { type: "string", multiple: true },
        update: { type: "boolean" },
    },
} as const;

describe("core/cli: one way to read flags", () => {
    it("reads strings, repeated flags, switches and --flag=value", () => {
        const values = parseFlags(spec, ["--stack=dev", "--event", "Decrypt", "--event", "Encrypt", "--update"]);
        assert.equal(values.stack, "dev");
        assert.deepEqual(values.event, ["Decrypt", "Encrypt"]);
        assert.equal(values.update, true);
    });

    it("refuses unknown flags, naming the allowed ones", () => {
        assert.throws(
            () => parseFlags(spec, ["--stak", "dev"]),
            (e: unknown) => {
                assert.ok(e instanceof UsageError);
                assert.match(e.message, /--stak/);
                assert.match(e.message, /allowed: --stack, --event, --update/);
                return true;
            },
        );
    });

    it("refuses a missing value, a value on a switch, positionals and a single-value flag given twice", () => {
        assert.throws(() => parseFlags(spec, ["--stack"]), /^UsageError: --stack needs a value$/);
        assert.throws(() => parseFlags(spec, ["--update=yes"]), /^UsageError: --update takes no value$/);
        assert.throws(() => parseFlags(spec, ["dev"]), /^UsageError: unknown argument "dev"; allowed: --stack/);
        assert.throws(() => parseFlags(spec, ["--stack", "dev", "--stack", "prod"]), /given more than once/);
    });

    it("checks closed sets and whole numbers with the flag named", () => {
        assert.equal(oneOf("format", "json", ["text", "json"] as const), "json");
        assert.throws(() => oneOf("format", "xml", ["text", "json"] as const), /--format "xml".*allowed: text, json/);
        assert.equal(wholeNumber("max-events", "10", 1, 100), 10);
        assert.throws(() => wholeNumber("max-events", "0", 1, 100), /from 1 to 100/);
        assert.throws(() => wholeNumber("max-events", "1.5", 1, 100), UsageError);
    });
});
