/**
 * Season pages: the links a series page gives, the season a season page is, which pages a run fetches, and their
 * scores as season-grain observations. Our own sample pages (test/fixtures/pages) in the sites' layouts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseMetacriticPage } from "../../src/enrichers/metacritic/parse.js";
import { parseRottenTomatoesPage } from "../../src/enrichers/rottentomatoes/parse.js";
import { chooseSeasonPages, parseSeasonLinks, parseSeasonNumber, toSeasonObservations } from "../../src/enrichers/seasons.js";
import { SITE_PROFILES } from "../../src/enrichers/site-profiles.js";
import type { SeasonLink } from "../../src/enrichers/types.js";
import { renderMetacriticPage, renderRottenTomatoesPage } from "../../src/replay/sites.js";

const page = (name: string) => readFileSync(new URL(`../fixtures/pages/${name}`, import.meta.url), "utf8");
const links = (...numbers: number[]): SeasonLink[] => numbers.map((n) => ({ seasonNumber: n, path: `/tv/show/s${String(n).padStart(2, "0")}` }));

describe("parseSeasonLinks", () => {
  it("Rotten Tomatoes: the series page's season list", () => {
    expect(parseSeasonLinks("rottentomatoes", page("rt-current-breaking-bad.html"))).toEqual([
      { seasonNumber: 1, path: "/tv/breaking_bad/s01" },
      { seasonNumber: 5, path: "/tv/breaking_bad/s05" },
    ]);
  });

  it("Rotten Tomatoes: JSON-LD containsSeason and links together, once per season; other shows' seasons and review pages ignored", () => {
    expect(parseSeasonLinks("rottentomatoes", page("rt-series-contains-season-game-of-thrones.html"))).toEqual([
      { seasonNumber: 1, path: "/tv/game_of_thrones/s01" },
      { seasonNumber: 2, path: "/tv/game_of_thrones/s02" },
      { seasonNumber: 7, path: "/tv/game_of_thrones/s07" },
      { seasonNumber: 8, path: "/tv/game_of_thrones/s08" },
    ]);
  });

  it("Metacritic: absolute and relative links with a query, in the site's path style; a rail of another show ignored", () => {
    expect(parseSeasonLinks("metacritic", page("mc-series-season-list-severance.html"))).toEqual([
      { seasonNumber: 1, path: "/tv/severance/season-1/" },
      { seasonNumber: 2, path: "/tv/severance/season-2/" },
    ]);
  });

  it("a page without season links, or without a canonical URL or og:url (whose series is unknown), gives none", () => {
    expect(parseSeasonLinks("metacritic", page("mc-2025-breaking-bad.html"))).toEqual([]);
    const withoutCanonical = page("rt-current-breaking-bad.html")
      .replace(/<link rel="canonical"[^>]*>/, "")
      .replace(/<meta property="og:url"[^>]*>/, "");
    expect(parseSeasonLinks("rottentomatoes", withoutCanonical)).toEqual([]);
    // Metacritic's season paths are not Rotten Tomatoes' and the other way round.
    expect(parseSeasonLinks("metacritic", page("rt-current-breaking-bad.html"))).toEqual([]);
  });

  it("reads the replay's series pages in every layout", () => {
    for (const layout of ["scorecard", "score-board-2022", "json-ld-only"] as const) {
      const html = renderRottenTomatoesPage({
        pageId: "tv/fargo",
        title: "Fargo",
        year: 2014,
        criticsScore: 97,
        criticsCount: 500,
        audienceScore: 93,
        audienceCount: 25000,
        layout,
        seasons: [1, 2, 10],
      });
      expect(
        parseSeasonLinks("rottentomatoes", html).map((l) => l.path),
        layout,
      ).toEqual(["/tv/fargo/s01", "/tv/fargo/s02", "/tv/fargo/s10"]);
    }
    for (const layout of ["2023", "old"] as const) {
      const html = renderMetacriticPage({
        pageId: "tv/fargo",
        title: "Fargo",
        year: 2014,
        metascore: 85,
        criticReviews: 30,
        userScore: 8.9,
        userRatings: 2000,
        layout,
        seasons: [1, 5],
      });
      expect(
        parseSeasonLinks("metacritic", html).map((l) => l.path),
        layout,
      ).toEqual(["/tv/fargo/season-1/", "/tv/fargo/season-5/"]);
    }
  });
});

describe("season pages", () => {
  it("Rotten Tomatoes: a season page's number and scores (JSON-LD, scorecard JSON)", () => {
    const s05 = page("rt-season-breaking-bad-s05.html");
    expect(parseSeasonNumber("rottentomatoes", s05)).toBe(5);
    const s08 = page("rt-season-scorecard-game-of-thrones-s08.html");
    expect(parseSeasonNumber("rottentomatoes", s08)).toBe(8);
    const parse = parseRottenTomatoesPage(s08);
    expect(parse.kind).toBe("season");
    const url = "https://www.rottentomatoes.com/tv/game_of_thrones/s08";
    expect(toSeasonObservations(1399, 8, SITE_PROFILES.rottentomatoes, parse, url)).toEqual({
      observations: [
        {
          seriesId: 1399,
          seasonNumber: 8,
          source: "rotten_tomatoes_critics",
          score: 55,
          voteCount: 220,
          voteCountIsLowerBound: false,
          method: "scorecard-json",
          countMethod: "scorecard-json",
          pageUrl: url,
        },
        {
          seriesId: 1399,
          seasonNumber: 8,
          source: "rotten_tomatoes_audience",
          score: 30,
          voteCount: 25000,
          voteCountIsLowerBound: true,
          method: "scorecard-json",
          countMethod: "scorecard-json",
          pageUrl: url,
        },
      ],
      rejected: 0,
    });
  });

  it("Metacritic: a season page's number and scores (JSON-LD Metascore, user score markup)", () => {
    const html = page("mc-season-2025-breaking-bad-season-5.html");
    expect(parseSeasonNumber("metacritic", html)).toBe(5);
    const parse = parseMetacriticPage(html);
    expect(parse.kind).toBe("season");
    expect(toSeasonObservations(1396, 5, SITE_PROFILES.metacritic, parse).observations).toEqual([
      {
        seriesId: 1396,
        seasonNumber: 5,
        source: "metacritic_critics",
        score: 99,
        voteCount: 27,
        voteCountIsLowerBound: false,
        method: "json-ld",
        countMethod: "json-ld",
        pageUrl: null,
      },
      {
        seriesId: 1396,
        seasonNumber: 5,
        source: "metacritic_users",
        score: 9.6,
        voteCount: 9812,
        voteCountIsLowerBound: false,
        method: "testid-markup",
        countMethod: "testid-markup",
        pageUrl: null,
      },
    ]);
  });

  it("the season number from JSON-LD when the URL does not say; null when nothing does", () => {
    const html = page("mc-season-2025-breaking-bad-season-5.html").replace(/<link rel="canonical"[^>]*>/, "");
    expect(parseSeasonNumber("metacritic", html)).toBe(5);
    expect(parseSeasonNumber("metacritic", html.replace(/"seasonNumber":5,/, ""))).toBeNull();
  });

  it("scores outside their scale are left out and counted", () => {
    const parse = parseMetacriticPage(page("mc-season-2025-breaking-bad-season-5.html"));
    const odd = { ...parse, audience: { ...parse.audience, score: 96 } }; // a 0–100 figure in the 0–10 user-score slot
    expect(toSeasonObservations(1396, 5, SITE_PROFILES.metacritic, odd)).toEqual({
      observations: [expect.objectContaining({ source: "metacritic_critics", score: 99 })],
      rejected: 1,
    });
  });
});

describe("chooseSeasonPages", () => {
  const today = "2026-12-01";

  it("season 1 and the latest cap − 1 seasons, ascending", () => {
    expect(chooseSeasonPages(links(1, 2, 3, 4, 5, 6, 7, 8), 4, today).map((l) => l.seasonNumber)).toEqual([1, 6, 7, 8]);
    expect(chooseSeasonPages(links(8, 1, 3), 4, today).map((l) => l.seasonNumber)).toEqual([1, 3, 8]);
    expect(chooseSeasonPages(links(1, 2, 3), 1, today).map((l) => l.seasonNumber)).toEqual([1]);
    expect(chooseSeasonPages(links(1, 2, 3), 2, today).map((l) => l.seasonNumber)).toEqual([1, 3]);
    expect(chooseSeasonPages(links(1, 2, 3), 0, today)).toEqual([]);
  });

  it("only seasons the run loaded that have aired: not an announced one, not one the details do not list", () => {
    const known = [
      { seasonNumber: 1, airDate: "2022-02-17" },
      { seasonNumber: 2, airDate: "2025-01-17" },
      { seasonNumber: 3, airDate: "2027-01-01" },
      { seasonNumber: 4, airDate: null },
    ];
    expect(chooseSeasonPages(links(1, 2, 3, 4, 5), 4, today, known).map((l) => l.seasonNumber)).toEqual([1, 2]);
    // The lowest aired season stands in for season 1 when season 1 has no page.
    expect(chooseSeasonPages(links(2, 3), 1, today, known).map((l) => l.seasonNumber)).toEqual([2]);
  });
});
