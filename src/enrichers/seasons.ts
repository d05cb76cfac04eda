/**
 * Season pages of the ratings sites: which season pages a series page links, which season a season page is, which
 * of them a run fetches (a bounded number per series), and their scores as season-grain observations. Pure
 * functions, no I/O; the ratings-sites step (src/enrichers/ratings-sites.ts) fetches the pages.
 *
 * Rotten Tomatoes is season-oriented: the series page (`/tv/<slug>`) links every season page (`/tv/<slug>/s01`),
 * each with its own Tomatometer and Popcornmeter; Metacritic's series page (`/tv/<slug>/`) links
 * `/tv/<slug>/season-1/` pages with their own Metascore and user score (see `docs/upstreams.md`). A season page's
 * scores are never a series' scores: they go to `season_rating_fact` only.
 */
import * as cheerio from "cheerio";
import type { CheerioAPI } from "cheerio";
import { z } from "zod";
import type { SeasonRatingObservation } from "../domain.js";
import { checkRating } from "../quality/rules.js";
import { canonicalPath, hasJsonLdType, numberish, pathOf, readJsonLdNodes } from "./parse-common.js";
import type { SiteProfile } from "./site-profiles.js";
import type { PageParse, RatingSite, SeasonLink } from "./types.js";

/** How a site writes season paths: the pattern (captures slug and season number) and the path to request. */
interface SeasonPathStyle {
  pattern: RegExp;
  toPath: (slug: string, seasonNumber: number) => string;
}

/** Season paths per site: Rotten Tomatoes `/tv/breaking_bad/s05`, Metacritic `/tv/breaking-bad/season-5/`. */
export const SEASON_PATHS: Record<RatingSite, SeasonPathStyle> = {
  rottentomatoes: { pattern: /^\/tv\/([^/]+)\/s(\d{1,3})\/?$/, toPath: (slug, n) => `/tv/${slug}/s${String(n).padStart(2, "0")}` },
  metacritic: { pattern: /^\/tv\/([^/]+)\/season-(\d{1,3})\/?$/, toPath: (slug, n) => `/tv/${slug}/season-${n}/` },
};

/** schema.org `containsSeason` of a `TVSeries` node: one season or a list, each with its page `url`. */
const containsSeasonSchema = z.union([z.array(z.looseObject({ url: z.string().optional() })), z.looseObject({ url: z.string().optional() })]);

/** The series slug of the page's own canonical URL (`/tv/<slug>…`), or null without one. */
function ownSlug($: CheerioAPI): string | null {
  const path = canonicalPath($);
  return path === null ? null : (/^\/tv\/([^/]+)/.exec(path)?.[1] ?? null);
}

/**
 * The season pages a series page links: `<a href>` and JSON-LD `containsSeason[].url` that are season paths of
 * the page's own series (its canonical slug; a rail of other shows' seasons is ignored), season 1 and up, one
 * per season, ascending. Without a canonical URL the page's series is unknown, so none (precision first).
 */
export function parseSeasonLinks(site: RatingSite, html: string): SeasonLink[] {
  const $ = cheerio.load(html);
  const slug = ownSlug($);
  if (slug === null) return [];
  const style = SEASON_PATHS[site];
  const hrefs: string[] = [];
  $("a[href]").each((_, el) => {
    const href = $(el).attr("href");
    if (href) hrefs.push(href);
  });
  for (const node of readJsonLdNodes($)) {
    const seasons = containsSeasonSchema.safeParse(node["containsSeason"]);
    if (!seasons.success) continue;
    for (const season of Array.isArray(seasons.data) ? seasons.data : [seasons.data]) if (season.url) hrefs.push(season.url);
  }
  const bySeason = new Map<number, SeasonLink>();
  for (const href of hrefs) {
    const match = style.pattern.exec(pathOf(href) ?? "");
    if (!match?.[1] || !match[2] || match[1] !== slug) continue;
    const seasonNumber = Number(match[2]);
    if (seasonNumber < 1 || bySeason.has(seasonNumber)) continue;
    bySeason.set(seasonNumber, { seasonNumber, path: style.toPath(slug, seasonNumber) });
  }
  return [...bySeason.values()].sort((a, b) => a.seasonNumber - b.seasonNumber);
}

/** A JSON-LD `TVSeason` node's `seasonNumber`. */
const seasonNumberSchema = z.looseObject({ seasonNumber: numberish });

/**
 * The season a season page is: from its canonical URL (`/s05`, `/season-5/`), else its JSON-LD `TVSeason`
 * `seasonNumber`; null when neither says.
 */
export function parseSeasonNumber(site: RatingSite, html: string): number | null {
  const $ = cheerio.load(html);
  const path = canonicalPath($);
  const fromUrl = path === null ? undefined : SEASON_PATHS[site].pattern.exec(path)?.[2];
  if (fromUrl !== undefined) return Number(fromUrl);
  for (const node of readJsonLdNodes($)) {
    if (!hasJsonLdType(node, ["TVSeason"])) continue;
    const parsed = seasonNumberSchema.safeParse(node);
    const n = parsed.success ? Number(parsed.data.seasonNumber) : NaN;
    if (Number.isSafeInteger(n) && n >= 0) return n;
  }
  return null;
}

/** A season a run loaded from the details' `seasons[]` (only its number and first air date matter here). */
export interface KnownSeason {
  seasonNumber: number;
  /** `YYYY-MM-DD`, or null (not announced). */
  airDate: string | null;
}

/**
 * The season pages to fetch for one series, at most `cap`: season 1 (the first linked) and the latest `cap - 1`,
 * so that the weekly cost stays bounded for long-running shows while the season that defines a show and the ones
 * that still move are kept. When `known` is given (the seasons the run loaded), only seasons in it that have aired
 * by `today` (`YYYY-MM-DD`) count: a season the run did not load cannot be stored, and one not yet aired has no
 * score. Ascending by season number.
 */
export function chooseSeasonPages(links: readonly SeasonLink[], cap: number, today: string, known?: readonly KnownSeason[]): SeasonLink[] {
  if (cap <= 0) return [];
  const aired = known === undefined ? null : new Set(known.filter((s) => s.airDate !== null && s.airDate <= today).map((s) => s.seasonNumber));
  const candidates = links
    .filter((l) => l.seasonNumber >= 1 && (aired === null || aired.has(l.seasonNumber)))
    .sort((a, b) => a.seasonNumber - b.seasonNumber);
  if (candidates.length <= cap) return candidates;
  return [candidates[0]!, ...candidates.slice(candidates.length - (cap - 1))].slice(0, cap);
}

/**
 * A season page's readings as season-grain observations of `seriesId` × `seasonNumber` (a null score, e.g. "tbd",
 * gives none). Observations the boundary rules reject (a score outside its source's scale, a negative count) are
 * left out and counted in `rejected`; the season page is the only evidence of them, so there is nothing to keep.
 */
export function toSeasonObservations(
  seriesId: number,
  seasonNumber: number,
  profile: SiteProfile,
  parse: Pick<PageParse, "critics" | "audience">,
  pageUrl: string | null = null,
): { observations: SeasonRatingObservation[]; rejected: number } {
  const observations: SeasonRatingObservation[] = [];
  let rejected = 0;
  for (const [reading, source] of [
    [parse.critics, profile.sources.critics],
    [parse.audience, profile.sources.audience],
  ] as const) {
    if (reading.score === null || reading.strategy === null) continue;
    const observation = {
      seriesId,
      seasonNumber,
      source,
      score: reading.score,
      voteCount: reading.count,
      voteCountIsLowerBound: reading.countIsLowerBound,
      method: reading.strategy,
      countMethod: reading.countStrategy ?? null,
      pageUrl,
    };
    // The series-grain rules hold for a season's score as well (same sources, same scales).
    if (checkRating({ ...observation, grain: "season" }).ok) observations.push(observation);
    else rejected += 1;
  }
  return { observations, rejected };
}
