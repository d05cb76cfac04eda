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
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import { Prisma } from "../generated/prisma/client.js";
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

/**
 * Adds the genres (TMDB ids, English names) `genre_dim` does not know yet, and writes run `runId`'s `genre_version`
 * (the names it saw), which publishing the run copies into `genre_dim` (src/load/dimension-versions.ts).
 */
export async function upsertGenres(prisma: PrismaClient, runId: number, genres: readonly GenreRecord[]): Promise<RowCounts> {
  if (genres.length === 0) return {};
  const json = JSON.stringify(genres);
  const [n, v] = await prisma.$transaction([
    prisma.$executeRaw`
      INSERT INTO genre_dim (genre_id, name)
      SELECT g.id, g.name FROM jsonb_to_recordset(${json}::jsonb) AS g(id int, name text)
      ON CONFLICT (genre_id) DO NOTHING`,
    prisma.$executeRaw`
      INSERT INTO genre_version (genre_id, run_id, name)
      SELECT g.id, ${runId}, g.name FROM jsonb_to_recordset(${json}::jsonb) AS g(id int, name text)
      ON CONFLICT (genre_id, run_id) DO UPDATE SET name = EXCLUDED.name`,
  ]);
  return { genre_dim: n, genre_version: v };
}

/**
 * Upserts series with their bridges (`series_dim`, `series_genre`, `series_network`), adds the networks first seen to
 * `network_dim` and writes the run's versions (the networks' names as the run saw them in `network_version`), in one transaction per batch of 500. Genres must already be in
 * `genre_dim`. `first_seen_run_id` is kept on update; `last_seen_run_id` becomes `runId`. A value a record lacks that
 * the series had (see {@link KEPT_FIELDS}) is kept, not replaced by nothing; `kept`, when given, receives how many
 * series kept each field in their version.
 */
export async function upsertSeries(
  prisma: PrismaClient,
  runId: number,
  records: readonly SeriesRecord[],
  kept?: Record<string, number>,
): Promise<RowCounts> {
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
    // A record without genres (networks) keeps the ones known: only the others' bridges are replaced.
    const withGenres = batch.filter((r) => r.genres.length > 0).map((r) => r.id);
    const withNetworks = batch.filter((r) => r.networks.length > 0).map((r) => r.id);
    // Each JSON parameter is encoded once and shared by the current-state and the version statements.
    const json = { series: JSON.stringify(series), genreLinks: JSON.stringify(genreLinks), networkLinks: JSON.stringify(networkLinks) };
    const version = seriesVersionStatements(prisma, runId, batch, json);
    // One transaction per batch: a series and its version of the run are written together or not at all.
    const gaps = keptValueStatements(prisma, runId, ids);
    const [s, n, nv, , g, , l, ...rest] = await prisma.$transaction([
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
          number_of_episodes = EXCLUDED.number_of_episodes, plot = COALESCE(EXCLUDED.plot, series_dim.plot),
          imdb_id = COALESCE(EXCLUDED.imdb_id, series_dim.imdb_id), tvdb_id = COALESCE(EXCLUDED.tvdb_id, series_dim.tvdb_id),
          wikidata_id = COALESCE(EXCLUDED.wikidata_id, series_dim.wikidata_id), popularity = EXCLUDED.popularity,
          poster_path = COALESCE(EXCLUDED.poster_path, series_dim.poster_path), last_seen_run_id = EXCLUDED.last_seen_run_id, updated_at = now()`,
      // A network first seen is added under this run's name; a known one changes only when the run is published.
      prisma.$executeRaw`
        INSERT INTO network_dim (network_id, name, origin_country, logo_path)
        SELECT x.id, x.name, x."originCountry", x."logoPath"
        FROM jsonb_to_recordset(${JSON.stringify(networks)}::jsonb) AS x(id int, name text, "originCountry" text, "logoPath" text)
        ON CONFLICT (network_id) DO NOTHING`,
      prisma.$executeRaw`
        INSERT INTO network_version (network_id, run_id, name, origin_country, logo_path)
        SELECT x.id, ${runId}, x.name, x."originCountry", x."logoPath"
        FROM jsonb_to_recordset(${JSON.stringify(networks)}::jsonb) AS x(id int, name text, "originCountry" text, "logoPath" text)
        ON CONFLICT (network_id, run_id) DO UPDATE SET name = EXCLUDED.name,
          origin_country = COALESCE(EXCLUDED.origin_country, network_version.origin_country),
          logo_path = COALESCE(EXCLUDED.logo_path, network_version.logo_path)`,
      prisma.$executeRaw`DELETE FROM series_genre WHERE series_id = ANY(${withGenres}::int[])`,
      prisma.$executeRaw`
        INSERT INTO series_genre (series_id, genre_id)
        SELECT x.s, x.g FROM jsonb_to_recordset(${json.genreLinks}::jsonb) AS x(s int, g int)`,
      prisma.$executeRaw`DELETE FROM series_network WHERE series_id = ANY(${withNetworks}::int[])`,
      prisma.$executeRaw`
        INSERT INTO series_network (series_id, network_id, position)
        SELECT x.s, x.n, x.p FROM jsonb_to_recordset(${json.networkLinks}::jsonb) AS x(s int, n int, p int)`,
      ...version.statements,
      ...gaps.statements,
    ]);
    const versionCounts = rest.slice(0, version.statements.length).map((x) => (typeof x === "number" ? x : 0));
    const keptRows = gaps.kept(rest[version.statements.length]);
    addCounts(counts, gaps.counts(rest.slice(version.statements.length + 1).map((x) => (typeof x === "number" ? x : 0))));
    if (kept) for (const row of keptRows) for (const field of row) kept[field] = (kept[field] ?? 0) + 1;
    add(counts, "series_dim", s ?? 0);
    add(counts, "network_dim", n ?? 0);
    add(counts, "network_version", nv ?? 0);
    add(counts, "series_genre", g ?? 0);
    add(counts, "series_network", l ?? 0);
    addCounts(counts, version.counts(versionCounts));
  }
  return counts;
}

/**
 * The statements writing the run's version of each series of `batch` (run in the batch's transaction by
 * {@link upsertSeries}): `series_version` (upserted, so a resumed run keeps its season-grain facts), its genre,
 * network, platform and content-rating rows (replaced), `season_version` (upserted; seasons the run no longer lists are
 * removed), `platform_dim` (platforms first seen) and `platform_version` (the platforms' names as the run saw them). `json` holds the batch's series rows (with the version's
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
        backdrop_path = EXCLUDED.backdrop_path, creators = EXCLUDED.creators, keywords = EXCLUDED.keywords, loaded_at = now(),
        kept_from = '{}'`,
    prisma.$executeRaw`
      INSERT INTO platform_dim (platform_id, name, logo_path)
      SELECT x.id, x.name, x."logoPath" FROM jsonb_to_recordset(${JSON.stringify(platforms)}::jsonb) AS x(id int, name text, "logoPath" text)
      ON CONFLICT (platform_id) DO NOTHING`,
    prisma.$executeRaw`
      INSERT INTO platform_version (platform_id, run_id, name, logo_path)
      SELECT x.id, ${runId}, x.name, x."logoPath" FROM jsonb_to_recordset(${JSON.stringify(platforms)}::jsonb) AS x(id int, name text, "logoPath" text)
      ON CONFLICT (platform_id, run_id) DO UPDATE SET name = EXCLUDED.name, logo_path = COALESCE(EXCLUDED.logo_path, platform_version.logo_path)`,
    prisma.$executeRaw`DELETE FROM series_genre_version WHERE run_id = ${runId} AND series_id = ANY(${ids}::int[])`,
    prisma.$executeRaw`
      INSERT INTO series_genre_version (series_id, run_id, genre_id)
      SELECT x.s, ${runId}, x.g FROM jsonb_to_recordset(${json.genreLinks}::jsonb) AS x(s int, g int)`,
    prisma.$executeRaw`DELETE FROM series_network_version WHERE run_id = ${runId} AND series_id = ANY(${ids}::int[])`,
    prisma.$executeRaw`
      INSERT INTO series_network_version (series_id, run_id, network_id, position)
      SELECT x.s, ${runId}, x.n, x.p FROM jsonb_to_recordset(${json.networkLinks}::jsonb) AS x(s int, n int, p int)`,
    prisma.$executeRaw`DELETE FROM series_platform_version WHERE run_id = ${runId} AND series_id = ANY(${ids}::int[])`,
    prisma.$executeRaw`
      INSERT INTO series_platform_version (series_id, run_id, platform_id, region, offer_type, display_priority)
      SELECT x.s, ${runId}, x.p, x.r, x.o, x.d FROM jsonb_to_recordset(${JSON.stringify(availability)}::jsonb) AS x(s int, p int, r text, o text, d int)`,
    prisma.$executeRaw`DELETE FROM series_content_rating_version WHERE run_id = ${runId} AND series_id = ANY(${ids}::int[])`,
    prisma.$executeRaw`
      INSERT INTO series_content_rating_version (series_id, run_id, region, rating)
      SELECT x.s, ${runId}, x.r, x.v FROM jsonb_to_recordset(${JSON.stringify(contentRatings)}::jsonb) AS x(s int, r text, v text)`,
    prisma.$executeRaw`
      DELETE FROM season_version d WHERE d.run_id = ${runId} AND d.series_id = ANY(${ids}::int[])
        AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(${seasons}::jsonb) AS x(s int, n int) WHERE x.s = d.series_id AND x.n = d.season_number)`,
    prisma.$executeRaw`
      INSERT INTO season_version (series_id, run_id, season_number, tmdb_season_id, name, air_date, episode_count)
      SELECT x.s, ${runId}, x.n, x.t, x.name, x.a, x.e
      FROM jsonb_to_recordset(${seasons}::jsonb) AS x(s int, n int, t int, name text, a date, e int)
      ON CONFLICT (series_id, run_id, season_number) DO UPDATE SET tmdb_season_id = EXCLUDED.tmdb_season_id, name = EXCLUDED.name,
        air_date = EXCLUDED.air_date, episode_count = EXCLUDED.episode_count`,
  ];
  return {
    statements,
    counts: ([v, p, pv, , g, , n, , a, , c, , z]) => ({
      series_version: v ?? 0,
      platform_dim: p ?? 0,
      platform_version: pv ?? 0,
      series_genre_version: g ?? 0,
      series_network_version: n ?? 0,
      series_platform_version: a ?? 0,
      series_content_rating_version: c ?? 0,
      season_version: z ?? 0,
    }),
  };
}

/**
 * What a run's version keeps from the series' published version when the details answer lacks it: these columns of
 * `series_version` (null, or an empty list), and the genres, networks and platforms (no row). The fields as they are
 * named in `series_version.kept_from` and in the run summary's `keptValues`.
 */
export const KEPT_FIELDS = [
  "plot",
  "first_air_date",
  "release_year",
  "last_air_date",
  "original_language",
  "imdb_id",
  "tvdb_id",
  "wikidata_id",
  "poster_path",
  "backdrop_path",
  "origin_countries",
  "creators",
  "keywords",
  "genres",
  "networks",
  "platforms",
] as const;

const keptRows = z.array(z.object({ fields: z.array(z.string()) }));

/**
 * The statements (run after the versions of `ids` were written, in the same transaction) that keep what the run's
 * versions lack from the series' published versions, and record the kept fields with their age (`kept_from`: the
 * run that last saw each value). `kept` reads the fields kept per series from the first statement's result.
 */
function keptValueStatements(
  prisma: PrismaClient,
  runId: number,
  ids: readonly number[],
): {
  statements: ReturnType<PrismaClient["$queryRaw"]>[];
  kept: (result: unknown) => string[][];
  counts: (results: readonly number[]) => RowCounts;
} {
  const list = [...ids];
  const statements: ReturnType<PrismaClient["$queryRaw"]>[] = [
    prisma.$queryRaw`
      WITH gaps AS (
        SELECT v.series_id, pv.plot, pv.first_air_date, pv.release_year, pv.last_air_date, pv.original_language, pv.imdb_id,
          pv.tvdb_id, pv.wikidata_id, pv.poster_path, pv.backdrop_path, pv.origin_countries, pv.creators, pv.keywords, k.fields,
          (SELECT jsonb_object_agg(f, COALESCE((pv.kept_from ->> f)::int, pv.run_id)) FROM unnest(k.fields) AS f) AS kept_from
        FROM series_version v
        JOIN published_series_version p ON p.series_id = v.series_id AND p.run_id <> v.run_id
        JOIN series_version pv ON pv.series_id = p.series_id AND pv.run_id = p.run_id
        CROSS JOIN LATERAL (
          SELECT array_agg(f.field) AS fields FROM (VALUES
            ('plot', v.plot IS NULL AND pv.plot IS NOT NULL),
            ('first_air_date', v.first_air_date IS NULL AND pv.first_air_date IS NOT NULL),
            ('release_year', v.release_year IS NULL AND pv.release_year IS NOT NULL),
            ('last_air_date', v.last_air_date IS NULL AND pv.last_air_date IS NOT NULL),
            ('original_language', v.original_language IS NULL AND pv.original_language IS NOT NULL),
            ('imdb_id', v.imdb_id IS NULL AND pv.imdb_id IS NOT NULL),
            ('tvdb_id', v.tvdb_id IS NULL AND pv.tvdb_id IS NOT NULL),
            ('wikidata_id', v.wikidata_id IS NULL AND pv.wikidata_id IS NOT NULL),
            ('poster_path', v.poster_path IS NULL AND pv.poster_path IS NOT NULL),
            ('backdrop_path', v.backdrop_path IS NULL AND pv.backdrop_path IS NOT NULL),
            ('origin_countries', cardinality(v.origin_countries) = 0 AND cardinality(pv.origin_countries) > 0),
            ('creators', cardinality(v.creators) = 0 AND cardinality(pv.creators) > 0),
            ('keywords', cardinality(v.keywords) = 0 AND cardinality(pv.keywords) > 0),
            ('genres', NOT EXISTS (SELECT 1 FROM series_genre_version x WHERE x.series_id = v.series_id AND x.run_id = v.run_id)
              AND EXISTS (SELECT 1 FROM series_genre_version x WHERE x.series_id = pv.series_id AND x.run_id = pv.run_id)),
            ('networks', NOT EXISTS (SELECT 1 FROM series_network_version x WHERE x.series_id = v.series_id AND x.run_id = v.run_id)
              AND EXISTS (SELECT 1 FROM series_network_version x WHERE x.series_id = pv.series_id AND x.run_id = pv.run_id)),
            ('platforms', NOT EXISTS (SELECT 1 FROM series_platform_version x WHERE x.series_id = v.series_id AND x.run_id = v.run_id)
              AND EXISTS (SELECT 1 FROM series_platform_version x WHERE x.series_id = pv.series_id AND x.run_id = pv.run_id))
          ) AS f(field, kept) WHERE f.kept
        ) k
        WHERE v.run_id = ${runId} AND v.series_id = ANY(${list}::int[]) AND k.fields IS NOT NULL
      )
      UPDATE series_version v SET
        plot = COALESCE(v.plot, g.plot), first_air_date = COALESCE(v.first_air_date, g.first_air_date),
        release_year = COALESCE(v.release_year, g.release_year), last_air_date = COALESCE(v.last_air_date, g.last_air_date),
        original_language = COALESCE(v.original_language, g.original_language), imdb_id = COALESCE(v.imdb_id, g.imdb_id),
        tvdb_id = COALESCE(v.tvdb_id, g.tvdb_id), wikidata_id = COALESCE(v.wikidata_id, g.wikidata_id),
        poster_path = COALESCE(v.poster_path, g.poster_path), backdrop_path = COALESCE(v.backdrop_path, g.backdrop_path),
        origin_countries = CASE WHEN cardinality(v.origin_countries) = 0 THEN g.origin_countries ELSE v.origin_countries END,
        creators = CASE WHEN cardinality(v.creators) = 0 THEN g.creators ELSE v.creators END,
        keywords = CASE WHEN cardinality(v.keywords) = 0 THEN g.keywords ELSE v.keywords END,
        kept_from = g.kept_from
      FROM gaps g WHERE v.run_id = ${runId} AND v.series_id = g.series_id
      RETURNING g.fields`,
  ];
  return {
    statements: [...statements, ...keptBridges(prisma, runId, list)],
    kept: (result) => keptRows.parse(result).map((r) => r.fields),
    counts: ([g, n, p]) => ({ series_genre_version: g ?? 0, series_network_version: n ?? 0, series_platform_version: p ?? 0 }),
  };
}

/**
 * The statements copying the bridge rows (genres, networks, platforms) of the published version into run `runId` for
 * the versions of `ids` that kept them (`kept_from`).
 */
function keptBridges(prisma: PrismaClient, runId: number, ids: number[]): ReturnType<PrismaClient["$executeRaw"]>[] {
  return [
    prisma.$executeRaw`
      INSERT INTO series_genre_version (series_id, run_id, genre_id)
      SELECT x.series_id, ${runId}, x.genre_id FROM series_genre_version x
      JOIN published_series_version p ON p.series_id = x.series_id AND p.run_id = x.run_id AND p.run_id <> ${runId}
      JOIN series_version v ON v.series_id = x.series_id AND v.run_id = ${runId} AND v.kept_from ? 'genres'
      WHERE x.series_id = ANY(${ids}::int[]) ON CONFLICT DO NOTHING`,
    prisma.$executeRaw`
      INSERT INTO series_network_version (series_id, run_id, network_id, position)
      SELECT x.series_id, ${runId}, x.network_id, x.position FROM series_network_version x
      JOIN published_series_version p ON p.series_id = x.series_id AND p.run_id = x.run_id AND p.run_id <> ${runId}
      JOIN series_version v ON v.series_id = x.series_id AND v.run_id = ${runId} AND v.kept_from ? 'networks'
      WHERE x.series_id = ANY(${ids}::int[]) ON CONFLICT DO NOTHING`,
    prisma.$executeRaw`
      INSERT INTO series_platform_version (series_id, run_id, platform_id, region, offer_type, display_priority)
      SELECT x.series_id, ${runId}, x.platform_id, x.region, x.offer_type, x.display_priority FROM series_platform_version x
      JOIN published_series_version p ON p.series_id = x.series_id AND p.run_id = x.run_id AND p.run_id <> ${runId}
      JOIN series_version v ON v.series_id = x.series_id AND v.run_id = ${runId} AND v.kept_from ? 'platforms'
      WHERE x.series_id = ANY(${ids}::int[]) ON CONFLICT DO NOTHING`,
  ];
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
  let written = 0;
  for (const batch of chunks(observations, 5000)) {
    const rows = JSON.stringify(
      batch.map((o) => ({
        s: o.seriesId,
        k: o.source,
        v: o.score,
        c: o.voteCount,
        lb: o.voteCountIsLowerBound,
        g: o.grain,
        m: o.method,
        cm: o.countMethod ?? null,
        u: o.pageUrl ?? null,
      })),
    );
    // The provenance (strategy, count strategy, page) is replaced with the value: a site's score over OMDb's copy
    // carries the site's page.
    const onConflict = options.replace
      ? Prisma.sql`DO UPDATE SET score = EXCLUDED.score, vote_count = EXCLUDED.vote_count,
          vote_count_is_lower_bound = EXCLUDED.vote_count_is_lower_bound, grain = EXCLUDED.grain, method = EXCLUDED.method,
          count_method = EXCLUDED.count_method, page_url = EXCLUDED.page_url
        WHERE (rating_fact.score, rating_fact.vote_count, rating_fact.vote_count_is_lower_bound, rating_fact.grain, rating_fact.method,
               rating_fact.count_method, rating_fact.page_url)
          IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.vote_count, EXCLUDED.vote_count_is_lower_bound, EXCLUDED.grain, EXCLUDED.method,
               EXCLUDED.count_method, EXCLUDED.page_url)`
      : Prisma.sql`DO NOTHING`;
    written += await prisma.$executeRaw`
      INSERT INTO rating_fact (run_id, series_id, source_key, score, vote_count, vote_count_is_lower_bound, grain, method, count_method, page_url)
      SELECT ${runId}, x.s, x.k, x.v, x.c, x.lb, x.g, x.m, x.cm, x.u
      FROM jsonb_to_recordset(${rows}::jsonb) AS x(s int, k text, v numeric, c int, lb boolean, g text, m text, cm text, u text)
      ON CONFLICT (series_id, source_key, run_id) ${onConflict}`;
  }
  return { rating_fact: written };
}

/**
 * Inserts season-grain rating facts for `runId` into `season_rating_fact`; one already present for the same series ×
 * season × source × run is kept. Observations of a season the run did not load (no `season_version` row) are skipped
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
      cm: o.countMethod ?? null,
      u: o.pageUrl ?? null,
    }));
    inserted += await prisma.$executeRaw`
      INSERT INTO season_rating_fact (run_id, series_id, season_number, source_key, score, vote_count, vote_count_is_lower_bound, method, count_method, page_url)
      SELECT ${runId}, x.s, x.n, x.k, x.v, x.c, x.lb, x.m, x.cm, x.u
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(s int, n int, k text, v numeric, c int, lb boolean, m text, cm text, u text)
      WHERE EXISTS (SELECT 1 FROM season_version d WHERE d.run_id = ${runId} AND d.series_id = x.s AND d.season_number = x.n)
      ON CONFLICT (series_id, season_number, source_key, run_id) DO NOTHING`;
  }
  return { season_rating_fact: inserted };
}

/** Adds row counts into `into`. */
export function addCounts(into: RowCounts, from: RowCounts): RowCounts {
  for (const [table, n] of Object.entries(from)) add(into, table, n);
  return into;
}
