/**
 * Boundary rules: the domain checks every record passes before it may reach the star schema.
 *
 * The sources first check an upstream response's *shape* with their own zod schemas (src/sources/…); the
 * mapped domain records then pass through the rules here, which know the *domain*: rating scales, date
 * ranges, id formats, TMDB's genre list. Everything here is pure (no I/O, no clock: the current year is an
 * argument).
 *
 * A check returns a {@link Verdict}: `ok: false` with the issues when the record must not be loaded (the
 * caller quarantines it with `Quarantine.reject`), or `ok: true` with the checked value and `flags` — issues
 * that make the record suspicious but not wrong (the caller loads it and records the flags with
 * `Quarantine.flag`).
 *
 * Ranges follow the issue's design (IMDb 1.0–10.0, TMDB 0–10, Rotten Tomatoes 0–100, Metacritic critics
 * 0–100, Metacritic users 0–10: {@link RATING_SCALES}); the formats follow the upstreams' documentation
 * (IMDb ids `tt` + 7 or more digits, TMDB dates `YYYY-MM-DD`, Wikidata items `Q…`).
 */
import { z } from "zod";
import {
  RATING_SCALES,
  RATING_SOURCES,
  type QuarantineReason,
  type RatingObservation,
  type RecordIssue,
  type SeriesRecord,
} from "../domain.js";

/**
 * Outcome of a boundary check. `ok: true`: load `value` (the checked record); `flags` lists suspicious
 * but acceptable findings (possibly empty). `ok: false`: do not load; `issues` is never empty.
 */
export type Verdict<T> = { ok: true; value: T; flags: RecordIssue[] } | { ok: false; issues: RecordIssue[] };

/** What {@link checkSeries} needs to know beyond the record. */
export interface SeriesRuleContext {
  /** Genre ids of TMDB's `/genre/tv/list` for this run. */
  knownGenreIds: ReadonlySet<number>;
  /** The current calendar year (UTC), from the caller's clock; first-air years up to next year pass. */
  currentYear: number;
}

/** Earliest first-air year accepted. */
export const MIN_FIRST_AIR_YEAR = 1900;

/** IMDb title ids: `tt` followed by 7 or more digits (e.g. `tt0903747`, `tt10919420`). */
export const IMDB_ID_PATTERN = /^tt\d{7,}$/;

/** Wikidata item ids (`Q1079`). */
export const WIKIDATA_ID_PATTERN = /^Q[1-9]\d*$/;

const QUARANTINE_REASONS: ReadonlySet<string> = new Set<QuarantineReason>([
  "invalid_json",
  "not_json",
  "schema_mismatch",
  "out_of_range",
  "not_a_number",
  "not_an_integer",
  "invalid_date",
  "invalid_id",
  "unknown_genre",
  "missing_field",
  "inconsistent",
  "upstream_error",
]);

/** True when `value` is one of the {@link QuarantineReason} values. */
export function isQuarantineReason(value: unknown): value is QuarantineReason {
  return typeof value === "string" && QUARANTINE_REASONS.has(value);
}

/**
 * True when `text` is a calendar date `YYYY-MM-DD` that exists (`2023-02-30` and `2023-13-01` do not;
 * `2024-02-29` does).
 */
export function isValidCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one; Date.UTC handles leap years.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/**
 * Maps zod issues to {@link RecordIssue}s: `path` dotted (`genres.0.id`, empty for the root), zod's
 * message, and a reason:
 * - a custom refinement with `params: {reason}` → that reason (how the rules here say what failed);
 * - a missing required field (expected X, received undefined) → `missing_field`;
 * - a string where a number was expected, or NaN → `not_a_number`; a fraction where an integer was
 *   expected → `not_an_integer`;
 * - a number (or date) outside its bounds → `out_of_range`; an empty string where at least one character
 *   is required → `missing_field`;
 * - an invalid ISO date or datetime format → `invalid_date`; a failed pattern on a field whose name ends
 *   in `id`/`Id`/`_id` → `invalid_id`;
 * - anything else (wrong type, unknown enum value, unrecognized keys, union mismatch) → `schema_mismatch`.
 * Issues nested in a union (`invalid_union`) are reported as the union's one issue.
 */
export function issuesFromZod(error: z.ZodError): RecordIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
    reason: reasonOfZodIssue(issue),
  }));
}

function reasonOfZodIssue(issue: z.core.$ZodIssue): QuarantineReason {
  switch (issue.code) {
    case "custom": {
      const reason: unknown = issue.params?.["reason"];
      return isQuarantineReason(reason) ? reason : "schema_mismatch";
    }
    case "invalid_type": {
      const received = "input" in issue ? describeInput(issue.input) : receivedFromMessage(issue.message);
      if (received === "undefined") return "missing_field";
      if (issue.expected === "int" && received === "number") return "not_an_integer";
      if ((issue.expected === "number" || issue.expected === "int") && (received === "string" || received === "NaN")) {
        return "not_a_number";
      }
      return "schema_mismatch";
    }
    case "too_small":
    case "too_big":
      if (issue.origin === "string" && issue.code === "too_small") return "missing_field";
      if (issue.origin === "number" || issue.origin === "bigint" || issue.origin === "date") return "out_of_range";
      return "schema_mismatch";
    case "not_multiple_of":
      return "out_of_range";
    case "invalid_format": {
      if (issue.format === "date" || issue.format === "datetime") return "invalid_date";
      const field = String(issue.path[issue.path.length - 1] ?? "");
      if (issue.format === "regex" && /(^id|Id|_id|ID)$/.test(field)) return "invalid_id";
      return "schema_mismatch";
    }
    default:
      return "schema_mismatch";
  }
}

/** zod's name for a value's type, as in its "received …" messages. */
function describeInput(input: unknown): string {
  if (input === undefined) return "undefined";
  if (input === null) return "null";
  if (typeof input === "number" && Number.isNaN(input)) return "NaN";
  if (Array.isArray(input)) return "array";
  return typeof input;
}

/** zod v4's default message says "expected X, received Y" when the issue does not carry its input. */
function receivedFromMessage(message: string): string | undefined {
  return /received (\w+)/.exec(message)?.[1];
}

/**
 * The issue for a response body that could not be used as JSON (the caller's parse gave no value):
 * - the text parses, but to a scalar or null (`null`, `"Service Unavailable"`) → `schema_mismatch`;
 * - it starts like JSON (`{`, `[`) but does not parse (a truncated body) → `invalid_json`;
 * - anything else (an HTML error page, an empty body, no body) → `not_json`.
 * The message names the first characters of the body (secrets are removed later by the quarantine).
 */
export function nonJsonBodyIssue(text: string | null | undefined): RecordIssue {
  const body = text ?? "";
  const head = JSON.stringify(truncate(body.trim(), 60));
  try {
    JSON.parse(body);
    return { path: "", message: `body is JSON but not an object: ${head}`, reason: "schema_mismatch" };
  } catch {
    if (/^\s*[[{]/.test(body)) return { path: "", message: `body is not valid JSON (truncated?): ${head}`, reason: "invalid_json" };
    return { path: "", message: body.trim() === "" ? "empty body where JSON was expected" : `body is not JSON: ${head}`, reason: "not_json" };
  }
}

/** The reason a record is quarantined under: the reason of its first issue (`schema_mismatch` if none). */
export function primaryReason(issues: readonly RecordIssue[]): QuarantineReason {
  return issues[0]?.reason ?? "schema_mismatch";
}

// ---------------------------------------------------------------------------------------------------------
// Series

const reason = (r: QuarantineReason) => ({ params: { reason: r } });

const positiveIntId = z
  .int()
  .refine((v) => v > 0, { message: "id must be a positive integer", ...reason("invalid_id") });
const nullableCount = z.int().nonnegative().nullable();

const genreSchema = z.object({ id: positiveIntId, name: z.string().trim().min(1) });
const networkSchema = z.object({
  id: positiveIntId,
  name: z.string().trim().min(1),
  originCountry: z.string().nullable(),
  logoPath: z.string().nullable(),
});

const calendarDate = z
  .string()
  .refine(isValidCalendarDate, { message: "not an existing calendar date YYYY-MM-DD", ...reason("invalid_date") })
  .nullable();

/** Field types and formats of a {@link SeriesRecord}; the cross-field rules follow in {@link checkSeries}. */
const seriesShape = z.object({
  id: positiveIntId,
  title: z.string().trim().min(1, { message: "title is empty" }),
  originalTitle: z.string(),
  firstAirDate: calendarDate,
  releaseYear: z.int().nullable(),
  lastAirDate: calendarDate,
  status: z.string().nullable(),
  seriesType: z.string().nullable(),
  originalLanguage: z.string().nullable(),
  originCountries: z.array(z.string()),
  numberOfSeasons: nullableCount,
  numberOfEpisodes: nullableCount,
  plot: z.string().nullable(),
  imdbId: z
    .string()
    .refine((v) => IMDB_ID_PATTERN.test(v), { message: "IMDb id must be tt followed by 7 or more digits", ...reason("invalid_id") })
    .nullable(),
  tvdbId: positiveIntId.nullable(),
  wikidataId: z
    .string()
    .refine((v) => WIKIDATA_ID_PATTERN.test(v), { message: "Wikidata id must be Q followed by digits", ...reason("invalid_id") })
    .nullable(),
  popularity: z.number().nonnegative().nullable(),
  posterPath: z.string().nullable(),
  genres: z.array(genreSchema),
  networks: z.array(networkSchema),
});

/**
 * Checks a mapped series before it is loaded into `series_dim` and its bridges.
 *
 * Rejected (`ok: false`) when: the id (or a genre, network or TVDB id) is not a positive integer
 * (`invalid_id`, `not_an_integer` for a fraction); the title is empty (`missing_field`); a date is not an
 * existing `YYYY-MM-DD` (`invalid_date`); the first-air year is outside 1900…currentYear+1 (`out_of_range`);
 * `releaseYear` differs from the first-air date's year, or the last-air date precedes the first
 * (`inconsistent`); a genre id is not in TMDB's genre list (`unknown_genre`); the IMDb id is not `tt` + 7 or
 * more digits, or the Wikidata id not `Q…` (`invalid_id`) — an empty string is not null: the mapper turns
 * TMDB's empty ids and dates into null; season or episode counts are negative (`out_of_range`) or
 * fractional (`not_an_integer`); popularity is negative (`out_of_range`).
 *
 * Flagged (`ok: true` with `flags`): more seasons than episodes while episodes are known and non-zero, and a
 * series with no genre at all (`inconsistent`).
 *
 * A run whose genre list could not be read must not call this (every genre would be unknown).
 */
export function checkSeries(record: SeriesRecord, ctx: SeriesRuleContext): Verdict<SeriesRecord> {
  const parsed = seriesShape.safeParse(record);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };
  const issues: RecordIssue[] = [];
  const s = record;

  if (s.firstAirDate !== null) {
    const year = Number(s.firstAirDate.slice(0, 4));
    const maxYear = ctx.currentYear + 1;
    if (year < MIN_FIRST_AIR_YEAR || year > maxYear) {
      issues.push({
        path: "firstAirDate",
        message: `first-air year ${year} is outside ${MIN_FIRST_AIR_YEAR}–${maxYear}`,
        reason: "out_of_range",
      });
    }
    if (s.releaseYear !== null && s.releaseYear !== year) {
      issues.push({
        path: "releaseYear",
        message: `release year ${s.releaseYear} differs from the first-air date's year ${year}`,
        reason: "inconsistent",
      });
    }
  } else if (s.releaseYear !== null) {
    issues.push({ path: "releaseYear", message: "release year set without a first-air date", reason: "inconsistent" });
  }
  if (s.firstAirDate !== null && s.lastAirDate !== null && s.lastAirDate < s.firstAirDate) {
    // ISO dates compare correctly as strings.
    issues.push({
      path: "lastAirDate",
      message: `last-air date ${s.lastAirDate} precedes first-air date ${s.firstAirDate}`,
      reason: "inconsistent",
    });
  }
  s.genres.forEach((genre, i) => {
    if (!ctx.knownGenreIds.has(genre.id)) {
      issues.push({
        path: `genres.${i}.id`,
        message: `genre id ${genre.id} (${genre.name}) is not in TMDB's genre list`,
        reason: "unknown_genre",
      });
    }
  });
  if (issues.length > 0) return { ok: false, issues };

  const flags: RecordIssue[] = [];
  if (s.numberOfSeasons !== null && s.numberOfEpisodes !== null && s.numberOfEpisodes > 0 && s.numberOfSeasons > s.numberOfEpisodes) {
    flags.push({
      path: "numberOfSeasons",
      message: `${s.numberOfSeasons} seasons but only ${s.numberOfEpisodes} episodes`,
      reason: "inconsistent",
    });
  }
  if (s.genres.length === 0) flags.push({ path: "genres", message: "series has no genre", reason: "inconsistent" });
  return { ok: true, value: record, flags };
}

// ---------------------------------------------------------------------------------------------------------
// Ratings

const ratingShape = z.object({
  seriesId: positiveIntId,
  source: z.enum(RATING_SOURCES),
  score: z.number().refine(Number.isFinite, { message: "score is not a finite number", ...reason("not_a_number") }),
  voteCount: nullableCount,
  voteCountIsLowerBound: z.boolean(),
  grain: z.enum(["series", "season"]),
  method: z.string().trim().min(1),
});

/**
 * Checks one rating observation before it becomes a `rating_fact` row.
 *
 * Rejected (`ok: false`): the score outside its source's scale ({@link RATING_SCALES}: IMDb 1.0–10.0, TMDB
 * 0–10, Rotten Tomatoes critics/audience 0–100 %, Metacritic critics 0–100, Metacritic users 0–10) →
 * `out_of_range`; a count that is negative (`out_of_range`) or fractional (`not_an_integer`); NaN scores
 * (`not_a_number`); an unknown source, grain or empty method (`schema_mismatch`/`missing_field`); a
 * non-positive series id (`invalid_id`).
 *
 * Flagged (`ok: true`, still loaded): a score with no count (`voteCount` null) or a count of zero — a score
 * nobody gave is suspicious (`inconsistent`, path `voteCount`). For a count found without any score (no
 * observation to load), see {@link scoreCountFlags}.
 */
export function checkRating(obs: RatingObservation): Verdict<RatingObservation> {
  const parsed = ratingShape.safeParse(obs);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };
  const scale = RATING_SCALES[obs.source];
  if (obs.score < scale.min || obs.score > scale.max) {
    return {
      ok: false,
      issues: [
        {
          path: "score",
          message: `${obs.source} score ${obs.score} is outside its scale ${scale.min}–${scale.max}`,
          reason: "out_of_range",
        },
      ],
    };
  }
  return { ok: true, value: obs, flags: scoreCountFlags(obs.score, obs.voteCount) };
}

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
export type UpstreamNumber =
  | { ok: true; value: number | null; issue: null }
  | { ok: false; value: null; issue: RecordIssue };

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
export function parseUpstreamNumber(
  text: string | number | null | undefined,
  options: UpstreamNumberOptions = {},
): UpstreamNumber {
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
