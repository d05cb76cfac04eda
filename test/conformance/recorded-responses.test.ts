/**
 * Conformance: every real recording in ../shared/fixtures/tmdb and omdb goes through the project's parsers
 * and either parses (with the values the recording holds) or is classified as the error it is.
 */
import { describe, expect, it } from "vitest";
import { classifyOmdbAnswer, parseRatingValue, toOmdbRatings } from "../../src/sources/omdb/omdb.js";
import { externalIdsSchema } from "../../src/sources/tmdb/schemas.js";
import {
  parseGenreList,
  parseSeriesDetails,
  parseTmdbError,
  parseTopRatedPage,
  parseTopRatedResult,
  toSeriesRecord,
  toTmdbRating,
} from "../../src/sources/tmdb/tmdb.js";
import { checkSeries } from "../../src/quality/rules.js";
import { hasSharedFixtures, listFixtures, readFixture } from "../helpers/fixtures.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { omdbAnswer, tmdbDetails, tmdbListEntry } from "../../src/replay/dataset.js";

const tmdbFiles = listFixtures("tmdb");
const omdbFiles = listFixtures("omdb");

describe.skipIf(!hasSharedFixtures)("recorded TMDB responses (../shared/fixtures/tmdb)", () => {
  it("covers every recording with a classification", () => {
    expect(tmdbFiles.length).toBeGreaterThanOrEqual(20);
    for (const file of tmdbFiles) expect(classifyTmdbFixture(file), file).not.toBe("unknown");
  });

  it.each(tmdbFiles.filter((f) => classifyTmdbFixture(f) === "genres"))("%s parses as the genre list", (file) => {
    const parsed = parseGenreList(readFixture(`tmdb/${file}`));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.value.genres.length).toBeGreaterThanOrEqual(16);
      expect(parsed.value.genres.map((g) => g.id)).toContain(10765);
    }
  });

  it.each(tmdbFiles.filter((f) => classifyTmdbFixture(f) === "paged"))("%s parses as a paged list with valid results", (file) => {
    const parsed = parseTopRatedPage(readFixture(`tmdb/${file}`));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.page).toBe(1);
    for (const entry of parsed.value.results) expect(parseTopRatedResult(entry).ok).toBe(true);
  });

  it.each(tmdbFiles.filter((f) => classifyTmdbFixture(f) === "details"))("%s parses as series details and maps to a valid series", (file) => {
    const parsed = parseSeriesDetails(readFixture(`tmdb/${file}`));
    expect(parsed.ok, JSON.stringify(parsed.ok ? null : parsed.issues)).toBe(true);
    if (!parsed.ok) return;
    const record = toSeriesRecord(parsed.value);
    expect(record.title.length).toBeGreaterThan(0);
    expect(record.genres.length).toBeGreaterThan(0);
    const knownGenreIds = new Set([...record.genres.map((g) => g.id)]);
    const verdict = checkSeries(record, { knownGenreIds, currentYear: 2026 });
    expect(verdict.ok, JSON.stringify(verdict.ok ? null : verdict.issues)).toBe(true);
    expect(toTmdbRating(parsed.value)?.score).toBe(parsed.value.vote_average);
  });

  it("maps The Big Bang Theory (append_to_response=external_ids) exactly", () => {
    const parsed = parseSeriesDetails(readFixture("tmdb/subliminal__tv-1418-details-append-external_ids-2025-02.json"));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const record = toSeriesRecord(parsed.value);
    expect(record).toMatchObject({
      id: 1418,
      title: "The Big Bang Theory",
      firstAirDate: "2007-09-24",
      releaseYear: 2007,
      lastAirDate: "2019-05-16",
      status: "Ended",
      originalLanguage: "en",
      originCountries: ["US"],
      numberOfSeasons: 12,
      numberOfEpisodes: 279,
      imdbId: "tt0898266",
      tvdbId: 80379,
      genres: [{ id: 35, name: "Comedy" }],
      networks: [{ id: 16, name: "CBS", originCountry: "US", logoPath: "/wju8KhOUsR5y4bH9p3Jc50hhaLO.png" }],
    });
    expect(toTmdbRating(parsed.value)).toMatchObject({ source: "tmdb", score: 7.9, voteCount: 11492 });
  });

  it.each(tmdbFiles.filter((f) => classifyTmdbFixture(f) === "external_ids"))("%s parses as external ids", (file) => {
    const parsed = externalIdsSchema.safeParse(readFixture(`tmdb/${file}`));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.imdb_id).toMatch(/^tt\d{7,}$/);
  });

  it.each(tmdbFiles.filter((f) => classifyTmdbFixture(f) === "error"))("%s is classified as a TMDB error, not data", (file) => {
    const body = readFixture(`tmdb/${file}`);
    expect(parseTmdbError(body)).not.toBeNull();
    expect(parseSeriesDetails(body).ok).toBe(false);
    expect(parseTopRatedPage(body).ok).toBe(false);
  });
});

describe.skipIf(!hasSharedFixtures)("recorded OMDb responses (../shared/fixtures/omdb)", () => {
  it("classifies every recording", () => {
    const kinds = Object.fromEntries(omdbFiles.map((f) => [f, classifyOmdbAnswer(200, readFixture(`omdb/${f}`)).kind]));
    for (const [file, kind] of Object.entries(kinds)) {
      if (file.includes("__error-")) expect(kind, file).toBe("not_found");
      else if (file.includes("__search-"))
        expect(kind, file).toBe("invalid"); // a search answer is not a title lookup
      else expect(kind, file).toBe("found");
    }
  });

  it("reads a series' IMDb rating and votes (How I Met Your Mother, 2016, no Ratings array)", () => {
    const answer = classifyOmdbAnswer(200, readFixture("omdb/worr__series-tt0460649-himym-2016.json"));
    expect(answer.kind).toBe("found");
    if (answer.kind !== "found") return;
    const { observations, issues } = toOmdbRatings(7, answer.title);
    expect(issues).toEqual([]);
    expect(observations).toEqual([
      { seriesId: 7, source: "imdb", score: 8.4, voteCount: 450097, voteCountIsLowerBound: false, grain: "series", method: "api" },
    ]);
  });

  it("refuses to take a film's or an episode's rating for a series", () => {
    for (const file of ["subliminal__movie-by-id-tt0770828-2026-02.json", "worr__episode-himym-s2e2-2020.json"]) {
      const answer = classifyOmdbAnswer(200, readFixture(`omdb/${file}`));
      expect(answer.kind).toBe("found");
      if (answer.kind !== "found") continue;
      const mapped = toOmdbRatings(1, answer.title);
      expect(mapped.observations).toEqual([]);
      expect(mapped.issues[0]?.reason).toBe("inconsistent");
    }
  });

  it("reads the full Ratings array (IMDb x/10, Rotten Tomatoes x%, Metacritic x/100)", () => {
    const body = readFixture("omdb/subliminal__movie-by-id-tt0770828-2026-02.json");
    const answer = classifyOmdbAnswer(200, body);
    if (answer.kind !== "found") throw new Error("expected a title");
    expect(answer.title.Ratings?.map((r) => parseRatingValue(r.Value))).toEqual([7.1, 57, 55]);
    const asSeries = toOmdbRatings(3, { ...answer.title, Type: "series" });
    expect(asSeries.observations.map((o) => [o.source, o.score, o.voteCount])).toEqual([
      ["imdb", 7.1, 858780],
      ["rotten_tomatoes_critics", 57, null],
      ["metacritic_critics", 55, null],
    ]);
  });
});

/** What a TMDB recording is, from its name (the provenance table names each request). */
function classifyTmdbFixture(file: string): "genres" | "paged" | "details" | "external_ids" | "error" | "unknown" {
  if (file.includes("__error-")) return "error";
  if (file.includes("genre-tv-list")) return "genres";
  if (file.includes("top-rated") || file.includes("popular") || file.includes("search-tv")) return "paged";
  if (file.includes("external-ids")) return "external_ids";
  if (file.includes("-details")) return "details";
  return "unknown";
}

describe.skipIf(!hasSharedFixtures)("the replay data has the shapes of the real recordings", () => {
  const keys = (v: unknown) => Object.keys(v !== null && typeof v === "object" ? v : {}).sort();
  const field = (v: unknown, name: string): unknown => (v !== null && typeof v === "object" ? Reflect.get(v, name) : undefined);
  const seed = DEMO_CATALOGUE[0]!;

  it("TMDB details with external_ids: the same fields as a real /tv/{id}?append_to_response=external_ids, plus the other appends", () => {
    const real = readFixture("tmdb/subliminal__tv-1418-details-append-external_ids-2025-02.json");
    const ours = tmdbDetails(seed);
    expect(keys(ours)).toEqual([...keys(real), "content_ratings", "keywords", "watch/providers"].sort());
    expect(keys(ours.external_ids)).toEqual(keys(field(real, "external_ids")));
  });

  it("TMDB appended watch/providers, content_ratings and keywords: the shapes of a real append-all answer", () => {
    const real = readFixture("tmdb/ceg__tv-1399-details-append-all-EDITED.json");
    const ours = tmdbDetails(seed);
    const first = (v: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((acc, k) => field(acc, String(k)), v);
    expect(keys(first(ours, "watch/providers", "results", "US"))).toEqual(expect.arrayContaining(["link", "flatrate"]));
    expect(keys(first(ours, "watch/providers", "results", "US", "flatrate", 0))).toEqual(
      keys(first(real, "watch/providers", "results", "AE", "flatrate", 0)),
    );
    expect(keys(first(ours, "content_ratings", "results", 0))).toEqual(keys(first(real, "content_ratings", "results", 0)));
    expect(keys(first(ours, "keywords", "results", 0))).toEqual(keys(first(real, "keywords", "results", 0)));
    expect(keys(first(ours, "seasons", 0))).toEqual(keys(first(real, "seasons", 0)));
  });

  it("TMDB top_rated entries: the fields of a real page (adult as in current answers)", () => {
    const real = parseTopRatedPage(readFixture("tmdb/jdrouet__tv-popular-page1.json"));
    if (!real.ok) throw new Error("recording does not parse");
    expect(keys(tmdbListEntry(seed))).toEqual(keys(real.value.results[0]));
  });

  it("OMDb series answers: the fields of a real series answer plus the Ratings array of current answers", () => {
    const real = readFixture("omdb/worr__series-tt0460649-himym-2016.json");
    expect(keys(omdbAnswer(seed))).toEqual([...keys(real), "Ratings"].sort());
  });
});
