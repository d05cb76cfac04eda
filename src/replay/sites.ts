/**
 * Bodies of the ratings sites and Wikidata for the local replay server (tests, demo, bench): realistic Rotten
 * Tomatoes and Metacritic pages in each layout the parsers support, a "layout changed" page, a page that
 * renders its scores only with JavaScript, Wikidata `wbgetentities` answers, and robots.txt.
 *
 * Pure functions from plain inputs to strings; the replay server maps request paths to these bodies.
 * The shapes follow `docs/upstreams.md` (Rotten Tomatoes, Metacritic, Finding the right page).
 */

/** robots.txt of both sites: series pages allowed, search and account pages not (as the real sites do). */
export const SITE_ROBOTS_TXT = ["User-agent: *", "Allow: /tv/", "Disallow: /search", "Disallow: /user/", "Disallow: /napi/", ""].join("\n");

/** Rotten Tomatoes layouts: `scorecard` (2024+, JSON-LD + scorecard JSON + markup), `score-board-2022`,
 * `json-ld-only` (critics only), `js-rendered` (scores inserted by a script), `layout-changed` (no strategy
 * matches). */
export type RottenTomatoesLayout = "scorecard" | "score-board-2022" | "json-ld-only" | "js-rendered" | "layout-changed";

/**
 * One Rotten Tomatoes series page. Scores 0–100 (null: no score yet, shown as "- -"); `audienceCount` is
 * printed banded ("250,000+ Ratings") as the site does.
 */
export interface RottenTomatoesPageInput {
  /** Page id, e.g. `tv/breaking_bad`. */
  pageId: string;
  title: string;
  year: number;
  endYear?: number | null;
  criticsScore: number | null;
  criticsCount: number | null;
  audienceScore: number | null;
  audienceCount: number | null;
  layout: RottenTomatoesLayout;
  /** Season numbers whose pages (`/tv/<slug>/s01`) the series page links, as the site's season list does. */
  seasons?: readonly number[];
}

/** One season page's scores (either site): critics 0–100; audience 0–100 (Rotten Tomatoes) or 0–10 (Metacritic); null: none yet. */
export interface SeasonPageInput {
  seasonNumber: number;
  critics: number | null;
  criticsCount: number | null;
  audience: number | null;
  audienceCount: number | null;
}

/** Metacritic layouts: `2023` (JSON-LD Metascore + data-testid markup), `old` (2017 `metascore_w`), `layout-changed`. */
export type MetacriticLayout = "2023" | "old" | "layout-changed";

/** One Metacritic series page. `metascore` 0–100, `userScore` 0–10; null prints "tbd". */
export interface MetacriticPageInput {
  /** Page id, e.g. `tv/breaking-bad`. */
  pageId: string;
  title: string;
  year: number;
  metascore: number | null;
  criticReviews: number | null;
  userScore: number | null;
  userRatings: number | null;
  layout: MetacriticLayout;
  /** Season numbers whose pages (`/tv/<slug>/season-1/`) the series page links. */
  seasons?: readonly number[];
}

/** An item in a Wikidata answer: its Rotten Tomatoes (P1258) and Metacritic (P1712) ids, optionally a deprecated one too. */
export interface WikidataItemInput {
  id: string;
  rottenTomatoesId?: string | null;
  metacriticId?: string | null;
  /** Extra statements of deprecated rank (an old, wrong id). */
  deprecatedRottenTomatoesId?: string;
  deprecatedMetacriticId?: string;
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
/** JSON inside a `<script>`: `</` escaped so the data cannot end the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/<\//g, "<\\/");

/** The request path of a Rotten Tomatoes page id: `tv/breaking_bad` → `/tv/breaking_bad`. */
export function rottenTomatoesPath(pageId: string): string {
  return `/${pageId.replace(/^\/+|\/+$/g, "")}`;
}

/** The request path of a Metacritic page id: `tv/breaking-bad` → `/tv/breaking-bad/`. */
export function metacriticPath(pageId: string): string {
  return `/${pageId.replace(/^\/+|\/+$/g, "")}/`;
}

/** Rotten Tomatoes' banded rating count: 253,118 → "250,000+ Ratings"; under 50 → "Fewer than 50 Ratings". */
export function bandedRatingCount(count: number): string {
  const bands = [250_000, 100_000, 50_000, 25_000, 10_000, 5_000, 2_500, 1_000, 500, 250, 100, 50];
  const band = bands.find((b) => count >= b);
  return band === undefined ? "Fewer than 50 Ratings" : `${band.toLocaleString("en-US")}+ Ratings`;
}

const pct = (score: number | null) => (score === null ? "- -" : `${score}%`);

/** The request path of a Rotten Tomatoes season page: `tv/breaking_bad`, 5 → `/tv/breaking_bad/s05`. */
export function rottenTomatoesSeasonPath(pageId: string, seasonNumber: number): string {
  return `${rottenTomatoesPath(pageId)}/s${String(seasonNumber).padStart(2, "0")}`;
}

/** The request path of a Metacritic season page: `tv/breaking-bad`, 5 → `/tv/breaking-bad/season-5/`. */
export function metacriticSeasonPath(pageId: string, seasonNumber: number): string {
  return `${metacriticPath(pageId)}season-${seasonNumber}/`;
}

/** The season list of a series page: one link per season page, inserted before `</body>`. */
function withSeasonList(html: string, paths: readonly string[]): string {
  if (paths.length === 0) return html;
  const links = paths.map((p) => `<a href="${p}">Season ${Number(/(\d+)\/?$/.exec(p)?.[1])}</a>`).join("");
  return html.replace("</body>", `<section class="seasons" data-qa="season-list">${links}</section></body>`);
}

/** Renders a Rotten Tomatoes series page in the given layout, with its season list when `seasons` is given. */
export function renderRottenTomatoesPage(input: RottenTomatoesPageInput): string {
  return withSeasonList(
    renderRottenTomatoesSeriesBody(input),
    (input.seasons ?? []).map((n) => rottenTomatoesSeasonPath(input.pageId, n)),
  );
}

function renderRottenTomatoesSeriesBody(input: RottenTomatoesPageInput): string {
  const path = rottenTomatoesPath(input.pageId);
  const canonical = `https://www.rottentomatoes.com${path}`;
  const title = escapeHtml(input.title);
  const years = input.endYear ? `${input.year} - ${input.endYear}` : `${input.year} -`;
  const critics = input.criticsCount === null ? "" : `${input.criticsCount.toLocaleString("en-US")} Reviews`;
  const audience = input.audienceCount === null ? "" : bandedRatingCount(input.audienceCount);
  const jsonLd = {
    "@context": "http://schema.org",
    "@type": "TVSeries",
    name: input.title,
    url: canonical,
    startDate: `${input.year}-01-01`,
    ...(input.criticsScore === null
      ? {}
      : {
          aggregateRating: {
            "@type": "AggregateRating",
            name: "Tomatometer",
            ratingValue: String(input.criticsScore),
            reviewCount: input.criticsCount ?? 0,
            bestRating: "100",
            worstRating: "0",
          },
        }),
  };
  const head = (extra: string) =>
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title} | Rotten Tomatoes</title>` +
    `<meta property="og:title" content="${title}"><link rel="canonical" href="${canonical}">${extra}</head>`;
  const scorecardMarkup =
    `<media-scorecard skeleton="panel" data-qa="score-panel">` +
    `<rt-text slot="criticsScore" context="label" size="1.375">${pct(input.criticsScore)}</rt-text>` +
    `<rt-link slot="criticsReviews" href="${path}/reviews">${critics}</rt-link>` +
    `<rt-text slot="audienceScore" context="label" size="1.375">${pct(input.audienceScore)}</rt-text>` +
    `<rt-link slot="audienceReviews" href="${path}/reviews?type=user">${audience}</rt-link>` +
    `<rt-text slot="metadataProp" context="label" size="0.75">${years}</rt-text></media-scorecard>`;

  switch (input.layout) {
    case "scorecard": {
      const scorecard = {
        criticsScore: {
          score: input.criticsScore === null ? "" : String(input.criticsScore),
          reviewCount: input.criticsCount,
          certified: false,
          sentiment: input.criticsScore === null ? "EMPTY" : "POSITIVE",
          title: "Tomatometer",
        },
        audienceScore: {
          score: input.audienceScore === null ? null : String(input.audienceScore),
          bandedRatingCount: audience || null,
          certified: false,
          sentiment: input.audienceScore === null ? "EMPTY" : "POSITIVE",
          title: "Popcornmeter",
        },
      };
      return (
        head(`<script type="application/ld+json">${scriptJson(jsonLd)}</script>`) +
        `<body><main id="main-page-content"><rt-text slot="title" context="heading">${title}</rt-text>` +
        `<script id="media-scorecard-json" data-json="mediaScorecard" type="application/json">${scriptJson(scorecard)}</script>` +
        `${scorecardMarkup}</main></body></html>\n`
      );
    }
    case "score-board-2022":
      return (
        head("") +
        `<body><div id="topSection"><score-board audiencescore="${input.audienceScore ?? ""}" tomatometerscore="${input.criticsScore ?? ""}" skeleton="panel" data-qa="score-panel">` +
        `<h1 slot="title" class="scoreboard__title">${title}</h1><p slot="info" class="scoreboard__info">${years}, Drama</p>` +
        `<a href="${path}/reviews" slot="critics-count">${critics}</a><a href="${path}/reviews?type=user" slot="audience-count">${audience}</a>` +
        `</score-board></div></body></html>\n`
      );
    case "json-ld-only":
      return head(`<script type="application/ld+json">${scriptJson(jsonLd)}</script>`) + `<body><div id="app"></div></body></html>\n`;
    case "js-rendered":
      // Static HTML without scores: a script builds the scorecard after load, as a client-rendered page does.
      return (
        head("") +
        `<body><main id="main-page-content"></main><script>` +
        `window.addEventListener("load", function () { setTimeout(function () {` +
        ` document.getElementById("main-page-content").innerHTML = ${JSON.stringify(`<rt-text slot="title">${title}</rt-text>${scorecardMarkup}`)};` +
        ` }, 50); });</script></body></html>\n`
      );
    case "layout-changed":
      return (
        head("") +
        `<body><main><h1 class="media-title">${title}</h1><div class="score-widget-v9">` +
        `<div class="sw-critics"><span class="sw-value">${input.criticsScore ?? ""}</span></div>` +
        `<div class="sw-audience"><span class="sw-value">${input.audienceScore ?? ""}</span></div></div></main></body></html>\n`
      );
  }
}

/**
 * Renders a Rotten Tomatoes season page (`/tv/<slug>/s05`) in the current layout: JSON-LD `TVSeason` with the
 * Tomatometer, the scorecard JSON with both scores, canonical URL of the season.
 */
export function renderRottenTomatoesSeasonPage(series: { pageId: string; title: string }, season: SeasonPageInput): string {
  const path = rottenTomatoesSeasonPath(series.pageId, season.seasonNumber);
  const canonical = `https://www.rottentomatoes.com${path}`;
  const title = escapeHtml(`${series.title}: Season ${season.seasonNumber}`);
  const audience = season.audienceCount === null ? null : bandedRatingCount(season.audienceCount);
  const jsonLd = {
    "@context": "http://schema.org",
    "@type": "TVSeason",
    name: `Season ${season.seasonNumber}`,
    url: canonical,
    seasonNumber: season.seasonNumber,
    partOfSeries: { "@type": "TVSeries", name: series.title, url: `https://www.rottentomatoes.com${rottenTomatoesPath(series.pageId)}` },
    ...(season.critics === null
      ? {}
      : {
          aggregateRating: {
            "@type": "AggregateRating",
            name: "Tomatometer",
            ratingValue: String(season.critics),
            reviewCount: season.criticsCount ?? 0,
          },
        }),
  };
  const scorecard = {
    criticsScore: { score: season.critics === null ? "" : String(season.critics), reviewCount: season.criticsCount, title: "Tomatometer" },
    audienceScore: { score: season.audience === null ? null : String(season.audience), bandedRatingCount: audience, title: "Popcornmeter" },
  };
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title} | Rotten Tomatoes</title>` +
    `<meta property="og:title" content="${title}"><link rel="canonical" href="${canonical}">` +
    `<script type="application/ld+json">${scriptJson(jsonLd)}</script></head>` +
    `<body><main id="main-page-content"><rt-text slot="title" context="heading">${title}</rt-text>` +
    `<script id="media-scorecard-json" data-json="mediaScorecard" type="application/json">${scriptJson(scorecard)}</script></main></body></html>\n`
  );
}

/**
 * Renders a Metacritic season page (`/tv/<slug>/season-5/`) in the 2023+ layout: JSON-LD `TVSeason` with the
 * Metascore, the user score in the data-testid markup ("tbd" when null), canonical URL of the season.
 */
export function renderMetacriticSeasonPage(series: { pageId: string; title: string }, season: SeasonPageInput): string {
  const path = metacriticSeasonPath(series.pageId, season.seasonNumber);
  const canonical = `https://www.metacritic.com${path}`;
  const title = escapeHtml(series.title);
  const metascore = season.critics === null ? "tbd" : String(season.critics);
  const userScore = season.audience === null ? "tbd" : season.audience.toFixed(1);
  const jsonLd = {
    "@context": "https://schema.org",
    "@type": "TVSeason",
    name: `${series.title} - Season ${season.seasonNumber}`,
    url: canonical,
    seasonNumber: season.seasonNumber,
    ...(season.critics === null
      ? {}
      : { aggregateRating: { "@type": "AggregateRating", name: "Metascore", ratingValue: season.critics, reviewCount: season.criticsCount ?? 0 } }),
  };
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title} Season ${season.seasonNumber} Reviews - Metacritic</title>` +
    `<meta property="og:title" content="${title} Season ${season.seasonNumber}"><link rel="canonical" href="${canonical}">` +
    `<script type="application/ld+json">${scriptJson(jsonLd)}</script></head>` +
    `<body><div id="__nuxt"><div data-testid="hero-title"><h1>${title}: Season ${season.seasonNumber}</h1></div>` +
    `<div data-testid="critic-score-info"><div title="Metascore ${metascore} out of 100"><span data-testid="global-score-value">${metascore}</span></div>` +
    `<span data-testid="global-score-review-count">Based on ${(season.criticsCount ?? 0).toLocaleString("en-US")} Critic Reviews</span></div>` +
    `<div data-testid="user-score-info"><div title="User score ${userScore} out of 10"><span data-testid="global-score-value">${userScore}</span></div>` +
    `<span data-testid="global-score-review-count">Based on ${(season.audienceCount ?? 0).toLocaleString("en-US")} User Ratings</span></div>` +
    `</div></body></html>\n`
  );
}

/** Renders a Metacritic series page in the given layout, with its season list when `seasons` is given. */
export function renderMetacriticPage(input: MetacriticPageInput): string {
  return withSeasonList(
    renderMetacriticSeriesBody(input),
    (input.seasons ?? []).map((n) => metacriticSeasonPath(input.pageId, n)),
  );
}

function renderMetacriticSeriesBody(input: MetacriticPageInput): string {
  const path = metacriticPath(input.pageId);
  const canonical = `https://www.metacritic.com${path}`;
  const title = escapeHtml(input.title);
  const metascore = input.metascore === null ? "tbd" : String(input.metascore);
  const userScore = input.userScore === null ? "tbd" : input.userScore.toFixed(1);
  const head = (extra: string) =>
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title} Reviews - Metacritic</title>` +
    `<meta property="og:title" content="${title}"><link rel="canonical" href="${canonical}">${extra}</head>`;
  switch (input.layout) {
    case "2023": {
      const jsonLd = {
        "@context": "https://schema.org",
        "@type": "TVSeries",
        name: input.title,
        url: canonical,
        datePublished: `${input.year}-01-01`,
        ...(input.metascore === null
          ? {}
          : {
              aggregateRating: {
                "@type": "AggregateRating",
                name: "Metascore",
                ratingValue: input.metascore,
                reviewCount: input.criticReviews ?? 0,
                bestRating: 100,
                worstRating: 0,
              },
            }),
      };
      return (
        head(`<script type="application/ld+json">${scriptJson(jsonLd)}</script>`) +
        `<body><div id="__nuxt"><div data-testid="hero-title"><h1>${title}</h1></div>` +
        `<ul data-testid="hero-metadata"><li><span>${input.year}</span></li></ul>` +
        `<div data-testid="critic-score-info"><div title="Metascore ${metascore} out of 100"><span data-testid="global-score-value">${metascore}</span></div>` +
        `<span data-testid="global-score-review-count">Based on ${(input.criticReviews ?? 0).toLocaleString("en-US")} Critic Reviews</span></div>` +
        `<div data-testid="user-score-info"><div title="User score ${userScore} out of 10"><span data-testid="global-score-value">${userScore}</span></div>` +
        `<span data-testid="global-score-review-count">Based on ${(input.userRatings ?? 0).toLocaleString("en-US")} User Ratings</span></div>` +
        `</div></body></html>\n`
      );
    }
    case "old":
      return (
        head("") +
        `<body class="tv_product"><div class="product_title"><a href="${path}"><h1>${title}</h1></a></div>` +
        `<ul class="summary_details"><li class="summary_detail release_data"><span class="label">Premiere Date:</span> <span class="data">Jan 1, ${input.year}</span></li></ul>` +
        `<div class="metascore_wrap"><span class="metascore_w larger tvshow">${metascore}</span>` +
        `<span class="based_on">based on ${(input.criticReviews ?? 0).toLocaleString("en-US")} Critic Reviews</span></div>` +
        `<div class="userscore_wrap"><span class="metascore_w user larger tvshow">${userScore}</span>` +
        `<span class="based_on">based on ${(input.userRatings ?? 0).toLocaleString("en-US")} Ratings</span></div></body></html>\n`
      );
    case "layout-changed":
      return (
        head("") +
        `<body><section class="score-rail-2027"><div class="sr-critic"><b>${metascore}</b></div>` +
        `<div class="sr-user"><b>${userScore}</b></div></section></body></html>\n`
      );
  }
}

function statement(property: string, value: string, rank: "normal" | "deprecated", n: number): Record<string, unknown> {
  return {
    mainsnak: { snaktype: "value", property, datavalue: { value, type: "string" }, datatype: "external-id" },
    type: "statement",
    id: `statement-${property}-${n}`,
    rank,
  };
}

/**
 * A `wbgetentities` answer (`props=claims`) for `requestedIds`, as the JSON body: items in `items` with
 * their P1258/P1712 statements, other requested ids as `{"id", "missing": ""}`.
 */
export function renderWikidataEntities(items: readonly WikidataItemInput[], requestedIds: readonly string[]): string {
  return JSON.stringify(wikidataEntities(items, requestedIds));
}

/** The object of {@link renderWikidataEntities}. */
export function wikidataEntities(
  items: readonly WikidataItemInput[],
  requestedIds: readonly string[],
): { entities: Record<string, unknown>; success: 1 } {
  const byId = new Map(items.map((i) => [i.id, i]));
  const entities: Record<string, unknown> = {};
  requestedIds.forEach((id, n) => {
    const item = byId.get(id);
    if (!item) {
      entities[id] = { id, missing: "" };
      return;
    }
    const claims: Record<string, unknown[]> = {};
    const add = (property: string, value: string | null | undefined, rank: "normal" | "deprecated") => {
      if (!value) return;
      (claims[property] ??= []).push(statement(property, value, rank, n));
    };
    add("P1258", item.deprecatedRottenTomatoesId, "deprecated");
    add("P1258", item.rottenTomatoesId, "normal");
    add("P1712", item.deprecatedMetacriticId, "deprecated");
    add("P1712", item.metacriticId, "normal");
    entities[id] = { type: "item", id, claims };
  });
  return { entities, success: 1 };
}

/** The catalogue fields the site routes need (a subset of the demo's `SeriesSeed`). */
export interface SiteRoutesSeed {
  title: string;
  firstAirDate: string;
  lastAirDate: string | null;
  status: string;
  wikidataId: string | null;
  rottenTomatoes: SiteScoresRoutesSeed | null;
  metacritic: SiteScoresRoutesSeed | null;
}

/** A series' scores on one site, with its season pages' scores when the site has season pages for it. */
export interface SiteScoresRoutesSeed {
  slug: string;
  critics: number | null;
  criticsCount: number | null;
  audience: number | null;
  audienceCount: number | null;
  seasons?: readonly SeasonPageInput[];
}

/** Options of {@link buildSiteRoutes}. */
export interface SiteRoutesOptions {
  /** Serve every page in the "layout changed" markup (200, no strategy matches): the second-run scenario. */
  layoutChanged?: boolean;
  /** Layouts to rotate through, per series in catalogue order (defaults: every supported layout). */
  rottenTomatoesLayouts?: readonly RottenTomatoesLayout[];
  metacriticLayouts?: readonly MetacriticLayout[];
}

/** Default rotation: mostly the current layouts, some older ones, so a demo run exercises every strategy. */
const DEFAULT_RT_LAYOUTS: readonly RottenTomatoesLayout[] = ["scorecard", "scorecard", "score-board-2022", "json-ld-only"];
const DEFAULT_MC_LAYOUTS: readonly MetacriticLayout[] = ["2023", "2023", "old"];

/** A route in the shape of the replay server's `ReplayRoute` (a body served with status 200 unless given). */
export interface SiteRoute {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A route map for Wikidata's `/w/api.php`: any `wbgetentities` request (whatever ids it batches, in
 * whatever order) is answered from `items`, because the batches depend on which series a run still has
 * to resolve. Other keys behave as in a plain Map.
 */
export class WikidataRoutes extends Map<string, SiteRoute> {
  constructor(private readonly items: readonly WikidataItemInput[]) {
    super();
  }

  override get(key: string): SiteRoute | undefined {
    const fixed = super.get(key);
    if (fixed !== undefined) return fixed;
    const url = new URL(key, "http://replay.local");
    if (url.searchParams.get("action") !== "wbgetentities") return undefined;
    const ids = (url.searchParams.get("ids") ?? "").split("|").filter(Boolean);
    return { body: wikidataEntities(this.items, ids) };
  }

  override has(key: string): boolean {
    return this.get(key) !== undefined;
  }
}

/**
 * Routes of Wikidata, Rotten Tomatoes and Metacritic for a catalogue: each site's robots.txt, a page per
 * series that has scores on the site (layouts rotating as in {@link SiteRoutesOptions}) linking its season pages,
 * a page per season the seed gives (current layout; "layout changed" with `layoutChanged`), and Wikidata items
 * linking to those pages for series that have a Wikidata id. Series without one are found by their slug.
 */
export function buildSiteRoutes(
  catalogue: readonly SiteRoutesSeed[],
  options: SiteRoutesOptions = {},
): { wikidata: Map<string, SiteRoute>; rottentomatoes: Map<string, SiteRoute>; metacritic: Map<string, SiteRoute> } {
  const robots: SiteRoute = { body: SITE_ROBOTS_TXT, headers: { "Content-Type": "text/plain; charset=utf-8" } };
  const rottentomatoes = new Map<string, SiteRoute>([["/robots.txt", robots]]);
  const metacritic = new Map<string, SiteRoute>([["/robots.txt", robots]]);
  const items: WikidataItemInput[] = [];
  const rtLayouts = options.rottenTomatoesLayouts ?? DEFAULT_RT_LAYOUTS;
  const mcLayouts = options.metacriticLayouts ?? DEFAULT_MC_LAYOUTS;
  catalogue.forEach((seed, i) => {
    const year = Number(seed.firstAirDate.slice(0, 4));
    const endYear = seed.status === "Returning Series" || !seed.lastAirDate ? null : Number(seed.lastAirDate.slice(0, 4));
    const rt = seed.rottenTomatoes;
    const mc = seed.metacritic;
    if (rt) {
      const pageId = `tv/${rt.slug}`;
      const layout = options.layoutChanged ? "layout-changed" : (rtLayouts[i % rtLayouts.length] ?? "scorecard");
      const seasons = rt.seasons ?? [];
      rottentomatoes.set(rottenTomatoesPath(pageId), {
        body: renderRottenTomatoesPage({
          pageId,
          title: seed.title,
          year,
          endYear,
          criticsScore: rt.critics,
          criticsCount: rt.criticsCount,
          audienceScore: rt.audience,
          audienceCount: rt.audienceCount,
          layout,
          seasons: seasons.map((x) => x.seasonNumber),
        }),
      });
      for (const season of seasons) {
        const body = options.layoutChanged
          ? renderRottenTomatoesPage({
              pageId: rottenTomatoesSeasonPath(pageId, season.seasonNumber).slice(1),
              title: seed.title,
              year,
              layout: "layout-changed",
              criticsScore: season.critics,
              criticsCount: season.criticsCount,
              audienceScore: season.audience,
              audienceCount: season.audienceCount,
            })
          : renderRottenTomatoesSeasonPage({ pageId, title: seed.title }, season);
        rottentomatoes.set(rottenTomatoesSeasonPath(pageId, season.seasonNumber), { body });
      }
    }
    if (mc) {
      const pageId = `tv/${mc.slug}`;
      const layout = options.layoutChanged ? "layout-changed" : (mcLayouts[i % mcLayouts.length] ?? "2023");
      const seasons = mc.seasons ?? [];
      metacritic.set(metacriticPath(pageId), {
        body: renderMetacriticPage({
          pageId,
          title: seed.title,
          year,
          metascore: mc.critics,
          criticReviews: mc.criticsCount,
          userScore: mc.audience,
          userRatings: mc.audienceCount,
          layout,
          seasons: seasons.map((x) => x.seasonNumber),
        }),
      });
      for (const season of seasons) {
        const body = options.layoutChanged
          ? renderMetacriticPage({
              pageId: `${pageId}/season-${season.seasonNumber}`,
              title: seed.title,
              year,
              layout: "layout-changed",
              metascore: season.critics,
              criticReviews: season.criticsCount,
              userScore: season.audience,
              userRatings: season.audienceCount,
            })
          : renderMetacriticSeasonPage({ pageId, title: seed.title }, season);
        metacritic.set(metacriticSeasonPath(pageId, season.seasonNumber), { body });
      }
    }
    if (seed.wikidataId) {
      items.push({ id: seed.wikidataId, rottenTomatoesId: rt ? `tv/${rt.slug}` : null, metacriticId: mc ? `tv/${mc.slug}` : null });
    }
  });
  return { wikidata: new WikidataRoutes(items), rottentomatoes, metacritic };
}
