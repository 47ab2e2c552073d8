/**
 * Renders the access matrix into docs/access-matrix.md between the access-matrix markers. Run after changing
 * matrix.ts: `npm run access-matrix` (node -r ts-node/register/transpile-only tests/access/render.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { ACCESS_MATRIX, IDENTITY_FIXTURES, MatrixRow, STACKS } from "./matrix";
import { Outcome } from "./simulator";
import { PROGRAM_DOCUMENTS, ProgramDocumentName } from "./stackDocuments";

export const RENDER_COMMAND = "node -r ts-node/register/transpile-only tests/access/render.ts";
export const START_MARKER = "<!-- access-matrix:start -->";
export const END_MARKER = "<!-- access-matrix:end -->";
export const MATRIX_DOC = path.resolve(__dirname, "..", "..", "docs", "access-matrix.md");
const MATRIX_DOC_NAME = "docs/access-matrix.md";

const DOCUMENT_TITLES: Record<ProgramDocumentName, string> = {
    keyPolicy: "key policy",
    dataBucketPolicy: "data bucket policy",
    trailLogBucketPolicy: "CloudTrail log bucket policy",
    accessLogBucketPolicy: "access-log bucket policy",
    deliveryRoleTrustPolicy: "delivery role trust policy",
    deliveryRolePermissions: "delivery role permissions",
};

const OUTCOME_TEXT: Record<Outcome, string> = {
    Allowed: "allowed",
    ImplicitlyDenied: "denied (nothing allows)",
    ExplicitlyDenied: "denied (explicit Deny)",
};

function titleOf(policy: string): string {
    return (PROGRAM_DOCUMENTS as readonly string[]).includes(policy)
        ? DOCUMENT_TITLES[policy as ProgramDocumentName]
        : `IAM policy ${policy}`;
}

/** Table cells may not contain a bare '|'. */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|");
}

function code(text: string): string {
    return "`" + text + "`";
}

function requestCell(row: MatrixRow): string {
    const parts = [row.request];
    if (row.config) {
        parts.push(`after the config change ${code(row.config)}`);
    }
    parts.push(`${code(row.principal)} → ${code(row.action)} on ${code(row.resource)}`);
    if (row.identityPolicies?.length) {
        parts.push(`identity: ${row.identityPolicies.map((p) => titleOf(p)).join(", ")}`);
    }
    const context = Object.entries(row.context ?? {});
    if (context.length > 0) {
        parts.push(`context: ${context.map(([k, v]) => code(`${k}=${v}`)).join(", ")}`);
    }
    return cell(parts.join("<br>"));
}

function decidingCell(row: MatrixRow): string {
    if (row.decidedBy.length === 0) {
        return "none";
    }
    return cell(
        [...row.decidedBy]
            .sort()
            .map((label) => {
                const [policy, sid] = label.split(":");
                return `${code(sid)} (${titleOf(policy)})`;
            })
            .join("<br>"),
    );
}

function stacksCell(row: MatrixRow): string {
    return (row.stacks ?? STACKS).join(", ");
}

/** The generated section, markers excluded. */
export function renderMatrixSection(): string {
    const fixtures = Object.entries(IDENTITY_FIXTURES).map(([name, doc]) => {
        const statement = doc.Statement[0];
        const actions = ([] as string[]).concat(statement.Action);
        return `${code(name)} allows ${actions.map(code).join(", ")} on ${code(statement.Resource)}`;
    });
    const header = [
        "<!-- generated from tests/access/matrix.ts by `" + RENDER_COMMAND + "`; edit the data, not this table -->",
        "",
        `${ACCESS_MATRIX.length} requests, each evaluated for the stacks named and checked in \`npm test\`. \`{name}\` is taken per stack`,
        "from what the program registers (key and bucket ARNs, trail, log group, topic, delivery role, the key's deletion",
        "window) or from the stack file (`{keyUser}`, `{keyAdministrator}`: the first of each list). `{newcomer}` is a role",
        "in the same account that no stack file lists; so is `{auditor}`, the Athena auditor the config change",
        "`athena-audit` configures. Identity policies the program does not manage are assumed as:",
        fixtures.map((f) => `${f}.`).join(" "),
        "What the simulation cannot show is listed [below](#what-the-simulation-cannot-show).",
        "",
        "| Row | Request | Stacks | Expected | Deciding statement |",
        "|---|---|---|---|---|",
    ];
    const rows = ACCESS_MATRIX.map(
        (row) =>
            `| ${code(row.id)} | ${requestCell(row)} | ${stacksCell(row)} | ${OUTCOME_TEXT[row.expected]} | ${decidingCell(row)} |`,
    );
    return [...header, ...rows].join("\n");
}

/** The document with the section between the markers replaced; fails when the markers are missing or disordered. */
export function withMatrixSection(doc: string, section: string): string {
    const start = doc.indexOf(START_MARKER);
    const end = doc.indexOf(END_MARKER);
    if (start < 0 || end < 0 || end < start) {
        throw new Error(
            `${MATRIX_DOC_NAME} must contain ${START_MARKER} followed by ${END_MARKER}; ` +
                "add them where the access matrix belongs",
        );
    }
    return `${doc.slice(0, start + START_MARKER.length)}\n${section}\n${doc.slice(end)}`;
}

if (require.main === module) {
    const current = fs.readFileSync(MATRIX_DOC, "utf8");
    const updated = withMatrixSection(current, renderMatrixSection());
    if (updated === current) {
        console.log(`${MATRIX_DOC_NAME} access matrix already up to date`);
    } else {
        fs.writeFileSync(MATRIX_DOC, updated);
        console.log(`${MATRIX_DOC_NAME} access matrix rewritten (${ACCESS_MATRIX.length} rows)`);
    }
}
