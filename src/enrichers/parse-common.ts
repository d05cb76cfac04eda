/**
 * Pure helpers shared by the page parsers: reading counts ("250,000+ Ratings"), scores ("96%", "8.4",
 * "tbd"), JSON-LD blocks, years and the grain of a page. No I/O.
 */
import type { CheerioAPI } from "cheerio";
import { z } from "zod";
import { type PageParse, type RatingSite, type ScoreReading, missingReading } from "./types.js";

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
  if (parsed === "tbd") return { score: null, count: c.count, countIsLowerBound: c.lowerBound, strategy, nullReason: "tbd" };
  return { score: parsed, count: c.count, countIsLowerBound: c.lowerBound, strategy };
}

/** A strategy's partial result: readings it found and page facts it saw. */
export interface StrategyResult {
  critics?: ScoreReading | null;
  audience?: ScoreReading | null;
  title?: string | null;
  firstYear?: number | null;
  season?: boolean;
  /** The strategy saw that the page is a film's (JSON-LD `@type` `Movie`). */
  movie?: boolean;
}

/** Dates of a JSON-LD node that may carry a series' first air date. */
export type JsonLdDateField = "startDate" | "datePublished" | "dateCreated";

/**
 * The JSON-LD strategy both sites share (schema.org `TVSeries`/`TVSeason`/`Movie`/`CreativeWorkSeries`):
 * the critics' score from `aggregateRating` when its `name` is absent or matches `ratingName` (the
 * site's critics' score: "Tomatometer", "Metascore"), the title, the first year from the first of
 * `dateFields` present, and whether the page is a season's.
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
    season: hasJsonLdType(node, ["TVSeason"]),
    movie: hasJsonLdType(node, ["Movie"]),
  };
}

/**
 * What the page's own URL and Open Graph type say it is: `movie` (a film's page: canonical path matching
 * `moviePath`, or `og:type` `video.movie`), `tv` (canonical under `/tv/`, or `og:type` `video.tv_show` /
 * `video.episode`), or null when neither says. The URL wins over JSON-LD, which wins over nothing.
 */
export function pageKindFromMeta($: CheerioAPI, moviePath: RegExp): "movie" | "tv" | null {
  const canonical = canonicalUrl($);
  let path: string | null = null;
  if (canonical !== null) {
    try {
      path = new URL(canonical, "https://example.invalid").pathname;
    } catch {
      path = null;
    }
  }
  if (path !== null && moviePath.test(path)) return "movie";
  if (path !== null && /^\/tv\//.test(path)) return "tv";
  const ogType = cleanText($('meta[property="og:type"]').attr("content"))?.toLowerCase() ?? null;
  if (ogType === "video.movie") return "movie";
  if (ogType === "video.tv_show" || ogType === "video.episode") return "tv";
  return null;
}

/**
 * Combines strategies tried in order of stability: each score takes the first strategy that found it; the
 * title and first year take the first strategy that saw them. `strategy` is the first that found any score.
 * The grain is `movie` when `fallback.kind` (the page's URL / Open Graph type) says movie, or, when it says
 * nothing, a strategy saw a `Movie`; else `season` when the URL or a strategy says so; else `series`.
 */
export function combineStrategies(
  site: RatingSite,
  results: { name: string; result: StrategyResult }[],
  fallback: { title: string | null; firstYear: number | null; season: boolean; kind?: "movie" | "tv" | null },
): PageParse {
  let critics: ScoreReading | null = null;
  let audience: ScoreReading | null = null;
  let title: string | null = null;
  let firstYear: number | null = null;
  let season = fallback.season;
  let strategy: string | null = null;
  let movie = false;
  for (const { name, result } of results) {
    if (!critics && result.critics) critics = result.critics;
    if (!audience && result.audience) audience = result.audience;
    if (strategy === null && (result.critics || result.audience)) strategy = name;
    if (title === null && result.title) title = result.title;
    if (firstYear === null && result.firstYear) firstYear = result.firstYear;
    if (result.season) season = true;
    if (result.movie) movie = true;
  }
  const isMovie = fallback.kind === "movie" || ((fallback.kind ?? null) === null && movie);
  return {
    site,
    title: title ?? fallback.title,
    firstYear: firstYear ?? fallback.firstYear,
    grain: isMovie ? "movie" : season ? "season" : "series",
    critics: critics ?? missingReading(),
    audience: audience ?? missingReading(),
    strategy,
    hasScores: critics !== null || audience !== null,
  };
}

/** The page's canonical URL (`link[rel=canonical]`, else `og:url`), or null. */
export function canonicalUrl($: CheerioAPI): string | null {
  return cleanText($('link[rel="canonical"]').attr("href")) ?? cleanText($('meta[property="og:url"]').attr("content"));
}
