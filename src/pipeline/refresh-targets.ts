/**
 * The database side of target selection for runHarvest: the run's catalogue for a top-up, the sites' targets of series
 * whose details were not fetched in the run, and the overdue statistics per source at the end of a run.
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import type { ScrapeTarget } from "../enrichers/resolve.js";
import { REFRESH_SOURCES, type RefreshPolicy, type RefreshSource } from "../refresh/policy.js";
import { overdueStat, planRefresh, type OverdueStat } from "../refresh/targets.js";

const idRows = z.array(z.object({ series_id: z.number().int() }));

/**
 * The catalogue of the latest succeeded weekly harvest (a run that is not a top-up): the series it has versions of
 * (with incremental runs carrying the unchanged ones forward, that is every listed series). Empty before the first.
 */
export async function catalogueSeriesIds(prisma: PrismaClient): Promise<number[]> {
  const rows = idRows.parse(
    await prisma.$queryRaw`
      SELECT v.series_id FROM series_version v
      WHERE v.run_id = (SELECT r.run_id FROM harvest_run r WHERE r.status = 'succeeded' AND r.trigger <> 'topup'
                        ORDER BY r.finished_at DESC NULLS LAST, r.run_id DESC LIMIT 1)
      ORDER BY v.series_id`,
  );
  return rows.map((r) => r.series_id);
}

const targetRows = z.array(
  z.object({
    series_id: z.number().int(),
    title: z.string(),
    original_title: z.string(),
    first_air_date: z.string().nullable(),
    wikidata_id: z.string().nullable(),
  }),
);

/** The sites' view of stored series (`series_dim`): ids, titles, first air date (`YYYY-MM-DD`), Wikidata id. */
export async function loadScrapeTargets(prisma: PrismaClient, seriesIds: readonly number[]): Promise<ScrapeTarget[]> {
  if (seriesIds.length === 0) return [];
  const rows = targetRows.parse(
    await prisma.$queryRaw`
      SELECT series_id, title, original_title, to_char(first_air_date, 'YYYY-MM-DD') AS first_air_date, wikidata_id
      FROM series_dim WHERE series_id = ANY(${[...seriesIds]}::int[])`,
  );
  const byId = new Map(rows.map((r) => [r.series_id, r]));
  return seriesIds.flatMap((id) => {
    const r = byId.get(id);
    return r ? [{ id, title: r.title, originalTitle: r.original_title, firstAirDate: r.first_air_date, wikidataId: r.wikidata_id }] : [];
  });
}

/**
 * Per source, over `catalogue`: the series overdue now and the age of the oldest value held; writes the due times
 * (`enrichment_state.due_at`). OMDb counts only series with an IMDb id (the others cannot be asked).
 */
export async function refreshOverdue(
  prisma: PrismaClient,
  policy: RefreshPolicy,
  now: Date,
  catalogue: readonly number[],
): Promise<Partial<Record<RefreshSource, OverdueStat>>> {
  const out: Partial<Record<RefreshSource, OverdueStat>> = {};
  for (const source of REFRESH_SOURCES) {
    const { due, candidates } = await planRefresh(prisma, source, policy, now, catalogue);
    const askable = source === "omdb" ? new Set(candidates.filter((c) => c.imdbId !== null).map((c) => c.seriesId)) : null;
    out[source] = overdueStat(askable ? due.filter((d) => askable.has(d.seriesId)) : due, now);
  }
  return out;
}
