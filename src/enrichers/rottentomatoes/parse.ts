/**
 * Rotten Tomatoes page parser: a pure function of the page's HTML (cheerio), no I/O.
 *
 * Strategies, in order of stability (see `docs/upstreams.md`, "Rotten Tomatoes"):
 * 1. `json-ld`: `<script type="application/ld+json">` of `@type` TVSeries/TVSeason/Movie with
 *    `aggregateRating` (the Tomatometer only; values may be strings).
 * 2. `scorecard-json`: `<script id="media-scorecard-json">` (2024+) with `criticsScore{score, reviewCount}`
 *    and `audienceScore{score, bandedRatingCount}`.
 * 3. `scorecard-markup`: `media-scorecard` with `rt-text[slot=criticsScore]`, `rt-link[slot=criticsReviews]`,
 *    `rt-text[slot=audienceScore]`, `rt-link[slot=audienceReviews]`.
 * 4. `score-board`: the 2022 layout, `<score-board tomatometerscore audiencescore>` with
 *    `a[slot=critics-count]` and `a[slot=audience-count]`.
 * Each score takes the first strategy that found it, and records its name.
 * A film's page (`/m/<slug>`, `og:type` `video.movie`, JSON-LD `Movie`) parses with grain `movie`.
 */
import * as cheerio from "cheerio";
import type { CheerioAPI } from "cheerio";
import { z } from "zod";
import {
  type StrategyResult,
  canonicalUrl,
  cleanText,
  combineStrategies,
  jsonLdStrategy,
  numberish,
  firstYearIn,
  pageKindFromMeta,
  parseCountText,
  toReading,
} from "../parse-common.js";
import type { PageParse, ScoreReading } from "../types.js";

/** Strategy names, as stored in `rating_fact.method` and the `strategy` metric label. */
export const RT_STRATEGIES = ["json-ld", "scorecard-json", "scorecard-markup", "score-board"] as const;

/** CSS selectors whose presence means the scores have rendered (used by the browser fallback). */
export const RT_READY_SELECTOR = [
  'script[type="application/ld+json"]',
  "script#media-scorecard-json",
  'rt-text[slot="criticsScore"]',
  "score-board[tomatometerscore]",
].join(", ");

/** One score block of `media-scorecard-json`. */
const scorecardScoreSchema = z.looseObject({
  score: numberish.nullish(),
  reviewCount: numberish.nullish(),
  ratingCount: numberish.nullish(),
  bandedRatingCount: z.string().nullish(),
});

/** `script#media-scorecard-json` as far as we read it. */
const scorecardSchema = z.looseObject({
  criticsScore: scorecardScoreSchema.nullish(),
  audienceScore: scorecardScoreSchema.nullish(),
});

/** A scorecard block that exists but has no score yet ("--" on the page) is a `tbd` reading. */
function scorecardReading(
  block: z.infer<typeof scorecardScoreSchema> | null | undefined,
  count: string | number | null | undefined,
): ScoreReading | null {
  if (!block) return null;
  const reading = toReading(block.score, count, "scorecard-json");
  if (reading) return reading;
  if (block.score === null || block.score === undefined || block.score === "") {
    const c = parseCountText(count);
    return { score: null, count: c.count, countIsLowerBound: c.lowerBound, strategy: "scorecard-json", nullReason: "tbd" };
  }
  return null;
}

function fromScorecardJson($: CheerioAPI): StrategyResult {
  const raw = $("script#media-scorecard-json").first().text();
  if (!raw.trim()) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {};
  }
  const parsed = scorecardSchema.safeParse(json);
  if (!parsed.success) return {};
  const { criticsScore, audienceScore } = parsed.data;
  return {
    critics: scorecardReading(criticsScore, criticsScore?.reviewCount ?? criticsScore?.ratingCount),
    audience: scorecardReading(audienceScore, audienceScore?.bandedRatingCount ?? audienceScore?.ratingCount),
  };
}

function fromScorecardMarkup($: CheerioAPI): StrategyResult {
  const card = $("media-scorecard").first();
  if (card.length === 0) return {};
  const text = (selector: string) => cleanText(card.find(selector).first().text());
  return {
    critics: toReading(text('rt-text[slot="criticsScore"]'), text('rt-link[slot="criticsReviews"]'), "scorecard-markup"),
    audience: toReading(text('rt-text[slot="audienceScore"]'), text('rt-link[slot="audienceReviews"]'), "scorecard-markup"),
    title: cleanText($('rt-text[slot="title"], [data-qa="score-panel-title"]').first().text()),
    firstYear: firstYearIn(card.find('rt-text[slot="metadataProp"]').first().text()),
  };
}

function fromScoreBoard($: CheerioAPI): StrategyResult {
  const board = $("score-board").first();
  if (board.length === 0) return {};
  const count = (selector: string) => cleanText(board.find(selector).first().text()) ?? cleanText($(selector).first().text());
  return {
    critics: toReading(board.attr("tomatometerscore"), count('a[slot="critics-count"]'), "score-board"),
    audience: toReading(board.attr("audiencescore"), count('a[slot="audience-count"]'), "score-board"),
    title: cleanText(board.find('[slot="title"]').first().text()),
    firstYear: firstYearIn(board.find('[slot="info"]').first().text()),
  };
}

/** Title from `og:title` or `<title>`, without the site suffix and a trailing "(2008)". */
function fallbackTitle($: CheerioAPI): { title: string | null; year: number | null } {
  const raw = cleanText($('meta[property="og:title"]').attr("content")) ?? cleanText($("title").first().text());
  if (!raw) return { title: null, year: null };
  const withoutSite = raw.replace(/\s*[|\-–]\s*Rotten Tomatoes\s*$/i, "");
  const year = /\((\d{4})(?:\s*[-–]\s*\d{0,4})?\)\s*$/.exec(withoutSite);
  return {
    title: cleanText(withoutSite.replace(/\s*\(\d{4}(?:\s*[-–]\s*\d{0,4})?\)\s*$/, "")),
    year: year?.[1] ? Number(year[1]) : null,
  };
}

/**
 * Parses a Rotten Tomatoes series (or season, or film) page.
 * Never throws: a page no strategy understands gives `hasScores: false` (a layout change when it exists).
 * Scores are 0–100 (%); critics' count = reviews, audience count = ratings (often a lower bound).
 */
export function parseRottenTomatoesPage(html: string): PageParse {
  const $ = cheerio.load(html);
  const canonical = canonicalUrl($);
  const fallback = fallbackTitle($);
  const season = canonical !== null && /\/tv\/[^/]+\/s\d+\/?(?:[?#].*)?$/.test(canonical);
  return combineStrategies(
    "rottentomatoes",
    [
      { name: "json-ld", result: jsonLdStrategy($, /tomatometer/i, ["startDate", "dateCreated", "datePublished"]) },
      { name: "scorecard-json", result: fromScorecardJson($) },
      { name: "scorecard-markup", result: fromScorecardMarkup($) },
      { name: "score-board", result: fromScoreBoard($) },
    ],
    { title: fallback.title, firstYear: fallback.year, season, kind: pageKindFromMeta($, /^\/m\//) },
  );
}
