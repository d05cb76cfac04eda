/**
 * Loads domain records into the star schema through Prisma. Idempotent: dimensions are upserted on their
 * natural keys (TMDB ids), bridges are replaced per series, and facts are unique per series × source × run
 * (`createMany … skipDuplicates`), so re-running or resuming a run duplicates nothing.
 *
 * Besides the current state (`series_dim` and its bridges, which the quality expectations check), every load
 * writes the run's version of each series: `series_version` with its genres, networks, platforms, content ratings
 * and seasons, keyed by run. The analytics views read the versions of succeeded runs only (docs/tableau.md).
 *
 * Bulk statements pass a whole batch as one JSON parameter (`jsonb_to_recordset`), one round trip per batch.
 */
import type { PrismaClient } from "../db/prisma.js";
import type { GenreRecord, PlatformRecord, RatingObservation, SeasonRatingObservation, SeriesRecord } from "../domain.js";

/** Rows written, per table. */
export type RowCounts = Record<string, number>;

const BATCH = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function add(counts: RowCounts, table: string, n: number): void {
  counts[table] = (counts[table] ?? 0) + n;
}

/** Upserts genres (TMDB ids, English names) into `genre_dim`. */
export async function upsertGenres(prisma: PrismaClient, genres: readonly GenreRecord[]): Promise<RowCounts> {
  if (genres.length === 0) return {};
  const n = await prisma.$executeRaw`
    INSERT INTO genre_dim (genre_id, name)
    SELECT g.id, g.name FROM jsonb_to_recordset(${JSON.stringify(genres)}::jsonb) AS g(id int, name text)
    ON CONFLICT (genre_id) DO UPDATE SET name = EXCLUDED.name WHERE genre_dim.name IS DISTINCT FROM EXCLUDED.name`;
  return { genre_dim: n };
}

/**
 * Upserts series with their networks and bridges (`series_dim`, `network_dim`, `series_genre`,
 * `series_network`) in one transaction per batch of 500. Genres must already be in `genre_dim`.
 * `first_seen_run_id` is kept on update; `last_seen_run_id` becomes `runId`.
 */
export async function upsertSeries(prisma: PrismaClient, runId: number, records: readonly SeriesRecord[]): Promise<RowCounts> {
  const counts: RowCounts = {};
  for (const batch of chunks(records, BATCH)) {
    const series = batch.map((r) => ({
      id: r.id,
      title: r.title,
      original_title: r.originalTitle,
      first_air_date: r.firstAirDate,
      release_year: r.releaseYear,
      last_air_date: r.lastAirDate,
      status: r.status,
      series_type: r.seriesType,
      original_language: r.originalLanguage,
      origin_countries: r.originCountries,
      number_of_seasons: r.numberOfSeasons,
      number_of_episodes: r.numberOfEpisodes,
      plot: r.plot,
      imdb_id: r.imdbId,
      tvdb_id: r.tvdbId,
      wikidata_id: r.wikidataId,
      popularity: r.popularity,
      poster_path: r.posterPath,
      // The version's own columns (series_dim's statement does not read them).
      backdrop_path: r.backdropPath,
      creators: r.creators,
      keywords: r.keywords,
    }));
    const networks = [...new Map(batch.flatMap((r) => r.networks).map((n) => [n.id, n])).values()];
    const genreLinks = batch.flatMap((r) => [...new Set(r.genres.map((g) => g.id))].map((genreId) => ({ s: r.id, g: genreId })));
    const networkLinks = batch.flatMap((r) => {
      const seen = new Set<number>();
      return r.networks.filter((n) => !seen.has(n.id) && seen.add(n.id)).map((n, position) => ({ s: r.id, n: n.id, p: position }));
    });
    const ids = batch.map((r) => r.id);
    // Each JSON parameter is encoded once and shared by the current-state and the version statements.
    const json = { series: JSON.stringify(series), genreLinks: JSON.stringify(genreLinks), networkLinks: JSON.stringify(networkLinks) };
    const version = seriesVersionStatements(prisma, runId, batch, json);
    // One transaction per batch: a series and its version of the run are written together or not at all.
    const [s, n, , g, , l, ...versionCounts] = await prisma.$transaction([
      prisma.$executeRaw`
        INSERT INTO series_dim (series_id, title, original_title, first_air_date, release_year, last_air_date, status,
          series_type, original_language, origin_countries, number_of_seasons, number_of_episodes, plot, imdb_id, tvdb_id,
          wikidata_id, popularity, poster_path, first_seen_run_id, last_seen_run_id, updated_at)
        SELECT x.id, x.title, x.original_title, x.first_air_date, x.release_year, x.last_air_date, x.status, x.series_type,
          x.original_language, ARRAY(SELECT jsonb_array_elements_text(x.origin_countries)), x.number_of_seasons,
          x.number_of_episodes, x.plot, x.imdb_id, x.tvdb_id, x.wikidata_id, x.popularity, x.poster_path, ${runId}, ${runId}, now()
        FROM jsonb_to_recordset(${json.series}::jsonb) AS x(id int, title text, original_title text, first_air_date date,
          release_year int, last_air_date date, status text, series_type text, original_language text, origin_countries jsonb,
          number_of_seasons int, number_of_episodes int, plot text, imdb_id text, tvdb_id int, wikidata_id text,
          popularity float8, poster_path text)
        ON CONFLICT (series_id) DO UPDATE SET title = EXCLUDED.title, original_title = EXCLUDED.original_title,
          first_air_date = EXCLUDED.first_air_date, release_year = EXCLUDED.release_year, last_air_date = EXCLUDED.last_air_date,
          status = EXCLUDED.status, series_type = EXCLUDED.series_type, original_language = EXCLUDED.original_language,
          origin_countries = EXCLUDED.origin_countries, number_of_seasons = EXCLUDED.number_of_seasons,
          number_of_episodes = EXCLUDED.number_of_episodes, plot = EXCLUDED.plot,
          imdb_id = COALESCE(EXCLUDED.imdb_id, series_dim.imdb_id), tvdb_id = COALESCE(EXCLUDED.tvdb_id, series_dim.tvdb_id),
          wikidata_id = COALESCE(EXCLUDED.wikidata_id, series_dim.wikidata_id), popularity = EXCLUDED.popularity,
          poster_path = EXCLUDED.poster_path, last_seen_run_id = EXCLUDED.last_seen_run_id, updated_at = now()`,
      prisma.$executeRaw`
        INSERT INTO network_dim (network_id, name, origin_country, logo_path)
        SELECT x.id, x.name, x."originCountry", x."logoPath"
        FROM jsonb_to_recordset(${JSON.stringify(networks)}::jsonb) AS x(id int, name text, "originCountry" text, "logoPath" text)
        ON CONFLICT (network_id) DO UPDATE SET name = EXCLUDED.name, origin_country = EXCLUDED.origin_country, logo_path = EXCLUDED.logo_path
        WHERE (network_dim.name, network_dim.origin_country, network_dim.logo_path)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.origin_country, EXCLUDED.logo_path)`,
      prisma.$executeRaw`DELETE FROM series_genre WHERE series_id = ANY(${ids}::int[])`,
      prisma.$executeRaw`
        INSERT INTO series_genre (series_id, genre_id)
        SELECT x.s, x.g FROM jsonb_to_recordset(${json.genreLinks}::jsonb) AS x(s int, g int)`,
      prisma.$executeRaw`DELETE FROM series_network WHERE series_id = ANY(${ids}::int[])`,
      prisma.$executeRaw`
        INSERT INTO series_network (series_id, network_id, position)
        SELECT x.s, x.n, x.p FROM jsonb_to_recordset(${json.networkLinks}::jsonb) AS x(s int, n int, p int)`,
      ...version.statements,
    ]);
    add(counts, "series_dim", s ?? 0);
    add(counts, "network_dim", n ?? 0);
    add(counts, "series_genre", g ?? 0);
    add(counts, "series_network", l ?? 0);
    addCounts(counts, version.counts(versionCounts));
  }
  return counts;
}

/**
 * The statements writing the run's version of each series of `batch` (run in the batch's transaction by
 * {@link upsertSeries}): `series_version` (upserted, so a resumed run keeps its season-grain facts), its genre,
 * network, platform and content-rating rows (replaced), `season_dim` (upserted; seasons the run no longer lists are
 * removed) and `platform_dim` (upserted on TMDB provider ids). `json` holds the batch's series rows (with the version's
 * own columns), genre links and network links as JSON text. `counts` turns the statements' results into row counts.
 */
function seriesVersionStatements(
  prisma: PrismaClient,
  runId: number,
  batch: readonly SeriesRecord[],
  json: { series: string; genreLinks: string; networkLinks: string },
): { statements: ReturnType<PrismaClient["$executeRaw"]>[]; counts: (results: readonly number[]) => RowCounts } {
  const platforms = [...new Map<number, PlatformRecord>(batch.flatMap((r) => r.availability).map((a) => [a.platform.id, a.platform])).values()];
  const availability = batch.flatMap((r) =>
    r.availability.map((a) => ({ s: r.id, p: a.platform.id, r: a.region, o: a.offerType, d: a.displayPriority })),
  );
  const contentRatings = batch.flatMap((r) => r.contentRatings.map((c) => ({ s: r.id, r: c.region, v: c.rating })));
  const seasons = JSON.stringify(
    batch.flatMap((r) => r.seasons.map((x) => ({ s: r.id, n: x.seasonNumber, t: x.tmdbSeasonId, name: x.name, a: x.airDate, e: x.episodeCount }))),
  );
  const ids = batch.map((r) => r.id);
  const statements = [
    prisma.$executeRaw`
      INSERT INTO series_version (series_id, run_id, title, original_title, first_air_date, release_year, last_air_date, status,
        series_type, original_language, origin_countries, number_of_seasons, number_of_episodes, plot, imdb_id, tvdb_id,
        wikidata_id, popularity, poster_path, backdrop_path, creators, keywords, loaded_at)
      SELECT x.id, ${runId}, x.title, x.original_title, x.first_air_date, x.release_year, x.last_air_date, x.status, x.series_type,
        x.original_language, ARRAY(SELECT jsonb_array_elements_text(x.origin_countries)), x.number_of_seasons,
        x.number_of_episodes, x.plot, x.imdb_id, x.tvdb_id, x.wikidata_id, x.popularity, x.poster_path, x.backdrop_path,
        ARRAY(SELECT jsonb_array_elements_text(x.creators)), ARRAY(SELECT jsonb_array_elements_text(x.keywords)), now()
      FROM jsonb_to_recordset(${json.series}::jsonb) AS x(id int, title text, original_title text, first_air_date date,
        release_year int, last_air_date date, status text, series_type text, original_language text, origin_countries jsonb,
        number_of_seasons int, number_of_episodes int, plot text, imdb_id text, tvdb_id int, wikidata_id text,
        popularity float8, poster_path text, backdrop_path text, creators jsonb, keywords jsonb)
      ON CONFLICT (series_id, run_id) DO UPDATE SET title = EXCLUDED.title, original_title = EXCLUDED.original_title,
        first_air_date = EXCLUDED.first_air_date, release_year = EXCLUDED.release_year, last_air_date = EXCLUDED.last_air_date,
        status = EXCLUDED.status, series_type = EXCLUDED.series_type, original_language = EXCLUDED.original_language,
        origin_countries = EXCLUDED.origin_countries, number_of_seasons = EXCLUDED.number_of_seasons,
        number_of_episodes = EXCLUDED.number_of_episodes, plot = EXCLUDED.plot, imdb_id = EXCLUDED.imdb_id, tvdb_id = EXCLUDED.tvdb_id,
        wikidata_id = EXCLUDED.wikidata_id, popularity = EXCLUDED.popularity, poster_path = EXCLUDED.poster_path,
        backdrop_path = EXCLUDED.backdrop_path, creators = EXCLUDED.creators, keywords = EXCLUDED.keywords, loaded_at = now()`,
    prisma.$executeRaw`
      INSERT INTO platform_dim (platform_id, name, logo_path)
      SELECT x.id, x.name, x."logoPath" FROM jsonb_to_recordset(${JSON.stringify(platforms)}::jsonb) AS x(id int, name text, "logoPath" text)
      ON CONFLICT (platform_id) DO UPDATE SET name = EXCLUDED.name, logo_path = EXCLUDED.logo_path
      WHERE (platform_dim.name, platform_dim.logo_path) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.logo_path)`,
    prisma.$executeRaw`DELETE FROM series_genre_version WHERE run_id = ${runId} AND series_id = ANY(${ids}::int[])`,
    prisma.$executeRaw`
      INSERT INTO series_genre_version (series_id, run_id, genre_id)
      SELECT x.s, ${runId}, x.g FROM jsonb_to_recordset(${json.genreLinks}::jsonb) AS x(s int, g int)`,
    prisma.$executeRaw`DELETE FROM series_network_version WHERE run_id = ${runId} AND series_id = ANY(${ids}::int[])`,
    prisma.$executeRaw`
      INSERT INTO series_network_version (series_id, run_id, network_id, position)
      SELECT x.s, ${runId}, x.n, x.p FROM jsonb_to_recordset(${json.networkLinks}::jsonb) AS x(s int, n int, p int)`,
    prisma.$executeRaw`DELETE FROM series_platform WHERE run_id = ${runId} AND series_id = ANY(${ids}::int[])`,
    prisma.$executeRaw`
      INSERT INTO series_platform (series_id, run_id, platform_id, region, offer_type, display_priority)
      SELECT x.s, ${runId}, x.p, x.r, x.o, x.d FROM jsonb_to_recordset(${JSON.stringify(availability)}::jsonb) AS x(s int, p int, r text, o text, d int)`,
    prisma.$executeRaw`DELETE FROM series_content_rating WHERE run_id = ${runId} AND series_id = ANY(${ids}::int[])`,
    prisma.$executeRaw`
      INSERT INTO series_content_rating (series_id, run_id, region, rating)
      SELECT x.s, ${runId}, x.r, x.v FROM jsonb_to_recordset(${JSON.stringify(contentRatings)}::jsonb) AS x(s int, r text, v text)`,
    prisma.$executeRaw`
      DELETE FROM season_dim d WHERE d.run_id = ${runId} AND d.series_id = ANY(${ids}::int[])
        AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(${seasons}::jsonb) AS x(s int, n int) WHERE x.s = d.series_id AND x.n = d.season_number)`,
    prisma.$executeRaw`
      INSERT INTO season_dim (series_id, run_id, season_number, tmdb_season_id, name, air_date, episode_count)
      SELECT x.s, ${runId}, x.n, x.t, x.name, x.a, x.e
      FROM jsonb_to_recordset(${seasons}::jsonb) AS x(s int, n int, t int, name text, a date, e int)
      ON CONFLICT (series_id, run_id, season_number) DO UPDATE SET tmdb_season_id = EXCLUDED.tmdb_season_id, name = EXCLUDED.name,
        air_date = EXCLUDED.air_date, episode_count = EXCLUDED.episode_count`,
  ];
  return {
    statements,
    counts: ([v, p, , g, , n, , a, , c, , z]) => ({
      series_version: v ?? 0,
      platform_dim: p ?? 0,
      series_genre_version: g ?? 0,
      series_network_version: n ?? 0,
      series_platform: a ?? 0,
      series_content_rating: c ?? 0,
      season_dim: z ?? 0,
    }),
  };
}

/**
 * Inserts rating facts for `runId`; a fact already present for the same series × source × run is kept
 * (a resumed run writes nothing twice), or with `options.replace` replaced (a source taking precedence: the sites'
 * own scores over OMDb's copies). Returns the rows written. One statement per 5,000 facts: Prisma's
 * `createMany` binds every value as its own parameter and was 5× slower here (see BENCHMARKS.md).
 */
export async function insertRatingFacts(
  prisma: PrismaClient,
  runId: number,
  observations: readonly RatingObservation[],
  options: { replace?: boolean } = {},
): Promise<RowCounts> {
  if (options.replace) return replaceRatingFacts(prisma, runId, observations);
  let inserted = 0;
  for (const batch of chunks(observations, 5000)) {
    const rows = batch.map((o) => ({ s: o.seriesId, k: o.source, v: o.score, c: o.voteCount, lb: o.voteCountIsLowerBound, g: o.grain, m: o.method }));
    inserted += await prisma.$executeRaw`
      INSERT INTO rating_fact (run_id, series_id, source_key, score, vote_count, vote_count_is_lower_bound, grain, method)
      SELECT ${runId}, x.s, x.k, x.v, x.c, x.lb, x.g, x.m
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(s int, k text, v numeric, c int, lb boolean, g text, m text)
      ON CONFLICT (series_id, source_key, run_id) DO NOTHING`;
  }
  return { rating_fact: inserted };
}

/** {@link insertRatingFacts} replacing the facts already there (same values: nothing is written). */
async function replaceRatingFacts(prisma: PrismaClient, runId: number, observations: readonly RatingObservation[]): Promise<RowCounts> {
  let written = 0;
  for (const batch of chunks(observations, 5000)) {
    const rows = batch.map((o) => ({ s: o.seriesId, k: o.source, v: o.score, c: o.voteCount, lb: o.voteCountIsLowerBound, g: o.grain, m: o.method }));
    written += await prisma.$executeRaw`
      INSERT INTO rating_fact (run_id, series_id, source_key, score, vote_count, vote_count_is_lower_bound, grain, method)
      SELECT ${runId}, x.s, x.k, x.v, x.c, x.lb, x.g, x.m
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(s int, k text, v numeric, c int, lb boolean, g text, m text)
      ON CONFLICT (series_id, source_key, run_id) DO UPDATE SET score = EXCLUDED.score, vote_count = EXCLUDED.vote_count,
        vote_count_is_lower_bound = EXCLUDED.vote_count_is_lower_bound, grain = EXCLUDED.grain, method = EXCLUDED.method
      WHERE (rating_fact.score, rating_fact.vote_count, rating_fact.vote_count_is_lower_bound, rating_fact.grain, rating_fact.method)
        IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.vote_count, EXCLUDED.vote_count_is_lower_bound, EXCLUDED.grain, EXCLUDED.method)`;
  }
  return { rating_fact: written };
}

/**
 * Inserts season-grain rating facts for `runId` into `season_rating_fact`; one already present for the same series ×
 * season × source × run is kept. Observations of a season the run did not load (no `season_dim` row) are skipped
 * rather than failing the batch. Returns the rows inserted.
 */
export async function insertSeasonRatingFacts(
  prisma: PrismaClient,
  runId: number,
  observations: readonly SeasonRatingObservation[],
): Promise<RowCounts> {
  let inserted = 0;
  for (const batch of chunks(observations, 5000)) {
    const rows = batch.map((o) => ({
      s: o.seriesId,
      n: o.seasonNumber,
      k: o.source,
      v: o.score,
      c: o.voteCount,
      lb: o.voteCountIsLowerBound,
      m: o.method,
    }));
    inserted += await prisma.$executeRaw`
      INSERT INTO season_rating_fact (run_id, series_id, season_number, source_key, score, vote_count, vote_count_is_lower_bound, method)
      SELECT ${runId}, x.s, x.n, x.k, x.v, x.c, x.lb, x.m
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(s int, n int, k text, v numeric, c int, lb boolean, m text)
      WHERE EXISTS (SELECT 1 FROM season_dim d WHERE d.run_id = ${runId} AND d.series_id = x.s AND d.season_number = x.n)
      ON CONFLICT (series_id, season_number, source_key, run_id) DO NOTHING`;
  }
  return { season_rating_fact: inserted };
}

/** Adds row counts into `into`. */
export function addCounts(into: RowCounts, from: RowCounts): RowCounts {
  for (const [table, n] of Object.entries(from)) add(into, table, n);
  return into;
}
