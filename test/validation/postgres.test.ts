import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeriesRecord } from "../../src/domain.js";
import {
  INTEGER_RANGES,
  MAX_JSON_DEPTH,
  TEXT_LIMITS,
  toPostgresGenre,
  toPostgresInteger,
  toPostgresJson,
  toPostgresObservation,
  toPostgresSeries,
  toPostgresText,
} from "../../src/validation/postgres.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seriesRecord } from "../helpers/records.js";

const series = (overrides: Partial<SeriesRecord> = {}): SeriesRecord =>
  seriesRecord({
    plot: "A chemistry teacher.",
    posterPath: "/ggFHVNu6YYI5L9pCfOacjizRGt.jpg",
    networks: [{ id: 174, name: "AMC", originCountry: "US", logoPath: "/pmvRmATOCaDykE6JrVoeYxlFHw3.png" }],
    backdropPath: "/tsRy63Mu5cu8etL1X7ZLyf7UP1M.jpg",
    creators: ["Vince Gilligan"],
    keywords: ["drug dealer"],
    contentRatings: [{ region: "US", rating: "TV-MA" }],
    availability: [
      { platform: { id: 8, name: "Netflix", logoPath: "/pbpMk2JmcoNnQwx5JGpXngfoWtp.jpg" }, region: "US", offerType: "flatrate", displayPriority: 1 },
    ],
    seasons: [{ seasonNumber: 1, tmdbSeasonId: 3572, name: "Season 1", airDate: "2008-01-20", episodeCount: 7 }],
    ...overrides,
  });

describe("toPostgresText", () => {
  it("removes NUL characters and says so", () => {
    const r = toPostgresText("Breaking\u0000 Bad\u0000", "title", "title");
    expect(r.value).toBe("Breaking Bad");
    expect(r.flags).toEqual([{ path: "title", message: expect.stringContaining("2 NUL"), reason: "schema_mismatch" }]);
  });

  it("replaces lone surrogates with U+FFFD and keeps surrogate pairs", () => {
    const r = toPostgresText("a\uD800b\uDC00c 😀", "name", "name");
    expect(r.value).toBe("a\uFFFDb\uFFFDc 😀");
    expect(r.flags.map((f) => f.message)).toEqual([expect.stringContaining("2 lone surrogate")]);
  });

  it("cuts text at its kind's limit, never inside a surrogate pair", () => {
    const huge = "x".repeat(5_000_000);
    const r = toPostgresText(huge, "title", "title");
    expect(r.value).toHaveLength(TEXT_LIMITS.title);
    expect(r.flags).toEqual([{ path: "title", message: expect.stringContaining("cut to 1000"), reason: "out_of_range" }]);
    const pair = toPostgresText(`${"x".repeat(TEXT_LIMITS.code - 1)}😀`, "code", "c");
    expect(pair.value).toBe("x".repeat(TEXT_LIMITS.code - 1));
    expect(pair.value.endsWith("\uD83D")).toBe(false);
  });

  it("leaves ordinary text alone, with no flag", () => {
    expect(toPostgresText("Ça va — Ñandú 日本", "title", "title")).toEqual({ value: "Ça va — Ñandú 日本", flags: [] });
  });
});

describe("toPostgresInteger", () => {
  it("accepts the ends of int4 and rejects one past them", () => {
    expect(toPostgresInteger(INTEGER_RANGES.int4.max, "int4", "id", "id")).toEqual({ ok: true, value: 2147483647, flags: [] });
    expect(toPostgresInteger(INTEGER_RANGES.int4.min, "int4", "n")).toMatchObject({ ok: true });
    expect(toPostgresInteger(2 ** 31, "int4", "id", "id")).toEqual({
      ok: false,
      issues: [{ path: "id", message: expect.stringContaining("integer"), reason: "invalid_id" }],
    });
    expect(toPostgresInteger(-(2 ** 31) - 1, "int4", "voteCount")).toMatchObject({ ok: false, issues: [{ reason: "out_of_range" }] });
  });

  it("takes int8 values int4 refuses, up to what a JS number holds exactly", () => {
    expect(toPostgresInteger(2 ** 40, "int8", "n")).toMatchObject({ ok: true, value: 2 ** 40 });
    expect(toPostgresInteger(2 ** 53, "int8", "n")).toMatchObject({ ok: false, issues: [{ reason: "out_of_range" }] });
  });

  it("names fractions and non-numbers", () => {
    expect(toPostgresInteger(1.5, "int4", "n")).toMatchObject({ ok: false, issues: [{ reason: "not_an_integer" }] });
    expect(toPostgresInteger(Number.NaN, "int4", "n")).toMatchObject({ ok: false, issues: [{ reason: "not_a_number" }] });
    expect(toPostgresInteger(Infinity, "int8", "n")).toMatchObject({ ok: false, issues: [{ reason: "not_a_number" }] });
  });
});

describe("toPostgresJson", () => {
  it("sanitises strings at every depth, keys included, with dotted paths", () => {
    const r = toPostgresJson({ results: [{ name: "Bad\u0000", "k\u0000ey": 1 }], note: "\uDC00" }, "payload");
    expect(r.value).toEqual({ results: [{ name: "Bad", key: 1 }], note: "\uFFFD" });
    expect(r.flags.map((f) => f.path)).toEqual(["payload.results.0.name", "payload.results.0.k\u0000ey", "payload.note"]);
  });

  it("turns what JSON cannot hold into what jsonb stores", () => {
    const r = toPostgresJson({ a: Number.NaN, b: undefined, c: [undefined, 1], d: 10n, e: 2n ** 70n, f: new Date("2026-01-01T00:00:00Z") });
    expect(r.value).toEqual({ a: null, c: [null, 1], d: 10, e: "1180591620717411303424", f: "2026-01-01T00:00:00.000Z" });
    expect(r.flags).toEqual([{ path: "a", message: expect.any(String), reason: "not_a_number" }]);
  });

  it("bounds nesting and survives cycles", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = [deep];
    expect(toPostgresJson(deep).flags).toMatchObject([{ reason: "out_of_range" }]);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(toPostgresJson(cyclic)).toMatchObject({ value: { a: 1, self: null }, flags: [{ path: "self", reason: "out_of_range" }] });
  });
});

describe("records", () => {
  it("a series with a NUL in its title and a lone surrogate in its plot is repaired and flagged", () => {
    const r = toPostgresSeries(
      series({ title: "Breaking\u0000Bad", plot: "x\uD83D", networks: [{ id: 1, name: "A\u0000MC", originCountry: null, logoPath: null }] }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([r.value.title, r.value.plot, r.value.networks[0]?.name]).toEqual(["BreakingBad", "x\uFFFD", "AMC"]);
    expect(r.flags.map((f) => f.path)).toEqual(["title", "plot", "networks.0.name"]);
  });

  it("a series whose TMDB id (or a genre's, or its TVDB id) is beyond int4 is an issue, not a crash", () => {
    const r = toPostgresSeries(series({ id: 2 ** 31, tvdbId: 3e9, genres: [{ id: 2 ** 32, name: "Drama" }] }));
    expect(r).toEqual({
      ok: false,
      issues: [
        { path: "id", message: expect.any(String), reason: "invalid_id" },
        { path: "tvdbId", message: expect.any(String), reason: "invalid_id" },
        { path: "genres.0.id", message: expect.any(String), reason: "invalid_id" },
      ],
    });
  });

  it("a clean series passes unchanged", () => {
    expect(toPostgresSeries(series())).toEqual({ ok: true, value: series(), flags: [] });
    expect(toPostgresGenre({ id: 18, name: "Drama" })).toEqual({ ok: true, value: { id: 18, name: "Drama" }, flags: [] });
  });

  it("a scraped observation with a vote count beyond int4 is an issue", () => {
    const obs = {
      seriesId: 1,
      source: "metacritic_users" as const,
      score: 8.1,
      voteCount: 9_999_999_999,
      voteCountIsLowerBound: false,
      grain: "series" as const,
      method: "testid-markup",
    };
    expect(toPostgresObservation(obs)).toMatchObject({ ok: false, issues: [{ path: "voteCount", reason: "out_of_range" }] });
    expect(toPostgresObservation({ ...obs, voteCount: 12 })).toMatchObject({ ok: true, value: { voteCount: 12 } });
  });
});

describe("what PostgreSQL itself says (the reason for all of the above)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    await db.query("CREATE TABLE t (id integer, title text, payload jsonb)");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("refuses the raw values and stores the safe ones", async () => {
    const hostile = { title: "Bad\u0000Title", payload: { name: "x\u0000y", note: "\uD800" }, id: 2 ** 31 };
    await expect(db.query("INSERT INTO t (title) VALUES ($1)", [hostile.title])).rejects.toMatchObject({ code: "22021" });
    await expect(db.query("INSERT INTO t (payload) VALUES ($1)", [JSON.stringify({ name: hostile.payload.name })])).rejects.toMatchObject({
      code: "22P05",
    });
    await expect(db.query("INSERT INTO t (payload) VALUES ($1)", [JSON.stringify({ note: hostile.payload.note })])).rejects.toMatchObject({
      code: "22P02",
      detail: expect.stringMatching(/surrogate/i),
    });
    await expect(db.query("INSERT INTO t (id) VALUES ($1)", [hostile.id])).rejects.toMatchObject({ code: "22003" });

    const title = toPostgresText(hostile.title, "title", "title").value;
    const payload = toPostgresJson(hostile.payload).value;
    await db.query("INSERT INTO t (title, payload) VALUES ($1, $2)", [title, JSON.stringify(payload)]);
    expect(await db.query("SELECT title, payload FROM t")).toEqual([{ title: "BadTitle", payload: { name: "xy", note: "\uFFFD" } }]);
    expect(toPostgresInteger(hostile.id, "int4", "id", "id").ok).toBe(false);
  });
});
