import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SchemaMismatchError } from "../../src/errors.js";
import { parseMetacriticPage } from "../../src/enrichers/metacritic/parse.js";
import { confirmsSeries, normalizeTitle, pagePath, slugCandidates, slugify } from "../../src/enrichers/resolve.js";
import { parseRottenTomatoesPage } from "../../src/enrichers/rottentomatoes/parse.js";
import { SITE_PROFILES } from "../../src/enrichers/site-profiles.js";
import { parseWikidataEntities } from "../../src/enrichers/wikidata.js";

const page = (name: string) => readFileSync(new URL(`../fixtures/pages/${name}`, import.meta.url), "utf8");

const statement = (property: string, value: string, rank: "preferred" | "normal" | "deprecated") => ({
  mainsnak: { snaktype: "value", property, datavalue: { value, type: "string" }, datatype: "external-id" },
  type: "statement",
  id: `Q$${value}`,
  rank,
});

/** A wbgetentities answer in Wikidata's shape, written for these tests. */
const answer = {
  entities: {
    Q1079: {
      type: "item",
      id: "Q1079",
      claims: { P1258: [statement("P1258", "tv/breaking_bad", "normal")], P1712: [statement("P1712", "tv/breaking-bad", "normal")] },
    },
    // A deprecated (wrong) id next to the right one.
    Q23572: {
      type: "item",
      id: "Q23572",
      claims: { P1258: [statement("P1258", "tv/game_of_thrones_2011_old", "deprecated"), statement("P1258", "tv/game_of_thrones", "normal")] },
    },
    // Only a deprecated id: no page.
    Q5: { type: "item", id: "Q5", claims: { P1712: [statement("P1712", "tv/old-wrong", "deprecated")] } },
    // Preferred beats normal.
    Q6: {
      type: "item",
      id: "Q6",
      claims: { P1258: [statement("P1258", "tv/the_office_uk", "normal"), statement("P1258", "tv/the_office", "preferred")] },
    },
    // Two different normal values: ambiguous, no answer.
    Q7: {
      type: "item",
      id: "Q7",
      claims: { P1258: [statement("P1258", "tv/shameless", "normal"), statement("P1258", "tv/shameless_2011", "normal")] },
    },
    // A movie id and a season id are not series pages.
    Q8: {
      type: "item",
      id: "Q8",
      claims: { P1258: [statement("P1258", "m/the_office", "normal")], P1712: [statement("P1712", "tv/the-office/season-1", "normal")] },
    },
    Q9: { id: "Q9", missing: "" },
    // Q10 was merged into Q11.
    Q11: { type: "item", id: "Q11", claims: { P1712: [statement("P1712", "tv/fleabag", "normal")] } },
  },
  redirects: { from: "Q10", to: "Q11" },
  success: 1,
};

describe("parseWikidataEntities", () => {
  const ids = ["Q1079", "Q23572", "Q5", "Q6", "Q7", "Q8", "Q9", "Q10"];
  const result = parseWikidataEntities(answer, ids, "https://www.wikidata.org/w/api.php");

  it("reads P1258 and P1712", () => {
    expect(result.get("Q1079")).toEqual({ rottentomatoes: "tv/breaking_bad", metacritic: "tv/breaking-bad" });
  });
  it("skips deprecated statements", () => {
    expect(result.get("Q23572")).toEqual({ rottentomatoes: "tv/game_of_thrones", metacritic: null });
    expect(result.get("Q5")).toEqual({ rottentomatoes: null, metacritic: null });
  });
  it("prefers preferred rank, and refuses ambiguous normal values", () => {
    expect(result.get("Q6")?.rottentomatoes).toBe("tv/the_office");
    expect(result.get("Q7")?.rottentomatoes).toBeNull();
  });
  it("accepts only series pages", () => {
    expect(result.get("Q8")).toEqual({ rottentomatoes: null, metacritic: null });
  });
  it("answers missing and redirected items under the id asked for", () => {
    expect(result.get("Q9")).toEqual({ rottentomatoes: null, metacritic: null });
    expect(result.get("Q10")).toEqual({ rottentomatoes: null, metacritic: "tv/fleabag" });
  });
  it("raises schema drift on a body of another shape or an API error", () => {
    expect(() => parseWikidataEntities({ entities: [1, 2] }, ["Q1"], "u")).toThrow(SchemaMismatchError);
    expect(() => parseWikidataEntities({ error: { code: "too-many-ids", info: "Too many values supplied" } }, ["Q1"], "u")).toThrow(/too-many-ids/);
  });
});

describe("slugs", () => {
  it("follow each site's style", () => {
    expect(slugify("Breaking Bad", "_")).toBe("breaking_bad");
    expect(slugify("Schitt's Creek", "-")).toBe("schitts-creek");
    expect(slugify("Law & Order: Special Victims Unit", "_")).toBe("law_and_order_special_victims_unit");
    expect(slugify("Dark (Dunkel) – Ürgen", "-")).toBe("dark-dunkel-urgen");
    expect(normalizeTitle("Amélie's  World!")).toBe("amelies world");
  });
  it("try the title, then with the year, then the original title", () => {
    const target = { id: 1, title: "Money Heist", originalTitle: "La casa de papel", firstAirDate: "2017-05-02", wikidataId: null };
    expect(slugCandidates(target, "-")).toEqual(["tv/money-heist", "tv/money-heist-2017", "tv/la-casa-de-papel", "tv/la-casa-de-papel-2017"]);
  });
  it("map page ids and URLs to request paths", () => {
    expect(pagePath(SITE_PROFILES.rottentomatoes, "tv/breaking_bad")).toBe("/tv/breaking_bad");
    expect(pagePath(SITE_PROFILES.metacritic, "tv/breaking-bad")).toBe("/tv/breaking-bad/");
    expect(pagePath(SITE_PROFILES.metacritic, "https://www.metacritic.com/tv/breaking-bad/")).toBe("/tv/breaking-bad/");
  });
});

describe("confirmsSeries (slug verification)", () => {
  const shameless2011 = { id: 34307, title: "Shameless", originalTitle: "Shameless", firstAirDate: "2011-01-09", wikidataId: null };
  const shameless2004 = { ...shameless2011, id: 1, firstAirDate: "2004-01-13" };

  it("rejects the same-title trap: another show of that title from another year", () => {
    const parse = parseRottenTomatoesPage(page("rt-same-title-trap-shameless-2004.html"));
    expect(parse.hasScores).toBe(true);
    expect(confirmsSeries(parse, shameless2011)).toBe(false);
    expect(confirmsSeries(parse, shameless2004)).toBe(true);
  });
  it("accepts ± 1 year and the original title", () => {
    const parse = parseMetacriticPage(page("mc-same-title-trap-the-office-2001.html"));
    expect(
      confirmsSeries(parse, { id: 2, title: "The Office (UK)", originalTitle: "The Office", firstAirDate: "2002-01-01", wikidataId: null }),
    ).toBe(true);
    expect(confirmsSeries(parse, { id: 3, title: "The Office", originalTitle: "The Office", firstAirDate: "2005-03-24", wikidataId: null })).toBe(
      false,
    );
  });
  it("rejects when there is nothing to confirm with", () => {
    const changed = parseRottenTomatoesPage(page("rt-layout-changed.html"));
    expect(
      confirmsSeries(changed, { id: 1396, title: "Breaking Bad", originalTitle: "Breaking Bad", firstAirDate: "2008-01-20", wikidataId: null }),
    ).toBe(false);
    const current = parseRottenTomatoesPage(page("rt-current-breaking-bad.html"));
    expect(confirmsSeries(current, { id: 1396, title: "Breaking Bad", originalTitle: "Breaking Bad", firstAirDate: null, wikidataId: null })).toBe(
      false,
    );
  });
  it("rejects season pages", () => {
    const season = parseRottenTomatoesPage(page("rt-season-breaking-bad-s05.html"));
    expect(
      confirmsSeries(
        { ...season, title: "Breaking Bad", firstYear: 2008 },
        { id: 1396, title: "Breaking Bad", originalTitle: "Breaking Bad", firstAirDate: "2008-01-20", wikidataId: null },
      ),
    ).toBe(false);
  });
});
