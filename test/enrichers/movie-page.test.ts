import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseMetacriticPage } from "../../src/enrichers/metacritic/parse.js";
import { confirmsSeries } from "../../src/enrichers/resolve.js";
import { parseRottenTomatoesPage } from "../../src/enrichers/rottentomatoes/parse.js";
import { SITE_PROFILES } from "../../src/enrichers/site-profiles.js";
import { toObservations } from "../../src/enrichers/ratings-sites.js";

const page = (name: string) => readFileSync(new URL(`../fixtures/pages/${name}`, import.meta.url), "utf8");

// A series of the same title and year as the film (the kind of wrong match a slug or a bad link gives).
const arrivalSeries = { id: 9001, title: "Arrival", originalTitle: "Arrival", firstAirDate: "2016-11-11", wikidataId: null };

describe("a film's page is never loaded as a series' score", () => {
  it.each([
    ["rottentomatoes", "rt-movie-page-arrival.html", parseRottenTomatoesPage],
    ["metacritic", "mc-movie-page-arrival.html", parseMetacriticPage],
  ] as const)("%s: grain movie, no observation, and a slug match is rejected", (site, file, parse) => {
    const parsed = parse(page(file));
    expect(parsed.grain).toBe("movie");
    expect(parsed.hasScores).toBe(true);
    expect(toObservations(arrivalSeries.id, SITE_PROFILES[site], parsed)).toEqual([]);
    expect(confirmsSeries(parsed, arrivalSeries)).toBe(false);
  });

  it("the same scores on a series page do give observations (the check above is about the grain)", () => {
    const parsed = { ...parseRottenTomatoesPage(page("rt-movie-page-arrival.html")), grain: "series" as const };
    expect(toObservations(arrivalSeries.id, SITE_PROFILES.rottentomatoes, parsed).map((o) => [o.source, o.score, o.grain])).toEqual([
      ["rotten_tomatoes_critics", 94, "series"],
      ["rotten_tomatoes_audience", 82, "series"],
    ]);
  });
});
