/**
 * The demo's replay dataset: the catalogue's TMDB and OMDb answers plus Wikidata and ratings-site pages.
 */
import { buildApiRoutes, type ReplayDataset } from "../replay/dataset.js";
import { buildSiteRoutes } from "../replay/sites.js";
import { DEMO_CATALOGUE } from "./catalogue.js";

/** Routes for every upstream, built from {@link DEMO_CATALOGUE} (3 pages of top-rated series). */
export function buildDemoDataset(): ReplayDataset {
  return { ...buildApiRoutes(DEMO_CATALOGUE), ...buildSiteRoutes(DEMO_CATALOGUE) };
}
