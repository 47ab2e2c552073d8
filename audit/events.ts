/**
 * Which CloudTrail events the audit reports, and how it reads their outcome: the shared lists
 * (vocabulary/cloudTrailEvents.ts, which the alarms are generated from too) as sets for the per-record lookups.
 */
import * as vocabulary from "../vocabulary/cloudTrailEvents";

export {
    CLOUDTRAIL_EVENT_SOURCE,
    DENIAL_ERROR_CODE_PATTERNS,
    KMS_EVENT_SOURCE,
    S3_EVENT_SOURCE,
    isDenialErrorCode,
} from "../vocabulary/cloudTrailEvents";

export const KEY_USE_EVENTS: ReadonlySet<string> = new Set(vocabulary.KEY_USE_EVENTS);
export const KEY_LIFECYCLE_EVENTS: ReadonlySet<string> = new Set(vocabulary.KEY_LIFECYCLE_EVENTS);
export const TRAIL_CHANGE_EVENTS: ReadonlySet<string> = new Set(vocabulary.TRAIL_CHANGE_EVENTS);
export const UPLOAD_EVENTS: ReadonlySet<string> = new Set(vocabulary.UPLOAD_EVENTS);
