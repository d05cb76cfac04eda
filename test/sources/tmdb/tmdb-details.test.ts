/**
 * The details mapping of the appended sub-requests (watch/providers, content_ratings, keywords) and of seasons and
 * creators, on the real append-all recording of Game of Thrones (../shared/fixtures) and on crafted edge cases.
 */
import { describe, expect, it } from "vitest";
import { DETAILS_APPENDS, parseSeriesDetails, seriesDetailsRequest, toSeriesRecord } from "../../../src/sources/tmdb/tmdb.js";
import { hasSharedFixtures, readFixture } from "../../helpers/fixtures.js";

const minimal = { id: 7, name: "X", original_name: "X", genres: [], vote_average: 7, vote_count: 10 };

function mapped(body: unknown, regions?: string[]) {
  const parsed = parseSeriesDetails(body);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return toSeriesRecord(parsed.value, regions ? { watchRegions: regions } : {});
}

describe("details request", () => {
  it("appends external ids, watch providers, content ratings and keywords in one call", () => {
    expect(seriesDetailsRequest(1396)).toEqual({
      key: "tv/1396",
      path: "/tv/1396",
      params: { language: "en-US", append_to_response: "external_ids,watch/providers,content_ratings,keywords" },
    });
    expect(DETAILS_APPENDS).toContain("watch/providers");
  });
});

describe.skipIf(!hasSharedFixtures)("the real append-all answer (tv/1399)", () => {
  const body = () => readFixture("tmdb/ceg__tv-1399-details-append-all-EDITED.json");

  it("keeps the configured regions' offers only, every offer type, with TMDB's provider ids", () => {
    const record = mapped(body(), ["AE"]);
    expect(new Set(record.availability.map((a) => a.region))).toEqual(new Set(["AE"]));
    expect(record.availability).toContainEqual({
      platform: { id: 629, name: "OSN", logoPath: "/xEPXbwbfABzPrUTWbgtDFH1NOa.jpg" },
      region: "AE",
      offerType: "flatrate",
      displayPriority: 11,
    });
    expect(
      record.availability
        .filter((a) => a.platform.id === 10)
        .map((a) => a.offerType)
        .sort(),
    ).toEqual(["buy", "rent"]);
    expect(mapped(body(), ["ZZ"]).availability).toEqual([]);
  });

  it("maps content ratings per region, keywords, creators, seasons (Specials included) and the backdrop", () => {
    const record = mapped(body());
    expect(record.contentRatings).toContainEqual({ region: "US", rating: "TV-14" });
    expect(record.contentRatings).toContainEqual({ region: "DE", rating: "16" });
    expect(record.keywords.slice(0, 2)).toEqual(["space travel", "alien"]);
    expect(record.creators).toEqual(["David Benioff", "D.B. Weiss"]);
    expect(record.seasons[0]).toEqual({ seasonNumber: 0, tmdbSeasonId: 3627, name: "Specials", airDate: "2010-12-05", episodeCount: 272 });
    expect(record.seasons[1]).toMatchObject({ seasonNumber: 1, airDate: "2011-04-17", episodeCount: 10 });
    expect(record.backdropPath).toMatch(/^\/.+\.jpg$/);
  });
});

describe("edge cases", () => {
  it("absent appends give empty lists, and the default region is US", () => {
    expect(mapped(minimal)).toMatchObject({ availability: [], contentRatings: [], keywords: [], creators: [], seasons: [], backdropPath: null });
    const us = {
      results: {
        US: { flatrate: [{ provider_id: 8, provider_name: "Netflix", logo_path: "/n.jpg", display_priority: 1 }] },
        GB: { buy: [{ provider_id: 10, provider_name: "Amazon Video", logo_path: null, display_priority: 2 }] },
      },
    };
    expect(mapped({ ...minimal, "watch/providers": us }).availability).toEqual([
      { platform: { id: 8, name: "Netflix", logoPath: "/n.jpg" }, region: "US", offerType: "flatrate", displayPriority: 1 },
    ]);
    expect(
      mapped({ ...minimal, "watch/providers": us }, ["US", "GB"]).availability.map((a) => `${a.region}/${a.offerType}/${a.platform.id}`),
    ).toEqual(["US/flatrate/8", "GB/buy/10"]);
  });

  it("drops what the columns cannot hold instead of failing the load: bad season dates, counts and ids, empty ratings", () => {
    const record = mapped({
      ...minimal,
      seasons: [
        { id: 1, season_number: 1, name: "S1", air_date: "2021-02-30", episode_count: 3_000_000_000 },
        { id: 2, season_number: 1, name: "again", air_date: "2021-03-01", episode_count: 8 },
        { id: 3, season_number: -1, name: "bad", air_date: null, episode_count: 1 },
      ],
      content_ratings: {
        results: [
          { iso_3166_1: "US", rating: "" },
          { iso_3166_1: "GB", rating: "15" },
        ],
      },
      "watch/providers": {
        results: {
          US: {
            flatrate: [
              { provider_id: 2 ** 40, provider_name: "Huge", logo_path: null },
              { provider_id: 8, provider_name: "Netflix", logo_path: null },
              { provider_id: 8, provider_name: "Netflix", logo_path: null },
            ],
          },
        },
      },
    });
    expect(record.seasons).toEqual([{ seasonNumber: 1, tmdbSeasonId: 1, name: "S1", airDate: null, episodeCount: null }]);
    expect(record.contentRatings).toEqual([{ region: "GB", rating: "15" }]);
    expect(record.availability.map((a) => a.platform.id)).toEqual([8]);
    const bad = mapped({ ...minimal, seasons: [{ id: 1, season_number: 2, name: null, air_date: "2021-02-30", episode_count: -1 }] });
    expect(bad.seasons).toEqual([{ seasonNumber: 2, tmdbSeasonId: 1, name: null, airDate: null, episodeCount: null }]);
  });

  it("a wrongly typed append is schema drift, not a silently empty list", () => {
    expect(parseSeriesDetails({ ...minimal, "watch/providers": { results: [] } }).ok).toBe(false);
    expect(parseSeriesDetails({ ...minimal, seasons: "many" }).ok).toBe(false);
  });
});
