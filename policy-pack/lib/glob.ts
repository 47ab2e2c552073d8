/**
 * Case-insensitive globs with `*` (any text) and `?` (one character), anchored at both ends, as IAM action
 * patterns and waiver patterns use them.
 *
 * Why not a regular expression: `^.*a.*a.*a.*b$` backtracks polynomially (a waiver like `*a*a*a*a*a*a*b` on a
 * long URN took tens of seconds). A glob splits at `*` into literal segments (with `?`); the first segment
 * must match at the start, the last at the end, and each middle segment is matched at its leftmost possible
 * place, which is always safe because a later `*` can absorb anything the earlier choice leaves. No
 * backtracking: the work is at most (text length x pattern length), and the compiled form is reusable.
 */
export interface Glob {
    readonly pattern: string;
    test(text: string): boolean;
}

/** Longest pattern the pack compiles; longer ones (no real action or resource name is this long) match nothing. */
const MAX_GLOB_LENGTH = 2048;

function segmentMatchesAt(segment: string, text: string, at: number): boolean {
    if (at + segment.length > text.length) {
        return false;
    }
    for (let i = 0; i < segment.length; i++) {
        if (segment[i] !== "?" && segment[i] !== text[at + i]) {
            return false;
        }
    }
    return true;
}

function findSegment(segment: string, text: string, from: number, limit: number): number {
    if (!segment.includes("?")) {
        const found = text.indexOf(segment, from);
        return found !== -1 && found + segment.length <= limit ? found : -1;
    }
    for (let at = from; at + segment.length <= limit; at++) {
        if (segmentMatchesAt(segment, text, at)) {
            return at;
        }
    }
    return -1;
}

export function compileGlob(pattern: string): Glob {
    const lower = pattern.toLowerCase();
    const segments = lower.split("*");
    const tooLong = pattern.length > MAX_GLOB_LENGTH;
    const test = (input: string): boolean => {
        if (tooLong) {
            return false;
        }
        const text = input.toLowerCase();
        if (segments.length === 1) {
            return text.length === lower.length && segmentMatchesAt(lower, text, 0);
        }
        const first = segments[0];
        const last = segments[segments.length - 1];
        if (
            first.length + last.length > text.length ||
            !segmentMatchesAt(first, text, 0) ||
            !segmentMatchesAt(last, text, text.length - last.length)
        ) {
            return false;
        }
        let position = first.length;
        const end = text.length - last.length;
        for (let i = 1; i < segments.length - 1; i++) {
            const segment = segments[i];
            if (segment === "") {
                continue;
            }
            const found = findSegment(segment, text, position, end);
            if (found === -1) {
                return false;
            }
            position = found + segment.length;
        }
        return true;
    };
    return { pattern, test };
}

/**
 * True when the glob matches every string that starts with `prefix` (e.g. does `s3:*` cover every S3
 * action, does `arn:aws:s3:::b*` cover every object of bucket b). That holds exactly when the pattern ends
 * in `*` and the part before its trailing stars matches some prefix of `prefix` (the star then absorbs the
 * rest, whatever it is); a pattern without a trailing star matches only finitely many of those strings.
 */
export function globCoversPrefix(glob: Glob, prefix: string): boolean {
    const pattern = glob.pattern;
    if (!pattern.endsWith("*") || pattern.length > MAX_GLOB_LENGTH) {
        return false;
    }
    const head = compileGlob(pattern.replace(/\*+$/, ""));
    for (let length = 0; length <= prefix.length; length++) {
        if (head.test(prefix.slice(0, length))) {
            return true;
        }
    }
    return false;
}

/** A small cache: rules test the same few action patterns against many actions. */
const cache = new Map<string, Glob>();
const CACHE_LIMIT = 10_000;

export function glob(pattern: string): Glob {
    let compiled = cache.get(pattern);
    if (compiled === undefined) {
        if (cache.size >= CACHE_LIMIT) {
            cache.clear();
        }
        compiled = compileGlob(pattern);
        cache.set(pattern, compiled);
    }
    return compiled;
}
