/**
 * `enrichment_state`: per series and enrichment source, when it was last asked and what came back. The
 * OMDb stage orders its lookups by it (oldest data first).
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";

/** One series' outcome for a source. `success` updates `last_success_at`. */
export interface EnrichmentStateRow {
  seriesId: number;
  /** found, not_found, error, layout_changed, no_page */
  status: string;
  detail: string | null;
  success: boolean;
}

/**
 * Upserts the outcomes of one upstream (omdb, rottentomatoes, metacritic: the `source` column) for many series
 * in one statement. `at` is the attempt time.
 */
export async function recordEnrichmentStates(prisma: PrismaClient, upstream: string, rows: readonly EnrichmentStateRow[], at: Date): Promise<number> {
  if (rows.length === 0) return 0;
  const data = rows.map((r) => ({ s: r.seriesId, st: r.status, d: r.detail, ok: r.success }));
  return prisma.$executeRaw`
    INSERT INTO enrichment_state (series_id, source, status, detail, last_attempt_at, last_success_at)
    SELECT x.s, ${upstream}, x.st, x.d, ${at}, CASE WHEN x.ok THEN ${at}::timestamptz END
    FROM jsonb_to_recordset(${JSON.stringify(data)}::jsonb) AS x(s int, st text, d text, ok boolean)
    ON CONFLICT (series_id, source) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail,
      last_attempt_at = EXCLUDED.last_attempt_at,
      last_success_at = COALESCE(EXCLUDED.last_success_at, enrichment_state.last_success_at)`;
}

const omdbTargetRows = z.array(z.object({ series_id: z.number().int(), imdb_id: z.string() }));

/** A series to look up on OMDb: its TMDB id and IMDb id. */
export interface OmdbTarget {
  seriesId: number;
  imdbId: string;
}

/**
 * The series of `seriesIds` that have an IMDb id, those whose OMDb data is oldest first (never succeeded,
 * then oldest success, then oldest attempt), so a budget that runs out leaves the freshest data unrefreshed.
 */
export async function omdbTargetsOldestFirst(prisma: PrismaClient, seriesIds: readonly number[]): Promise<OmdbTarget[]> {
  const rows = omdbTargetRows.parse(
    await prisma.$queryRaw`
      SELECT s.series_id, s.imdb_id FROM series_dim s
      LEFT JOIN enrichment_state e ON e.series_id = s.series_id AND e.source = 'omdb'
      WHERE s.series_id = ANY(${[...seriesIds]}::int[]) AND s.imdb_id IS NOT NULL
      ORDER BY e.last_success_at ASC NULLS FIRST, e.last_attempt_at ASC NULLS FIRST, s.series_id`,
  );
  return rows.map((r) => ({ seriesId: r.series_id, imdbId: r.imdb_id }));
}
