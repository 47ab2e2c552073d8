/**
 * One list per concern: the alarms' filter patterns are generated from the same event lists the audit reports, so
 * what alarms is reported and the other way round (issue 15: CreateTrail alarmed but was not reported,
 * PutInsightSelectors was reported but did not alarm). Also the generator and the denial patterns on their own.
 */
import { strict as assert } from "assert";
import { TAMPER_ALARMS } from "../../infra/components/monitoring";
import { deniedCondition } from "../../audit/athena/sql";
import { KEY_LIFECYCLE_EVENTS as AUDIT_KEY_LIFECYCLE, TRAIL_CHANGE_EVENTS as AUDIT_TRAIL } from "../../audit/events";
import {
    BUCKET_POLICY_CHANGE_EVENTS,
    KEY_DISABLE_OR_DELETION_EVENTS,
    KEY_POLICY_OR_ROTATION_EVENTS,
    TRAIL_CHANGE_EVENTS,
    cloudTrailFilterPattern,
    isDenialErrorCode,
} from "../../vocabulary/cloudTrailEvents";
import { ACCOUNT, TRAIL_ARN, iamUser, logFilePath, trailCall, writeLogFile } from "../audit/fixtures";
import { audit, temporaryDirectory } from "../audit/helpers";

/** The event names a generated pattern selects. */
function eventNamesOf(pattern: string): string[] {
    return [...pattern.matchAll(/\$\.eventName = (\w+)\)/g)].map((m) => m[1]);
}

function alarm(id: string): string {
    const found = TAMPER_ALARMS.find((a) => a.id === id);
    assert.ok(found, `no alarm ${id}`);
    return found.pattern;
}

describe("vocabulary: CloudTrail events, one list per concern", () => {
    it("the trail-changes alarm watches the trail changes the audit reports, CreateTrail and Insights too", () => {
        const alarmed = eventNamesOf(alarm("trail-changes"));
        assert.deepEqual(alarmed, [...TRAIL_CHANGE_EVENTS]);
        assert.deepEqual([...AUDIT_TRAIL].sort(), [...alarmed].sort());
        assert.ok(alarmed.includes("CreateTrail") && alarmed.includes("PutInsightSelectors"));
    });

    it("every alarmed key event is one the audit reports as key lifecycle", () => {
        for (const id of ["key-disabled-or-deletion", "key-policy-or-rotation-changes"]) {
            const alarmed = eventNamesOf(alarm(id));
            assert.ok(alarmed.length > 0);
            assert.deepEqual(
                alarmed.filter((e) => !AUDIT_KEY_LIFECYCLE.has(e)),
                [],
                id,
            );
        }
        assert.deepEqual(eventNamesOf(alarm("key-disabled-or-deletion")), [...KEY_DISABLE_OR_DELETION_EVENTS]);
        assert.deepEqual(eventNamesOf(alarm("key-policy-or-rotation-changes")), [...KEY_POLICY_OR_ROTATION_EVENTS]);
        assert.deepEqual(eventNamesOf(alarm("bucket-policy-changes")), [...BUCKET_POLICY_CHANGE_EVENTS]);
    });

    it("every pattern fits CloudWatch Logs' 1024-character limit for a filter pattern", () => {
        // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html
        for (const { id, pattern } of TAMPER_ALARMS) {
            assert.ok(pattern.length <= 1024, `${id}: ${pattern.length} characters`);
        }
    });

    it("generates a pattern per source and field, quoting values that are not bare words", () => {
        assert.equal(
            cloudTrailFilterPattern({ field: "eventName", values: ["StopLogging", "DeleteTrail"] }),
            "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }",
        );
        assert.equal(
            cloudTrailFilterPattern({
                eventSource: "kms.amazonaws.com",
                field: "errorCode",
                values: ["AccessDenied*", "Client.UnauthorizedOperation"],
            }),
            '{ ($.eventSource = kms.amazonaws.com) && (($.errorCode = "AccessDenied*") || ' +
                '($.errorCode = "Client.UnauthorizedOperation")) }',
        );
        assert.equal(
            alarm("kms-access-denied"),
            '{ ($.eventSource = kms.amazonaws.com) && (($.errorCode = "AccessDenied*") || ' +
                '($.errorCode = "*UnauthorizedOperation")) }',
        );
    });

    it("refuses an empty list and a value that would break out of its quotes", () => {
        assert.throws(() => cloudTrailFilterPattern({ field: "eventName", values: [] }), /at least one value/);
        assert.throws(() => cloudTrailFilterPattern({ field: "eventName", values: ['A") || (true'] }), /cannot put/);
        assert.throws(() => cloudTrailFilterPattern({ field: "eventName", values: [""] }), /cannot put/);
    });

    it("reads denials as CIS 4.1 does, in the audit's records and in its Athena SQL", () => {
        for (const code of ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]) {
            assert.ok(isDenialErrorCode(code), code);
        }
        assert.ok(isDenialErrorCode("Client.UnauthorizedOperation"));
        for (const code of ["KMSInvalidStateException", "IncorrectKeyException", "NotAccessDenied", "Access"]) {
            assert.ok(!isDenialErrorCode(code), code);
        }
        assert.equal(
            deniedCondition("error_code"),
            "(error_code LIKE 'AccessDenied%' OR error_code LIKE '%UnauthorizedOperation')",
        );
    });

    it("the audit reports a trail's creation and an Insights selector change among the trail changes", async () => {
        const { dir, remove } = temporaryDirectory("trail-changes");
        try {
            const admin = iamUser("Admin");
            writeLogFile(dir, logFilePath("2024-05-01T10:05:00Z", "TrailCreated0000"), [
                trailCall("CreateTrail", {
                    time: "2024-05-01T10:00:00Z",
                    identity: admin,
                    requestParameters: { name: "kms-audit" },
                }),
                trailCall("PutInsightSelectors", {
                    time: "2024-05-01T10:01:00Z",
                    identity: admin,
                    requestParameters: { trailName: TRAIL_ARN, insightSelectors: [] },
                }),
                trailCall("GetTrailStatus", {
                    time: "2024-05-01T10:02:00Z",
                    identity: admin,
                    requestParameters: { name: TRAIL_ARN },
                }),
            ]);
            const { report } = await audit(["--logs", dir]);
            assert.deepEqual(
                report.trail.events.shown.map((e) => e.eventName),
                ["CreateTrail", "PutInsightSelectors"],
                `account ${ACCOUNT}: a read (GetTrailStatus) is no change`,
            );
        } finally {
            remove();
        }
    });
});
