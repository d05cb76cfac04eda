/**
 * Rotten Tomatoes page parser: a pure function of the page's HTML (cheerio), no I/O.
 *
 * Strategies, in order of stability (JSON before markup, newer markup before older; see `docs/upstreams.md`,
 * "Rotten Tomatoes", for the eras):
 * 1. `json-ld`: `<script type="application/ld+json">` of `@type` TVSeries/TVSeason/Movie with
 *    `aggregateRating` (the Tomatometer only; values may be strings). Every era.
 * 2. `scorecard-json`: `<script id="media-scorecard-json">` (2024+) with `criticsScore{score, reviewCount}`
 *    and `audienceScore{score, bandedRatingCount}` (else the same blocks under `overlay.criticsAll` /
 *    `overlay.audienceAll`). The audience count is banded only.
 * 3. `score-details-json`: `<script id="scoreDetails">` (2023 to early 2024), `modal.tomatometerScoreAll` and
 *    `modal.audienceScoreAll` (else `scoreboard.tomatometerScore` / `scoreboard.audienceScore`) with `value` and
 *    the exact `ratingCount` beside `bandedRatingCount`.
 * 4. `scorecard-markup`: `media-scorecard` (2024+) with `rt-text[slot=criticsScore]`, `rt-link[slot=criticsReviews]`,
 *    `rt-text[slot=audienceScore]`, `rt-link[slot=audienceReviews]`.
 * 5. `score-board-deprecated`: the 2023–24 markup, `<score-board-deprecated tomatometerscore audiencescore>` with
 *    `a[slot=critics-count]` and `a[slot=audience-count]`.
 * 6. `score-board`: the 2021–22 markup, `<score-board tomatometerscore audiencescore>` with the same count slots.
 * Each value (critics' score and count, audience score and count) takes the first strategy that has it (an exact
 * count over a banded one) and records its name; disagreeing strategies are listed (parse-common.ts).
 * A series page's `<tile-season href="/tv/<slug>/sNN">` tiles (`[slot=critics-score]`) give per-season scores
 * (strategy `tile-season`). What the page is comes from its canonical URL (`/tv/<slug>`, `/tv/<slug>/s05`,
 * `/m/<slug>`), JSON-LD `@type` or `og:type`.
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
  parseCountText,
  toReading,
  toReadingPreferExact,
} from "../parse-common.js";
import type { PageParse, ScoreReading, SeasonScore } from "../types.js";
import { missingReading } from "../types.js";

/** Strategy names, as stored in `rating_fact.method` / `count_method` and the `strategy` metric label. */
export const RT_STRATEGIES = [
  "json-ld",
  "scorecard-json",
  "score-details-json",
  "scorecard-markup",
  "score-board-deprecated",
  "score-board",
  "tile-season",
] as const;

/** CSS selectors whose presence means the scores have rendered (used by the browser fallback). */
export const RT_READY_SELECTOR = [
  'script[type="application/ld+json"]',
  "script#media-scorecard-json",
  "script#scoreDetails",
  'rt-text[slot="criticsScore"]',
  "score-board-deprecated[tomatometerscore]",
  "score-board[tomatometerscore]",
].join(", ");

/** Rotten Tomatoes page paths by kind: `/tv/<slug>`, `/tv/<slug>/s05`, `/m/<slug>`. */
const RT_KIND_PATHS: KindPaths = {
  series: /^\/tv\/[^/]+\/?$/,
  season: /^\/tv\/[^/]+\/s\d{1,3}\/?$/,
  film: /^\/m\//,
};

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
  overlay: z.looseObject({ criticsAll: scorecardScoreSchema.nullish(), audienceAll: scorecardScoreSchema.nullish() }).nullish(),
});

/** Parses a `<script type="application/json">` block's text; undefined when absent or not JSON. */
function scriptJson($: CheerioAPI, selector: string): unknown {
  const raw = $(selector).first().text();
  if (!raw.trim()) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A JSON score block that exists but has no score yet ("--" on the page) is a `tbd` reading. */
function tbdOrNull(score: unknown, count: string | number | null | undefined, strategy: string): ScoreReading | null {
  if (score !== null && score !== undefined && score !== "") return null;
  const c = parseCountText(count);
  return {
    score: null,
    count: c.count,
    countIsLowerBound: c.lowerBound,
    strategy,
    countStrategy: c.count === null ? null : strategy,
    nullReason: "tbd",
  };
}

function scorecardReading(
  block: z.infer<typeof scorecardScoreSchema> | null | undefined,
  count: string | number | null | undefined,
): ScoreReading | null {
  if (!block) return null;
  return toReading(block.score, count, "scorecard-json") ?? tbdOrNull(block.score, count, "scorecard-json");
}

function fromScorecardJson($: CheerioAPI): StrategyResult {
  const parsed = scorecardSchema.safeParse(scriptJson($, "script#media-scorecard-json"));
  if (!parsed.success) return {};
  const criticsScore = parsed.data.criticsScore ?? parsed.data.overlay?.criticsAll;
  const audienceScore = parsed.data.audienceScore ?? parsed.data.overlay?.audienceAll;
  return {
    critics: scorecardReading(criticsScore, criticsScore?.reviewCount ?? criticsScore?.ratingCount),
    // `reviewCount` of the audience block counts written reviews, not ratings: never the audience count.
    audience: scorecardReading(audienceScore, audienceScore?.bandedRatingCount ?? audienceScore?.ratingCount),
  };
}

/** One score block of `#scoreDetails` (2023–24): `value`, the exact `ratingCount` and the banded one. */
const scoreDetailsBlockSchema = z.looseObject({
  value: numberish.nullish(),
  ratingCount: numberish.nullish(),
  reviewCount: numberish.nullish(),
  bandedRatingCount: z.string().nullish(),
});

/** `script#scoreDetails` as far as we read it. */
const scoreDetailsSchema = z.looseObject({
  modal: z.looseObject({ tomatometerScoreAll: scoreDetailsBlockSchema.nullish(), audienceScoreAll: scoreDetailsBlockSchema.nullish() }).nullish(),
  scoreboard: z.looseObject({ tomatometerScore: scoreDetailsBlockSchema.nullish(), audienceScore: scoreDetailsBlockSchema.nullish() }).nullish(),
});

function fromScoreDetailsJson($: CheerioAPI): StrategyResult {
  const parsed = scoreDetailsSchema.safeParse(scriptJson($, "script#scoreDetails"));
  if (!parsed.success) return {};
  const critics = parsed.data.modal?.tomatometerScoreAll ?? parsed.data.scoreboard?.tomatometerScore;
  const audience = parsed.data.modal?.audienceScoreAll ?? parsed.data.scoreboard?.audienceScore;
  // A block without `value` (audience "state": "") has no score to show: not a slot we found.
  return {
    critics: critics
      ? toReadingPreferExact(critics.value, critics.ratingCount ?? critics.reviewCount, critics.bandedRatingCount, "score-details-json")
      : null,
    audience: audience ? toReadingPreferExact(audience.value, audience.ratingCount, audience.bandedRatingCount, "score-details-json") : null,
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

/** The score-board markup of 2021–22 (`score-board`) and 2023–24 (`score-board-deprecated`): same attributes and slots. */
function fromScoreBoard($: CheerioAPI, tag: "score-board" | "score-board-deprecated"): StrategyResult {
  const board = $(tag).first();
  if (board.length === 0) return {};
  const count = (selector: string) => cleanText(board.find(selector).first().text()) ?? cleanText($(selector).first().text());
  return {
    critics: toReading(board.attr("tomatometerscore"), count('a[slot="critics-count"]'), tag),
    audience: toReading(board.attr("audiencescore"), count('a[slot="audience-count"]'), tag),
    title: cleanText(board.find('[slot="title"]').first().text()),
    firstYear: firstYearIn(board.find('[slot="info"]').first().text()),
  };
}

/**
 * Per-season scores of a series page: one `<tile-season href="/tv/<slug>/sNN">` per season (the `href` on the tile
 * or on a link inside it) of the page's own series (its canonical slug; without one, none: precision first), the
 * Tomatometer in `[slot=critics-score]` (`criticsScore` accepted too) and the audience score in
 * `[slot=audience-score]` when shown. Season 1 and up, first tile per season, ascending.
 */
function seasonTiles($: CheerioAPI): SeasonScore[] {
  const slug = ownSeriesSlug($);
  if (slug === null) return [];
  const bySeason = new Map<number, SeasonScore>();
  $("tile-season").each((_, node) => {
    const tile = $(node);
    const href = tile.attr("href") ?? tile.find("a[href]").first().attr("href") ?? "";
    const match = /^\/tv\/([^/]+)\/s(\d{1,3})\/?$/.exec(pathOf(href) ?? "");
    if (!match?.[2] || match[1] !== slug) return;
    const seasonNumber = Number(match[2]);
    if (seasonNumber < 1 || bySeason.has(seasonNumber)) return;
    const text = (selector: string) => cleanText(tile.find(selector).first().text());
    const critics = toReading(text('[slot="critics-score"], [slot="criticsScore"]'), null, "tile-season");
    const audience = toReading(text('[slot="audience-score"], [slot="audienceScore"]'), null, "tile-season");
    if (!critics && !audience) return;
    bySeason.set(seasonNumber, { seasonNumber, critics: critics ?? missingReading(), audience: audience ?? missingReading() });
  });
  return [...bySeason.values()].sort((a, b) => a.seasonNumber - b.seasonNumber);
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
 * Parses a Rotten Tomatoes page (series, season, film, or anything else).
 * Never throws: a page no strategy understands gives `hasScores: false` (a layout change when it exists).
 * Scores are 0–100 (%); critics' count = reviews, audience count = ratings (a lower bound when only banded).
 */
export function parseRottenTomatoesPage(html: string): PageParse {
  const $ = cheerio.load(html);
  const fallback = fallbackTitle($);
  const kind = pageKindOf($, RT_KIND_PATHS);
  return combineStrategies(
    "rottentomatoes",
    [
      { name: "json-ld", result: jsonLdStrategy($, /tomatometer/i, ["startDate", "dateCreated", "datePublished"]) },
      { name: "scorecard-json", result: fromScorecardJson($) },
      { name: "score-details-json", result: fromScoreDetailsJson($) },
      { name: "scorecard-markup", result: fromScorecardMarkup($) },
      { name: "score-board-deprecated", result: fromScoreBoard($, "score-board-deprecated") },
      { name: "score-board", result: fromScoreBoard($, "score-board") },
    ],
    { title: fallback.title, firstYear: fallback.year, kind, seasons: kind === "series" ? seasonTiles($) : [] },
  );
}
