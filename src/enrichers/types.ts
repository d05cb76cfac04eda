/**
 * Shapes shared by the ratings-site enrichers (Rotten Tomatoes, Metacritic): what a page parse yields, and
 * the sites we scrape.
 */

/** A ratings site we scrape. Also the `site` column of `rating_page`, `scrape_event` and metric labels. */
export type RatingSite = "rottentomatoes" | "metacritic";

/** Both sites, in the order the stage handles them. */
export const RATING_SITES: readonly RatingSite[] = ["rottentomatoes", "metacritic"];

/**
 * One score read from a page.
 *
 * - `score`: on the site's scale (Tomatometer/Popcornmeter 0–100 %, Metascore 0–100, Metacritic user score
 *   0–10), or null.
 * - `count`: reviews (critics) or ratings (audience/users); null when the page shows none.
 * - `countIsLowerBound`: the count is a banded one such as "250,000+ Ratings" (→ 250000, true) and no strategy
 *   of the page gave the exact count (an exact count beside a banded one wins, and the flag is off).
 * - `strategy`: the parsing strategy that read the score (or its "tbd"), or null when none did.
 * - `countStrategy`: the strategy that read the count (not always the score's: the 2023–24 Rotten Tomatoes page
 *   has the exact audience count in `#scoreDetails` only), or null when no strategy read one.
 * - `nullReason`: why `score` is null: `tbd` = the site shows its slot but no score yet (Metacritic "tbd",
 *   Rotten Tomatoes "--"); `missing` = no strategy found the slot at all. Never a 0 in place of a null.
 */
export interface ScoreReading {
  score: number | null;
  count: number | null;
  countIsLowerBound: boolean;
  strategy: string | null;
  countStrategy: string | null;
  nullReason?: "tbd" | "missing";
}

/**
 * What a page is, from the page itself (its canonical URL, else its JSON-LD `@type`, else its `og:type`):
 * `series` (the whole show's page), `season` (one season's), `film`, `other` (a game, an album, an episode, a
 * person, a listing: anything the page says it is that is none of the above), or `unknown` when the page says
 * nothing (an excerpt). Only `series` and `season` pages give a series' facts.
 */
export type PageKind = "series" | "season" | "film" | "other" | "unknown";

/** The four values a page gives, as named in disagreements and metric labels. */
export type ReadingField = "critics_score" | "critics_count" | "audience_score" | "audience_count";

/**
 * Two strategies of one page both gave a value and disagree (a score, or a count beyond rounding): `kept` is
 * the more stable strategy's value (the one stored), `other` the disagreeing one. `lowerBound` marks a banded
 * count. An early warning that a layout shifted a value without removing it.
 */
export interface StrategyDisagreement {
  field: ReadingField;
  kept: { strategy: string; value: number; lowerBound: boolean };
  other: { strategy: string; value: number; lowerBound: boolean };
}

/**
 * A season's scores as a series page shows them (Rotten Tomatoes `tile-season`, Metacritic
 * `product-score-card`), for the seasons whose own page a run does not fetch. Counts are rarely shown there.
 */
export interface SeasonScore {
  seasonNumber: number;
  critics: ScoreReading;
  audience: ScoreReading;
}

/**
 * The result of parsing one ratings page (a pure function of its HTML).
 *
 * - `title`, `firstYear`: what the page says the show is, for slug verification (title equal after
 *   normalisation, first year within ± 1 of the first air date).
 * - `kind`: what the page is ({@link PageKind}); a film's, a game's or an unknown page's scores are never a
 *   series' scores.
 * - `critics`: Tomatometer / Metascore; `audience`: Popcornmeter / Metacritic user score. Each of the four
 *   values (two scores, two counts) comes from the first strategy, in order of stability, that has it.
 * - `strategy`: the first strategy that matched any score, in order of stability; null when none did.
 * - `hasScores`: at least one score slot was found (a "tbd" counts: the layout is still understood).
 *   False on a page that exists is a layout change.
 * - `seasons`: per-season scores shown on a series page, ascending by season (empty on other pages).
 * - `disagreements`: values two strategies of the page read differently (see {@link StrategyDisagreement}).
 */
export interface PageParse {
  site: RatingSite;
  title: string | null;
  firstYear: number | null;
  kind: PageKind;
  critics: ScoreReading;
  audience: ScoreReading;
  strategy: string | null;
  hasScores: boolean;
  seasons: SeasonScore[];
  disagreements: StrategyDisagreement[];
}

/**
 * A season page linked from a series page: `/tv/<slug>/s01` (Rotten Tomatoes) or `/tv/<slug>/season-1/`
 * (Metacritic), as a request path relative to the site's base URL. Season 0 ("Specials") is never one.
 */
export interface SeasonLink {
  seasonNumber: number;
  path: string;
}

/** A reading for a slot no strategy found. */
export function missingReading(): ScoreReading {
  return { score: null, count: null, countIsLowerBound: false, strategy: null, countStrategy: null, nullReason: "missing" };
}
