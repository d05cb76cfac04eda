/**
 * The season pages of a series page on a ratings site: season 1 and the latest aired (at most
 * `SCRAPE_SEASON_PAGES_PER_SERIES`, chosen by src/enrichers/seasons.ts), fetched one after the other (the site's
 * limiter spaces them), their scores kept as season-grain observations. A season page's trouble is logged and counted;
 * it changes neither the series' outcome nor its page.
 */
import { chooseSeasonPages, toSeasonObservations } from "./seasons.js";
import type { ScrapeTarget } from "./resolve.js";
import type { FetchedPage, SiteScraper } from "./site-scraper.js";

/** Fetches and reads the chosen season pages `seriesPage` links; the scores go to `scraper.seasonObservations`. */
export async function scrapeSeasonPages(scraper: SiteScraper, target: ScrapeTarget, seriesPage: FetchedPage): Promise<void> {
  const { deps, counts } = scraper;
  const today = deps.now().toISOString().slice(0, 10);
  for (const link of chooseSeasonPages(seriesPage.seasonLinks ?? [], deps.config.seasonPagesPerSeries, today, target.seasons)) {
    if (deps.signal?.aborted) return;
    counts.seasonPages += 1;
    const result = await scraper.fetchPage(target.id, link.path);
    const where = { site: deps.site, seriesId: target.id, season: link.seasonNumber, url: result.url };
    if (result.kind !== "page") {
      if (result.kind === "error") counts.errors += 1;
      if (result.kind === "blocked" || result.kind === "disallowed") counts.blocked += 1;
      scraper.page(result.kind === "gone" ? "no_page" : result.kind);
      if (result.kind === "blocked") await scraper.event(target.id, "blocked", result.url, result.detail);
      deps.logger.info({ ...where, kind: result.kind }, "season page not read");
      continue;
    }
    const { parse } = result;
    const otherSeason = result.seasonNumber !== undefined && result.seasonNumber !== null && result.seasonNumber !== link.seasonNumber;
    if (parse.grain !== "season" || otherSeason) {
      counts.seasonPagesRejected += 1;
      scraper.page("rejected");
      deps.logger.info({ ...where, grain: parse.grain, pageSeason: result.seasonNumber }, "season link led to another page; not read");
      continue;
    }
    if (!parse.hasScores) {
      scraper.layoutChange();
      const detail = `season ${link.seasonNumber} page, HTTP ${result.status} via ${result.via}; no parsing strategy matched`;
      await scraper.event(target.id, "layout_change", result.url, detail);
      continue;
    }
    scraper.parsed(parse.strategy);
    counts.seasonPagesParsed += 1;
    const { observations, rejected } = toSeasonObservations(target.id, link.seasonNumber, deps.profile, parse);
    if (rejected > 0) deps.logger.warn({ ...where, rejected }, "season scores outside their scale; not loaded");
    scraper.seasonObservations.push(...observations);
    counts.seasonObservations += observations.length;
  }
}
