import { describe, expect, it } from "vitest";
import { dedupeSeriesIds, lastPageToFetch, parseSeriesDetails, toSeriesRecord, toTmdbRating } from "../../../src/sources/tmdb/tmdb.js";
import { tmdbDetails } from "../../../src/replay/dataset.js";
import { DEMO_CATALOGUE } from "../../../src/demo/catalogue.js";

describe("TMDB paging", () => {
  it("stops at min(total_pages, 500, --max-pages)", () => {
    expect(lastPageToFetch(134, undefined)).toBe(134);
    expect(lastPageToFetch(8098, undefined)).toBe(500);
    expect(lastPageToFetch(134, 2)).toBe(2);
    expect(lastPageToFetch(1, 5)).toBe(1);
  });
  it("dedupes ids that moved between pages, keeping the best rank", () => {
    const page = (...ids: number[]) => ids.map((id) => ({ id, name: `s${id}` }));
    expect(dedupeSeriesIds([page(1, 2, 3), page(3, 4), page(2, 5)])).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("TMDB details mapping", () => {
  const breakingBad = tmdbDetails(DEMO_CATALOGUE[0]!);

  it("maps empty strings and missing external ids to null", () => {
    const parsed = parseSeriesDetails({
      ...breakingBad,
      first_air_date: "",
      overview: "",
      external_ids: { imdb_id: "", tvdb_id: null, wikidata_id: null },
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const record = toSeriesRecord(parsed.value);
    expect(record.firstAirDate).toBeNull();
    expect(record.releaseYear).toBeNull();
    expect(record.plot).toBeNull();
    expect(record.imdbId).toBeNull();
  });

  it("reports renamed or retyped fields with their paths", () => {
    const { name: _name, ...renamed } = breakingBad;
    const parsed = parseSeriesDetails({ ...renamed, title: "Breaking Bad", vote_average: "8.9" });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((i) => i.path).sort()).toEqual(["name", "vote_average"]);
  });

  it("gives no TMDB rating when nobody voted (0 votes is not a score of 0)", () => {
    const parsed = parseSeriesDetails({ ...breakingBad, vote_average: 0, vote_count: 0 });
    expect(parsed.ok && toTmdbRating(parsed.value)).toBeNull();
  });
});
