/**
 * `enrichment_state`: per series and source (`tmdb` details, `omdb`, `rottentomatoes`, `metacritic`), when it was last
 * asked, what came back, the "not found" answers in a row (`miss_count`) and when the value is due again (`due_at`,
 * computed by src/refresh/policy.ts). The stages choose their targets from it (most overdue first). A run's outcomes wait
 * in `enrichment_outcome` until the run is published.
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import type { SourceState } from "../refresh/policy.js";

/** One series' outcome for a source. `success` updates `last_success_at`. */
export interface EnrichmentStateRow {
  seriesId: number;
  /** found, not_found, error, layout_changed, no_page */
  status: string;
  detail: string | null;
  success: boolean;
}

/** Statuses that mean "the source does not know this series": they back off instead of being asked first again. */
export const MISS_STATUSES: readonly string[] = ["not_found", "no_page"];

/**
 * Records the outcomes of one upstream (tmdb, omdb, rottentomatoes, metacritic: the `source` column) for many series of
 * run `runId` in one statement, into `enrichment_outcome`: held there until the run is published
 * ({@link publishEnrichmentOutcomes}), so that a run that fails changes no due time. `at` is the attempt time. A
 * resumed run recording an outcome again replaces it.
 */
export async function recordEnrichmentOutcomes(
  prisma: PrismaClient,
  upstream: string,
  rows: readonly EnrichmentStateRow[],
  at: Date,
  runId: number,
): Promise<number> {
  if (rows.length === 0) return 0;
  const data = rows.map((r) => ({ s: r.seriesId, st: r.status, d: r.detail, ok: r.success }));
  return prisma.$executeRaw`
    INSERT INTO enrichment_outcome (run_id, series_id, source, status, detail, success, attempted_at)
    SELECT ${runId}::int, x.s, ${upstream}, x.st, x.d, x.ok, ${at}
    FROM jsonb_to_recordset(${JSON.stringify(data)}::jsonb) AS x(s int, st text, d text, ok boolean)
    ON CONFLICT (run_id, series_id, source) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail,
      success = EXCLUDED.success, attempted_at = EXCLUDED.attempted_at`;
}

/**
 * Moves the outcomes run `runId` recorded into `enrichment_state` (one transaction): a "not found"
 * ({@link MISS_STATUSES}) adds one to `miss_count`, any other outcome resets it; a success sets `last_success_at`;
 * `due_at` is cleared (the caller writes the new one with {@link writeDueTimes}). Called only for a run whose facts
 * are published. Returns the states written.
 */
export async function publishEnrichmentOutcomes(prisma: PrismaClient, runId: number): Promise<number> {
  const [written] = await prisma.$transaction([
    prisma.$executeRaw`
      INSERT INTO enrichment_state (series_id, source, status, detail, last_attempt_at, last_success_at, miss_count, last_run_id)
      SELECT o.series_id, o.source, o.status, o.detail, o.attempted_at, CASE WHEN o.success THEN o.attempted_at END,
        CASE WHEN o.status = ANY(${[...MISS_STATUSES]}::text[]) THEN 1 ELSE 0 END, o.run_id
      FROM enrichment_outcome o WHERE o.run_id = ${runId}
      ON CONFLICT (series_id, source) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail,
        last_attempt_at = EXCLUDED.last_attempt_at,
        last_success_at = COALESCE(EXCLUDED.last_success_at, enrichment_state.last_success_at),
        -- One run counts one miss at most.
        miss_count = CASE
          WHEN EXCLUDED.miss_count = 0 THEN 0
          WHEN enrichment_state.last_run_id IS NOT DISTINCT FROM EXCLUDED.last_run_id AND enrichment_state.miss_count > 0 THEN enrichment_state.miss_count
          ELSE enrichment_state.miss_count + 1 END,
        last_run_id = EXCLUDED.last_run_id,
        due_at = NULL`,
    prisma.$executeRaw`DELETE FROM enrichment_outcome WHERE run_id = ${runId}`,
  ]);
  return written ?? 0;
}

const refreshRows = z.array(
  z.object({
    series_id: z.number().int(),
    status: z.string().nullable(),
    last_air_date: z.date().nullable(),
    imdb_id: z.string().nullable(),
    state_status: z.string().nullable(),
    last_attempt_at: z.date().nullable(),
    last_success_at: z.date().nullable(),
    miss_count: z.number().int().nullable(),
  }),
);

/** What the refresh policy needs of one series for one source: its activity inputs and its last outcome. */
export interface RefreshCandidate {
  seriesId: number;
  /** TMDB status and last air date (the stored dimension). */
  status: string | null;
  lastAirDate: Date | null;
  imdbId: string | null;
  /** The source's last outcome, null when never asked. A "no page" answer is reported as `not_found`. */
  state: SourceState | null;
}

/**
 * The stored series (`series_dim`; all of them, or those of `seriesIds`) with their `source` state, in series order.
 * One query; about 3,000 rows at full size.
 */
export async function readRefreshCandidates(prisma: PrismaClient, source: string, seriesIds?: readonly number[]): Promise<RefreshCandidate[]> {
  const ids = seriesIds === undefined ? null : [...seriesIds];
  const rows = refreshRows.parse(
    await prisma.$queryRaw`
      SELECT s.series_id, s.status, COALESCE(s.last_air_date, s.first_air_date)::timestamptz AS last_air_date, s.imdb_id,
        e.status AS state_status, e.last_attempt_at, e.last_success_at, e.miss_count
      FROM series_dim s
      LEFT JOIN enrichment_state e ON e.series_id = s.series_id AND e.source = ${source}
      WHERE ${ids}::int[] IS NULL OR s.series_id = ANY(${ids}::int[])
      ORDER BY s.series_id`,
  );
  return rows.map((r) => ({
    seriesId: r.series_id,
    status: r.status,
    lastAirDate: r.last_air_date,
    imdbId: r.imdb_id,
    state:
      r.state_status === null || r.last_attempt_at === null
        ? null
        : {
            status: MISS_STATUSES.includes(r.state_status) ? "not_found" : r.state_status,
            lastAttemptAt: r.last_attempt_at,
            lastSuccessAt: r.last_success_at,
            missCount: r.miss_count ?? 0,
          },
  }));
}

/** Writes `due_at` of `source` for the given series (only rows that exist; one statement per 5,000). */
export async function writeDueTimes(prisma: PrismaClient, source: string, due: ReadonlyMap<number, Date>): Promise<number> {
  const entries = [...due.entries()];
  let written = 0;
  for (let i = 0; i < entries.length; i += 5000) {
    const data = entries.slice(i, i + 5000).map(([s, d]) => ({ s, d: d.toISOString() }));
    written += await prisma.$executeRaw`
      UPDATE enrichment_state e SET due_at = x.d
      FROM jsonb_to_recordset(${JSON.stringify(data)}::jsonb) AS x(s int, d timestamptz)
      WHERE e.series_id = x.s AND e.source = ${source} AND e.due_at IS DISTINCT FROM x.d`;
  }
  return written;
}

const omdbTargetRows = z.array(z.object({ series_id: z.number().int(), imdb_id: z.string() }));

/** A series to look up on OMDb: its TMDB id and IMDb id. */
export interface OmdbTarget {
  seriesId: number;
  imdbId: string;
}

/**
 * The series of `seriesIds` that have an IMDb id, most overdue first: never asked, then earliest `due_at` (the refresh
 * policy's due time, see {@link writeDueTimes}), then oldest success, then oldest attempt, so a budget that runs out
 * leaves the values least overdue unrefreshed.
 */
export async function omdbTargetsOldestFirst(prisma: PrismaClient, seriesIds: readonly number[]): Promise<OmdbTarget[]> {
  const rows = omdbTargetRows.parse(
    await prisma.$queryRaw`
      SELECT s.series_id, s.imdb_id FROM series_dim s
      LEFT JOIN enrichment_state e ON e.series_id = s.series_id AND e.source = 'omdb'
      WHERE s.series_id = ANY(${[...seriesIds]}::int[]) AND s.imdb_id IS NOT NULL
      ORDER BY (e.series_id IS NOT NULL), e.due_at ASC NULLS FIRST, e.last_success_at ASC NULLS FIRST, e.last_attempt_at ASC NULLS FIRST, s.series_id`,
  );
  return rows.map((r) => ({ seriesId: r.series_id, imdbId: r.imdb_id }));
}
