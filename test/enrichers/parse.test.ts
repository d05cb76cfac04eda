import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseMetacriticPage } from "../../src/enrichers/metacritic/parse.js";
import { findNuxtValues } from "../../src/enrichers/metacritic/nuxt-data.js";
import { parseCountText, parseJsonLdText, parseScoreText } from "../../src/enrichers/parse-common.js";
import { parseRottenTomatoesPage } from "../../src/enrichers/rottentomatoes/parse.js";

const page = (name: string) => readFileSync(new URL(`../fixtures/pages/${name}`, import.meta.url), "utf8");

describe("parseCountText / parseScoreText", () => {
  it("reads banded, plain and sentence counts", () => {
    expect(parseCountText("250,000+ Ratings")).toEqual({ count: 250000, lowerBound: true });
    expect(parseCountText("54 Reviews")).toEqual({ count: 54, lowerBound: false });
    expect(parseCountText("Based on 24,426 User Ratings")).toEqual({ count: 24426, lowerBound: false });
    expect(parseCountText("Fewer than 50 Ratings")).toEqual({ count: null, lowerBound: false });
    expect(parseCountText(1066)).toEqual({ count: 1066, lowerBound: false });
    expect(parseCountText("")).toEqual({ count: null, lowerBound: false });
  });
  it("reads scores and tells tbd apart from garbage", () => {
    expect(parseScoreText("96%")).toBe(96);
    expect(parseScoreText(" 8.4 ")).toBe(8.4);
    expect(parseScoreText("tbd")).toBe("tbd");
    expect(parseScoreText("- -")).toBe("tbd");
    expect(parseScoreText("great")).toBeNull();
    expect(parseScoreText("")).toBeNull();
    expect(parseScoreText(0)).toBe(0);
  });
});

describe("parseJsonLdText", () => {
  it("repairs what browsers and search engines accept, and gives up on the rest", () => {
    expect(parseJsonLdText('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonLdText('{"d":"line one\nline\ttwo"}')).toEqual({ d: "line one line two" });
    expect(parseJsonLdText('<!--{"a":1}-->')).toEqual({ a: 1 });
    expect(parseJsonLdText('{"a":1};')).toEqual({ a: 1 });
    expect(parseJsonLdText('{"a":')).toBeUndefined();
    expect(parseJsonLdText("not json")).toBeUndefined();
  });
});

describe("parseRottenTomatoesPage", () => {
  it("current layout: Tomatometer from JSON-LD, Popcornmeter from the scorecard JSON with a lower-bound count", () => {
    const p = parseRottenTomatoesPage(page("rt-current-breaking-bad.html"));
    expect(p).toEqual({
      site: "rottentomatoes",
      title: "Breaking Bad",
      firstYear: 2008,
      kind: "series",
      critics: { score: 96, count: 168, countIsLowerBound: false, strategy: "json-ld", countStrategy: "json-ld" },
      audience: { score: 98, count: 250000, countIsLowerBound: true, strategy: "scorecard-json", countStrategy: "scorecard-json" },
      strategy: "json-ld",
      hasScores: true,
      seasons: [],
      disagreements: [],
    });
  });

  it("scorecard markup when JSON-LD has no aggregateRating and there is no scorecard JSON", () => {
    const p = parseRottenTomatoesPage(page("rt-scorecard-markup-succession.html"));
    expect(p.critics).toEqual({ score: 93, count: 373, countIsLowerBound: false, strategy: "scorecard-markup", countStrategy: "scorecard-markup" });
    expect(p.audience).toEqual({ score: 86, count: 5000, countIsLowerBound: true, strategy: "scorecard-markup", countStrategy: "scorecard-markup" });
    expect(p.strategy).toBe("scorecard-markup");
    expect([p.title, p.firstYear]).toEqual(["Succession", 2018]);
  });

  it("2022 score-board layout", () => {
    const p = parseRottenTomatoesPage(page("rt-2022-score-board-the-wire.html"));
    expect(p.critics).toEqual({ score: 94, count: 63, countIsLowerBound: false, strategy: "score-board", countStrategy: "score-board" });
    expect(p.audience).toEqual({ score: 96, count: 100000, countIsLowerBound: true, strategy: "score-board", countStrategy: "score-board" });
    expect([p.title, p.firstYear, p.kind]).toEqual(["The Wire", 2002, "series"]);
  });

  it("JSON-LD only (array form, string count): critics only, audience missing", () => {
    const p = parseRottenTomatoesPage(page("rt-json-ld-only-chernobyl.html"));
    expect(p.critics).toEqual({ score: 95, count: 1066, countIsLowerBound: false, strategy: "json-ld", countStrategy: "json-ld" });
    expect(p.audience).toEqual({ score: null, count: null, countIsLowerBound: false, strategy: null, countStrategy: null, nullReason: "missing" });
    expect(p.firstYear).toBe(2019);
  });

  it("a season page says so", () => {
    const p = parseRottenTomatoesPage(page("rt-season-breaking-bad-s05.html"));
    expect(p.kind).toBe("season");
    expect(p.critics.score).toBe(97);
  });

  it("no score yet: null with reason tbd, never 0", () => {
    const p = parseRottenTomatoesPage(page("rt-new-show-no-score-yet.html"));
    expect(p.critics).toEqual({
      score: null,
      count: 3,
      countIsLowerBound: false,
      strategy: "scorecard-json",
      countStrategy: "scorecard-json",
      nullReason: "tbd",
    });
    expect(p.audience).toMatchObject({ score: null, nullReason: "tbd", strategy: "scorecard-json" });
    expect(p.hasScores).toBe(true);
  });

  it("JSON-LD is preferred where present: a rated node after a bare one, raw line breaks, a full @type IRI", () => {
    // The scorecard JSON of this page says 96 / 418: had JSON-LD been skipped, the critics would read so.
    const p = parseRottenTomatoesPage(page("rt-json-ld-lenient-fargo.html"));
    expect(p.critics).toEqual({ score: 97, count: 420, countIsLowerBound: false, strategy: "json-ld", countStrategy: "json-ld" });
    expect(p.audience).toEqual({ score: 93, count: 25000, countIsLowerBound: true, strategy: "scorecard-json", countStrategy: "scorecard-json" });
    expect([p.strategy, p.title, p.firstYear, p.kind]).toEqual(["json-ld", "Fargo", 2014, "series"]);
    // The two critics' scores disagree (97 vs 96): the more stable JSON-LD's is kept, the other listed. The counts
    // (420 vs 418) are within rounding of copies cached at different times.
    expect(p.disagreements).toEqual([
      {
        field: "critics_score",
        kept: { strategy: "json-ld", value: 97, lowerBound: false },
        other: { strategy: "scorecard-json", value: 96, lowerBound: false },
      },
    ]);
  });

  it("a rated JSON-LD node of another title, or a film of the same title, is never read as the series' score", () => {
    const html = (second: string) =>
      `<html><head><link rel="canonical" href="https://www.rottentomatoes.com/tv/fargo">` +
      `<script type="application/ld+json">{"@type":"TVSeries","name":"Fargo","startDate":"2014-04-15"}</script>` +
      `<script type="application/ld+json">${second}</script></head><body></body></html>`;
    const rating = `"aggregateRating":{"name":"Tomatometer","ratingValue":"94","reviewCount":90}`;
    for (const second of [`{"@type":"Movie","name":"Fargo",${rating}}`, `{"@type":"TVSeries","name":"Fargo Nights",${rating}}`]) {
      const p = parseRottenTomatoesPage(html(second));
      expect(p.critics).toMatchObject({ score: null, nullReason: "missing" });
      expect([p.title, p.kind]).toEqual(["Fargo", "series"]);
    }
    expect(parseRottenTomatoesPage(html(`{"@type":"TVSeries","name":"Fargo",${rating}}`)).critics).toMatchObject({ score: 94, strategy: "json-ld" });
  });

  it("a film's page is recognised as a film", () => {
    const p = parseRottenTomatoesPage(page("rt-movie-page-arrival.html"));
    expect(p.kind).toBe("film");
    expect(p.critics.score).toBe(94);
  });

  it("a page of an unknown layout matches no strategy", () => {
    const p = parseRottenTomatoesPage(page("rt-layout-changed.html"));
    expect(p.hasScores).toBe(false);
    expect(p.strategy).toBeNull();
    expect(p.critics.nullReason).toBe("missing");
    expect(p.title).toBe("Breaking Bad");
  });
});

describe("parseMetacriticPage", () => {
  it("2023+ layout: Metascore from JSON-LD, user score from the data-testid markup", () => {
    const p = parseMetacriticPage(page("mc-2025-breaking-bad.html"));
    expect(p).toEqual({
      site: "metacritic",
      title: "Breaking Bad",
      firstYear: 2008,
      kind: "series",
      critics: { score: 87, count: 148, countIsLowerBound: false, strategy: "json-ld", countStrategy: "json-ld" },
      audience: { score: 9.3, count: 24426, countIsLowerBound: false, strategy: "testid-markup", countStrategy: "testid-markup" },
      strategy: "json-ld",
      hasScores: true,
      seasons: [],
      disagreements: [],
    });
  });

  it("Metascore from __NUXT_DATA__ when JSON-LD has none", () => {
    const p = parseMetacriticPage(page("mc-nuxt-data-severance.html"));
    expect(p.critics).toEqual({ score: 83, count: 33, countIsLowerBound: false, strategy: "nuxt-data", countStrategy: "nuxt-data" });
    expect(p.audience).toEqual({ score: 8.4, count: 2198, countIsLowerBound: false, strategy: "testid-markup", countStrategy: "testid-markup" });
    expect(p.strategy).toBe("nuxt-data");
  });

  it("old (2017) metascore_w layout", () => {
    const p = parseMetacriticPage(page("mc-old-2017-the-leftovers.html"));
    expect(p.critics).toEqual({ score: 81, count: 35, countIsLowerBound: false, strategy: "metascore-w", countStrategy: "metascore-w" });
    expect(p.audience).toEqual({ score: 8.6, count: 1312, countIsLowerBound: false, strategy: "metascore-w", countStrategy: "metascore-w" });
    expect([p.title, p.firstYear]).toEqual(["The Leftovers", 2014]);
  });

  it("old layout: each count read from the block beside its score (div or span scores)", () => {
    const p = parseMetacriticPage(page("mc-old-user-count-beside-fargo.html"));
    expect(p.critics).toEqual({ score: 85, count: 31, countIsLowerBound: false, strategy: "metascore-w", countStrategy: "metascore-w" });
    expect(p.audience).toEqual({ score: 8.9, count: 2047, countIsLowerBound: false, strategy: "metascore-w", countStrategy: "metascore-w" });
    expect([p.title, p.firstYear, p.kind]).toEqual(["Fargo", 2014, "series"]);
  });

  it("a film's page is recognised as a film", () => {
    const p = parseMetacriticPage(page("mc-movie-page-arrival.html"));
    expect(p.kind).toBe("film");
    expect(p.critics.score).toBe(81);
  });

  it("user score tbd is null with reason tbd, not 0", () => {
    const p = parseMetacriticPage(page("mc-user-tbd-quiet-harbour.html"));
    expect(p.audience).toEqual({
      score: null,
      count: 2,
      countIsLowerBound: false,
      strategy: "testid-markup",
      countStrategy: "testid-markup",
      nullReason: "tbd",
    });
    expect(p.critics.score).toBe(71);
  });

  it("a page of an unknown layout matches no strategy", () => {
    const p = parseMetacriticPage(page("mc-layout-changed.html"));
    expect(p.hasScores).toBe(false);
    expect(p.title).toBe("Breaking Bad");
  });
});

describe("findNuxtValues", () => {
  it("resolves index references and reactive wrappers", () => {
    const payload = [["ShallowReactive", 1], { data: 2 }, { criticScoreSummary: 3 }, ["Reactive", 4], { score: 5, reviewCount: 6 }, 77, 12];
    expect(findNuxtValues(payload, "criticScoreSummary")).toEqual([{ score: 77, reviewCount: 12 }]);
  });
  it("survives cycles", () => {
    const payload = [{ a: 1 }, { criticScoreSummary: 0 }];
    expect(() => findNuxtValues(payload, "criticScoreSummary")).not.toThrow();
  });
});
