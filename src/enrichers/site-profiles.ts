/**
 * What differs between the ratings sites: parser, rating sources, slug style and base URL.
 */
import type { Config } from "../config.js";
import type { RatingSourceKey } from "../domain.js";
import { METACRITIC_READY_SELECTOR, parseMetacriticPage } from "./metacritic/parse.js";
import { RT_READY_SELECTOR, parseRottenTomatoesPage } from "./rottentomatoes/parse.js";
import type { PageParse, RatingSite } from "./types.js";

/** One site's parser, ready selector (browser fallback), rating sources and page id style. */
export interface SiteProfile {
  site: RatingSite;
  parse: (html: string) => PageParse;
  readySelector: string;
  /** Rating source of `critics` and of `audience` readings. */
  sources: { critics: RatingSourceKey; audience: RatingSourceKey };
  /** Word separator of slugs: `_` (Rotten Tomatoes `tv/breaking_bad`) or `-` (Metacritic `tv/breaking-bad`). */
  slugSeparator: "_" | "-";
  /** Metacritic's series pages end with a slash. */
  trailingSlash: boolean;
  baseUrl: (config: Config["scrape"]) => string;
}

/** The two sites' profiles. */
export const SITE_PROFILES: Record<RatingSite, SiteProfile> = {
  rottentomatoes: {
    site: "rottentomatoes",
    parse: parseRottenTomatoesPage,
    readySelector: RT_READY_SELECTOR,
    sources: { critics: "rotten_tomatoes_critics", audience: "rotten_tomatoes_audience" },
    slugSeparator: "_",
    trailingSlash: false,
    baseUrl: (c) => c.rottenTomatoesUrl,
  },
  metacritic: {
    site: "metacritic",
    parse: parseMetacriticPage,
    readySelector: METACRITIC_READY_SELECTOR,
    sources: { critics: "metacritic_critics", audience: "metacritic_users" },
    slugSeparator: "-",
    trailingSlash: true,
    baseUrl: (c) => c.metacriticUrl,
  },
};
