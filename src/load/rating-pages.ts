/**
 * `rating_page` and `rating_page_override`: where each series' page on a ratings site is (or that it has
 * none), as resolved by the enrichers (src/enrichers/resolve.ts) and as set by hand.
 */
import type { PrismaClient } from "../db/prisma.js";
import type { ResolutionMethod } from "../enrichers/resolve.js";
import type { RatingSite } from "../enrichers/types.js";

/** Override and cached page of one series on one site, as read before the stage starts. */
export interface KnownPages {
  /** `undefined`: no override; `null` URL: "no page on this site". */
  overrides: Map<number, { url: string | null }>;
  cached: Map<number, { url: string | null; method: string; lastConfirmedAt: Date }>;
}

/**
 * Reads the overrides and cached pages of `seriesIds` on `site`, as they were when the harvest run `runId`
 * started: a page an earlier attempt of the same run resolved (found after the run's start, or confirmed
 * missing after it) is not known yet, so a resumed run resolves that series again — from the pages that
 * attempt kept, without asking the site again — exactly as an uninterrupted run does, instead of taking
 * its own unfinished work for "no page found; next try after 7 days". Without `runId` (or its row), and for
 * a run's first attempt, every row is known.
 */
export async function readKnownPages(prisma: PrismaClient, site: RatingSite, seriesIds: readonly number[], runId?: number): Promise<KnownPages> {
  const ids = [...seriesIds];
  const [overrides, cached, run] = await Promise.all([
    prisma.ratingPageOverride.findMany({ where: { site, seriesId: { in: ids } } }),
    prisma.ratingPage.findMany({ where: { site, seriesId: { in: ids } } }),
    runId === undefined ? null : prisma.harvestRun.findUnique({ where: { id: runId }, select: { startedAt: true, resumeCount: true } }),
  ]);
  // Only a resumed run has earlier attempts; a first attempt knows every row.
  const runStart = run && run.resumeCount > 0 ? run.startedAt.getTime() : Number.POSITIVE_INFINITY;
  // Strictly after the start: an earlier run's rows under a fixed test clock stay known.
  const resolvedInThisRun = (c: { url: string | null; firstResolvedAt: Date; lastConfirmedAt: Date }) =>
    c.firstResolvedAt.getTime() > runStart || (c.url === null && c.lastConfirmedAt.getTime() > runStart);
  return {
    overrides: new Map(overrides.map((o) => [o.seriesId, { url: o.url }])),
    cached: new Map(
      cached.filter((c) => !resolvedInThisRun(c)).map((c) => [c.seriesId, { url: c.url, method: c.method, lastConfirmedAt: c.lastConfirmedAt }]),
    ),
  };
}

/**
 * Records the resolved page (or null: no page found) of a series on a site, with how it was found and
 * when it last answered. `firstResolvedAt` is kept when the URL stays the same.
 */
export async function upsertRatingPage(
  prisma: PrismaClient,
  row: { seriesId: number; site: RatingSite; url: string | null; method: ResolutionMethod; confirmedAt: Date },
): Promise<void> {
  const existing = await prisma.ratingPage.findUnique({ where: { seriesId_site: { seriesId: row.seriesId, site: row.site } } });
  const sameUrl = existing !== null && existing.url === row.url;
  await prisma.ratingPage.upsert({
    where: { seriesId_site: { seriesId: row.seriesId, site: row.site } },
    create: {
      seriesId: row.seriesId,
      site: row.site,
      url: row.url,
      method: row.method,
      firstResolvedAt: row.confirmedAt,
      lastConfirmedAt: row.confirmedAt,
    },
    update: { url: row.url, method: row.method, lastConfirmedAt: row.confirmedAt, ...(sameUrl ? {} : { firstResolvedAt: row.confirmedAt }) },
  });
}
