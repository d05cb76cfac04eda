/**
 * Builds replay routes in the exact shapes of the real APIs from {@link SeriesSeed}s:
 * TMDB v3 (`/3/genre/tv/list`, `/3/tv/top_rated`, `/3/tv/{id}?append_to_response=external_ids,watch/providers,…`) and OMDb
 * (`/?i=tt…&type=series`). Ratings-site and Wikidata routes come from `./sites.ts`.
 *
 * Shapes follow the real recordings in ../shared/fixtures (e.g. TMDB `/tv/1418` with external_ids, OMDb
 * series answers); the content is the project's own.
 */
import { NETWORKS, TV_GENRES, type SeriesSeed } from "../demo/catalogue.js";
import { DETAILS_APPENDS } from "../sources/tmdb/tmdb.js";
import type { ReplayResponse, ReplayRoute } from "./server.js";

/** Results per `/tv/top_rated` page, as TMDB pages them. */
export const TMDB_PAGE_SIZE = 20;

/** Route maps per upstream. */
export interface ReplayDataset {
  tmdb: Map<string, ReplayRoute>;
  omdb: Map<string, ReplayRoute>;
  wikidata: Map<string, ReplayRoute>;
  rottentomatoes: Map<string, ReplayRoute>;
  metacritic: Map<string, ReplayRoute>;
  /**
   * The TMDB ids that `/3/tv/changes` reports for any window (default none), read at request time so that a test can
   * change them between runs. An exact route in `tmdb` for a changes key wins over this.
   */
  tmdbChanges?: number[];
}

/** TMDB's `/tv/changes` page size. */
export const TMDB_CHANGES_PAGE_SIZE = 100;

/**
 * The answer of `/3/tv/changes?…&page=N` with `ids` as the window's changes (TMDB's shape: `results[{id, adult}]`,
 * 100 a page), or null when `key` is not a changes request.
 */
export function tmdbChangesAnswer(key: string, ids: readonly number[]): ReplayResponse | null {
  const url = new URL(key, "http://replay.local");
  if (url.pathname !== "/3/tv/changes") return null;
  const page = Math.max(1, Number(url.searchParams.get("page") ?? "1") || 1);
  const totalPages = Math.max(1, Math.ceil(ids.length / TMDB_CHANGES_PAGE_SIZE));
  const slice = ids.slice((page - 1) * TMDB_CHANGES_PAGE_SIZE, page * TMDB_CHANGES_PAGE_SIZE);
  return { body: { results: slice.map((id) => ({ id, adult: false })), page, total_pages: totalPages, total_results: ids.length } };
}

const posterOf = (id: number) => `/p${id.toString(36)}demo.jpg`;

/** The fields TMDB's list entries and details share. */
function sharedFields(seed: SeriesSeed): Record<string, unknown> {
  return {
    adult: false,
    backdrop_path: `/b${seed.tmdbId.toString(36)}demo.jpg`,
    id: seed.tmdbId,
    origin_country: seed.countries,
    original_language: seed.language,
    original_name: seed.originalTitle,
    overview: seed.overview,
    popularity: Math.round((seed.tmdbVoteCount / 37) * 1000) / 1000,
    poster_path: posterOf(seed.tmdbId),
    first_air_date: seed.firstAirDate,
    name: seed.title,
    vote_average: seed.tmdbVote,
    vote_count: seed.tmdbVoteCount,
  };
}

/** TMDB `/tv/top_rated` result entry for a seed. */
export function tmdbListEntry(seed: SeriesSeed): Record<string, unknown> {
  return { ...sharedFields(seed), genre_ids: seed.genreIds };
}

/** Demo watch providers (TMDB provider ids and names): id → [name, logo path]. */
const PROVIDERS: Record<number, [string, string]> = {
  8: ["Netflix", "/pbpMk2JmcoNnQwx5JGpXngfoWtp.jpg"],
  9: ["Amazon Prime Video", "/dQeAar5H991VYporEjUspolDarG.jpg"],
  337: ["Disney Plus", "/97yvRBw1GzX7fXprcF80er19ot.jpg"],
  350: ["Apple TV+", "/2E03IAZsX4ZaUqM7tXlctEPMGWS.jpg"],
  15: ["Hulu", "/bxBlRPEPpMVDc4jMhSrTf2339DW.jpg"],
  1899: ["Max", "/fksCUZ9QDWZMUwL2LgMtLckROUN.jpg"],
  531: ["Paramount Plus", "/h5DcR0J2EESLitnhR8xLG1QymTE.jpg"],
  386: ["Peacock Premium", "/2aGrp1xw3qhwCYvNGAJZPdjfeeX.jpg"],
  283: ["Crunchyroll", "/fzN5Jok5Ig1eJ7gyNGoMhnLSCfh.jpg"],
  73: ["Tubi TV", "/zLYr8UdeRyg1UD2ZHn2NtNKbWpH.jpg"],
  300: ["Pluto TV", "/dB8G41Q6tSL5NBisrIeqByfepBc.jpg"],
  10: ["Amazon Video", "/seGSXajazLMCKGB5hnRCidtjay1.jpg"],
  2: ["Apple TV", "/9ghgSC0MA082EL6HLCW3GalykFD.jpg"],
};

/** The subscription platform of a seed in the US, from its primary network (illustrative, not JustWatch's data). */
function subscriptionPlatform(seed: SeriesSeed): number {
  const byNetwork: Record<number, number> = {
    49: 1899,
    213: 8,
    1024: 9,
    2739: 337,
    2552: 350,
    453: 15,
    88: 15,
    2: 15,
    16: 531,
    67: 531,
    6: 386,
    1112: 283,
    614: 283,
    57: 283,
    174: 8,
  };
  return byNetwork[seed.networkIds[0] ?? 0] ?? (seed.tmdbId % 2 === 0 ? 8 : 9);
}

/** A `watch/providers` offer entry. */
const offer = (id: number, priority: number) => ({
  logo_path: PROVIDERS[id]?.[1] ?? null,
  provider_id: id,
  provider_name: PROVIDERS[id]?.[0] ?? `Provider ${id}`,
  display_priority: priority,
});

/**
 * TMDB `watch/providers` for a seed: a subscription in the US (and in GB for every other seed), Amazon Video and
 * Apple TV to buy, and for some seeds a free (Pluto TV) or ad-supported (Tubi) offer. A region without offers is absent.
 */
export function tmdbWatchProviders(seed: SeriesSeed): Record<string, unknown> {
  const platform = subscriptionPlatform(seed);
  const link = (region: string) => `https://www.themoviedb.org/tv/${seed.tmdbId}/watch?locale=${region}`;
  const us: Record<string, unknown> = { link: link("US"), flatrate: [offer(platform, 1)], buy: [offer(2, 4), offer(10, 6)] };
  if (seed.tmdbId % 5 === 0) us.ads = [offer(73, 12)];
  if (seed.tmdbId % 7 === 0) us.free = [offer(300, 15)];
  const results: Record<string, unknown> = { US: us };
  if (seed.tmdbId % 2 === 1) results.GB = { link: link("GB"), flatrate: [offer(platform, 2)], rent: [offer(10, 5)] };
  return { results };
}

/** TMDB `content_ratings` for a seed (US and GB classifications by genre; illustrative). */
export function tmdbContentRatings(seed: SeriesSeed): Record<string, unknown> {
  const family = seed.genreIds.some((g) => [16, 10751, 10762].includes(g));
  const mature = seed.genreIds.some((g) => [80, 18, 10768].includes(g));
  const [us, gb] = family ? ["TV-Y7", "PG"] : mature ? ["TV-MA", "15"] : ["TV-14", "12"];
  return {
    results: [
      { descriptors: [], iso_3166_1: "US", rating: us },
      { descriptors: [], iso_3166_1: "GB", rating: gb },
    ],
  };
}

/** TMDB `keywords` (TV shape: `results`) for a seed: its genres' names and its first origin country, lower case. */
export function tmdbKeywords(seed: SeriesSeed): Record<string, unknown> {
  const genreName = new Map(TV_GENRES.map((g) => [g.id, g.name]));
  const names = [
    ...seed.genreIds.map((id) => (genreName.get(id) ?? `genre ${id}`).toLowerCase()),
    `set in ${(seed.countries[0] ?? "us").toLowerCase()}`,
  ];
  return { results: names.map((name, i) => ({ name, id: 900000 + seed.tmdbId * 10 + i })) };
}

/** TMDB `/tv/{id}?append_to_response=external_ids,watch/providers,content_ratings,keywords` body for a seed. */
export function tmdbDetails(seed: SeriesSeed): Record<string, unknown> {
  const genreName = new Map(TV_GENRES.map((g) => [g.id, g.name]));
  const firstYear = Number(seed.firstAirDate.slice(0, 4));
  return {
    ...sharedFields(seed),
    created_by: [
      {
        id: 800000 + seed.tmdbId,
        credit_id: `demo${seed.tmdbId.toString(36)}`,
        name: `Showrunner of ${seed.title}`,
        original_name: `Showrunner of ${seed.title}`,
        gender: 0,
        profile_path: null,
      },
    ],
    episode_run_time: [45],
    genres: seed.genreIds.map((id) => ({ id, name: genreName.get(id) ?? `Genre ${id}` })),
    homepage: "",
    in_production: seed.status === "Returning Series",
    languages: [seed.language],
    last_air_date: seed.lastAirDate ?? "2026-10-01",
    last_episode_to_air: null,
    next_episode_to_air: null,
    networks: seed.networkIds.map((id) => ({
      id,
      logo_path: `/n${id}demo.png`,
      name: NETWORKS[id]?.[0] ?? `Network ${id}`,
      origin_country: NETWORKS[id]?.[1] ?? "",
    })),
    number_of_episodes: seed.episodes,
    number_of_seasons: seed.seasons,
    production_companies: [],
    production_countries: seed.countries.map((c) => ({ iso_3166_1: c, name: c })),
    seasons: Array.from({ length: seed.seasons }, (_, i) => ({
      air_date: Number.isFinite(firstYear) ? `${firstYear + i}${seed.firstAirDate.slice(4)}` : null,
      episode_count: Math.max(1, Math.round(seed.episodes / seed.seasons)),
      id: seed.tmdbId * 100 + i + 1,
      name: `Season ${i + 1}`,
      overview: "",
      poster_path: null,
      season_number: i + 1,
      vote_average: 0,
    })),
    spoken_languages: [{ english_name: seed.language, iso_639_1: seed.language, name: seed.language }],
    status: seed.status,
    tagline: "",
    type: "Scripted",
    external_ids: {
      imdb_id: seed.imdbId,
      freebase_mid: null,
      freebase_id: null,
      tvdb_id: 70000 + seed.tmdbId,
      tvrage_id: null,
      wikidata_id: seed.wikidataId,
      facebook_id: null,
      instagram_id: null,
      twitter_id: null,
    },
    "watch/providers": tmdbWatchProviders(seed),
    content_ratings: tmdbContentRatings(seed),
    keywords: tmdbKeywords(seed),
  };
}

/** OMDb `?i=…` answer for a seed: a series answer, or "Error getting data." when OMDb does not know it. */
export function omdbAnswer(seed: SeriesSeed): Record<string, unknown> {
  if (!seed.imdb) return { Response: "False", Error: "Error getting data." };
  const endYear = seed.lastAirDate && seed.status !== "Returning Series" ? seed.lastAirDate.slice(0, 4) : "";
  const rating = seed.imdb.rating === null ? "N/A" : seed.imdb.rating.toFixed(1);
  return {
    Title: seed.title,
    Year: `${seed.firstAirDate.slice(0, 4)}–${endYear}`,
    Rated: "TV-MA",
    Released: seed.firstAirDate,
    Runtime: "45 min",
    Genre: "Drama",
    Director: "N/A",
    Writer: "N/A",
    Actors: "N/A",
    Plot: seed.overview,
    Language: "English",
    Country: "United States",
    Awards: "N/A",
    Poster: "N/A",
    Ratings: seed.imdb.rating === null ? [] : [{ Source: "Internet Movie Database", Value: `${rating}/10` }],
    Metascore: "N/A",
    imdbRating: rating,
    imdbVotes: seed.imdb.votes === null ? "N/A" : seed.imdb.votes.toLocaleString("en-US"),
    imdbID: seed.imdbId,
    Type: "series",
    totalSeasons: String(seed.seasons),
    Response: "True",
  };
}

/** Route key of a TMDB request as the replay server computes it (credentials and `language` ignored). */
export const tmdbKey = {
  genres: () => "/3/genre/tv/list",
  page: (page: number) => `/3/tv/top_rated?page=${page}`,
  details: (id: number) => `/3/tv/${id}?${new URLSearchParams({ append_to_response: DETAILS_APPENDS.join(",") }).toString()}`,
};

/** Route key of an OMDb lookup. */
export const omdbKey = (imdbId: string) => `/?i=${imdbId}&type=series`;

/**
 * TMDB and OMDb routes for `seeds` (in top-rated order). `totalPages` may exceed the pages actually present,
 * as TMDB's does.
 */
export function buildApiRoutes(seeds: readonly SeriesSeed[], options: { totalPages?: number } = {}): Pick<ReplayDataset, "tmdb" | "omdb"> {
  const tmdb = new Map<string, ReplayRoute>();
  const omdb = new Map<string, ReplayRoute>();
  const pages = Math.max(1, Math.ceil(seeds.length / TMDB_PAGE_SIZE));
  const totalPages = options.totalPages ?? pages;
  tmdb.set(tmdbKey.genres(), { body: { genres: TV_GENRES } });
  for (let page = 1; page <= pages; page++) {
    const slice = seeds.slice((page - 1) * TMDB_PAGE_SIZE, page * TMDB_PAGE_SIZE);
    tmdb.set(tmdbKey.page(page), {
      body: { page, results: slice.map(tmdbListEntry), total_pages: totalPages, total_results: Math.max(seeds.length, totalPages * TMDB_PAGE_SIZE) },
      headers: { "Cache-Control": "public, max-age=9367" },
    });
  }
  for (const seed of seeds) {
    tmdb.set(tmdbKey.details(seed.tmdbId), { body: tmdbDetails(seed) });
    if (seed.imdbId) omdb.set(omdbKey(seed.imdbId), { body: omdbAnswer(seed) });
  }
  return { tmdb, omdb };
}

/** Empty routes for Wikidata and the ratings sites: a dataset whose harvests find no pages. */
export function noSiteRoutes(): Pick<ReplayDataset, "wikidata" | "rottentomatoes" | "metacritic"> {
  return { wikidata: new Map(), rottentomatoes: new Map(), metacritic: new Map() };
}

/** The TMDB and OMDb routes of `seeds` (see {@link buildApiRoutes}) and no ratings-site pages. */
export function apiOnlyDataset(seeds: readonly SeriesSeed[], options: { totalPages?: number } = {}): ReplayDataset {
  return { ...buildApiRoutes(seeds, options), ...noSiteRoutes() };
}

/** TMDB's 401 body for a bad key (status_code 7). */
export const TMDB_UNAUTHORIZED: ReplayResponse = {
  status: 401,
  body: { status_code: 7, status_message: "Invalid API key: You must be granted a valid key.", success: false },
};

/** OMDb's answer to a bad key. */
export const OMDB_UNAUTHORIZED: ReplayResponse = { status: 401, body: { Response: "False", Error: "Invalid API key!" } };

/**
 * `count` synthetic series for load tests and the benchmark: deterministic, varied, valid.
 * Ids start at 100000 to stay clear of the demo catalogue.
 */
export function syntheticSeeds(count: number): SeriesSeed[] {
  const genreIds = TV_GENRES.map((g) => g.id);
  const networkIds = Object.keys(NETWORKS).map(Number);
  return Array.from({ length: count }, (_, i) => {
    const id = 100000 + i;
    const year = 1960 + (i % 65);
    return {
      tmdbId: id,
      title: `Synthetic Series ${i + 1}`,
      originalTitle: `Synthetic Series ${i + 1}`,
      firstAirDate: `${year}-0${1 + (i % 9)}-1${i % 10}`,
      lastAirDate: i % 3 === 0 ? null : `${Math.min(2026, year + 1 + (i % 7))}-06-01`,
      status: i % 3 === 0 ? "Returning Series" : "Ended",
      language: ["en", "fr", "ja", "ko", "de", "es"][i % 6] ?? "en",
      countries: [["US"], ["FR"], ["JP"], ["KR"], ["DE"], ["ES"]][i % 6] ?? ["US"],
      genreIds: [genreIds[i % genreIds.length]!, genreIds[(i * 7 + 3) % genreIds.length]!].filter((g, k, a) => a.indexOf(g) === k),
      networkIds: [networkIds[i % networkIds.length]!],
      seasons: 1 + (i % 12),
      episodes: 6 + (i % 200),
      imdbId: `tt${String(9000000 + i).padStart(7, "0")}`,
      wikidataId: null,
      tmdbVote: Math.round((9.2 - (i / count) * 2) * 100) / 100,
      tmdbVoteCount: 200 + ((i * 37) % 20000),
      imdb: { rating: Math.round((9.4 - (i / count) * 2.5) * 10) / 10, votes: 1000 + ((i * 7919) % 2000000) },
      overview: `Synthetic series number ${i + 1}, generated for load tests.`,
      rottenTomatoes: null,
      metacritic: null,
    };
  });
}
