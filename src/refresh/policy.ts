/**
 * When a series' value from one source is due again: refresh ages by the series' activity and per source,
 * jittered so the catalogue does not come due in one run, and a growing back-off for a source that said
 * "not found". Pure: the caller passes the series' state and the clock.
 *
 * Follows the practice of the tools of the field: Sonarr refreshes returning series often and ended ones
 * rarely (never within hours); Kometa caches with a jittered expiry. See docs/refresh.md for the defaults
 * and why.
 */

/** The sources whose values age: TMDB details and the three rating enrichers. */
export const REFRESH_SOURCES = ["tmdb", "omdb", "rottentomatoes", "metacritic"] as const;
export type RefreshSource = (typeof REFRESH_SOURCES)[number];

/**
 * How active a series is, from TMDB's `status` and `last_air_date`:
 * - `active`: Returning Series, In Production, Planned or Pilot, or aired within {@link RECENT_AIR_DAYS};
 * - `recently_ended`: ended or canceled, last aired within a year;
 * - `ended`: last aired one to five years ago;
 * - `long_ended`: last aired more than five years ago (or ended with no air date at all).
 */
export type SeriesActivity = "active" | "recently_ended" | "ended" | "long_ended";
export const SERIES_ACTIVITIES: readonly SeriesActivity[] = ["active", "recently_ended", "ended", "long_ended"];

/** A series aired within this many days counts as active whatever its status says. */
export const RECENT_AIR_DAYS = 90;

const DAY_MS = 86_400_000;

/** TMDB statuses of series that are still being made. */
const ACTIVE_STATUSES = new Set(["Returning Series", "In Production", "Planned", "Pilot"]);

/** Refresh ages in days per source and activity, the jitter, and the not-found back-off. */
export interface RefreshPolicy {
  /** Days after a success when the value is due again. */
  ageDays: Record<RefreshSource, Record<SeriesActivity, number>>;
  /** Share of the age (0–0.5) by which a due time is brought forward at random, stable per series. */
  jitter: number;
  /** First wait after a "not found", days; doubles with each further miss, up to {@link RefreshPolicy.notFoundMaxDays}. */
  notFoundBaseDays: number;
  notFoundMaxDays: number;
  /** Wait after an error (upstream failing, page layout unreadable), days. */
  errorRetryDays: number;
}

/** The defaults (see docs/refresh.md for why). */
export const DEFAULT_REFRESH_POLICY: RefreshPolicy = {
  ageDays: {
    tmdb: { active: 7, recently_ended: 14, ended: 30, long_ended: 90 },
    omdb: { active: 7, recently_ended: 14, ended: 30, long_ended: 60 },
    rottentomatoes: { active: 14, recently_ended: 30, ended: 60, long_ended: 120 },
    metacritic: { active: 14, recently_ended: 30, ended: 60, long_ended: 120 },
  },
  jitter: 0.2,
  notFoundBaseDays: 7,
  notFoundMaxDays: 90,
  errorRetryDays: 1,
};

/** What the policy needs to know of one series. */
export interface SeriesActivityInput {
  /** TMDB `status` ("Returning Series", "Ended", "Canceled", …), null when unknown. */
  status: string | null;
  /** TMDB `last_air_date` (or the first air date when there is no last), null when unknown. */
  lastAirDate: Date | null;
}

/** Classifies a series (see {@link SeriesActivity}) as of `now`. */
export function seriesActivity(series: SeriesActivityInput, now: Date): SeriesActivity {
  if (series.status !== null && ACTIVE_STATUSES.has(series.status)) return "active";
  if (series.lastAirDate === null) return series.status === null ? "active" : "long_ended";
  const daysSince = (now.getTime() - series.lastAirDate.getTime()) / DAY_MS;
  if (daysSince <= RECENT_AIR_DAYS) return "active";
  if (daysSince <= 365) return "recently_ended";
  if (daysSince <= 5 * 365) return "ended";
  return "long_ended";
}

/** The last outcome of one source for one series (an `enrichment_state` row), or none yet. */
export interface SourceState {
  /** found, not_found, error, …; `found` for a TMDB details success. */
  status: string;
  lastAttemptAt: Date;
  lastSuccessAt: Date | null;
  /** "Not found" answers in a row (0 after a success). */
  missCount: number;
}

/**
 * A number in [0, 1) fixed for a series, source and success time (FNV-1a), so a due time does not move
 * between runs, while different series (and later successes) spread out.
 */
export function stableFraction(seriesId: number, source: RefreshSource, salt: number): number {
  let hash = 0x811c9dc5;
  for (const ch of `${seriesId}:${source}:${salt}`) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}

/**
 * When `source`'s value of the series is due again.
 * - Never fetched: due now (`now`).
 * - Last answer "not found": `lastAttemptAt` + base × 2^(misses − 1), capped (a series the source does not know
 *   is asked less and less often, instead of first every run).
 * - Last answer an error: `lastAttemptAt` + errorRetryDays.
 * - Otherwise: `lastSuccessAt` + age × (1 − jitter × fraction), so a value is never older than its age when it is
 *   refreshed on time, and the series of one first harvest do not all come due in the same later run.
 * @returns the due time (compare with `now`: due when ≤ now).
 */
export function dueAt(
  seriesId: number,
  source: RefreshSource,
  activity: SeriesActivity,
  state: SourceState | null,
  policy: RefreshPolicy,
  now: Date,
): Date {
  if (state === null) return now;
  if (state.status === "not_found") {
    const misses = Math.max(1, state.missCount);
    const days = Math.min(policy.notFoundMaxDays, policy.notFoundBaseDays * 2 ** (misses - 1));
    return new Date(state.lastAttemptAt.getTime() + days * DAY_MS);
  }
  if (state.lastSuccessAt === null || state.status === "error") {
    const retry = new Date(state.lastAttemptAt.getTime() + policy.errorRetryDays * DAY_MS);
    // An error after an earlier success waits for the later of the retry delay and the success's own due time.
    if (state.lastSuccessAt === null) return retry;
    const due = successDue(seriesId, source, activity, state.lastSuccessAt, policy);
    return due > retry ? due : retry;
  }
  return successDue(seriesId, source, activity, state.lastSuccessAt, policy);
}

function successDue(seriesId: number, source: RefreshSource, activity: SeriesActivity, lastSuccessAt: Date, policy: RefreshPolicy): Date {
  const ageMs = policy.ageDays[source][activity] * DAY_MS;
  const early = policy.jitter * stableFraction(seriesId, source, lastSuccessAt.getTime());
  return new Date(lastSuccessAt.getTime() + ageMs * (1 - early));
}
