/**
 * Scraped ratings pass the same rules as TMDB's and OMDb's (issue 10, item 2): a Metacritic user score misread
 * as 93 (the page's scale is 0–10) is quarantined as one observation, the rest of the series' scores load,
 * and the run succeeds instead of failing the post-load range expectation.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { buildApiRoutes } from "../../src/replay/dataset.js";
import { buildSiteRoutes } from "../../src/replay/sites.js";
import { startHarness, type Harness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("a misread scraped score", () => {
  it("quarantines one observation and the run succeeds", async () => {
    const catalogue = DEMO_CATALOGUE.map((s) => (s.tmdbId === 1396 && s.metacritic ? { ...s, metacritic: { ...s.metacritic, audience: 93 } } : s));
    h = await startHarness(
      { ...buildApiRoutes(DEMO_CATALOGUE), ...buildSiteRoutes(catalogue) },
      { env: { PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: "/nonexistent/chromium" } },
    );
    const summary = await runHarvest(h.app, { maxPages: 1, omdb: false });
    expect(summary.status).toBe("succeeded");
    expect(await h.db.query(`SELECT source, upstream_key, kind, reason FROM quarantine WHERE source IN ('rottentomatoes', 'metacritic')`)).toEqual([
      { source: "metacritic", upstream_key: "tv/1396#metacritic_users", kind: "rejected", reason: "out_of_range" },
    ]);
    expect(
      await h.db.query(`SELECT source_key, score::float8 FROM rating_fact WHERE series_id = 1396 AND source_key LIKE 'meta%' ORDER BY 1`),
    ).toEqual([{ source_key: "metacritic_critics", score: 87 }]);
    expect(summary.quality.filter((q) => !q.passed && q.severity === "error")).toEqual([]);
  });
});
