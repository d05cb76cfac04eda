/**
 * One ratings site's part of the ratings-sites step: for each series, find its page (override → cached → Wikidata →
 * verified slug), fetch it politely (through the run's page cache), read its scores, and record what happened
 * (`rating_page`, `scrape_event`, the outcome per series, the site's counts). Season pages are src/enrichers/season-pages.ts.
 */
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { PrismaClient } from "../db/prisma.js";
import type { RatingObservation, SeasonRatingObservation } from "../domain.js";
import type { UpstreamClient } from "../http/client.js";
import { recordEnrichmentOutcomes } from "../load/enrichment-state.js";
import { upsertRatingPage, type KnownPages } from "../load/rating-pages.js";
import { insertScrapeEvent } from "../load/scrape-events.js";
import type { HarvesterMetrics } from "../metrics/metrics.js";
import type { PageRenderer } from "./browser.js";
import { fetchRatingsPage, type PageFetchResult } from "./fetch-page.js";
import { confirmsSeries, pagePath, slugCandidates, type ResolutionMethod, type ScrapeTarget } from "./resolve.js";
import type { RobotsGate } from "./robots.js";
import { scrapeSeasonPages } from "./season-pages.js";
import { emptyCounts, type SiteScrapeCounts } from "./site-counts.js";
import type { SiteProfile } from "./site-profiles.js";
import type { PageParse, RatingSite } from "./types.js";
import type { WikidataPageIds } from "./wikidata.js";

/** A series whose last resolution found no page is asked again after this many days (not every run). */
export const NO_PAGE_RETRY_DAYS = 7;

/** Where page results of a run are kept between attempts (the pipeline's answer store). */
export interface PageCache {
  get(site: RatingSite, path: string): PageFetchResult | undefined;
  put(site: RatingSite, path: string, result: PageFetchResult): Promise<void>;
}

/** A fetched page (not gone, blocked, disallowed or failed). */
export type FetchedPage = Extract<PageFetchResult, { kind: "page" }>;

/** What a site's scraper is given: the run, the site's client and rules, and where its results go. */
export interface SiteScraperDeps {
  prisma: PrismaClient;
  runId: number;
  site: RatingSite;
  profile: SiteProfile;
  client: UpstreamClient;
  robots: RobotsGate;
  renderer: PageRenderer | null;
  config: Config["scrape"];
  metrics: HarvesterMetrics;
  logger: Logger;
  now: () => Date;
  /** Overrides and pages known when the run started. */
  pages: KnownPages;
  /** Wikidata's page ids of the series' Wikidata items. */
  wikidataIds: ReadonlyMap<string, WikidataPageIds>;
  pageCache?: PageCache;
  signal?: AbortSignal;
}

/** Maps a parsed page's readings to observations (scores that are null, e.g. "tbd", give none; a movie page gives none). */
export function toObservations(seriesId: number, profile: SiteProfile, parse: PageParse): RatingObservation[] {
  // A film's page (a wrong override or Wikidata link) never yields a series' score.
  if (parse.grain === "movie") return [];
  const out: RatingObservation[] = [];
  for (const [reading, source] of [
    [parse.critics, profile.sources.critics],
    [parse.audience, profile.sources.audience],
  ] as const) {
    if (reading.score === null || reading.strategy === null) continue;
    out.push({
      seriesId,
      source,
      score: reading.score,
      voteCount: reading.count,
      voteCountIsLowerBound: reading.countIsLowerBound,
      grain: parse.grain,
      method: reading.strategy,
    });
  }
  return out;
}

/**
 * The scraper of one site in one run: resolves, fetches and reads the pages of series one at a time (several may be
 * in flight), and holds what they produced.
 */
export class SiteScraper {
  readonly counts: SiteScrapeCounts = emptyCounts();
  readonly observations: RatingObservation[] = [];
  readonly seasonObservations: SeasonRatingObservation[] = [];
  private readonly baseUrl: string;
  private readonly retryBefore: number;

  constructor(readonly deps: SiteScraperDeps) {
    this.baseUrl = deps.profile.baseUrl(deps.config).replace(/\/+$/, "");
    this.retryBefore = deps.now().getTime() - NO_PAGE_RETRY_DAYS * 86_400_000;
  }

  /** Finds, fetches and reads the page of `target` (override → cached → Wikidata → slugs). */
  async scrapeSeries(target: ScrapeTarget): Promise<void> {
    this.counts.series += 1;
    const override = this.deps.pages.overrides.get(target.id);
    if (override) return this.fromOverride(target, override.url);
    const cached = this.deps.pages.cached.get(target.id);
    if (cached?.url) {
      const result = await this.fetchPage(target.id, pagePath(this.deps.profile, cached.url));
      if (result.kind === "page")
        return this.readOwnPage(target, result, cached.method === "wikidata" || cached.method === "override" ? cached.method : "slug");
      if (result.kind !== "gone") return void (await this.recordFailure(target, result));
      await this.event(target.id, "not_found", result.url, `known page answered HTTP ${result.status}; resolving again`);
    } else if (cached && cached.url === null && cached.lastConfirmedAt.getTime() > this.retryBefore) {
      const day = cached.lastConfirmedAt.toISOString().slice(0, 10);
      return this.noPage(target, "not_found", `no page found on ${day}; next try after ${NO_PAGE_RETRY_DAYS} days`, null);
    }
    if (await this.fromWikidata(target)) return;
    return this.fromSlugs(target);
  }

  /** 1. A manual override: its page, or "no page on this site". */
  private async fromOverride(target: ScrapeTarget, url: string | null): Promise<void> {
    if (url === null) return this.noPage(target, "no_page", "override: no page on this site", { method: "override" });
    const result = await this.fetchPage(target.id, pagePath(this.deps.profile, url));
    if (result.kind === "page") return this.readOwnPage(target, result, "override");
    if (result.kind === "gone") {
      await this.event(target.id, "not_found", result.url, `override URL answered HTTP ${result.status}`);
      return this.noPage(target, "not_found", `override URL answered HTTP ${result.status}`, null);
    }
    await this.recordFailure(target, result);
  }

  /** 3. The page Wikidata links; true when the series is done (read, or a failure recorded). */
  private async fromWikidata(target: ScrapeTarget): Promise<boolean> {
    const page = target.wikidataId ? this.deps.wikidataIds.get(target.wikidataId)?.[this.deps.site] : null;
    if (!page) return false;
    const result = await this.fetchPage(target.id, pagePath(this.deps.profile, page));
    if (result.kind === "page") {
      await this.readOwnPage(target, result, "wikidata");
      return true;
    }
    if (await this.recordFailure(target, result)) return true;
    this.deps.logger.info({ site: this.deps.site, seriesId: target.id, url: result.url }, "Wikidata's page does not exist; trying slugs");
    return false;
  }

  /** 4. Slugs of the title, accepted only when the page confirms the series (title and year). */
  private async fromSlugs(target: ScrapeTarget): Promise<void> {
    for (const pageId of slugCandidates(target, this.deps.profile.slugSeparator)) {
      const result = await this.fetchPage(target.id, pagePath(this.deps.profile, pageId));
      if (result.kind === "gone") continue;
      if (result.kind !== "page") return void (await this.recordFailure(target, result));
      if (confirmsSeries(result.parse, target)) return this.readOwnPage(target, result, "slug");
      this.counts.slugsRejected += 1;
      this.deps.logger.info(
        { site: this.deps.site, seriesId: target.id, url: result.url, pageTitle: result.parse.title, pageYear: result.parse.firstYear },
        "slug page is another show's (title or year differ); rejected",
      );
    }
    return this.noPage(target, "not_found", "no Wikidata id and no slug page confirmed the series", { method: "slug" });
  }

  /** Fetches a page, or takes it from the run's page cache; every fetched result but a transport error is cached. */
  async fetchPage(seriesId: number, path: string): Promise<PageFetchResult> {
    const { deps } = this;
    const cached = deps.pageCache?.get(deps.site, path);
    if (cached) return cached;
    const result = await fetchRatingsPage(
      {
        client: deps.client,
        robots: deps.robots,
        profile: deps.profile,
        renderer: deps.renderer,
        metrics: deps.metrics,
        logger: deps.logger,
        onBrowserFallback: async (url, reason) => {
          this.counts.browserFallbacks += 1;
          await this.event(seriesId, "browser_fallback", url, reason);
        },
      },
      path,
    );
    if (result.kind !== "disallowed") this.counts.pagesFetched += 1;
    // Transport errors are not kept: a resumed run should try those pages again.
    if (result.kind !== "error") await deps.pageCache?.put(deps.site, path, result.kind === "page" ? { ...result, html: "" } : result);
    return result;
  }

  /** Reads a page known to be this series': its scores (then its season pages), or a layout change. */
  private async readOwnPage(target: ScrapeTarget, result: FetchedPage, method: ResolutionMethod): Promise<void> {
    const { deps } = this;
    await upsertRatingPage(deps.prisma, {
      seriesId: target.id,
      site: deps.site,
      url: `${this.baseUrl}${pagePath(deps.profile, result.url)}`,
      method,
      confirmedAt: deps.now(),
    });
    const { parse } = result;
    if (!parse.hasScores) {
      this.layoutChange();
      deps.logger.warn(
        { site: deps.site, seriesId: target.id, url: result.url, via: result.via },
        "no parsing strategy matched an existing page: layout change",
      );
      await this.event(target.id, "layout_change", result.url, `HTTP ${result.status} via ${result.via}; no parsing strategy matched`);
      await this.outcome(target.id, "layout_changed", `no strategy matched ${result.url}`);
      return;
    }
    const strategy = this.parsed(parse.strategy);
    this.counts.pagesParsed += 1;
    const found = toObservations(target.id, deps.profile, parse);
    this.observations.push(...found);
    this.counts.observations += found.length;
    await this.outcome(target.id, "found", found.length === 0 ? "page found; no score yet (tbd)" : `${found.length} score(s) via ${strategy}`);
    if (parse.grain === "series") await scrapeSeasonPages(this, target, result);
  }

  /** Records a result that is neither a page nor a 404 (blocked, disallowed, error); false for the others. */
  async recordFailure(target: ScrapeTarget, result: PageFetchResult): Promise<boolean> {
    const { site, logger } = this.deps;
    switch (result.kind) {
      case "blocked":
        this.counts.blocked += 1;
        this.page("blocked");
        await this.event(target.id, "blocked", result.url, result.detail);
        await this.outcome(target.id, "error", `blocked: ${result.detail}`);
        return true;
      case "disallowed":
        this.counts.blocked += 1;
        this.page("disallowed");
        await this.outcome(target.id, "error", `robots.txt disallows ${result.url}`);
        return true;
      case "error":
        this.counts.errors += 1;
        this.page("error");
        logger.warn({ site, seriesId: target.id, url: result.url, err: result.detail }, "ratings page fetch failed");
        await this.outcome(target.id, "error", result.detail);
        return true;
      case "gone":
      case "page":
        return false;
    }
  }

  /** Records that the series has no page on the site (and, with `record`, remembers it in `rating_page`). */
  private async noPage(
    target: ScrapeTarget,
    status: "no_page" | "not_found",
    detail: string,
    record: { method: "slug" | "override" } | null,
  ): Promise<void> {
    this.counts.noPage += 1;
    this.page("no_page");
    if (record)
      await upsertRatingPage(this.deps.prisma, {
        seriesId: target.id,
        site: this.deps.site,
        url: null,
        method: record.method,
        confirmedAt: this.deps.now(),
      });
    await this.outcome(target.id, status, detail);
  }

  /** Counts a page whose strategy matched; returns the strategy's name. */
  parsed(matched: string | null): string {
    const strategy = matched ?? "unknown";
    this.counts.strategies[strategy] = (this.counts.strategies[strategy] ?? 0) + 1;
    this.deps.metrics.scraperStrategy.inc({ site: this.deps.site, strategy });
    this.page("parsed");
    return strategy;
  }

  /** Counts an existing page no strategy understood. */
  layoutChange(): void {
    this.counts.layoutChanges += 1;
    this.deps.metrics.scraperLayoutChanges.inc({ site: this.deps.site });
    this.page("layout_change");
  }

  /** Counts a page by its outcome (`tv_harvester_scraper_pages_total`). */
  page(outcome: string): void {
    this.deps.metrics.scraperPages.inc({ site: this.deps.site, outcome });
  }

  /** Writes a `scrape_event` of the run. */
  event(seriesId: number | null, kind: string, url: string | null, detail: string | null): Promise<void> {
    const { deps } = this;
    return insertScrapeEvent(deps.prisma, {
      runId: deps.runId,
      site: deps.site,
      seriesId,
      kind,
      url,
      detail,
      strategy: null,
      occurredAt: deps.now(),
    });
  }

  /** Records the series' outcome on the site (published with the run). */
  private async outcome(seriesId: number, status: string, detail: string | null): Promise<void> {
    const { deps } = this;
    await recordEnrichmentOutcomes(deps.prisma, deps.site, [{ seriesId, status, detail, success: status === "found" }], deps.now(), deps.runId);
  }
}
