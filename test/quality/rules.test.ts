import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { RatingObservation, SeriesRecord } from "../../src/domain.js";
import { checkRating, checkSeries } from "../../src/quality/rules.js";
import { isValidCalendarDate, issuesFromZod, nonJsonBodyIssue, primaryReason } from "../../src/validation/issues.js";
import { parseUpstreamNumber, scoreCountFlags } from "../../src/validation/numbers.js";
import { seriesRecord } from "../helpers/records.js";

const ctx = { knownGenreIds: new Set([18, 35, 9648, 10765]), currentYear: 2026 };

const series = seriesRecord;

function rating(overrides: Partial<RatingObservation> = {}): RatingObservation {
  return {
    seriesId: 1396,
    source: "imdb",
    score: 9.5,
    voteCount: 2_212_015,
    voteCountIsLowerBound: false,
    grain: "series",
    method: "api",
    ...overrides,
  };
}

function reasonsOf(verdict: ReturnType<typeof checkSeries> | ReturnType<typeof checkRating>): string[] {
  return verdict.ok ? [] : verdict.issues.map((i) => i.reason);
}

describe("checkSeries", () => {
  it("accepts a complete series and one with nulls", () => {
    const full = checkSeries(series(), ctx);
    expect(full).toEqual({ ok: true, value: series(), flags: [] });
    const sparse = checkSeries(
      series({
        firstAirDate: null,
        releaseYear: null,
        lastAirDate: null,
        imdbId: null,
        tvdbId: null,
        wikidataId: null,
        numberOfEpisodes: null,
        numberOfSeasons: null,
        popularity: null,
      }),
      ctx,
    );
    expect(sparse.ok).toBe(true);
  });

  it.each([
    ["impossible date", { firstAirDate: "2023-02-30", releaseYear: 2023 }, "invalid_date", "firstAirDate"],
    ["not ISO", { lastAirDate: "29/09/2013" }, "invalid_date", "lastAirDate"],
    ["year before 1900", { firstAirDate: "1899-06-01", releaseYear: 1899 }, "out_of_range", "firstAirDate"],
    ["year after next year", { firstAirDate: "2028-01-01", releaseYear: 2028, lastAirDate: null }, "out_of_range", "firstAirDate"],
    ["last before first", { lastAirDate: "2007-01-01" }, "inconsistent", "lastAirDate"],
    ["release year differs", { releaseYear: 2009 }, "inconsistent", "releaseYear"],
    [
      "unknown genre",
      {
        genres: [
          { id: 18, name: "Drama" },
          { id: 424242, name: "X" },
        ],
      },
      "unknown_genre",
      "genres.1.id",
    ],
    ["short IMDb id", { imdbId: "tt12345" }, "invalid_id", "imdbId"],
    ["empty IMDb id", { imdbId: "" }, "invalid_id", "imdbId"],
    ["person IMDb id", { imdbId: "nm0000001" }, "invalid_id", "imdbId"],
    ["Wikidata property", { wikidataId: "P1258" }, "invalid_id", "wikidataId"],
    ["zero id", { id: 0 }, "invalid_id", "id"],
    ["fractional id", { id: 1.5 }, "not_an_integer", "id"],
    ["negative seasons", { numberOfSeasons: -1 }, "out_of_range", "numberOfSeasons"],
    ["fractional episodes", { numberOfEpisodes: 61.5 }, "not_an_integer", "numberOfEpisodes"],
    ["blank title", { title: "  " }, "missing_field", "title"],
    ["negative popularity", { popularity: -1 }, "out_of_range", "popularity"],
    ["network without name", { networks: [{ id: 174, name: "", originCountry: null, logoPath: null }] }, "missing_field", "networks.0.name"],
  ] satisfies [string, Partial<SeriesRecord>, string, string][])("rejects %s", (_name, overrides, reason, path) => {
    const verdict = checkSeries(series(overrides), ctx);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.issues).toContainEqual(expect.objectContaining({ reason, path }));
  });

  it("accepts next year's premiere but not the year after", () => {
    expect(checkSeries(series({ firstAirDate: "2027-12-31", releaseYear: 2027, lastAirDate: null }), ctx).ok).toBe(true);
    expect(checkSeries(series({ firstAirDate: "2024-02-29", releaseYear: 2024, lastAirDate: null }), ctx).ok).toBe(true);
  });

  it("flags more seasons than episodes and a series without genres, but loads them", () => {
    const verdict = checkSeries(series({ numberOfSeasons: 3, numberOfEpisodes: 2, genres: [] }), ctx);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.flags.map((f) => f.path)).toEqual(["numberOfSeasons", "genres"]);
  });

  it("reports every domain problem at once", () => {
    const verdict = checkSeries(series({ firstAirDate: "1850-01-01", releaseYear: 1851, genres: [{ id: 1, name: "?" }] }), ctx);
    expect(reasonsOf(verdict)).toEqual(["out_of_range", "inconsistent", "unknown_genre"]);
  });
});

describe("checkRating", () => {
  it.each([
    ["imdb", 1],
    ["imdb", 10],
    ["tmdb", 0],
    ["rotten_tomatoes_critics", 100],
    ["rotten_tomatoes_audience", 0],
    ["metacritic_critics", 100],
    ["metacritic_users", 10],
  ] as const)("accepts %s %d (edge of its scale)", (source, score) => {
    expect(checkRating(rating({ source, score })).ok).toBe(true);
  });

  it.each([
    ["imdb", 0.9],
    ["imdb", 10.1],
    ["tmdb", -0.1],
    ["tmdb", 10.5],
    ["rotten_tomatoes_critics", 101],
    ["rotten_tomatoes_audience", -1],
    ["metacritic_critics", 100.5],
    ["metacritic_users", 84],
  ] as const)("rejects %s %d as out_of_range", (source, score) => {
    const verdict = checkRating(rating({ source, score }));
    expect(reasonsOf(verdict)).toEqual(["out_of_range"]);
  });

  it("rejects bad counts and NaN scores", () => {
    expect(reasonsOf(checkRating(rating({ voteCount: -1 })))).toEqual(["out_of_range"]);
    expect(reasonsOf(checkRating(rating({ voteCount: 10.5 })))).toEqual(["not_an_integer"]);
    expect(reasonsOf(checkRating(rating({ score: Number.NaN })))).toEqual(["not_a_number"]);
    expect(reasonsOf(checkRating(rating({ seriesId: 0 })))).toEqual(["invalid_id"]);
  });

  it("flags a score without a count (null or zero) but accepts it", () => {
    for (const voteCount of [null, 0]) {
      const verdict = checkRating(rating({ voteCount }));
      expect(verdict.ok).toBe(true);
      if (verdict.ok) expect(verdict.flags).toEqual([expect.objectContaining({ path: "voteCount", reason: "inconsistent" })]);
    }
    const clean = checkRating(rating());
    expect(clean.ok && clean.flags).toEqual([]);
  });

  it("scoreCountFlags: a count without a score is suspicious, neither is fine", () => {
    expect(scoreCountFlags(null, 1234)).toEqual([expect.objectContaining({ path: "score", reason: "inconsistent" })]);
    expect(scoreCountFlags(null, null)).toEqual([]);
    expect(scoreCountFlags(null, 0)).toEqual([]);
    expect(scoreCountFlags(8, 10)).toEqual([]);
  });
});

describe("parseUpstreamNumber", () => {
  it.each([
    ["8.7", {}, 8.7],
    [" 8.7 ", {}, 8.7],
    ["2,212,015", { integer: true }, 2_212_015],
    ["1,234", {}, 1234],
    ["54", { integer: true }, 54],
    ["N/A", { integer: true }, null],
    ["n/a", {}, null],
    ["tbd", {}, null],
    [null, {}, null],
    [undefined, {}, null],
    [87, { integer: true }, 87],
    ["-0.5", {}, -0.5],
  ] as const)("%j → %j", (text, options, value) => {
    expect(parseUpstreamNumber(text, options)).toEqual({ ok: true, value, issue: null });
  });

  it.each([
    ["", {}, "not_a_number"],
    ["   ", {}, "not_a_number"],
    ["abc", {}, "not_a_number"],
    ["1e3", {}, "not_a_number"],
    ["8,7", {}, "not_a_number"],
    ["12,34", { integer: true }, "not_a_number"],
    ["1,234", { allowThousandsSeparators: false }, "not_a_number"],
    ["1.5", { integer: true }, "not_an_integer"],
    ["1,234.5", { integer: true }, "not_an_integer"],
    ["-3", { integer: true }, "out_of_range"],
    ["11", { max: 10 }, "out_of_range"],
    ["0.5", { min: 1 }, "out_of_range"],
    [Number.POSITIVE_INFINITY, {}, "not_a_number"],
  ] as const)("%j is rejected as %s", (text, options, reason) => {
    const result = parseUpstreamNumber(text, { ...options, path: "imdbVotes" });
    expect(result.ok).toBe(false);
    expect(result.value).toBeNull();
    expect(result.issue).toMatchObject({ path: "imdbVotes", reason });
  });

  it("custom missing markers replace the default ones", () => {
    expect(parseUpstreamNumber("tbd", { missing: ["N/A"] }).ok).toBe(false);
    expect(parseUpstreamNumber("-", { missing: ["-"] })).toEqual({ ok: true, value: null, issue: null });
  });
});

describe("isValidCalendarDate", () => {
  it("knows month lengths and leap years", () => {
    expect(isValidCalendarDate("2024-02-29")).toBe(true);
    expect(isValidCalendarDate("2000-02-29")).toBe(true);
    expect(isValidCalendarDate("1900-02-29")).toBe(false);
    expect(isValidCalendarDate("2023-02-29")).toBe(false);
    expect(isValidCalendarDate("2023-04-31")).toBe(false);
    expect(isValidCalendarDate("2023-12-31")).toBe(true);
    expect(isValidCalendarDate("2023-00-10")).toBe(false);
    expect(isValidCalendarDate("2023-01-00")).toBe(false);
    expect(isValidCalendarDate("2023-1-1")).toBe(false);
    expect(isValidCalendarDate("")).toBe(false);
  });
});

describe("issuesFromZod", () => {
  const schema = z.object({
    id: z.number().int(),
    name: z.string(),
    votes: z.number().int().nonnegative(),
    first_air_date: z.iso.date(),
    imdb_id: z.string().regex(/^tt\d+$/),
    kind: z.enum(["series"]),
    genres: z.array(z.object({ id: z.number() })),
    checked: z.number().refine(() => false, { message: "nope", params: { reason: "unknown_genre" } }),
  });

  it("maps each zod issue to a reason with a dotted path", () => {
    const result = schema.safeParse({
      id: "1396",
      votes: -1,
      first_air_date: "2023-02-30",
      imdb_id: "x",
      kind: "movie",
      genres: [{ id: 1 }, { id: "x" }],
      checked: 1,
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    const issues = issuesFromZod(result.error);
    expect(issues.map((i) => [i.path, i.reason])).toEqual([
      ["id", "not_a_number"],
      ["name", "missing_field"],
      ["votes", "out_of_range"],
      ["first_air_date", "invalid_date"],
      ["imdb_id", "invalid_id"],
      ["kind", "schema_mismatch"],
      ["genres.1.id", "not_a_number"],
      ["checked", "unknown_genre"],
    ]);
    expect(primaryReason(issues)).toBe("not_a_number");
  });

  it("tells fractions and wrong types apart, with or without the input reported", () => {
    const s = z.object({ n: z.number().int(), t: z.string() });
    const plain = s.safeParse({ n: 1.5, t: 5 });
    const reported = s.safeParse({ n: 1.5, t: 5 }, { reportInput: true });
    for (const r of [plain, reported]) {
      expect(r.success).toBe(false);
      if (!r.success) expect(issuesFromZod(r.error).map((i) => i.reason)).toEqual(["not_an_integer", "schema_mismatch"]);
    }
    const root = z.object({ a: z.string() }).safeParse(null);
    if (!root.success) expect(issuesFromZod(root.error)).toEqual([expect.objectContaining({ path: "", reason: "schema_mismatch" })]);
  });
});

describe("nonJsonBodyIssue", () => {
  it.each([
    ['{"id": 1396, "name": "Breaking', "invalid_json"],
    ["  [1, 2", "invalid_json"],
    ["<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "not_json"],
    ["", "not_json"],
    [null, "not_json"],
    ["null", "schema_mismatch"],
    ['"Service Unavailable"', "schema_mismatch"],
  ] as const)("%j → %s", (text, reason) => {
    expect(nonJsonBodyIssue(text)).toMatchObject({ path: "", reason });
  });
});
