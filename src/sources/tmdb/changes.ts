/**
 * TMDB's change list, `GET /tv/changes?start_date&end_date&page` (https://developer.themoviedb.org/reference/
 * changes-tv-list): the ids of every series edited in a window of at most 14 days (TMDB answers 422,
 * `status_code` 20, past that), 100 ids a page. An incremental harvest fetches details only for series in it
 * (plus new and overdue ones); a longer gap since the last successful harvest means a full one.
 *
 * Pure: request descriptions, the window decision and the page parser. The pipeline does the I/O.
 */
import { z } from "zod";

/** The longest window TMDB accepts, in days. */
export const CHANGES_MAX_WINDOW_DAYS = 14;

const DAY_MS = 86_400_000;

/** One page of `/tv/changes`: `results[{id, adult}]`, `page`, `total_pages`, `total_results`. */
export const changesPageSchema = z.object({
  results: z.array(z.object({ id: z.number().int().positive(), adult: z.boolean().nullish() })),
  page: z.number().int().positive(),
  total_pages: z.number().int().nonnegative(),
  total_results: z.number().int().nonnegative().optional(),
});
export type TmdbChangesPage = z.infer<typeof changesPageSchema>;

/** The window of an incremental harvest, or why it must be a full one. */
export type ChangesWindow =
  { kind: "incremental"; startDate: string; endDate: string } | { kind: "full"; reason: "no_previous_run" | "gap_too_long" | "forced" };

/** `YYYY-MM-DD` of `date` in UTC (TMDB's dates are days, UTC). */
function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Decides the window from the start of the last successful harvest to `now`. The window starts at that run's
 * start (not its end), so an edit made while it ran is not missed; a gap above {@link CHANGES_MAX_WINDOW_DAYS}
 * (or no previous run, or `full`) means a full harvest.
 */
export function changesWindow(lastSuccessStartedAt: Date | null, now: Date, full = false): ChangesWindow {
  if (full) return { kind: "full", reason: "forced" };
  if (lastSuccessStartedAt === null) return { kind: "full", reason: "no_previous_run" };
  // Whole days, both ends included, as TMDB counts them.
  const days = Math.floor(now.getTime() / DAY_MS) - Math.floor(lastSuccessStartedAt.getTime() / DAY_MS);
  if (days >= CHANGES_MAX_WINDOW_DAYS) return { kind: "full", reason: "gap_too_long" };
  return { kind: "incremental", startDate: utcDay(lastSuccessStartedAt), endDate: utcDay(now) };
}

/** `GET /tv/changes` for one page of an incremental window; `key` is the key of the store of fetched answers. */
export function changesRequest(
  window: { startDate: string; endDate: string },
  page: number,
): { key: string; path: string; params: Record<string, string | number> } {
  return {
    key: `tv/changes?start_date=${window.startDate}&end_date=${window.endDate}&page=${page}`,
    path: "/tv/changes",
    params: { start_date: window.startDate, end_date: window.endDate, page },
  };
}

/**
 * Parses one page of changes.
 * @returns the ids and the page count, or the zod error's issues (schema drift: the caller falls back to a
 *   full harvest rather than trusting an unreadable change list).
 */
export function parseChangesPage(body: unknown): { ok: true; ids: number[]; totalPages: number } | { ok: false; error: z.ZodError } {
  const result = changesPageSchema.safeParse(body);
  if (!result.success) return { ok: false, error: result.error };
  return { ok: true, ids: result.data.results.map((r) => r.id), totalPages: result.data.total_pages };
}
