/**
 * Reads of a run's catalogue: the series of the latest succeeded weekly harvest (a top-up's catalogue), the series a
 * run has a version of, the sites' view of series, and the due times per source over stored states.
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import type { ScrapeTarget } from "../enrichers/resolve.js";
import type { RefreshPolicy, RefreshSource } from "../refresh/policy.js";
import { dueTimes, type DueSeries } from "../refresh/due-times.js";
import { INTEGER_RANGES } from "../validation/postgres.js";
import { readRefreshCandidates, type RefreshCandidate } from "./enrichment-state.js";

const idRows = z.array(z.object({ series_id: z.number().int() }));

/**
 * The ids of `ids` a series id column (`integer`) can hold: an id outside that range is no stored series, and casting
 * it with the others into `int[]` would fail the statement.
 */
export function storableIds(ids: readonly number[]): number[] {
  const { min, max } = INTEGER_RANGES.int4;
  return ids.filter((id) => Number.isInteger(id) && id >= min && id <= max);
}

/**
 * The catalogue of the latest succeeded weekly harvest (a run that is not a top-up): the series it has versions of
 * (with incremental runs carrying the unchanged ones forward, that is every listed series). Empty before the first.
 */
export async function findCatalogueSeriesIds(prisma: PrismaClient): Promise<number[]> {
  const rows = idRows.parse(
    await prisma.$queryRaw`
      SELECT v.series_id FROM series_version v
      WHERE v.run_id = (SELECT r.run_id FROM harvest_run r WHERE r.status = 'succeeded' AND r.trigger <> 'topup'
                        ORDER BY r.finished_at DESC NULLS LAST, r.run_id DESC LIMIT 1)
      ORDER BY v.series_id`,
  );
  return rows.map((r) => r.series_id);
}

/** The series of `seriesIds` that run `runId` has a version of (loaded or carried forward), in the order of `seriesIds`. */
export async function findRunSeriesIds(prisma: PrismaClient, runId: number, seriesIds: readonly number[]): Promise<number[]> {
  if (seriesIds.length === 0) return [];
  const rows = idRows.parse(
    await prisma.$queryRaw`SELECT series_id FROM series_version WHERE run_id = ${runId} AND series_id = ANY(${storableIds(seriesIds)}::int[])`,
  );
  const inRun = new Set(rows.map((r) => r.series_id));
  return seriesIds.filter((id) => inRun.has(id));
}

/** The series `runId` has a version of, in series order. */
export async function findAllRunSeriesIds(prisma: PrismaClient, runId: number): Promise<number[]> {
  const rows = idRows.parse(await prisma.$queryRaw`SELECT series_id FROM series_version WHERE run_id = ${runId} ORDER BY series_id`);
  return rows.map((r) => r.series_id);
}

const targetRows = z.array(
  z.object({
    series_id: z.number().int(),
    title: z.string(),
    original_title: z.string(),
    first_air_date: z.string().nullable(),
    wikidata_id: z.string().nullable(),
    seasons: z.array(z.object({ seasonNumber: z.number().int(), airDate: z.string().nullable() })).nullable(),
  }),
);

/**
 * The sites' view of the series of `seriesIds`, in that order: ids, titles, first air date (`YYYY-MM-DD`), Wikidata id
 * and seasons as run `runId` loaded them (its `series_version` and `season_version`); with `runId` null (a top-up, which
 * loads no series) as `series_dim` holds them, without seasons. Series without such a row are left out.
 */
export async function findSiteTargets(prisma: PrismaClient, seriesIds: readonly number[], runId: number | null): Promise<ScrapeTarget[]> {
  if (seriesIds.length === 0) return [];
  const ids = storableIds(seriesIds);
  const rows = targetRows.parse(
    runId === null
      ? await prisma.$queryRaw`
          SELECT series_id, title, original_title, to_char(first_air_date, 'YYYY-MM-DD') AS first_air_date, wikidata_id, NULL::jsonb AS seasons
          FROM series_dim WHERE series_id = ANY(${ids}::int[])`
      : await prisma.$queryRaw`
          SELECT v.series_id, v.title, v.original_title, to_char(v.first_air_date, 'YYYY-MM-DD') AS first_air_date, v.wikidata_id,
            (SELECT COALESCE(jsonb_agg(jsonb_build_object('seasonNumber', d.season_number, 'airDate', to_char(d.air_date, 'YYYY-MM-DD'))
                    ORDER BY d.season_number), '[]'::jsonb)
             FROM season_version d WHERE d.series_id = v.series_id AND d.run_id = v.run_id) AS seasons
          FROM series_version v WHERE v.run_id = ${runId} AND v.series_id = ANY(${ids}::int[])`,
  );
  const byId = new Map(rows.map((r) => [r.series_id, r]));
  return seriesIds.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const target: ScrapeTarget = { id, title: r.title, originalTitle: r.original_title, firstAirDate: r.first_air_date, wikidataId: r.wikidata_id };
    return [r.seasons === null ? target : { ...target, seasons: r.seasons }];
  });
}

/** Due times of `source` for the stored series of `seriesIds` (most overdue first), with the states they came from. */
export async function readDueTimes(
  prisma: PrismaClient,
  source: RefreshSource,
  policy: RefreshPolicy,
  now: Date,
  seriesIds: readonly number[],
): Promise<{ due: DueSeries[]; candidates: RefreshCandidate[] }> {
  const candidates = await readRefreshCandidates(prisma, source, storableIds(seriesIds));
  return { due: dueTimes(candidates, source, policy, now), candidates };
}
