/**
 * Pure helpers shared by the page parsers: reading counts ("250,000+ Ratings"), scores ("96%", "8.4",
 * "tbd"), JSON-LD blocks, years, the kind of a page, and combining the strategies of one page value by value
 * (with their cross-check). No I/O.
 */
import type { CheerioAPI } from "cheerio";
import { z } from "zod";
import {
  type PageKind,
  type PageParse,
  type RatingSite,
  type ReadingField,
  type ScoreReading,
  type SeasonScore,
  type StrategyDisagreement,
  missingReading,
} from "./types.js";

/** A number that the sites write either as a JSON number or as a string ("96", "8.4", "1,234"). */
export const numberish = z.union([z.number(), z.string()]);

/** The part of schema.org `AggregateRating` we read. */
const aggregateRatingSchema = z.looseObject({
  name: z.string().optional(),
  ratingValue: numberish.nullish(),
  reviewCount: numberish.nullish(),
  ratingCount: numberish.nullish(),
  bestRating: numberish.nullish(),
});

/** A JSON-LD node as far as we read it (schema.org `TVSeries`, `TVSeason`, `Movie`, …). */
const jsonLdNodeSchema = z.looseObject({
  "@type": z.union([z.string(), z.array(z.string())]).optional(),
  name: z.string().optional(),
  startDate: z.string().optional(),
  datePublished: z.string().optional(),
  dateCreated: z.string().optional(),
  url: z.string().optional(),
  aggregateRating: aggregateRatingSchema.optional(),
});

/** A JSON-LD document that wraps its nodes in `@graph`. */
const graphSchema = z.looseObject({ "@graph": z.array(z.unknown()) });

/** A schema.org node read from a page's JSON-LD. */
export type JsonLdNode = z.infer<typeof jsonLdNodeSchema>;
/** The `aggregateRating` of a JSON-LD node. */
export type JsonLdAggregateRating = z.infer<typeof aggregateRatingSchema>;

/**
 * Parses the text of a JSON-LD block. Pages often hold JSON-LD that strict JSON rejects while every search
 * engine reads it: raw line breaks or tabs inside strings (editors' descriptions), an HTML comment or CDATA
 * wrapper, a trailing `;`. Those are repaired; anything else that is not JSON gives undefined.
 */
export function parseJsonLdText(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    // Control characters are not allowed in JSON strings and are white space outside them, so a space is
    // a safe replacement either way.
    const repaired = raw
      .trim()
      .replace(/^(?:<!--|<!\[CDATA\[|\/\/<!\[CDATA\[)\s*/, "")
      .replace(/\s*(?:-->|\]\]>|\/\/\]\]>)$/, "")
      .replace(/;\s*$/, "")
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f]/g, " ");
    try {
      return JSON.parse(repaired);
    } catch {
      return undefined;
    }
  }
}

/**
 * Every schema.org node in the page's `<script type="application/ld+json">` blocks (top-level objects,
 * arrays and `@graph` members), in page order. Blocks are read with {@link parseJsonLdText}; blocks that are
 * still not JSON, and values that are not objects, are skipped.
 */
export function readJsonLdNodes($: CheerioAPI): JsonLdNode[] {
  const nodes: JsonLdNode[] = [];
  $('script[type^="application/ld+json"]').each((_, el) => {
    const value = parseJsonLdText($(el).text());
    if (value === undefined) return;
    const queue: unknown[] = Array.isArray(value) ? [...value] : [value];
    while (queue.length > 0) {
      const item = queue.shift();
      const graph = graphSchema.safeParse(item);
      if (graph.success) queue.push(...graph.data["@graph"]);
      const parsed = jsonLdNodeSchema.safeParse(item);
      if (parsed.success) nodes.push(parsed.data);
    }
  });
  return nodes;
}

/**
 * True when the node's `@type` is one of `types`. Full IRIs (`http://schema.org/TVSeries`,
 * `https://schema.org/Movie`) count as their short names.
 */
export function hasJsonLdType(node: JsonLdNode, types: readonly string[]): boolean {
  const t = node["@type"];
  if (t === undefined) return false;
  return (Array.isArray(t) ? t : [t]).some((x) => types.includes(x.replace(/^https?:\/\/schema\.org\//i, "")));
}

/** Collapses white space and trims; empty → null. */
export function cleanText(text: string | undefined | null): string | null {
  if (text === undefined || text === null) return null;
  const t = text.replace(/\s+/g, " ").trim();
  return t === "" ? null : t;
}

/**
 * Reads a score as the sites print it: "96%", "96", 96, "8.4", "8,4". Returns `"tbd"` for Metacritic's
 * "tbd" and Rotten Tomatoes' "--" / "- -" (no score yet), null for empty or unreadable text.
 */
export function parseScoreText(value: string | number | null | undefined): number | "tbd" | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  const text = value.replace(/\s+/g, " ").trim().toLowerCase();
  if (text === "") return null;
  if (text === "tbd" || /^-[\s-]*$/.test(text) || text === "n/a") return "tbd";
  const match = /^(\d{1,3}(?:[.,]\d+)?)\s*%?(?:\s*\/\s*\d+)?$/.exec(text);
  if (!match?.[1]) return null;
  const n = Number(match[1].replace(",", "."));
  return Number.isFinite(n) ? n : null;
}

/**
 * Reads a count as the sites print it: "54 Reviews" → 54, "250,000+ Ratings" → 250000 (lower bound),
 * "Based on 24,426 User Ratings" → 24426, 1234 → 1234. "Fewer than 50 Ratings" and unreadable text → null.
 */
export function parseCountText(value: string | number | null | undefined): { count: number | null; lowerBound: boolean } {
  if (value === null || value === undefined) return { count: null, lowerBound: false };
  if (typeof value === "number")
    return Number.isInteger(value) && value >= 0 ? { count: value, lowerBound: false } : { count: null, lowerBound: false };
  const text = value.replace(/\s+/g, " ").trim();
  if (/fewer than|less than/i.test(text)) return { count: null, lowerBound: false };
  const match = /(\d{1,3}(?:[,.\u00a0 ]\d{3})+|\d+)(\s*\+)?/.exec(text);
  if (!match?.[1]) return { count: null, lowerBound: false };
  const count = Number(match[1].replace(/[,.\u00a0 ]/g, ""));
  if (!Number.isSafeInteger(count)) return { count: null, lowerBound: false };
  return { count, lowerBound: match[2] !== undefined };
}

/** The first plausible year (1900–2099) in a date or text ("2008-01-20", "2008 - 2013", "Jan 20, 2008"). */
export function firstYearIn(text: string | null | undefined): number | null {
  if (!text) return null;
  const match = /\b(19\d\d|20\d\d)\b/.exec(text);
  return match?.[1] ? Number(match[1]) : null;
}

/**
 * Builds a reading from a score and a count found by `strategy`. Returns null when the score is neither a
 * number nor "tbd" (the strategy did not find a usable slot).
 */
export function toReading(
  score: string | number | null | undefined,
  count: string | number | null | undefined,
  strategy: string,
): ScoreReading | null {
  const parsed = parseScoreText(score);
  if (parsed === null) return null;
  const c = parseCountText(count);
  const countStrategy = c.count === null ? null : strategy;
  if (parsed === "tbd") return { score: null, count: c.count, countIsLowerBound: c.lowerBound, strategy, countStrategy, nullReason: "tbd" };
  return { score: parsed, count: c.count, countIsLowerBound: c.lowerBound, strategy, countStrategy };
}

/**
 * A reading from a JSON block that carries an exact count beside a banded one (Rotten Tomatoes' `#scoreDetails`:
 * `ratingCount` 393712, `bandedRatingCount` "250,000+"): the exact count when it is a positive integer, else the
 * banded one. Null when the score is neither a number nor "tbd".
 */
export function toReadingPreferExact(
  score: string | number | null | undefined,
  exactCount: string | number | null | undefined,
  bandedCount: string | number | null | undefined,
  strategy: string,
): ScoreReading | null {
  const exact = parseCountText(exactCount);
  const usable = exact.count !== null && exact.count > 0 && !exact.lowerBound;
  return toReading(score, usable ? exact.count : bandedCount, strategy);
}

/** A strategy's partial result: readings it found and page facts it saw. */
export interface StrategyResult {
  critics?: ScoreReading | null;
  audience?: ScoreReading | null;
  title?: string | null;
  firstYear?: number | null;
}

/** Dates of a JSON-LD node that may carry a series' first air date. */
export type JsonLdDateField = "startDate" | "datePublished" | "dateCreated";

/**
 * The JSON-LD strategy both sites share (schema.org `TVSeries`/`TVSeason`/`Movie`/`CreativeWorkSeries`):
 * the critics' score from `aggregateRating` when its `name` is absent or matches `ratingName` (the
 * site's critics' score: "Tomatometer", "Metascore"), the title, and the first year from the first of
 * `dateFields` present. (What the page is, is {@link pageKindOf}'s to say.)
 */
export function jsonLdStrategy($: CheerioAPI, ratingName: RegExp, dateFields: readonly JsonLdDateField[]): StrategyResult {
  const nodes = readJsonLdNodes($).filter((n) => hasJsonLdType(n, ["TVSeries", "TVSeason", "Movie", "CreativeWorkSeries"]));
  const isCritics = (rating: JsonLdAggregateRating | undefined): rating is JsonLdAggregateRating =>
    rating !== undefined && (rating.name === undefined || ratingName.test(rating.name));
  // A page may hold its main entity twice (a bare node, then one with the rating): the rated node of the
  // same name and kind (film or not) as the first typed node wins. A rated node of another title, or a film
  // of the same title on a series page, is never read. Without any rating, the first typed node.
  const first = nodes[0];
  const sameEntity = (n: JsonLdNode) =>
    first !== undefined &&
    (first.name === undefined || cleanText(n.name) === cleanText(first.name)) &&
    hasJsonLdType(n, ["Movie"]) === hasJsonLdType(first, ["Movie"]);
  const node =
    nodes.find((n) => sameEntity(n) && isCritics(n.aggregateRating) && toReading(n.aggregateRating.ratingValue, null, "json-ld") !== null) ?? first;
  if (!node) return {};
  const rating = node.aggregateRating;
  const date = dateFields.map((f) => node[f]).find((d) => d !== undefined);
  return {
    critics: isCritics(rating) ? toReading(rating.ratingValue, rating.reviewCount ?? rating.ratingCount, "json-ld") : null,
    title: cleanText(node.name),
    firstYear: firstYearIn(date),
  };
}

/** The paths of a site's pages of each kind (request paths, without the host). */
export interface KindPaths {
  series: RegExp;
  season: RegExp;
  film: RegExp;
}

/** schema.org types of a page's main entity, by the kind they make the page. */
const JSON_LD_KINDS: readonly { kind: Exclude<PageKind, "unknown">; types: readonly string[] }[] = [
  { kind: "series", types: ["TVSeries", "CreativeWorkSeries"] },
  { kind: "season", types: ["TVSeason", "CreativeWorkSeason"] },
  { kind: "film", types: ["Movie"] },
  {
    kind: "other",
    types: [
      "VideoGame",
      "Game",
      "MusicAlbum",
      "MusicRecording",
      "MusicGroup",
      "Book",
      "TVEpisode",
      "Episode",
      "Person",
      "SoftwareApplication",
      "Product",
    ],
  },
];

/** Open Graph types (ogp.me) by the kind they make the page; `website`, `article` and the like say nothing. */
function kindFromOgType(ogType: string): Exclude<PageKind, "unknown"> | null {
  if (ogType === "video.tv_show") return "series";
  if (ogType === "video.movie") return "film";
  if (ogType === "video.episode" || ogType === "video.other" || ogType === "book" || ogType === "profile" || ogType.startsWith("music."))
    return "other";
  if (ogType === "game" || ogType.startsWith("game.")) return "other";
  return null;
}

/** The path of an absolute or relative URL (`/tv/breaking_bad`), or null when it is not one. */
export function pathOf(url: string): string | null {
  try {
    return new URL(url, "https://example.invalid").pathname;
  } catch {
    return null;
  }
}

/**
 * What the page is, from the page alone: its canonical URL (`link[rel=canonical]`, else `og:url`) matched against
 * the site's `paths` (a canonical URL that is none of them makes the page `other`: a game, a person, a listing);
 * else the `@type` of its first JSON-LD node of a known kind (`TVSeries` series, `TVSeason` season, `Movie` film,
 * `VideoGame`, `MusicAlbum`, `TVEpisode`… other); else its `og:type`; else `unknown` (an excerpt: never taken for
 * a series). The site's own address for the page is the strongest evidence, its structured data the next.
 */
export function pageKindOf($: CheerioAPI, paths: KindPaths): PageKind {
  const path = canonicalPath($);
  if (path !== null) {
    if (paths.season.test(path)) return "season";
    if (paths.series.test(path)) return "series";
    if (paths.film.test(path)) return "film";
    return "other";
  }
  for (const node of readJsonLdNodes($)) {
    const match = JSON_LD_KINDS.find((k) => hasJsonLdType(node, k.types));
    if (match) return match.kind;
  }
  const ogType = cleanText($('meta[property="og:type"]').attr("content"))?.toLowerCase() ?? null;
  return (ogType === null ? null : kindFromOgType(ogType)) ?? "unknown";
}

/** Scores agree when equal at one decimal (the finest precision the sites print). */
function scoresAgree(a: number, b: number): boolean {
  return Math.round(a * 10) === Math.round(b * 10);
}

/**
 * Two exact counts of one page agree within 1 % (copies of a count on one page are cached at slightly different
 * times: the real 2024 Rotten Tomatoes pages show liked counts 153,943 and 153,959); a banded count ("250,000+")
 * agrees with an exact one at or above its bound; two banded counts always agree (both are lower bounds).
 */
function countsAgree(a: ScoreReading, b: ScoreReading): boolean {
  if (a.count === null || b.count === null) return true;
  if (a.countIsLowerBound && b.countIsLowerBound) return true;
  if (a.countIsLowerBound) return b.count >= a.count;
  if (b.countIsLowerBound) return a.count >= b.count;
  return Math.abs(a.count - b.count) <= 0.01 * Math.max(a.count, b.count);
}

/**
 * One side's readings (critics or audience) of several strategies, in order of stability, as one reading:
 * - the score from the first strategy with a number (else the first "tbd");
 * - the count from the first strategy with one, except that an exact count (of any strategy) wins over a banded
 *   one it does not contradict (exact ≥ the band's bound): then it is stored without the lower-bound flag;
 * - every later value that disagrees with the kept one (a score, or a count beyond rounding) is pushed to
 *   `disagreements`; the kept value stays the more stable strategy's.
 */
function combineSide(side: "critics" | "audience", readings: readonly ScoreReading[], disagreements: StrategyDisagreement[]): ScoreReading | null {
  if (readings.length === 0) return null;
  const scoreField: ReadingField = side === "critics" ? "critics_score" : "audience_score";
  const countField: ReadingField = side === "critics" ? "critics_count" : "audience_count";
  const scored = readings.filter((r) => r.score !== null);
  const scoreReading = scored[0] ?? readings[0]!;
  for (const other of scored.slice(1)) {
    if (scoreReading.score === null || other.score === null || scoresAgree(scoreReading.score, other.score)) continue;
    disagreements.push({
      field: scoreField,
      kept: { strategy: scoreReading.strategy ?? "unknown", value: scoreReading.score, lowerBound: false },
      other: { strategy: other.strategy ?? "unknown", value: other.score, lowerBound: false },
    });
  }
  const counted = readings.filter((r) => r.count !== null);
  let countReading: ScoreReading | undefined = counted[0];
  if (countReading?.countIsLowerBound) {
    const bound = countReading.count ?? 0;
    const exact = counted.find((r) => !r.countIsLowerBound && (r.count ?? -1) >= bound);
    if (exact) countReading = exact;
  }
  for (const other of counted) {
    if (countReading === undefined || other === countReading || countsAgree(countReading, other)) continue;
    disagreements.push({
      field: countField,
      kept: { strategy: countReading.countStrategy ?? "unknown", value: countReading.count ?? 0, lowerBound: countReading.countIsLowerBound },
      other: { strategy: other.countStrategy ?? "unknown", value: other.count ?? 0, lowerBound: other.countIsLowerBound },
    });
  }
  const reading: ScoreReading = {
    score: scoreReading.score,
    count: countReading?.count ?? null,
    countIsLowerBound: countReading?.countIsLowerBound ?? false,
    strategy: scoreReading.strategy,
    countStrategy: countReading?.countStrategy ?? null,
  };
  return scoreReading.nullReason === undefined ? reading : { ...reading, nullReason: scoreReading.nullReason };
}

/**
 * Combines strategies tried in order of stability, value by value (see {@link combineSide}): each score and each
 * count from the first strategy that has it (an exact count over a banded one), with the strategy that read it,
 * and every disagreement between strategies listed. The title and first year take the first strategy that saw
 * them (else `fallback`'s). `strategy` is the first that found any score. The kind is `fallback.kind`
 * ({@link pageKindOf}); `seasons` the series page's per-season scores.
 */
export function combineStrategies(
  site: RatingSite,
  results: { name: string; result: StrategyResult }[],
  fallback: { title: string | null; firstYear: number | null; kind: PageKind; seasons?: SeasonScore[] },
): PageParse {
  let title: string | null = null;
  let firstYear: number | null = null;
  let strategy: string | null = null;
  const critics: ScoreReading[] = [];
  const audience: ScoreReading[] = [];
  for (const { name, result } of results) {
    if (result.critics) critics.push(result.critics);
    if (result.audience) audience.push(result.audience);
    if (strategy === null && (result.critics || result.audience)) strategy = name;
    if (title === null && result.title) title = result.title;
    if (firstYear === null && result.firstYear) firstYear = result.firstYear;
  }
  const disagreements: StrategyDisagreement[] = [];
  const criticsReading = combineSide("critics", critics, disagreements);
  const audienceReading = combineSide("audience", audience, disagreements);
  return {
    site,
    title: title ?? fallback.title,
    firstYear: firstYear ?? fallback.firstYear,
    kind: fallback.kind,
    critics: criticsReading ?? missingReading(),
    audience: audienceReading ?? missingReading(),
    strategy,
    hasScores: criticsReading !== null || audienceReading !== null,
    seasons: fallback.seasons ?? [],
    disagreements,
  };
}

/**
 * The series slug of a series page's own canonical URL (`/tv/<slug>` or `/tv/<slug>/`), or null when the page has
 * none or is not a series page: tiles and cards of a page are attributed only to the page's own series.
 */
export function ownSeriesSlug($: CheerioAPI): string | null {
  const path = canonicalPath($);
  return path === null ? null : (/^\/tv\/([^/]+)\/?$/.exec(path)?.[1] ?? null);
}

/** The page's canonical URL (`link[rel=canonical]`, else `og:url`), or null. */
export function canonicalUrl($: CheerioAPI): string | null {
  return cleanText($('link[rel="canonical"]').attr("href")) ?? cleanText($('meta[property="og:url"]').attr("content"));
}

/** The path of the page's canonical URL (`/tv/breaking_bad/s01`), or null without one. */
export function canonicalPath($: CheerioAPI): string | null {
  const canonical = canonicalUrl($);
  return canonical === null ? null : pathOf(canonical);
}
