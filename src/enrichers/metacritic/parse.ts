/**
 * Metacritic page parser: a pure function of the page's HTML (cheerio), no I/O.
 *
 * Strategies, in order of stability (see `docs/upstreams.md`, "Metacritic"):
 * 1. `json-ld`: `aggregateRating{name:"Metascore", ratingValue, reviewCount}` (the Metascore only).
 * 2. `nuxt-data`: `script#__NUXT_DATA__` (2023+), `criticScoreSummary{score, reviewCount}`.
 * 3. `testid-markup`: the 2025–26 markup, `[data-testid=global-score-value]` inside the critic / user score
 *    blocks (`[data-testid=global-score-wrapper]` whose `global-score-header` names the score) with
 *    `[data-testid=global-score-review-count]` ("Based on 24,426 User Ratings").
 * 4. `hero-score-title`: the markup a maintained tool reads since 2026-02/03, `div.hero-scores
 *    [data-testid=product-score] div[title*="Metascore "] span` and `div[title*="User score "] span` (scores only).
 * 5. `site-review-score`: the 2023-09 redesign, `.c-siteReviewScore:not(.c-siteReviewScore_user) span` and
 *    `.c-siteReviewScore_user span` in the hero's `.c-productHero_score-container`, each count in the
 *    `.c-productScoreInfo_reviewsTotal` of its own `.c-productScoreInfo` block ("Based on 35 Critic Reviews").
 * 6. `metascore-w`: the old layout, `.metascore_w.larger` and `.metascore_w.user.larger` (a `span` or a
 *    `div`) with "based on 35 Critic Reviews" and "based on 1,312 Ratings" in the block beside each score.
 * Each value takes the first strategy that has it; disagreeing strategies are listed (parse-common.ts).
 * A series page's `[data-testid=product-score-card]` cards (`div[aria-label="Metascore 94 out of 100"]`) linking a
 * season page give per-season scores (strategy `product-score-card`). What the page is comes from its canonical URL
 * (`/tv/<slug>/`, `/tv/<slug>/season-5/`, `/movie/<slug>/`, anything else: other), JSON-LD `@type` (a game's
 * `VideoGame` is other) or `og:type`. "tbd" (too few ratings) is a null score with reason `tbd`, never 0.
 * Not a page strategy: the `backend.metacritic.com` JSON endpoint other tools use (another request, not this page).
 */
import * as cheerio from "cheerio";
import type { CheerioAPI } from "cheerio";
import { z } from "zod";
import {
  type KindPaths,
  type StrategyResult,
  cleanText,
  combineStrategies,
  jsonLdStrategy,
  numberish,
  firstYearIn,
  ownSeriesSlug,
  pageKindOf,
  pathOf,
  toReading,
} from "../parse-common.js";
import { type PageParse, type ScoreReading, type SeasonScore, missingReading } from "../types.js";
import { findNuxtValues } from "./nuxt-data.js";

/** Strategy names, as stored in `rating_fact.method` and the `strategy` metric label. */
export const METACRITIC_STRATEGIES = [
  "json-ld",
  "nuxt-data",
  "testid-markup",
  "hero-score-title",
  "site-review-score",
  "metascore-w",
  "product-score-card",
] as const;

/** Metacritic page paths by kind: `/tv/<slug>/`, `/tv/<slug>/season-5/`, `/movie/<slug>/`. */
const METACRITIC_KIND_PATHS: KindPaths = {
  series: /^\/tv\/[^/]+\/?$/,
  season: /^\/tv\/[^/]+\/season-\d{1,3}\/?$/,
  film: /^\/movie\//,
};

/** CSS selectors whose presence means the scores have rendered (used by the browser fallback). */
export const METACRITIC_READY_SELECTOR = [
  'script[type="application/ld+json"]',
  '[data-testid="global-score-value"]',
  ".c-siteReviewScore",
  ".metascore_w",
].join(", ");

/** `criticScoreSummary` of the Nuxt payload as far as we read it. */
const criticScoreSummarySchema = z.looseObject({
  score: numberish.nullish(),
  reviewCount: numberish.nullish(),
});

function fromNuxtData($: CheerioAPI): StrategyResult {
  const raw = $("script#__NUXT_DATA__").first().text();
  if (!raw.trim()) return {};
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return {};
  }
  if (!Array.isArray(payload)) return {};
  for (const value of findNuxtValues(payload, "criticScoreSummary")) {
    const parsed = criticScoreSummarySchema.safeParse(value);
    if (!parsed.success) continue;
    const { score, reviewCount } = parsed.data;
    const reading = toReading(score, reviewCount, "nuxt-data");
    if (reading) return { critics: reading };
    // A summary without a score: not enough critic reviews yet (the page shows "tbd").
    if (score === null || score === undefined) {
      return {
        critics: {
          score: null,
          count: typeof reviewCount === "number" ? reviewCount : null,
          countIsLowerBound: false,
          strategy: "nuxt-data",
          countStrategy: typeof reviewCount === "number" ? "nuxt-data" : null,
          nullReason: "tbd",
        },
      };
    }
  }
  return {};
}

/**
 * Which score a `global-score-value` belongs to: from its block (`user-score-info` / `critic-score-info`),
 * its wrapper's title ("User score 8.4 out of 10", "Metascore 87 out of 100") or its count text.
 */
function scoreKind(block: "users" | "critics" | null, labelText: string, countText: string | null): "critics" | "users" | null {
  if (block) return block;
  if (/user score/i.test(labelText)) return "users";
  if (/metascore/i.test(labelText)) return "critics";
  if (countText && /critic reviews?/i.test(countText)) return "critics";
  if (countText && /ratings?\b/i.test(countText)) return "users";
  return null;
}

function fromTestidMarkup($: CheerioAPI): StrategyResult {
  const result: StrategyResult = {};
  $('[data-testid="global-score-value"]').each((_, node) => {
    const el = $(node);
    // The count is in the smallest enclosing block that has one.
    let container = el.parent();
    while (container.length > 0 && container.find('[data-testid="global-score-review-count"]').length === 0) container = container.parent();
    const countText = cleanText(container.find('[data-testid="global-score-review-count"]').first().text());
    const block =
      el.closest('[data-testid="user-score-info"]').length > 0
        ? "users"
        : el.closest('[data-testid="critic-score-info"]').length > 0
          ? "critics"
          : null;
    const label = el.closest("[title], [aria-label]");
    const header = cleanText(el.closest('[data-testid="global-score-wrapper"]').find('[data-testid="global-score-header"]').first().text()) ?? "";
    const kind = scoreKind(block, `${header} ${label.attr("title") ?? ""} ${label.attr("aria-label") ?? ""}`, countText);
    const reading = toReading(cleanText(el.text()), countText, "testid-markup");
    if (!kind || !reading) return;
    if (kind === "critics" && !result.critics) result.critics = reading;
    if (kind === "users" && !result.audience) result.audience = reading;
  });
  result.title = cleanText($('[data-testid="hero-title"] h1, [data-testid="hero-title"], h1.hero-title__text').first().text());
  result.firstYear = firstYearIn($('[data-testid="hero-metadata"]').first().text());
  return result;
}

/** The 2026 hero markup a maintained tool reads: the score `span` in a `div` titled "Metascore …" / "User score …". */
function fromHeroScoreTitle($: CheerioAPI): StrategyResult {
  const hero = $('div.hero-scores [data-testid="product-score"]');
  if (hero.length === 0) return {};
  const read = (titlePrefix: string) => toReading(cleanText(hero.find(`div[title*="${titlePrefix}"] span`).first().text()), null, "hero-score-title");
  return { critics: read("Metascore "), audience: read("User score "), title: cleanText($("h1.hero-title__text").first().text()) };
}

/**
 * The 2023-09 redesign: scores in `.c-siteReviewScore` (the user score's with `_user`) inside the hero's score
 * container (the page also lists critics' own scores with the same class), each count in the
 * `.c-productScoreInfo_reviewsTotal` of the nearest `.c-productScoreInfo` around its score.
 */
function fromSiteReviewScore($: CheerioAPI): StrategyResult {
  const hero = $(".c-productHero_score-container").first();
  const scope = hero.length > 0 ? hero : $("body");
  const read = (selector: string): ScoreReading | null => {
    const el = scope.find(selector).first();
    if (el.length === 0) return null;
    const count = cleanText(el.closest(".c-productScoreInfo").find(".c-productScoreInfo_reviewsTotal").first().text());
    return toReading(cleanText(el.find("span").first().text()) ?? cleanText(el.text()), count, "site-review-score");
  };
  return {
    critics: read(".c-siteReviewScore:not(.c-siteReviewScore_user)"),
    audience: read(".c-siteReviewScore_user"),
    title: cleanText($(".c-productHero_title h1, .c-productHero_title").first().text()),
    firstYear: firstYearIn($(".c-heroMetadata_item").first().text()) ?? firstYearIn($(".c-productionDetailsTv_sectionContainer").first().text()),
  };
}

/** A score read from an accessible label: "Metascore 94 out of 100" → 94, "User score 8.1 out of 10" → 8.1. */
function scoreFromLabel(label: string | undefined): string | null {
  return /(\d{1,3}(?:\.\d+)?|tbd)\s+out of\s+\d+/i.exec(label ?? "")?.[1] ?? (/\btbd\b/i.test(label ?? "") ? "tbd" : null);
}

/**
 * Per-season scores of a series page (2025–26): one `[data-testid=product-score-card]` per season whose link (on,
 * in or around the card) is a season page of the page's own series (its canonical slug; without one, none:
 * precision first), the Metascore in `div[aria-label^="Metascore "]` and the user score in
 * `div[aria-label^="User score "]`. Cards of other platforms or shows are skipped. Ascending by season.
 */
function productScoreCards($: CheerioAPI): SeasonScore[] {
  const slug = ownSeriesSlug($);
  if (slug === null) return [];
  const bySeason = new Map<number, SeasonScore>();
  $('[data-testid="product-score-card"]').each((_, node) => {
    const card = $(node);
    const hrefs = [card.attr("href"), card.find("a[href]").first().attr("href"), card.closest("a[href]").attr("href")];
    let seasonNumber: number | null = null;
    for (const href of hrefs) {
      if (!href) continue;
      const match = /^\/tv\/([^/]+)\/season-(\d{1,3})\/?$/.exec(pathOf(href) ?? "");
      if (match?.[2] && match[1] === slug) {
        seasonNumber = Number(match[2]);
        break;
      }
    }
    if (seasonNumber === null || seasonNumber < 1 || bySeason.has(seasonNumber)) return;
    const read = (prefix: string) =>
      toReading(scoreFromLabel(card.find(`[aria-label^="${prefix}"]`).first().attr("aria-label")), null, "product-score-card");
    const critics = read("Metascore ");
    const audience = read("User score ");
    if (!critics && !audience) return;
    bySeason.set(seasonNumber, { seasonNumber, critics: critics ?? missingReading(), audience: audience ?? missingReading() });
  });
  return [...bySeason.values()].sort((a, b) => a.seasonNumber - b.seasonNumber);
}

/** Score elements of the old layout (2010s): a `span` or a `div`, `larger` on the page's main block. */
const OLD_SCORE_SELECTORS = {
  critics: ".metascore_w.larger:not(.user), .metascore_w.xlarge:not(.user)",
  users: ".metascore_w.user.larger, .metascore_w.user.large",
} as const;

/**
 * Count sentences of the old layout: "based on 35 Critic Reviews" / "based on 35 Critics" beside the
 * Metascore, "based on 1,312 Ratings" (or a bare "1,312 Ratings" link) beside the user score.
 */
const OLD_COUNT_PATTERNS = {
  critics: [/based on\s+([\d,]+)\s+critic/i],
  users: [/based on\s+([\d,]+)\s+(?:user\s+)?ratings?\b/i, /\b([\d,]+)\s+(?:user\s+)?ratings?\b/i],
} as const;

/** How far up from a score element the old layout puts its count (score → anchor → wrap → summary block). */
const OLD_COUNT_MAX_LEVELS = 5;

/**
 * The count beside an old-layout score: the text of the nearest enclosing block that holds a count sentence
 * of this kind, looked for up to {@link OLD_COUNT_MAX_LEVELS} levels up, and never in a block that also holds
 * the other kind's score (that count would be the other score's).
 */
function oldLayoutCount($: CheerioAPI, el: ReturnType<CheerioAPI>, kind: "critics" | "users"): string | null {
  const other = kind === "critics" ? OLD_SCORE_SELECTORS.users : OLD_SCORE_SELECTORS.critics;
  let container = el.parent();
  for (let level = 0; level < OLD_COUNT_MAX_LEVELS && container.length > 0 && !container.is("body, html"); level++) {
    if (container.find(other).length > 0) return null;
    const text = cleanText(container.text()) ?? "";
    const itemprop = kind === "critics" ? cleanText(container.find('[itemprop="reviewCount"]').first().text()) : null;
    if (itemprop) return itemprop;
    for (const pattern of OLD_COUNT_PATTERNS[kind]) {
      const match = pattern.exec(text);
      if (match?.[1]) return match[1];
    }
    container = container.parent();
  }
  return null;
}

function fromOldLayout($: CheerioAPI): StrategyResult {
  const read = (kind: "critics" | "users"): ScoreReading | null => {
    const el = $(OLD_SCORE_SELECTORS[kind]).first();
    if (el.length === 0) return null;
    const value = cleanText(el.find('[itemprop="ratingValue"]').first().text()) ?? cleanText(el.text());
    return toReading(value, oldLayoutCount($, el, kind), "metascore-w");
  };
  return {
    critics: read("critics"),
    audience: read("users"),
    title: cleanText($(".product_title h1, .product_title").first().text()),
    firstYear: firstYearIn($(".release_date .data, li.release_data .data").first().text()),
  };
}

/** Title from `og:title` or `<title>`, without the site suffix. */
function fallbackTitle($: CheerioAPI): string | null {
  const raw = cleanText($('meta[property="og:title"]').attr("content")) ?? cleanText($("title").first().text());
  if (!raw) return null;
  return cleanText(raw.replace(/\s*[|\-–]\s*Metacritic\s*$/i, "").replace(/\s+(?:Season \d+\s+)?Reviews$/i, ""));
}

/**
 * Parses a Metacritic page (series, season, film, or anything else, e.g. a game's).
 * Never throws: a page no strategy understands gives `hasScores: false` (a layout change when it exists).
 * `critics` is the Metascore (0–100, count = critic reviews); `audience` the user score (0–10, count =
 * user ratings).
 */
export function parseMetacriticPage(html: string): PageParse {
  const $ = cheerio.load(html);
  const kind = pageKindOf($, METACRITIC_KIND_PATHS);
  return combineStrategies(
    "metacritic",
    [
      { name: "json-ld", result: jsonLdStrategy($, /metascore/i, ["startDate", "datePublished", "dateCreated"]) },
      { name: "nuxt-data", result: fromNuxtData($) },
      { name: "testid-markup", result: fromTestidMarkup($) },
      { name: "hero-score-title", result: fromHeroScoreTitle($) },
      { name: "site-review-score", result: fromSiteReviewScore($) },
      { name: "metascore-w", result: fromOldLayout($) },
    ],
    { title: fallbackTitle($), firstYear: null, kind, seasons: kind === "series" ? productScoreCards($) : [] },
  );
}
