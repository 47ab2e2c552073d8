import { strict as assert } from "assert";
import { resumeAfter } from "../../audit/s3-logs";
import { deliveryTime, folderPeriod } from "../../audit/sources";

const REGION_FOLDER = "AWSLogs/111122223333/CloudTrail/us-east-1/";
const window = { since: new Date("2024-05-03T00:00:00Z"), until: new Date("2024-05-10T00:00:00Z") };

describe("audit: skipping logs outside the window by delivery date", () => {
    it("reads the day, month and year of CloudTrail date folders only", () => {
        const day = folderPeriod(`${REGION_FOLDER}2024/05/03`.split("/"));
        assert.deepEqual(day, { start: Date.UTC(2024, 4, 3), end: Date.UTC(2024, 4, 4) });
        assert.deepEqual(folderPeriod(`${REGION_FOLDER}2024/05`.split("/")), {
            start: Date.UTC(2024, 4, 1),
            end: Date.UTC(2024, 5, 1),
        });
        assert.equal(folderPeriod("backup/2024/05/03".split("/")), undefined);
    });

    it("reads the delivery time from a CloudTrail file name", () => {
        assert.equal(
            deliveryTime("111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"),
            Date.UTC(2015, 7, 1, 2, 10),
        );
        assert.equal(deliveryTime("notes.json.gz"), undefined);
    });

    it("jumps from a folder before the window to the window's first day", () => {
        assert.equal(resumeAfter(`${REGION_FOLDER}2024/04/30/a.json.gz`, window), `${REGION_FOLDER}2024/05/03`);
    });

    it("jumps past every date of the region once delivery is more than a day after the window", () => {
        assert.equal(resumeAfter(`${REGION_FOLDER}2024/05/11/a.json.gz`, window), `${REGION_FOLDER}9999`);
    });

    it("keeps folders inside the window and the day after it, where late files land", () => {
        assert.equal(resumeAfter(`${REGION_FOLDER}2024/05/03/a.json.gz`, window), undefined);
        assert.equal(resumeAfter(`${REGION_FOLDER}2024/05/10/a.json.gz`, window), undefined);
        assert.equal(resumeAfter("flat/a.json.gz", window), undefined);
    });
});
