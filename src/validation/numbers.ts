/**
 * Numbers that upstreams send as text (OMDb's strings, scraped page text) and the score/count cross-field
 * rule every rating parser applies. Pure; shared by sources, enrichers and quality rules.
 */
import type { QuarantineReason, RecordIssue } from "../domain.js";

/**
 * Cross-field rule on a score and its count as a parser found them (null = not found): a score without any
 * count (null or 0), or a count without a score, is suspicious. Returns the flags (`inconsistent`), empty
 * when both or neither are present. Callers with a count but no score load nothing and record the flag with
 * `Quarantine.flag`.
 */
export function scoreCountFlags(score: number | null, voteCount: number | null): RecordIssue[] {
  if (score !== null && (voteCount === null || voteCount === 0)) {
    return [
      {
        path: "voteCount",
        message: voteCount === null ? "score without a count" : "score with a count of zero",
        reason: "inconsistent",
      },
    ];
  }
  if (score === null && voteCount !== null && voteCount > 0) {
    return [{ path: "score", message: `count ${voteCount} without a score`, reason: "inconsistent" }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------------------
// Numbers that arrive as text (OMDb's strings, scraped page text)

/** Options of {@link parseUpstreamNumber}. */
export interface UpstreamNumberOptions {
  /** The value is a count: fractions are `not_an_integer`, and `min` defaults to 0. */
  integer?: boolean;
  /** Accept `,` thousands separators in correct groups (`2,212,015`). Default true; `8,7` stays invalid. */
  allowThousandsSeparators?: boolean;
  /** Inclusive lower bound (default 0 for integers, none otherwise); below it → `out_of_range`. */
  min?: number;
  /** Inclusive upper bound (default none); above it → `out_of_range`. */
  max?: number;
  /** Texts that mean "no value" (compared case-insensitively after trimming). Default `["N/A", "tbd"]`. */
  missing?: readonly string[];
  /** Path reported in the issue (default empty). */
  path?: string;
}

/**
 * Result of {@link parseUpstreamNumber}: `ok: true` with a number, or null when the upstream said "no
 * value" (`N/A`, Metacritic's `tbd`, a JSON null); `ok: false` with the issue to quarantine under.
 */
export type UpstreamNumber = { ok: true; value: number | null; issue: null } | { ok: false; value: null; issue: RecordIssue };

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const GROUPED = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$/;

/**
 * Parses a number that an upstream sends as text, e.g. OMDb's `imdbRating: "8.7"` and `imdbVotes:
 * "2,212,015"`, or a page's `"54"` review count. Also accepts a JSON number (the 2025-26 JSON-LD layouts)
 * and null/undefined (→ null, not an issue).
 *
 * - `"N/A"`, `"tbd"` (see `missing`) → `{ok: true, value: null}`;
 * - `""`, `"abc"`, `"1e3"`, `"8,7"` → `not_a_number`;
 * - `"1,234"` → 1234 (unless `allowThousandsSeparators: false`);
 * - `"1.5"` with `integer` → `not_an_integer`;
 * - `"-3"` with `integer` (or below `min` / above `max`) → `out_of_range`.
 *
 * Pure; never throws.
 */
export function parseUpstreamNumber(text: string | number | null | undefined, options: UpstreamNumberOptions = {}): UpstreamNumber {
  const path = options.path ?? "";
  const fail = (reason: QuarantineReason, message: string): UpstreamNumber => ({
    ok: false,
    value: null,
    issue: { path, message, reason },
  });
  if (text === null || text === undefined) return { ok: true, value: null, issue: null };
  let value: number;
  if (typeof text === "number") {
    if (!Number.isFinite(text)) return fail("not_a_number", `${text} is not a finite number`);
    value = text;
  } else {
    const trimmed = text.trim();
    const missing = options.missing ?? ["N/A", "tbd"];
    if (missing.some((m) => m.toLowerCase() === trimmed.toLowerCase())) return { ok: true, value: null, issue: null };
    const allowGroups = options.allowThousandsSeparators ?? true;
    let digits: string;
    if (DECIMAL.test(trimmed)) digits = trimmed;
    else if (allowGroups && GROUPED.test(trimmed)) digits = trimmed.replaceAll(",", "");
    else return fail("not_a_number", `"${truncate(text, 40)}" is not a number`);
    value = Number(digits);
  }
  if (options.integer && !Number.isInteger(value)) return fail("not_an_integer", `${value} is not a whole number`);
  const min = options.min ?? (options.integer ? 0 : undefined);
  if (min !== undefined && value < min) return fail("out_of_range", `${value} is below ${min}`);
  if (options.max !== undefined && value > options.max) return fail("out_of_range", `${value} is above ${options.max}`);
  return { ok: true, value, issue: null };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
