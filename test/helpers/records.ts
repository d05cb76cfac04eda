/**
 * One series record for the tests that need a valid SeriesRecord (Breaking Bad, as TMDB describes it), with
 * empty profile lists; each test overrides what it is about.
 */
import type { SeriesRecord } from "../../src/domain.js";

/** A valid record; `overrides` replace whole fields. */
export function seriesRecord(overrides: Partial<SeriesRecord> = {}): SeriesRecord {
  return {
    id: 1396,
    title: "Breaking Bad",
    originalTitle: "Breaking Bad",
    firstAirDate: "2008-01-20",
    releaseYear: 2008,
    lastAirDate: "2013-09-29",
    status: "Ended",
    seriesType: "Scripted",
    originalLanguage: "en",
    originCountries: ["US"],
    numberOfSeasons: 5,
    numberOfEpisodes: 62,
    plot: "A chemistry teacher …",
    imdbId: "tt0903747",
    tvdbId: 81189,
    wikidataId: "Q1079",
    popularity: 300.5,
    posterPath: "/p.jpg",
    genres: [{ id: 18, name: "Drama" }],
    networks: [{ id: 174, name: "AMC", originCountry: "US", logoPath: null }],
    backdropPath: null,
    creators: [],
    keywords: [],
    contentRatings: [],
    availability: [],
    seasons: [],
    ...overrides,
  };
}
