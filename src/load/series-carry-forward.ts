/**
 * An incremental harvest fetches the details of new, changed and overdue series only. The others are still part of the
 * run's catalogue: this module carries their published version (the one the latest succeeded run loaded:
 * `published_series_version`) forward into the run — `series_version` with its genres, networks, platforms, content
 * ratings and seasons, copied unchanged — and marks them seen (`series_dim.last_seen_run_id`). So every run has the
 * whole catalogue's versions, the views, the quality expectations (the run's series) and season-grain facts behave as
 * after a full run, and a series keeps its previous attributes.
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import { storableIds } from "./catalogue.js";
import type { RowCounts } from "./loader.js";

const BATCH = 1000;

const idRows = z.array(z.object({ series_id: z.number().int() }));

/** The series of `seriesIds` that have a published version (a succeeded run loaded them). */
export async function seriesWithPublishedVersion(prisma: PrismaClient, seriesIds: readonly number[]): Promise<Set<number>> {
  if (seriesIds.length === 0) return new Set();
  const rows = idRows.parse(
    await prisma.$queryRaw`SELECT series_id FROM published_series_version WHERE series_id = ANY(${storableIds(seriesIds)}::int[])`,
  );
  return new Set(rows.map((r) => r.series_id));
}

/**
 * Copies the published version of each series of `seriesIds` into run `runId`, unless the run already has one (a
 * resumed run that loaded it from fresh details keeps that), and sets `last_seen_run_id`. Series without a published
 * version are skipped. One transaction per batch of 1,000. Returns the rows written per table.
 */
export async function carryForwardSeries(prisma: PrismaClient, runId: number, seriesIds: readonly number[]): Promise<RowCounts> {
  const counts: RowCounts = {};
  const add = (table: string, n: number | undefined) => {
    counts[table] = (counts[table] ?? 0) + (n ?? 0);
  };
  for (let i = 0; i < seriesIds.length; i += BATCH) {
    const batch = seriesIds.slice(i, i + BATCH);
    const rows = idRows.parse(
      await prisma.$queryRaw`
        SELECT p.series_id FROM published_series_version p
        WHERE p.series_id = ANY(${batch}::int[]) AND p.run_id <> ${runId}
          AND NOT EXISTS (SELECT 1 FROM series_version v WHERE v.series_id = p.series_id AND v.run_id = ${runId})`,
    );
    const ids = rows.map((r) => r.series_id);
    const [seen, v, g, n, pl, c, s] = await prisma.$transaction([
      prisma.$executeRaw`UPDATE series_dim SET last_seen_run_id = ${runId} WHERE series_id = ANY(${batch}::int[]) AND last_seen_run_id IS DISTINCT FROM ${runId}`,
      prisma.$executeRaw`
        INSERT INTO series_version (series_id, run_id, title, original_title, first_air_date, release_year, last_air_date, status,
          series_type, original_language, origin_countries, number_of_seasons, number_of_episodes, plot, imdb_id, tvdb_id,
          wikidata_id, popularity, poster_path, backdrop_path, creators, keywords, loaded_at, kept_from)
        SELECT p.series_id, ${runId}, p.title, p.original_title, p.first_air_date, p.release_year, p.last_air_date, p.status,
          p.series_type, p.original_language, p.origin_countries, p.number_of_seasons, p.number_of_episodes, p.plot, p.imdb_id, p.tvdb_id,
          p.wikidata_id, p.popularity, p.poster_path, p.backdrop_path, p.creators, p.keywords, now(), pv.kept_from
        FROM published_series_version p JOIN series_version pv ON pv.series_id = p.series_id AND pv.run_id = p.run_id
        WHERE p.series_id = ANY(${ids}::int[])
        ON CONFLICT (series_id, run_id) DO NOTHING`,
      prisma.$executeRaw`
        INSERT INTO series_genre_version (series_id, run_id, genre_id)
        SELECT x.series_id, ${runId}, x.genre_id FROM series_genre_version x
        JOIN published_series_version p ON p.series_id = x.series_id AND p.run_id = x.run_id
        WHERE x.series_id = ANY(${ids}::int[]) ON CONFLICT DO NOTHING`,
      prisma.$executeRaw`
        INSERT INTO series_network_version (series_id, run_id, network_id, position)
        SELECT x.series_id, ${runId}, x.network_id, x.position FROM series_network_version x
        JOIN published_series_version p ON p.series_id = x.series_id AND p.run_id = x.run_id
        WHERE x.series_id = ANY(${ids}::int[]) ON CONFLICT DO NOTHING`,
      prisma.$executeRaw`
        INSERT INTO series_platform_version (series_id, run_id, platform_id, region, offer_type, display_priority)
        SELECT x.series_id, ${runId}, x.platform_id, x.region, x.offer_type, x.display_priority FROM series_platform_version x
        JOIN published_series_version p ON p.series_id = x.series_id AND p.run_id = x.run_id
        WHERE x.series_id = ANY(${ids}::int[]) ON CONFLICT DO NOTHING`,
      prisma.$executeRaw`
        INSERT INTO series_content_rating_version (series_id, run_id, region, rating)
        SELECT x.series_id, ${runId}, x.region, x.rating FROM series_content_rating_version x
        JOIN published_series_version p ON p.series_id = x.series_id AND p.run_id = x.run_id
        WHERE x.series_id = ANY(${ids}::int[]) ON CONFLICT DO NOTHING`,
      prisma.$executeRaw`
        INSERT INTO season_version (series_id, run_id, season_number, tmdb_season_id, name, air_date, episode_count)
        SELECT x.series_id, ${runId}, x.season_number, x.tmdb_season_id, x.name, x.air_date, x.episode_count FROM season_version x
        JOIN published_series_version p ON p.series_id = x.series_id AND p.run_id = x.run_id
        WHERE x.series_id = ANY(${ids}::int[]) ON CONFLICT DO NOTHING`,
    ]);
    add("series_dim", seen);
    add("series_version", v);
    add("series_genre_version", g);
    add("series_network_version", n);
    add("series_platform_version", pl);
    add("series_content_rating_version", c);
    add("season_version", s);
  }
  return counts;
}
