import { strict as assert } from "assert";
import { describePrincipal } from "../../audit/principal";
import { CloudTrailRecord } from "../../audit/record";
import { ACCOUNT, APP_ROLE_ARN, assumedRole, awsService, crossAccount, iamUser, rootUser } from "./fixtures";

function principalOf(userIdentity: Record<string, unknown>, sourceIPAddress = "192.0.2.0") {
    return describePrincipal({ userIdentity, sourceIPAddress } as CloudTrailRecord);
}

describe("audit: who made a call", () => {
    it("names an IAM user by its ARN", () => {
        assert.deepEqual(principalOf(iamUser("Alice")), {
            label: `arn:aws:iam::${ACCOUNT}:user/Alice`,
            type: "IAMUser",
        });
    });

    it("names an assumed-role session by the role that issued it and the session name", () => {
        assert.deepEqual(principalOf(assumedRole(APP_ROLE_ARN, "worker-1")), {
            label: `${APP_ROLE_ARN} (session worker-1)`,
            type: "AssumedRole",
        });
    });

    it("marks a call S3 made for a role as via s3.amazonaws.com, keeping the role as the principal", () => {
        const identity = { ...assumedRole(APP_ROLE_ARN, "worker-1"), invokedBy: "s3.amazonaws.com" };
        assert.deepEqual(principalOf(identity, "s3.amazonaws.com"), {
            label: `${APP_ROLE_ARN} (session worker-1)`,
            type: "AssumedRole",
            via: "s3.amazonaws.com",
        });
    });

    it("recognises a service call from the source address when invokedBy is missing", () => {
        assert.equal(principalOf(iamUser("Bob"), "s3.amazonaws.com").via, "s3.amazonaws.com");
    });

    it("does not call an ordinary IP address or 'AWS Internal' a service", () => {
        assert.equal(principalOf({ ...iamUser("Bob"), invokedBy: "AWS Internal" }, "203.0.113.9").via, undefined);
    });

    it("names a service acting on its own (CloudTrail encrypting logs) by the service", () => {
        assert.deepEqual(principalOf(awsService("cloudtrail.amazonaws.com"), "cloudtrail.amazonaws.com"), {
            label: "cloudtrail.amazonaws.com",
            type: "AWSService",
        });
    });

    it("names the root user and another account", () => {
        assert.equal(principalOf(rootUser()).label, `arn:aws:iam::${ACCOUNT}:root`);
        assert.equal(principalOf(crossAccount()).label, "account 444455556666 (principal AIDAEXAMPLE)");
    });

    it("names a KMS service event with no identity type by the service that invoked it", () => {
        assert.deepEqual(principalOf({ accountId: ACCOUNT, invokedBy: "AWS Internal" }, "AWS Internal"), {
            label: "AWS Internal",
            type: "Unknown",
        });
    });

    it("still names a principal when userIdentity is missing altogether", () => {
        assert.equal(describePrincipal({} as CloudTrailRecord).label, "Unknown (no identity recorded)");
    });
});
