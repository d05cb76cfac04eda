/**
 * The planner statistics of the tables a harvest fills (PostgreSQL's `ANALYZE`; https://www.postgresql.org/docs/current/sql-analyze.html).
 *
 * Autovacuum analyses a table once enough of it changed, at whatever moment that happens during a run: in a
 * 10,000-series harvest it analysed `rating_fact` after the details (10,000 TMDB facts, no IMDb fact yet), so the
 * planner took `source_key = 'imdb'` for one row, and the expectation that counts series without an IMDb rating
 * scanned the source's index once per series: 4.6 s instead of 4 ms (EXPLAIN ANALYZE, BENCHMARKS.md). Analysing the
 * run's tables before the post-load expectations and the views read them is what a bulk load owes the planner.
 */
import type { PrismaClient } from "../db/prisma.js";

/**
 * The tables a harvest run writes that the expectations and the `analytics` views read (not the refresh state, which
 * the publish step itself writes after them).
 */
export const HARVESTED_TABLES = [
  "series_dim",
  "network_dim",
  "platform_dim",
  "series_genre",
  "series_network",
  "series_version",
  "series_genre_version",
  "series_network_version",
  "series_platform_version",
  "series_content_rating_version",
  "season_version",
  "rating_fact",
  "season_rating_fact",
  "rating_page",
] as const;

/**
 * Refreshes the planner statistics of {@link HARVESTED_TABLES}: one `ANALYZE`, which samples at most 30,000 rows a
 * table (`default_statistics_target` 100), so its cost does not follow the catalogue's size beyond that. A role that
 * does not own a table gets PostgreSQL's warning for it, not an error.
 * @throws the database error of the statement (e.g. the connection lost)
 */
export async function analyzeHarvestedTables(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRawUnsafe(`ANALYZE ${HARVESTED_TABLES.join(", ")}`);
}
