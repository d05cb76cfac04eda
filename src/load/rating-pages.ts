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

/** Reads the overrides and cached pages of `seriesIds` on `site`. */
export async function loadKnownPages(prisma: PrismaClient, site: RatingSite, seriesIds: readonly number[]): Promise<KnownPages> {
  const ids = [...seriesIds];
  const [overrides, cached] = await Promise.all([
    prisma.ratingPageOverride.findMany({ where: { site, seriesId: { in: ids } } }),
    prisma.ratingPage.findMany({ where: { site, seriesId: { in: ids } } }),
  ]);
  return {
    overrides: new Map(overrides.map((o) => [o.seriesId, { url: o.url }])),
    cached: new Map(cached.map((c) => [c.seriesId, { url: c.url, method: c.method, lastConfirmedAt: c.lastConfirmedAt }])),
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
