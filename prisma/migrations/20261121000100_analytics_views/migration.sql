-- Rating sources (the rating_source_dim dimension) and the read side of the star schema:
--   * the design's contract views `series` and `ratings` (latest known value per series),
--   * the `analytics` schema that Tableau and Grafana read.
-- Every view shows facts of succeeded runs only: a running, failed or failed_quality run never reaches a
-- dashboard, and the last good data keeps serving. A rating once known stays until a newer one replaces it
-- (facts are only written for known values, and "latest" means latest known).

INSERT INTO "rating_source_dim" ("source_key", "name", "provider", "scale_min", "scale_max", "count_unit") VALUES
  ('tmdb',                     'TMDB user score',            'tmdb',           0,   10, 'votes'),
  ('imdb',                     'IMDb rating',                'omdb',           1,   10, 'votes'),
  ('rotten_tomatoes_critics',  'Rotten Tomatoes Tomatometer', 'rottentomatoes', 0, 100, 'reviews'),
  ('rotten_tomatoes_audience', 'Rotten Tomatoes Popcornmeter','rottentomatoes', 0, 100, 'ratings'),
  ('metacritic_critics',       'Metascore',                  'metacritic',     0, 100, 'reviews'),
  ('metacritic_users',         'Metacritic user score',      'metacritic',     0,   10, 'ratings')
ON CONFLICT ("source_key") DO NOTHING;

CREATE SCHEMA IF NOT EXISTS analytics;

-- One row per series × source × succeeded run.
CREATE VIEW analytics.rating_history AS
SELECT
  f.series_id,
  s.title,
  f.source_key                                   AS source,
  rs.name                                        AS source_name,
  f.run_id,
  r.finished_at                                  AS harvested_at,
  (r.finished_at AT TIME ZONE 'UTC')::date       AS harvest_date,
  f.score,
  rs.scale_max,
  round((f.score - rs.scale_min) / NULLIF(rs.scale_max - rs.scale_min, 0) * 100, 2) AS score_normalized,
  f.vote_count,
  f.vote_count_is_lower_bound,
  f.grain,
  f.method
FROM rating_fact f
JOIN harvest_run r        ON r.run_id = f.run_id AND r.status = 'succeeded'
JOIN series_dim s         ON s.series_id = f.series_id
JOIN rating_source_dim rs ON rs.source_key = f.source_key;

-- Latest known fact per series × source (succeeded runs only).
CREATE VIEW analytics.latest_ratings AS
SELECT DISTINCT ON (f.series_id, f.source_key)
  f.series_id,
  f.source_key AS source,
  f.score,
  f.vote_count,
  f.vote_count_is_lower_bound,
  f.run_id,
  r.finished_at AS harvested_at
FROM rating_fact f
JOIN harvest_run r ON r.run_id = f.run_id AND r.status = 'succeeded'
ORDER BY f.series_id, f.source_key, r.finished_at DESC, f.run_id DESC;

-- One row per series × genre, for rating distribution across genres.
CREATE VIEW analytics.series_genres AS
SELECT sg.series_id, g.genre_id, g.name AS genre
FROM series_genre sg JOIN genre_dim g ON g.genre_id = sg.genre_id;

-- One row per series × network (platform); is_primary marks the network TMDB lists first.
CREATE VIEW analytics.series_networks AS
SELECT sn.series_id, n.network_id, n.name AS network, n.origin_country AS network_country, sn.position = 0 AS is_primary
FROM series_network sn JOIN network_dim n ON n.network_id = sn.network_id;

-- One row per series: its dimensions and its latest score and count per source.
CREATE VIEW analytics.series_ratings AS
WITH g AS (
  SELECT sg.series_id, string_agg(gd.name, ', ' ORDER BY gd.name) AS genres
  FROM series_genre sg JOIN genre_dim gd ON gd.genre_id = sg.genre_id GROUP BY sg.series_id
), n AS (
  SELECT sn.series_id,
         string_agg(nd.name, ', ' ORDER BY sn.position) AS networks,
         (array_agg(nd.name ORDER BY sn.position))[1]   AS primary_network
  FROM series_network sn JOIN network_dim nd ON nd.network_id = sn.network_id GROUP BY sn.series_id
), l AS (
  SELECT series_id,
    max(score)      FILTER (WHERE source = 'tmdb')                     AS tmdb_score,
    max(vote_count) FILTER (WHERE source = 'tmdb')                     AS tmdb_votes,
    max(score)      FILTER (WHERE source = 'imdb')                     AS imdb_rating,
    max(vote_count) FILTER (WHERE source = 'imdb')                     AS imdb_votes,
    max(score)      FILTER (WHERE source = 'rotten_tomatoes_critics')  AS tomatoes_critic,
    max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_critics')  AS tomatoes_critic_count,
    max(score)      FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience,
    max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_count,
    max(score)      FILTER (WHERE source = 'metacritic_critics')       AS metacritic,
    max(vote_count) FILTER (WHERE source = 'metacritic_critics')       AS metacritic_count,
    max(score)      FILTER (WHERE source = 'metacritic_users')         AS metauser,
    max(vote_count) FILTER (WHERE source = 'metacritic_users')         AS metauser_count,
    max(harvested_at)                                                  AS ratings_updated_at
  FROM analytics.latest_ratings GROUP BY series_id
)
SELECT
  s.series_id,
  s.title,
  s.original_title,
  s.release_year,
  s.first_air_date,
  s.last_air_date,
  s.status,
  s.series_type,
  s.original_language                       AS language,
  array_to_string(s.origin_countries, ', ') AS origin_countries,
  s.number_of_seasons,
  s.number_of_episodes,
  g.genres,
  n.primary_network                         AS network,
  n.networks,
  s.imdb_id,
  s.plot,
  l.tmdb_score, l.tmdb_votes,
  l.imdb_rating, l.imdb_votes,
  l.tomatoes_critic, l.tomatoes_critic_count,
  l.tomatoes_audience, l.tomatoes_audience_count,
  l.metacritic, l.metacritic_count,
  l.metauser, l.metauser_count,
  l.ratings_updated_at
FROM series_dim s
LEFT JOIN g ON g.series_id = s.series_id
LEFT JOIN n ON n.series_id = s.series_id
LEFT JOIN l ON l.series_id = s.series_id;

-- Harvest runs, for freshness and run-history panels.
CREATE VIEW analytics.harvest_runs AS
SELECT run_id, started_at, finished_at, status::text AS status, trigger, series_listed, series_loaded, facts_written,
       quarantined, resume_count, extract(epoch FROM (finished_at - started_at)) AS duration_seconds
FROM harvest_run;

-- The design's contract: series(series_id, title, release_year, genres, language, network, plot).
CREATE VIEW "series" AS
SELECT series_id, title, release_year, genres, language, network, plot FROM analytics.series_ratings;

-- The design's contract: ratings(series_id, imdb_rating, imdb_count, tomatoes_critic, tomatoes_critic_count,
-- metacritic, metacritic_count, metauser, metauser_count), latest known value per series.
CREATE VIEW "ratings" AS
SELECT series_id,
       imdb_rating, imdb_votes AS imdb_count,
       tomatoes_critic, tomatoes_critic_count,
       metacritic, metacritic_count,
       metauser, metauser_count,
       tomatoes_audience, tomatoes_audience_count
FROM analytics.series_ratings;
