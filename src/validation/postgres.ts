/**
 * PostgreSQL-safe values: the one place that makes what a source yields storable before it is staged or
 * written, so that one hostile record is quarantined (or repaired and flagged) instead of failing a run.
 *
 * What PostgreSQL refuses, and what is done about it here:
 * - `text` cannot hold U+0000 (SQLSTATE 22P05 / 22021), and `jsonb` refuses the escape `\u0000` inside any
 *   string of a payload: NUL characters are removed.
 * - Invalid UTF-16 (a lone surrogate) is either refused by `jsonb` ("Unicode low surrogate must follow a
 *   high surrogate") or silently changed on the wire: each lone surrogate is replaced with U+FFFD.
 * - Text has no useful bound in PostgreSQL (1 GB), but a 10 MB "title" is not a title: every kind of text
 *   has a documented limit ({@link TEXT_LIMITS}); longer text is cut at that length (never inside a
 *   surrogate pair).
 * - `integer` (int4) holds −2³¹…2³¹−1 and `bigint` (int8) −2⁶³…2⁶³−1 (SQLSTATE 22003 beyond); a JavaScript
 *   number is exact only up to 2⁵³−1. An integer that does not fit its column is an issue, never a cast.
 *
 * Repairs (NUL removed, surrogate replaced, text cut) keep the record and come back as `flags`; values that
 * cannot be repaired (an id beyond int4) come back as `issues` and the record must not be written. Both are
 * {@link RecordIssue}s, so the quarantine records them as they are. Reasons used: `schema_mismatch` (text
 * PostgreSQL cannot store as given), `out_of_range` (too long, or an integer beyond its column), `invalid_id`
 * (an id beyond its column), `not_an_integer`, `not_a_number`.
 *
 * Pure: no I/O.
 */
import type { GenreRecord, NetworkRecord, RatingObservation, RecordIssue, SeriesRecord } from "../domain.js";

/**
 * Kinds of text and their maximum length in UTF-16 code units (JavaScript string length), chosen well above
 * every real value seen upstream and far below what would hurt a row or an index:
 * - `code` 64: ISO codes, statuses, series types, IMDb / Wikidata ids, methods, grains, run stages;
 * - `name` 500: genre and network names, rating page titles;
 * - `title` 1,000: series titles and original titles (the longest seen are about 200);
 * - `url` 2,048: URLs and image paths (the common browser limit);
 * - `plot` 20,000: overviews / plots (TMDB's longest are a few thousand);
 * - `detail` 4,000: error messages, `enrichment_state.detail`, `scrape_event.detail`, `harvest_run.error`;
 * - `payload` 100,000: any one string inside a staged `jsonb` payload, and staged body text.
 */
export const TEXT_LIMITS = {
  code: 64,
  name: 500,
  title: 1_000,
  url: 2_048,
  plot: 20_000,
  detail: 4_000,
  payload: 100_000,
} as const;

/** A kind of text, with its limit in {@link TEXT_LIMITS}. */
export type TextKind = keyof typeof TEXT_LIMITS;

/** Integer column types of PostgreSQL and their ranges (int8 bounded by what a JS number holds exactly). */
export const INTEGER_RANGES = {
  /** `integer`: −2,147,483,648 … 2,147,483,647. */
  int4: { min: -2_147_483_648, max: 2_147_483_647 },
  /** `bigint`: −2⁶³ … 2⁶³−1 in PostgreSQL; as a JS number only ±(2⁵³−1) is exact, so that is the bound. */
  int8: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
} as const;

/** An integer column type. */
export type IntegerColumn = keyof typeof INTEGER_RANGES;

/** Deepest nesting kept in a `jsonb` payload; deeper values become null (with a flag). */
export const MAX_JSON_DEPTH = 64;

/**
 * Outcome of making a value PostgreSQL-safe, shaped like the boundary rules' verdicts
 * (`src/quality/rules.ts`): `ok: true` with the safe `value` and the repairs made as `flags` (possibly
 * none), or `ok: false` with the `issues` that forbid writing it (never empty).
 */
export type PostgresSafe<T> = { ok: true; value: T; flags: RecordIssue[] } | { ok: false; issues: RecordIssue[] };

/** A JSON value as `jsonb` stores it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const NUL = new RegExp(String.fromCharCode(0), "g");
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const countMatches = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

/** Cuts `text` to at most `limit` code units without splitting a surrogate pair. */
function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const code = text.charCodeAt(limit - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}

/**
 * Text PostgreSQL stores as it is: NUL characters removed, lone surrogates replaced with U+FFFD, cut to the
 * limit of `kind`. Always succeeds; each repair is a flag at `path` (`schema_mismatch` for NUL and
 * surrogates, `out_of_range` for the cut).
 */
export function toPostgresText(value: string, kind: TextKind, path: string): { value: string; flags: RecordIssue[] } {
  const flags: RecordIssue[] = [];
  let text = value;
  const nuls = countMatches(text, NUL);
  if (nuls > 0) {
    text = text.replace(NUL, "");
    flags.push({ path, message: `${nuls} NUL character(s) removed (PostgreSQL text cannot hold U+0000)`, reason: "schema_mismatch" });
  }
  const surrogates = countMatches(text, LONE_SURROGATE);
  if (surrogates > 0) {
    text = text.replace(LONE_SURROGATE, "\uFFFD");
    flags.push({ path, message: `${surrogates} lone surrogate(s) replaced with U+FFFD (invalid UTF-16)`, reason: "schema_mismatch" });
  }
  const limit = TEXT_LIMITS[kind];
  if (text.length > limit) {
    flags.push({ path, message: `text of ${text.length} characters cut to ${limit} (limit for ${kind})`, reason: "out_of_range" });
    text = cut(text, limit);
  }
  return { value: text, flags };
}

/** {@link toPostgresText} for a nullable column: null stays null. */
export function toPostgresNullableText(value: string | null, kind: TextKind, path: string): { value: string | null; flags: RecordIssue[] } {
  return value === null ? { value: null, flags: [] } : toPostgresText(value, kind, path);
}

/**
 * An integer checked against its column type. Not an issue when it fits; otherwise `not_a_number` (NaN,
 * ±Infinity), `not_an_integer` (a fraction) or `role`'s reason beyond the range: `invalid_id` for an id
 * (a TMDB id above 2³¹−1 in an `integer` column), `out_of_range` for a count or a year.
 */
export function toPostgresInteger(value: number, column: IntegerColumn, path: string, role: "id" | "count" = "count"): PostgresSafe<number> {
  if (!Number.isFinite(value)) return { ok: false, issues: [{ path, message: `${String(value)} is not a number`, reason: "not_a_number" }] };
  if (!Number.isInteger(value)) return { ok: false, issues: [{ path, message: `${value} is not an integer`, reason: "not_an_integer" }] };
  const { min, max } = INTEGER_RANGES[column];
  if (value < min || value > max) {
    return {
      ok: false,
      issues: [
        {
          path,
          message: `${value} does not fit PostgreSQL ${column === "int4" ? "integer" : "bigint"} (${min}…${max})`,
          reason: role === "id" ? "invalid_id" : "out_of_range",
        },
      ],
    };
  }
  return { ok: true, value, flags: [] };
}

/** {@link toPostgresInteger} for a nullable column: null stays null. */
export function toPostgresNullableInteger(
  value: number | null,
  column: IntegerColumn,
  path: string,
  role: "id" | "count" = "count",
): PostgresSafe<number | null> {
  return value === null ? { ok: true, value: null, flags: [] } : toPostgresInteger(value, column, path, role);
}

const joinPath = (path: string, key: string | number) => (path === "" ? String(key) : `${path}.${key}`);

/**
 * A value as `jsonb` stores it, sanitised recursively: every string (keys included) through
 * {@link toPostgresText} with kind `payload`; numbers that JSON cannot hold (NaN, ±Infinity) become null;
 * bigints within ±(2⁵³−1) become numbers, larger ones strings; dates ISO strings; `undefined` and functions
 * are dropped in objects and null in arrays (as `JSON.stringify` does); nesting deeper than
 * {@link MAX_JSON_DEPTH} becomes null. Always succeeds; each change is a flag at its dotted path below `path`.
 */
export function toPostgresJson(value: unknown, path = ""): { value: JsonValue; flags: RecordIssue[] } {
  const flags: RecordIssue[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, at: string, depth: number): JsonValue | undefined => {
    if (v === null) return null;
    switch (typeof v) {
      case "string": {
        const text = toPostgresText(v, "payload", at);
        flags.push(...text.flags);
        return text.value;
      }
      case "number":
        if (Number.isFinite(v)) return v;
        flags.push({ path: at, message: `${String(v)} is not a JSON number; stored as null`, reason: "not_a_number" });
        return null;
      case "boolean":
        return v;
      case "bigint":
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      case "undefined":
      case "function":
      case "symbol":
        return undefined;
      case "object":
        break;
    }
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (typeof v !== "object") return null;
    if (depth >= MAX_JSON_DEPTH || seen.has(v)) {
      flags.push({
        path: at,
        message: seen.has(v) ? "circular reference; stored as null" : `nested deeper than ${MAX_JSON_DEPTH} levels; stored as null`,
        reason: "out_of_range",
      });
      return null;
    }
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((item: unknown, i) => walk(item, joinPath(at, i), depth + 1) ?? null);
      const out: { [key: string]: JsonValue } = {};
      for (const [key, item] of Object.entries(v)) {
        const safe = walk(item, joinPath(at, key), depth + 1);
        if (safe === undefined) continue;
        const k = toPostgresText(key, "payload", joinPath(at, key));
        flags.push(...k.flags);
        out[k.value] = safe;
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return { value: walk(value, path, 0) ?? null, flags };
}

/** Collects flags and issues while a record is made safe field by field. */
class Collector {
  readonly flags: RecordIssue[] = [];
  readonly issues: RecordIssue[] = [];
  text(value: string, kind: TextKind, path: string): string {
    const r = toPostgresText(value, kind, path);
    this.flags.push(...r.flags);
    return r.value;
  }
  nullableText(value: string | null, kind: TextKind, path: string): string | null {
    return value === null ? null : this.text(value, kind, path);
  }
  int(value: number, column: IntegerColumn, path: string, role: "id" | "count" = "count"): number {
    const r = toPostgresInteger(value, column, path, role);
    if (!r.ok) this.issues.push(...r.issues);
    return value;
  }
  nullableInt(value: number | null, column: IntegerColumn, path: string, role: "id" | "count" = "count"): number | null {
    return value === null ? null : this.int(value, column, path, role);
  }
  verdict<T>(value: T): PostgresSafe<T> {
    return this.issues.length > 0 ? { ok: false, issues: this.issues } : { ok: true, value, flags: this.flags };
  }
}

/** A genre made safe for `genre_dim` (id int4, name text) at `path`. */
export function toPostgresGenre(genre: GenreRecord, path = ""): PostgresSafe<GenreRecord> {
  const c = new Collector();
  const value = { id: c.int(genre.id, "int4", joinPath(path, "id"), "id"), name: c.text(genre.name, "name", joinPath(path, "name")) };
  return c.verdict(value);
}

function network(c: Collector, n: NetworkRecord, path: string): NetworkRecord {
  return {
    id: c.int(n.id, "int4", joinPath(path, "id"), "id"),
    name: c.text(n.name, "name", joinPath(path, "name")),
    originCountry: c.nullableText(n.originCountry, "code", joinPath(path, "originCountry")),
    logoPath: c.nullableText(n.logoPath, "url", joinPath(path, "logoPath")),
  };
}

/** A network made safe for `network_dim` (id int4; name, origin country, logo path text) at `path`. */
export function toPostgresNetwork(n: NetworkRecord, path = ""): PostgresSafe<NetworkRecord> {
  const c = new Collector();
  const value = network(c, n, path);
  return c.verdict(value);
}

/**
 * A series made safe for `series_dim` and its bridges: ids, TVDB id, years and counts within `integer`,
 * every text field sanitised and bounded by its kind (titles `title`, plot `plot`, poster path `url`, codes
 * `code`), genres and networks as {@link toPostgresGenre} / {@link toPostgresNetwork}. Paths follow the
 * record's field names (`title`, `genres.0.name`).
 */
export function toPostgresSeries(record: SeriesRecord): PostgresSafe<SeriesRecord> {
  const c = new Collector();
  const value: SeriesRecord = {
    id: c.int(record.id, "int4", "id", "id"),
    title: c.text(record.title, "title", "title"),
    originalTitle: c.text(record.originalTitle, "title", "originalTitle"),
    firstAirDate: c.nullableText(record.firstAirDate, "code", "firstAirDate"),
    releaseYear: c.nullableInt(record.releaseYear, "int4", "releaseYear"),
    lastAirDate: c.nullableText(record.lastAirDate, "code", "lastAirDate"),
    status: c.nullableText(record.status, "code", "status"),
    seriesType: c.nullableText(record.seriesType, "code", "seriesType"),
    originalLanguage: c.nullableText(record.originalLanguage, "code", "originalLanguage"),
    originCountries: record.originCountries.map((country, i) => c.text(country, "code", `originCountries.${i}`)),
    numberOfSeasons: c.nullableInt(record.numberOfSeasons, "int4", "numberOfSeasons"),
    numberOfEpisodes: c.nullableInt(record.numberOfEpisodes, "int4", "numberOfEpisodes"),
    plot: c.nullableText(record.plot, "plot", "plot"),
    imdbId: c.nullableText(record.imdbId, "code", "imdbId"),
    tvdbId: c.nullableInt(record.tvdbId, "int4", "tvdbId", "id"),
    wikidataId: c.nullableText(record.wikidataId, "code", "wikidataId"),
    popularity: record.popularity,
    posterPath: c.nullableText(record.posterPath, "url", "posterPath"),
    genres: record.genres.map((g, i) => ({ id: c.int(g.id, "int4", `genres.${i}.id`, "id"), name: c.text(g.name, "name", `genres.${i}.name`) })),
    networks: record.networks.map((n, i) => network(c, n, `networks.${i}`)),
    backdropPath: c.nullableText(record.backdropPath, "url", "backdropPath"),
    creators: record.creators.map((name, i) => c.text(name, "name", `creators.${i}`)),
    keywords: record.keywords.map((name, i) => c.text(name, "name", `keywords.${i}`)),
    contentRatings: record.contentRatings.map((r, i) => ({
      region: c.text(r.region, "code", `contentRatings.${i}.region`),
      rating: c.text(r.rating, "code", `contentRatings.${i}.rating`),
    })),
    availability: record.availability.map((a, i) => ({
      platform: {
        id: c.int(a.platform.id, "int4", `availability.${i}.platform.id`, "id"),
        name: c.text(a.platform.name, "name", `availability.${i}.platform.name`),
        logoPath: c.nullableText(a.platform.logoPath, "url", `availability.${i}.platform.logoPath`),
      },
      region: c.text(a.region, "code", `availability.${i}.region`),
      offerType: a.offerType,
      displayPriority: c.nullableInt(a.displayPriority, "int4", `availability.${i}.displayPriority`),
    })),
    seasons: record.seasons.map((x, i) => ({
      seasonNumber: c.int(x.seasonNumber, "int4", `seasons.${i}.seasonNumber`),
      tmdbSeasonId: c.nullableInt(x.tmdbSeasonId, "int4", `seasons.${i}.tmdbSeasonId`, "id"),
      name: c.nullableText(x.name, "title", `seasons.${i}.name`),
      airDate: c.nullableText(x.airDate, "code", `seasons.${i}.airDate`),
      episodeCount: c.nullableInt(x.episodeCount, "int4", `seasons.${i}.episodeCount`),
    })),
  };
  return c.verdict(value);
}

/**
 * A rating observation made safe for `rating_fact`: series id and vote count within `integer`, method (and count
 * method) bounded as a `code`, the page URL as a `url`. The score's scale is the boundary rules' concern (`checkRating`), not this one's.
 */
export function toPostgresObservation(obs: RatingObservation): PostgresSafe<RatingObservation> {
  const c = new Collector();
  const value: RatingObservation = {
    ...obs,
    seriesId: c.int(obs.seriesId, "int4", "seriesId", "id"),
    voteCount: c.nullableInt(obs.voteCount, "int4", "voteCount"),
    method: c.text(obs.method, "code", "method"),
    ...(obs.countMethod === undefined ? {} : { countMethod: c.nullableText(obs.countMethod, "code", "countMethod") }),
    ...(obs.pageUrl === undefined ? {} : { pageUrl: c.nullableText(obs.pageUrl, "url", "pageUrl") }),
  };
  return c.verdict(value);
}
