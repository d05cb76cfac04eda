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
 * - `countIsLowerBound`: the page shows a banded count such as "250,000+ Ratings" (→ 250000, true).
 * - `strategy`: the parsing strategy that found this score's slot, or null when none did.
 * - `nullReason`: why `score` is null: `tbd` = the site shows its slot but no score yet (Metacritic "tbd",
 *   Rotten Tomatoes "--"); `missing` = no strategy found the slot at all. Never a 0 in place of a null.
 */
export interface ScoreReading {
  score: number | null;
  count: number | null;
  countIsLowerBound: boolean;
  strategy: string | null;
  nullReason?: "tbd" | "missing";
}

/**
 * The result of parsing one ratings page (a pure function of its HTML).
 *
 * - `title`, `firstYear`: what the page says the show is, for slug verification (title equal after
 *   normalisation, first year within ± 1 of the first air date).
 * - `grain`: `series` (the whole show's page), `season` (a `/s01`, `/season-1/` page, or JSON-LD
 *   `TVSeason`) or `movie` (a film's page: `/m/…` on Rotten Tomatoes, `/movie/…` on Metacritic, `og:type`
 *   `video.movie`, or JSON-LD `Movie`). A movie page's scores are never a series' scores.
 * - `critics`: Tomatometer / Metascore; `audience`: Popcornmeter / Metacritic user score.
 * - `strategy`: the first strategy that matched any score, in order of stability; null when none did.
 * - `hasScores`: at least one score slot was found (a "tbd" counts: the layout is still understood).
 *   False on a page that exists is a layout change.
 */
export interface PageParse {
  site: RatingSite;
  title: string | null;
  firstYear: number | null;
  grain: "series" | "season" | "movie";
  critics: ScoreReading;
  audience: ScoreReading;
  strategy: string | null;
  hasScores: boolean;
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
  return { score: null, count: null, countIsLowerBound: false, strategy: null, nullReason: "missing" };
}
