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
import { RATING_SCALES, RATING_SOURCES, type QuarantineReason, type RatingObservation, type RecordIssue, type SeriesRecord } from "../domain.js";
import { isValidCalendarDate, issuesFromZod } from "../validation/issues.js";
import { scoreCountFlags } from "../validation/numbers.js";

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

const reason = (r: QuarantineReason) => ({ params: { reason: r } });

const positiveIntId = z.int().refine((v) => v > 0, { message: "id must be a positive integer", ...reason("invalid_id") });
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
