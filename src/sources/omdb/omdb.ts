/**
 * OMDb source (https://www.omdbapi.com/): lookup of a series by IMDb id, `?i=tt…&type=series`.
 *
 * OMDb answers errors with HTTP 200 and `{"Response":"False","Error":"…"}`; "Request limit reached!" (also
 * sent as HTTP 401) means the key's daily quota is spent. All values are strings and "N/A" means missing.
 * Everything here is pure; the pipeline does the I/O.
 */
import { z } from "zod";
import type { RatingObservation, RecordIssue } from "../../domain.js";
import { issuesFromZod, nonJsonBodyIssue } from "../../validation/issues.js";
import { parseUpstreamNumber, scoreCountFlags } from "../../validation/numbers.js";

/** The lookup of one series: answer-store key, path and parameters (the API key is added by the client). */
export const omdbSeriesRequest = (imdbId: string) => ({
  key: `i=${imdbId}`,
  path: "/",
  params: { i: imdbId, type: "series", r: "json" },
});

const omdbErrorSchema = z.object({ Response: z.literal("False"), Error: z.string() });

/** A successful OMDb title answer; only the fields we read are checked. */
const omdbTitleSchema = z.object({
  Response: z.literal("True"),
  Title: z.string(),
  Year: z.string().optional(),
  imdbID: z.string(),
  Type: z.string(),
  imdbRating: z.string().optional(),
  imdbVotes: z.string().optional(),
  Metascore: z.string().optional(),
  Ratings: z.array(z.object({ Source: z.string(), Value: z.string() })).optional(),
});
export type OmdbTitle = z.infer<typeof omdbTitleSchema>;

/**
 * Every JSON answer OMDb gives to `?i=tt…`: a title, or its error shape `{"Response":"False","Error":…}`
 * (the body check of the request; anything else is retried, then quarantined).
 */
export const omdbAnswerSchema = z.union([omdbTitleSchema, omdbErrorSchema]);

/** What an OMDb answer means for the pipeline. */
export type OmdbAnswer =
  | { kind: "found"; title: OmdbTitle }
  | { kind: "not_found"; message: string }
  | { kind: "quota_exhausted"; message: string }
  | { kind: "error"; message: string }
  | { kind: "invalid"; issues: RecordIssue[] };

const NOT_FOUND = /not found|error getting data|incorrect imdb id/i;
const QUOTA = /request limit reached/i;

/**
 * Classifies an OMDb answer.
 * @param status HTTP status (200 for most answers, 401 for quota or key problems)
 * @param body the parsed JSON body, or undefined when it was not JSON
 * @param text the body text when it was not JSON, to tell truncated JSON from an HTML page
 */
export function classifyOmdbAnswer(status: number, body: unknown, text?: string | null): OmdbAnswer {
  const error = omdbErrorSchema.safeParse(body);
  if (error.success) {
    const message = error.data.Error;
    if (QUOTA.test(message) || status === 401) return { kind: "quota_exhausted", message };
    if (NOT_FOUND.test(message)) return { kind: "not_found", message };
    return { kind: "error", message };
  }
  if (status === 401) return { kind: "quota_exhausted", message: "HTTP 401" };
  if (body === undefined) return { kind: "invalid", issues: [nonJsonBodyIssue(text)] };
  const title = omdbTitleSchema.safeParse(body);
  if (!title.success) return { kind: "invalid", issues: issuesFromZod(title.error) };
  return { kind: "found", title: title.data };
}

/** A rating value of OMDb's `Ratings[]`, e.g. "8.7/10", "96%", "87/100", as a number on its scale. */
export function parseRatingValue(value: string): number | null | "invalid" {
  const text = value.trim();
  if (text === "N/A") return null;
  const fraction = /^(\d+(?:\.\d+)?)\/(10|100)$/.exec(text);
  if (fraction) return Number(fraction[1]);
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) return Number(percent[1]);
  return "invalid";
}

/**
 * Maps an OMDb series answer to rating observations (and `flags`: votes reported without a rating): IMDb (`imdbRating` 1–10 with `imdbVotes`), and, when
 * OMDb has them (it rarely does for series), Rotten Tomatoes and Metacritic critics' scores (method `omdb`,
 * no counts). Values that cannot be read become issues; "N/A" is simply absent.
 * An answer whose `Type` is not `series` (TMDB linked an episode or a film) yields an `inconsistent` issue
 * and no observations: another title's rating is worse than none.
 */
export function toOmdbRatings(
  seriesId: number,
  title: OmdbTitle,
): { observations: RatingObservation[]; issues: RecordIssue[]; flags: RecordIssue[] } {
  const issues: RecordIssue[] = [];
  if (title.Type !== "series") {
    return {
      observations: [],
      issues: [{ path: "Type", message: `expected a series, OMDb says "${title.Type}"`, reason: "inconsistent" }],
      flags: [],
    };
  }
  const observations: RatingObservation[] = [];
  const base = { seriesId, voteCountIsLowerBound: false, grain: "series" as const };

  const rating = parseUpstreamNumber(title.imdbRating, { path: "imdbRating" });
  const votes = parseUpstreamNumber(title.imdbVotes, { path: "imdbVotes", integer: true, allowThousandsSeparators: true });
  if (!rating.ok) issues.push(rating.issue);
  if (!votes.ok) issues.push(votes.issue);
  let imdbScore = rating.ok ? rating.value : null;

  let rtCritics: number | null = null;
  let metacritic: number | null = null;
  for (const [i, entry] of (title.Ratings ?? []).entries()) {
    const value = parseRatingValue(entry.Value);
    if (value === "invalid") {
      issues.push({ path: `Ratings.${i}.Value`, message: `unreadable rating "${entry.Value.slice(0, 40)}"`, reason: "not_a_number" });
      continue;
    }
    if (entry.Source === "Internet Movie Database" && imdbScore === null && rating.ok) imdbScore = value;
    if (entry.Source === "Rotten Tomatoes") rtCritics = value;
    if (entry.Source === "Metacritic") metacritic = value;
  }
  if (metacritic === null) {
    const metascore = parseUpstreamNumber(title.Metascore, { path: "Metascore", integer: true });
    if (!metascore.ok) issues.push(metascore.issue);
    else metacritic = metascore.value;
  }

  if (imdbScore !== null && rating.ok && votes.ok) {
    observations.push({ ...base, source: "imdb", score: imdbScore, voteCount: votes.value, method: "api" });
  }
  if (rtCritics !== null) observations.push({ ...base, source: "rotten_tomatoes_critics", score: rtCritics, voteCount: null, method: "omdb" });
  if (metacritic !== null) observations.push({ ...base, source: "metacritic_critics", score: metacritic, voteCount: null, method: "omdb" });
  // Votes without a rating are suspicious (a score without votes is flagged by the rating rules).
  const flags = imdbScore === null && votes.ok ? scoreCountFlags(null, votes.value).map((f) => ({ ...f, path: "imdbRating" })) : [];
  return { observations, issues, flags };
}
