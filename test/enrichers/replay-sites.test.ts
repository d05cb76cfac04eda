import { describe, expect, it } from "vitest";
import { parseMetacriticPage } from "../../src/enrichers/metacritic/parse.js";
import { parseRottenTomatoesPage } from "../../src/enrichers/rottentomatoes/parse.js";
import { parseWikidataEntities } from "../../src/enrichers/wikidata.js";
import {
  bandedRatingCount,
  buildSiteRoutes,
  renderMetacriticPage,
  renderRottenTomatoesPage,
  renderWikidataEntities,
} from "../../src/replay/sites.js";

const rt = {
  pageId: "tv/breaking_bad",
  title: "Breaking Bad",
  year: 2008,
  endYear: 2013,
  criticsScore: 96,
  criticsCount: 160,
  audienceScore: 97,
  audienceCount: 253_118,
};
const mc = { pageId: "tv/breaking-bad", title: "Breaking Bad", year: 2008, metascore: 87, criticReviews: 16, userScore: 9.3, userRatings: 24426 };

describe("replay pages parse as the real layouts do", () => {
  it.each([
    ["scorecard", "json-ld", "scorecard-json"],
    ["score-board-2022", "score-board", "score-board"],
    ["json-ld-only", "json-ld", null],
  ] as const)("Rotten Tomatoes %s", (layout, criticsStrategy, audienceStrategy) => {
    const p = parseRottenTomatoesPage(renderRottenTomatoesPage({ ...rt, layout }));
    expect(p.critics).toMatchObject({ score: 96, count: 160, strategy: criticsStrategy });
    if (audienceStrategy)
      expect(p.audience).toEqual({ score: 97, count: 250000, countIsLowerBound: true, strategy: audienceStrategy, countStrategy: audienceStrategy });
    else expect(p.audience.score).toBeNull();
    expect([p.title, p.firstYear]).toEqual(["Breaking Bad", 2008]);
  });

  it("Rotten Tomatoes layout-changed and js-rendered pages carry no scores in their static HTML", () => {
    expect(parseRottenTomatoesPage(renderRottenTomatoesPage({ ...rt, layout: "layout-changed" })).hasScores).toBe(false);
    expect(parseRottenTomatoesPage(renderRottenTomatoesPage({ ...rt, layout: "js-rendered" })).hasScores).toBe(false);
  });

  it.each([
    ["2023", "json-ld", "testid-markup"],
    ["old", "metascore-w", "metascore-w"],
  ] as const)("Metacritic %s", (layout, criticsStrategy, usersStrategy) => {
    const p = parseMetacriticPage(renderMetacriticPage({ ...mc, layout }));
    expect(p.critics).toEqual({ score: 87, count: 16, countIsLowerBound: false, strategy: criticsStrategy, countStrategy: criticsStrategy });
    expect(p.audience).toEqual({ score: 9.3, count: 24426, countIsLowerBound: false, strategy: usersStrategy, countStrategy: usersStrategy });
    expect([p.title, p.firstYear]).toEqual(["Breaking Bad", 2008]);
  });

  it("Metacritic tbd user score and a changed layout", () => {
    expect(parseMetacriticPage(renderMetacriticPage({ ...mc, userScore: null, layout: "2023" })).audience).toMatchObject({
      score: null,
      nullReason: "tbd",
    });
    expect(parseMetacriticPage(renderMetacriticPage({ ...mc, layout: "layout-changed" })).hasScores).toBe(false);
  });

  it("bands counts as Rotten Tomatoes does", () => {
    expect(bandedRatingCount(253_118)).toBe("250,000+ Ratings");
    expect(bandedRatingCount(5_000)).toBe("5,000+ Ratings");
    expect(bandedRatingCount(12)).toBe("Fewer than 50 Ratings");
  });
});

describe("Wikidata replay", () => {
  it("answers any batch with the items' ids, deprecated statements included", () => {
    const items = [
      { id: "Q1079", rottenTomatoesId: "tv/breaking_bad", metacriticId: "tv/breaking-bad", deprecatedRottenTomatoesId: "tv/breaking_bad_old" },
    ];
    const body = JSON.parse(renderWikidataEntities(items, ["Q1079", "Q404"])) as unknown;
    const ids = parseWikidataEntities(body, ["Q1079", "Q404"], "u");
    expect(ids.get("Q1079")).toEqual({ rottentomatoes: "tv/breaking_bad", metacritic: "tv/breaking-bad" });
    expect(ids.get("Q404")).toEqual({ rottentomatoes: null, metacritic: null });
  });

  it("buildSiteRoutes serves robots.txt, pages and wbgetentities for any id order", () => {
    const seed = {
      title: "Breaking Bad",
      firstAirDate: "2008-01-20",
      lastAirDate: "2013-09-29",
      status: "Ended",
      wikidataId: "Q1079",
      rottenTomatoes: { slug: "breaking_bad", critics: 96, criticsCount: 160, audience: 97, audienceCount: 250000 },
      metacritic: { slug: "breaking-bad", critics: 87, criticsCount: 16, audience: 9.3, audienceCount: 24426 },
    };
    const routes = buildSiteRoutes([seed]);
    expect(routes.rottentomatoes.get("/robots.txt")?.body).toContain("Allow: /tv/");
    expect(routes.rottentomatoes.has("/tv/breaking_bad")).toBe(true);
    expect(routes.metacritic.has("/tv/breaking-bad/")).toBe(true);
    const answer = routes.wikidata.get("/w/api.php?action=wbgetentities&format=json&ids=Q9%7CQ1079&props=claims");
    expect(parseWikidataEntities(answer?.body, ["Q1079"], "u").get("Q1079")?.rottentomatoes).toBe("tv/breaking_bad");
    const changed = buildSiteRoutes([seed], { layoutChanged: true });
    expect(parseRottenTomatoesPage(String(changed.rottentomatoes.get("/tv/breaking_bad")?.body)).hasScores).toBe(false);
  });
});
