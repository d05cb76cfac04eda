/**
 * The ratings-page corpus: one page per layout era of `../shared/docs/upstreams.md` and site (series pages, season
 * pages, and the pages that are not a series'), each parsed and every field asserted: kind, title, first year, each
 * score and count with the strategy that read it, the banded-count flag, the per-season tiles or cards, and the
 * disagreements between strategies. Real pages come from ../shared/fixtures (never copied; skipped, saying so, when
 * absent); the others are built from upstreams.md and say so in their file names (`built-…`, test/fixtures/pages).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseMetacriticPage } from "../../../src/enrichers/metacritic/parse.js";
import { parseRottenTomatoesPage } from "../../../src/enrichers/rottentomatoes/parse.js";
import type { PageParse, RatingSite, ScoreReading, SeasonScore } from "../../../src/enrichers/types.js";
import { SHARED_FIXTURES } from "../../helpers/fixtures.js";

/** A reading as the parsers give it: score and count with their strategies (the count's defaults to the score's). */
function reading(
  score: number | null,
  count: number | null,
  strategy: string,
  options: { lowerBound?: boolean; countStrategy?: string | null; tbd?: boolean } = {},
): ScoreReading {
  const r: ScoreReading = {
    score,
    count,
    countIsLowerBound: options.lowerBound ?? false,
    strategy,
    countStrategy: options.countStrategy === undefined ? (count === null ? null : strategy) : options.countStrategy,
  };
  return options.tbd ? { ...r, nullReason: "tbd" } : r;
}

const MISSING: ScoreReading = { score: null, count: null, countIsLowerBound: false, strategy: null, countStrategy: null, nullReason: "missing" };

/** One page of the corpus: which site and era, where it comes from, and everything its parse must give. */
interface CorpusPage {
  site: RatingSite;
  /** The era as upstreams.md names it. */
  era: string;
  /** `real` (../shared/fixtures) or `built` (test/fixtures/pages, from upstreams.md). */
  origin: "real" | "built";
  file: string;
  expected: Omit<PageParse, "site">;
}

const season = (seasonNumber: number, critics: ScoreReading, audience: ScoreReading): SeasonScore => ({ seasonNumber, critics, audience });

const CORPUS: CorpusPage[] = [
  {
    site: "rottentomatoes",
    era: "1. JSON-LD (every era)",
    origin: "built",
    file: "built-rt-json-ld-every-era-series-the-bear.html",
    expected: {
      title: "The Bear",
      firstYear: 2022,
      kind: "series",
      critics: reading(94, 412, "json-ld"),
      audience: MISSING,
      strategy: "json-ld",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "rottentomatoes",
    era: "2. 2024+ media-scorecard-json (excerpt)",
    origin: "real",
    file: "rottentomatoes/fwright12__movie-harry_potter_and_the_deathly_hallows_part_2-2024b.scorecard-excerpt.html",
    expected: {
      // The excerpt holds only the scorecard JSON: nothing says what the page is, so it is not a series'.
      title: null,
      firstYear: null,
      kind: "unknown",
      critics: reading(96, 333, "scorecard-json"),
      audience: reading(89, 250000, "scorecard-json", { lowerBound: true }),
      strategy: "scorecard-json",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "rottentomatoes",
    era: "2. 2024+ series page: JSON-LD, scorecard JSON and markup, tile-season",
    origin: "built",
    file: "built-rt-2024-series-scorecard-tile-season-the-bear.html",
    expected: {
      title: "The Bear",
      firstYear: 2022,
      kind: "series",
      critics: reading(94, 412, "json-ld"),
      audience: reading(76, 5000, "scorecard-json", { lowerBound: true }),
      strategy: "json-ld",
      hasScores: true,
      // Season 4's tile has no score yet; another show's season tile in a rail is not this series'.
      seasons: [
        season(1, reading(100, null, "tile-season"), reading(91, null, "tile-season")),
        season(2, reading(99, null, "tile-season"), reading(88, null, "tile-season")),
        season(3, reading(89, null, "tile-season"), reading(null, null, "tile-season", { tbd: true })),
      ],
      disagreements: [],
    },
  },
  {
    site: "rottentomatoes",
    era: "2. 2024+ media-scorecard markup only",
    origin: "built",
    file: "built-rt-2024-scorecard-markup-only-series-abbott-elementary.html",
    expected: {
      title: "Abbott Elementary",
      firstYear: 2021,
      kind: "series",
      critics: reading(98, 156, "scorecard-markup"),
      audience: reading(83, 1000, "scorecard-markup", { lowerBound: true }),
      strategy: "scorecard-markup",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "rottentomatoes",
    era: "2. 2024+ season page",
    origin: "built",
    file: "built-rt-2024-season-page-the-bear-s02.html",
    expected: {
      title: "The Bear",
      firstYear: 2023,
      kind: "season",
      critics: reading(99, 118, "json-ld"),
      audience: reading(88, 1000, "scorecard-json", { lowerBound: true }),
      strategy: "json-ld",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "rottentomatoes",
    era: "3. 2023 to early 2024: score-board-deprecated + #scoreDetails",
    origin: "real",
    file: "rottentomatoes/fwright12__movie-harry_potter_and_the_deathly_hallows_part_2-2024.html",
    expected: {
      title: "Harry Potter and the Deathly Hallows: Part 2",
      firstYear: 2011,
      // A film's page: its scores are read (and diagnosable with `scrape`) but never a series' facts.
      kind: "film",
      critics: reading(96, 333, "json-ld"),
      // The exact count of #scoreDetails wins over the markup's "250,000+ Ratings": no lower-bound flag.
      audience: reading(89, 393712, "score-details-json"),
      strategy: "json-ld",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "rottentomatoes",
    era: "3. 2023 to early 2024: score-board-deprecated markup only (TV)",
    origin: "built",
    file: "built-rt-2023-score-board-deprecated-series-ted-lasso.html",
    expected: {
      title: "Ted Lasso",
      firstYear: 2020,
      kind: "series",
      critics: reading(90, 297, "score-board-deprecated"),
      audience: reading(86, 10000, "score-board-deprecated", { lowerBound: true }),
      strategy: "score-board-deprecated",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "rottentomatoes",
    era: "4. 2021-22: score-board",
    origin: "built",
    file: "built-rt-2021-score-board-series-the-crown.html",
    expected: {
      title: "The Crown",
      firstYear: 2016,
      kind: "series",
      critics: reading(81, 402, "score-board"),
      audience: reading(82, 25000, "score-board", { lowerBound: true }),
      strategy: "score-board",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "metacritic",
    era: "JSON-LD (all eras since 2023; strings in the old layout)",
    origin: "built",
    file: "built-mc-json-ld-every-era-series-mr-robot.html",
    expected: {
      title: "Mr. Robot",
      firstYear: 2015,
      kind: "series",
      critics: reading(79, 30, "json-ld"),
      audience: MISSING,
      strategy: "json-ld",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "metacritic",
    era: "2023-09 redesign: c-siteReviewScore, c-productScoreInfo_reviewsTotal",
    origin: "built",
    file: "built-mc-2023-09-site-review-score-series-the-bear.html",
    expected: {
      title: "The Bear",
      firstYear: 2022,
      kind: "series",
      critics: reading(91, 71, "site-review-score"),
      audience: reading(7.9, 1284, "site-review-score"),
      strategy: "site-review-score",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "metacritic",
    era: "__NUXT_DATA__ criticScoreSummary (2023+)",
    origin: "built",
    file: "built-mc-2023-nuxt-data-series-andor.html",
    expected: {
      title: "Andor",
      firstYear: 2022,
      kind: "series",
      critics: reading(91, 38, "nuxt-data"),
      audience: MISSING,
      strategy: "nuxt-data",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "metacritic",
    era: "2025-26 markup: global-score-wrapper, product-score-card per season",
    origin: "built",
    file: "built-mc-2025-global-score-product-score-card-series-severance.html",
    expected: {
      title: "Severance",
      firstYear: 2022,
      kind: "series",
      critics: reading(86, 78, "json-ld"),
      audience: reading(8.6, 3917, "testid-markup"),
      strategy: "json-ld",
      hasScores: true,
      seasons: [
        season(1, reading(83, null, "product-score-card"), reading(8.4, null, "product-score-card")),
        season(2, reading(86, null, "product-score-card"), reading(null, null, "product-score-card", { tbd: true })),
      ],
      disagreements: [],
    },
  },
  {
    site: "metacritic",
    era: "2025-26 markup: season page (user score tbd)",
    origin: "built",
    file: "built-mc-2025-season-page-severance-season-2.html",
    expected: {
      title: "Severance",
      firstYear: 2025,
      kind: "season",
      critics: reading(86, 41, "json-ld"),
      audience: reading(null, 3, "testid-markup", { tbd: true }),
      strategy: "json-ld",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "metacritic",
    era: "2025-26 markup: a game's page (JSON-LD VideoGame)",
    origin: "built",
    file: "built-mc-2026-game-page-global-score-not-a-series.html",
    expected: {
      title: "Hades II",
      firstYear: null,
      kind: "other",
      critics: reading(94, 101, "testid-markup"),
      audience: reading(8.4, 24426, "testid-markup"),
      strategy: "testid-markup",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "metacritic",
    era: "2026-02/03 (reported): hero-scores div[title*=…] span",
    origin: "built",
    file: "built-mc-2026-hero-score-title-series-the-pitt.html",
    expected: {
      title: "The Pitt",
      firstYear: 2025,
      kind: "series",
      critics: reading(89, 34, "json-ld"),
      audience: reading(8.8, null, "hero-score-title"),
      strategy: "json-ld",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
  {
    site: "metacritic",
    era: "old layout (2017): metascore_w",
    origin: "built",
    file: "built-mc-2017-metascore-w-series-the-americans.html",
    expected: {
      title: "The Americans",
      firstYear: 2013,
      kind: "series",
      critics: reading(78, 35, "metascore-w"),
      audience: reading(8.6, 912, "metascore-w"),
      strategy: "metascore-w",
      hasScores: true,
      seasons: [],
      disagreements: [],
    },
  },
];

const PARSERS: Record<RatingSite, (html: string) => PageParse> = { rottentomatoes: parseRottenTomatoesPage, metacritic: parseMetacriticPage };

/** Where a corpus page is: ../shared/fixtures for real ones, test/fixtures/pages for built ones. */
function pathOf(page: CorpusPage): string {
  return page.origin === "real" ? path.join(SHARED_FIXTURES, page.file) : new URL(`../../fixtures/pages/${page.file}`, import.meta.url).pathname;
}

describe("ratings-page corpus: every era of upstreams.md, every field", () => {
  it("labels every page by its origin: built pages say so in their names, real ones are the shared recordings", () => {
    for (const page of CORPUS) {
      if (page.origin === "built") expect(page.file, page.file).toMatch(/^built-/);
      else expect(page.file, page.file).toMatch(/^rottentomatoes\/|^metacritic\//);
    }
  });

  it("has a page for every strategy of both sites' parsers", () => {
    const used = (site: RatingSite) =>
      new Set(
        CORPUS.filter((p) => p.site === site).flatMap((p) => [
          p.expected.critics.strategy,
          p.expected.audience.strategy,
          ...p.expected.seasons.flatMap((s) => [s.critics.strategy, s.audience.strategy]),
        ]),
      );
    expect([...used("rottentomatoes")].filter((s) => s !== null).sort()).toEqual(
      ["json-ld", "scorecard-json", "score-details-json", "scorecard-markup", "score-board-deprecated", "score-board", "tile-season"].sort(),
    );
    expect([...used("metacritic")].filter((s) => s !== null).sort()).toEqual(
      ["json-ld", "nuxt-data", "testid-markup", "hero-score-title", "site-review-score", "metascore-w", "product-score-card"].sort(),
    );
  });

  it.each(CORPUS.map((page) => [`${page.site} · ${page.era} · ${page.origin}`, page] as const))("%s", (_label, page) => {
    const file = pathOf(page);
    if (page.origin === "real" && !existsSync(file)) {
      console.warn(`skipped: ${page.file} is not in ../shared/fixtures`);
      return;
    }
    expect(PARSERS[page.site](readFileSync(file, "utf8"))).toEqual({ site: page.site, ...page.expected });
  });
});

describe("strategies cross-check each other", () => {
  const built = (file: string) => readFileSync(new URL(`../../fixtures/pages/${file}`, import.meta.url), "utf8");

  it("a score planted differently in a less stable strategy: the more stable one's is kept and the disagreement listed", () => {
    const html = built("built-rt-2024-series-scorecard-tile-season-the-bear.html").replace('"reviewCount":412,"score":"94"', '"reviewCount":412,"score":"91"');
    const p = parseRottenTomatoesPage(html);
    expect(p.critics).toEqual(reading(94, 412, "json-ld"));
    expect(p.disagreements).toEqual([
      { field: "critics_score", kept: { strategy: "json-ld", value: 94, lowerBound: false }, other: { strategy: "scorecard-json", value: 91, lowerBound: false } },
    ]);
  });

  it("counts: within 1 % is rounding; beyond, or an exact count under a band's bound, is a disagreement", () => {
    const page = built("built-mc-2023-09-site-review-score-series-the-bear.html");
    const withJsonLd = (count: number) =>
      page.replace(
        "</head>",
        `<script type="application/ld+json">{"@type":"TVSeries","name":"The Bear","aggregateRating":{"name":"Metascore","ratingValue":91,"reviewCount":${count}}}</script></head>`,
      );
    expect(parseMetacriticPage(withJsonLd(71)).disagreements).toEqual([]);
    expect(parseMetacriticPage(withJsonLd(70)).disagreements).toEqual([
      { field: "critics_count", kept: { strategy: "json-ld", value: 70, lowerBound: false }, other: { strategy: "site-review-score", value: 71, lowerBound: false } },
    ]);
    // The real 2023-24 page with its exact audience count cut under the markup's "250,000+": the two contradict; the
    // more stable strategy's (the #scoreDetails JSON's) count is kept and the contradiction listed.
    const real = path.join(SHARED_FIXTURES, "rottentomatoes/fwright12__movie-harry_potter_and_the_deathly_hallows_part_2-2024.html");
    if (!existsSync(real)) return;
    const p = parseRottenTomatoesPage(readFileSync(real, "utf8").replaceAll('"ratingCount":393712', '"ratingCount":193712'));
    expect(p.audience).toEqual(reading(89, 193712, "score-details-json"));
    expect(p.disagreements).toEqual([
      {
        field: "audience_count",
        kept: { strategy: "score-details-json", value: 193712, lowerBound: false },
        other: { strategy: "score-board-deprecated", value: 250000, lowerBound: true },
      },
    ]);
  });
});
