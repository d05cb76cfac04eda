-- The read side after issue 12 (hand-written; Prisma does not model views or functions).
--
-- Only finished runs are visible, dimensions included. Every view reads, per series, the version that the latest
-- succeeded run loaded (`published_series_version`): a running, failed, failed_quality, interrupted or abandoned
-- run writes its own versions (series_version and its per-run rows), which no view shows. Facts were already
-- limited to succeeded runs. A series no succeeded run has loaded is in no view.
--
-- One scale: analytics.normalized_score(source, score) is the only definition of the 0–100 score, used by every
-- view and dashboard query. Vote-weighted scores: analytics.weighted_score (a Bayesian average, as IMDb's Top 250)
-- with the prior's weight from analytics.weighting_min_votes(source). Series-grain and season-grain facts are in
-- separate views (rating_fact rows of grain 'season' are in no series-grain view).

DROP VIEW IF EXISTS "ratings";
DROP VIEW IF EXISTS "series";
DROP VIEW IF EXISTS analytics.series_ratings;
DROP VIEW IF EXISTS analytics.series_networks;
DROP VIEW IF EXISTS analytics.series_genres;
DROP VIEW IF EXISTS analytics.latest_ratings;
DROP VIEW IF EXISTS analytics.rating_history;

-- 0–100 on every source: score / the scale's maximum × 100, rounded to 2 decimals (IMDb 9.5 → 95.00).
--   tmdb (0–10) × 10 · imdb (1–10) × 10 · metacritic_users (0–10) × 10 ·
--   rotten_tomatoes_critics, rotten_tomatoes_audience (0–100 %) and metacritic_critics (0–100) as they are.
-- IMDb is not stretched from its minimum of 1: 9.5 reads 95 on every chart, as on IMDb itself. Unknown source: null.
CREATE FUNCTION analytics.normalized_score(source text, score numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(CASE source
    WHEN 'tmdb' THEN score * 10
    WHEN 'imdb' THEN score * 10
    WHEN 'metacritic_users' THEN score * 10
    WHEN 'rotten_tomatoes_critics' THEN score
    WHEN 'rotten_tomatoes_audience' THEN score
    WHEN 'metacritic_critics' THEN score
  END, 2)
$$;

-- The weight of the prior in the vote-weighted score, in the source's count unit: the "minimum votes" m of IMDb's
-- Top 250 formula. IMDb 25,000 votes (the figure IMDb published for its Top 250), TMDB 250 votes, Tomatometer 20
-- reviews, Popcornmeter 1,000 ratings, Metascore 10 reviews, Metacritic user score 100 ratings.
CREATE FUNCTION analytics.weighting_min_votes(source text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE source
    WHEN 'tmdb' THEN 250
    WHEN 'imdb' THEN 25000
    WHEN 'rotten_tomatoes_critics' THEN 20
    WHEN 'rotten_tomatoes_audience' THEN 1000
    WHEN 'metacritic_critics' THEN 10
    WHEN 'metacritic_users' THEN 100
  END
$$;

-- Bayesian average on the 0–100 scale: WR = (v·R + m·C) / (v + m), R the series' normalized score, v its count
-- (an unknown count counts as 0, so the score falls back to the prior), m = weighting_min_votes, C the prior (the mean
-- normalized score of the source over the series ranked together). Rounded to 2 decimals.
CREATE FUNCTION analytics.weighted_score(score_normalized numeric, vote_count integer, min_votes integer, prior_mean numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round((coalesce(vote_count, 0) * score_normalized + min_votes * prior_mean) / NULLIF(coalesce(vote_count, 0) + min_votes, 0), 2)
$$;

-- A TMDB image URL: TMDB's image base URL, a size (w342, w780, original …) and the stored path.
CREATE FUNCTION analytics.tmdb_image_url(path text, size text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN path IS NULL OR path = '' THEN NULL ELSE 'https://image.tmdb.org/t/p/' || size || path END
$$;

-- Per series, the version of the latest succeeded run that loaded it (not in schema analytics: a building block).
CREATE VIEW "published_series_version" AS
SELECT DISTINCT ON (v.series_id) v.*, r.finished_at AS harvested_at
FROM series_version v
JOIN harvest_run r ON r.run_id = v.run_id AND r.status = 'succeeded'
ORDER BY v.series_id, r.finished_at DESC NULLS LAST, v.run_id DESC;

-- Every version of a series that a succeeded run loaded: effective from that run's end until the next one's
-- (null: the current version). Titles, status, dates, genres, networks over time.
CREATE VIEW analytics.series_history AS
SELECT
  v.series_id,
  v.run_id,
  r.finished_at                                                    AS effective_from,
  lead(r.finished_at) OVER w                                       AS effective_to,
  lead(r.finished_at) OVER w IS NULL                               AS is_current,
  v.title,
  v.original_title,
  v.status,
  v.first_air_date,
  v.last_air_date,
  v.release_year,
  v.number_of_seasons,
  v.number_of_episodes,
  (SELECT string_agg(g.name, ', ' ORDER BY g.name) FROM series_genre_version gv JOIN genre_dim g ON g.genre_id = gv.genre_id
    WHERE gv.series_id = v.series_id AND gv.run_id = v.run_id)     AS genres,
  (SELECT string_agg(n.name, ', ' ORDER BY nv.position) FROM series_network_version nv JOIN network_dim n ON n.network_id = nv.network_id
    WHERE nv.series_id = v.series_id AND nv.run_id = v.run_id)     AS networks
FROM series_version v
JOIN harvest_run r ON r.run_id = v.run_id AND r.status = 'succeeded'
WINDOW w AS (PARTITION BY v.series_id ORDER BY r.finished_at, v.run_id);

-- One row per series × source × succeeded run, series grain.
CREATE VIEW analytics.rating_history AS
SELECT
  f.series_id,
  p.title,
  f.source_key                                       AS source,
  rs.name                                            AS source_name,
  f.run_id,
  r.finished_at                                      AS harvested_at,
  (r.finished_at AT TIME ZONE 'UTC')::date           AS harvest_date,
  f.score,
  rs.scale_max,
  analytics.normalized_score(f.source_key, f.score)  AS score_normalized,
  f.vote_count,
  f.vote_count_is_lower_bound,
  f.grain,
  f.method
FROM rating_fact f
JOIN harvest_run r              ON r.run_id = f.run_id AND r.status = 'succeeded'
JOIN published_series_version p ON p.series_id = f.series_id
JOIN rating_source_dim rs       ON rs.source_key = f.source_key
WHERE f.grain = 'series';

-- Vote-weighted score and rank per succeeded run × source, over the series rated in that run.
CREATE VIEW analytics.weighted_ratings AS
WITH f AS (
  SELECT h.run_id, h.harvested_at, h.series_id, h.title, h.source, h.score_normalized, h.vote_count, h.vote_count_is_lower_bound,
         analytics.weighting_min_votes(h.source) AS min_votes,
         round(avg(h.score_normalized) OVER (PARTITION BY h.run_id, h.source), 2) AS prior_mean
  FROM analytics.rating_history h
), w AS (
  SELECT f.*, analytics.weighted_score(f.score_normalized, f.vote_count, f.min_votes, f.prior_mean) AS weighted_score FROM f
)
SELECT run_id, harvested_at, series_id, title, source, score_normalized, vote_count, vote_count_is_lower_bound, min_votes, prior_mean,
       weighted_score,
       rank() OVER (PARTITION BY run_id, source ORDER BY weighted_score DESC NULLS LAST, vote_count DESC NULLS LAST, series_id) AS rank_in_run,
       count(*) OVER (PARTITION BY run_id, source)::int AS series_ranked
FROM w;

-- Latest known fact per series × source (succeeded runs, series grain), with its vote-weighted score and rank among
-- the latest facts of that source (prior: their mean).
CREATE VIEW analytics.latest_ratings AS
WITH l AS (
  SELECT DISTINCT ON (h.series_id, h.source) h.series_id, h.source, h.source_name, h.score, h.score_normalized, h.vote_count,
         h.vote_count_is_lower_bound, h.run_id, h.harvested_at
  FROM analytics.rating_history h
  ORDER BY h.series_id, h.source, h.harvested_at DESC NULLS LAST, h.run_id DESC
), p AS (
  SELECT l.*, analytics.weighting_min_votes(l.source) AS min_votes, round(avg(l.score_normalized) OVER (PARTITION BY l.source), 2) AS prior_mean FROM l
), w AS (
  SELECT p.*, analytics.weighted_score(p.score_normalized, p.vote_count, p.min_votes, p.prior_mean) AS weighted_score FROM p
)
SELECT series_id, source, score, vote_count, vote_count_is_lower_bound, run_id, harvested_at, source_name, score_normalized,
       min_votes, prior_mean, weighted_score,
       rank() OVER (PARTITION BY source ORDER BY weighted_score DESC NULLS LAST, vote_count DESC NULLS LAST, series_id) AS weighted_rank
FROM w;

-- One row per series × genre (the published version's genres).
CREATE VIEW analytics.series_genres AS
SELECT gv.series_id, g.genre_id, g.name AS genre
FROM published_series_version p
JOIN series_genre_version gv ON gv.series_id = p.series_id AND gv.run_id = p.run_id
JOIN genre_dim g             ON g.genre_id = gv.genre_id;

-- One row per series × network (original broadcaster); is_primary marks the network TMDB lists first.
CREATE VIEW analytics.series_networks AS
SELECT nv.series_id, n.network_id, n.name AS network, n.origin_country AS network_country, nv.position = 0 AS is_primary, nv.position
FROM published_series_version p
JOIN series_network_version nv ON nv.series_id = p.series_id AND nv.run_id = p.run_id
JOIN network_dim n             ON n.network_id = nv.network_id;

-- Latest availability per series × region × platform × offer type (the published version's watch providers;
-- JustWatch data, which TMDB asks to credit wherever it is shown).
CREATE VIEW analytics.series_platforms AS
SELECT sp.series_id, p.title, sp.region, pl.platform_id, pl.name AS platform, analytics.tmdb_image_url(pl.logo_path, 'w92') AS platform_logo_url,
       sp.offer_type, sp.display_priority, p.run_id, p.harvested_at
FROM published_series_version p
JOIN series_platform sp ON sp.series_id = p.series_id AND sp.run_id = p.run_id
JOIN platform_dim pl    ON pl.platform_id = sp.platform_id;

-- Availability in every succeeded run: a series leaving a platform is a row with is_current = false and no current
-- row for the same series × region × platform × offer type.
CREATE VIEW analytics.platform_history AS
SELECT sp.series_id, sp.region, pl.platform_id, pl.name AS platform, sp.offer_type, sp.run_id, r.finished_at AS harvested_at,
       EXISTS (SELECT 1 FROM published_series_version p WHERE p.series_id = sp.series_id AND p.run_id = sp.run_id) AS is_current
FROM series_platform sp
JOIN harvest_run r   ON r.run_id = sp.run_id AND r.status = 'succeeded'
JOIN platform_dim pl ON pl.platform_id = sp.platform_id;

-- Content rating per series × region (the published version's).
CREATE VIEW analytics.series_content_ratings AS
SELECT c.series_id, c.region, c.rating
FROM published_series_version p
JOIN series_content_rating c ON c.series_id = p.series_id AND c.run_id = p.run_id;

-- Seasons of each series (the published version's season_dim rows; season 0 is "Specials").
CREATE VIEW analytics.seasons AS
SELECT s.series_id, p.title, s.season_number, s.name AS season_name, s.air_date, s.episode_count, s.tmdb_season_id, s.run_id
FROM published_series_version p
JOIN season_dim s ON s.series_id = p.series_id AND s.run_id = p.run_id;

-- Season-grain rating facts of succeeded runs (a site's season page), apart from the series-grain views.
CREATE VIEW analytics.season_rating_history AS
SELECT
  f.series_id,
  p.title,
  f.season_number,
  f.source_key                                       AS source,
  rs.name                                            AS source_name,
  f.run_id,
  r.finished_at                                      AS harvested_at,
  f.score,
  analytics.normalized_score(f.source_key, f.score)  AS score_normalized,
  f.vote_count,
  f.vote_count_is_lower_bound,
  f.method
FROM season_rating_fact f
JOIN harvest_run r              ON r.run_id = f.run_id AND r.status = 'succeeded'
JOIN published_series_version p ON p.series_id = f.series_id
JOIN rating_source_dim rs       ON rs.source_key = f.source_key;

-- One row per series: its published dimensions and its latest score and count per source (with lower-bound flags).
CREATE VIEW analytics.series_ratings AS
WITH g AS (
  SELECT series_id, string_agg(genre, ', ' ORDER BY genre) AS genres FROM analytics.series_genres GROUP BY series_id
), n AS (
  SELECT series_id,
         string_agg(network, ', ' ORDER BY position) AS networks,
         max(network) FILTER (WHERE is_primary)                       AS primary_network
  FROM analytics.series_networks GROUP BY series_id
), l AS (
  SELECT series_id,
    max(score)      FILTER (WHERE source = 'tmdb')                                   AS tmdb_score,
    max(vote_count) FILTER (WHERE source = 'tmdb')                                   AS tmdb_votes,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'tmdb')                AS tmdb_votes_is_lower_bound,
    max(score)      FILTER (WHERE source = 'imdb')                                   AS imdb_rating,
    max(vote_count) FILTER (WHERE source = 'imdb')                                   AS imdb_votes,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'imdb')                AS imdb_votes_is_lower_bound,
    max(score)      FILTER (WHERE source = 'rotten_tomatoes_critics')                AS tomatoes_critic,
    max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_critics')                AS tomatoes_critic_count,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'rotten_tomatoes_critics')  AS tomatoes_critic_count_is_lower_bound,
    max(score)      FILTER (WHERE source = 'rotten_tomatoes_audience')               AS tomatoes_audience,
    max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_audience')               AS tomatoes_audience_count,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_count_is_lower_bound,
    max(score)      FILTER (WHERE source = 'metacritic_critics')                     AS metacritic,
    max(vote_count) FILTER (WHERE source = 'metacritic_critics')                     AS metacritic_count,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'metacritic_critics')  AS metacritic_count_is_lower_bound,
    max(score)      FILTER (WHERE source = 'metacritic_users')                       AS metauser,
    max(vote_count) FILTER (WHERE source = 'metacritic_users')                       AS metauser_count,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'metacritic_users')    AS metauser_count_is_lower_bound,
    max(weighted_score) FILTER (WHERE source = 'tmdb')                               AS tmdb_weighted,
    max(weighted_score) FILTER (WHERE source = 'imdb')                               AS imdb_weighted,
    max(harvested_at)                                                                AS ratings_updated_at
  FROM analytics.latest_ratings GROUP BY series_id
)
SELECT
  p.series_id,
  p.title,
  p.original_title,
  p.release_year,
  p.first_air_date,
  p.last_air_date,
  p.status,
  p.series_type,
  p.original_language                       AS language,
  array_to_string(p.origin_countries, ', ') AS origin_countries,
  p.number_of_seasons,
  p.number_of_episodes,
  g.genres,
  n.primary_network                         AS network,
  n.networks,
  p.imdb_id,
  p.plot,
  l.tmdb_score, l.tmdb_votes, l.tmdb_votes_is_lower_bound,
  l.imdb_rating, l.imdb_votes, l.imdb_votes_is_lower_bound,
  l.tomatoes_critic, l.tomatoes_critic_count, l.tomatoes_critic_count_is_lower_bound,
  l.tomatoes_audience, l.tomatoes_audience_count, l.tomatoes_audience_count_is_lower_bound,
  l.metacritic, l.metacritic_count, l.metacritic_count_is_lower_bound,
  l.metauser, l.metauser_count, l.metauser_count_is_lower_bound,
  l.ratings_updated_at,
  l.tmdb_weighted,
  l.imdb_weighted,
  p.run_id                                  AS version_run_id
FROM published_series_version p
LEFT JOIN g ON g.series_id = p.series_id
LEFT JOIN n ON n.series_id = p.series_id
LEFT JOIN l ON l.series_id = p.series_id;

-- Top-rated series per region × platform × offer type, ranked by the vote-weighted score: IMDb's where known, else
-- TMDB's (ranking_source says which).
CREATE VIEW analytics.top_rated_by_platform AS
WITH s AS (
  SELECT sp.region, sp.platform_id, sp.platform, sp.offer_type, sp.series_id, sr.title, sr.release_year, sr.genres, sr.network,
         CASE WHEN sr.imdb_weighted IS NOT NULL THEN 'imdb' ELSE 'tmdb' END AS ranking_source,
         coalesce(sr.imdb_weighted, sr.tmdb_weighted)                      AS weighted_score,
         CASE WHEN sr.imdb_weighted IS NOT NULL THEN analytics.normalized_score('imdb', sr.imdb_rating) ELSE analytics.normalized_score('tmdb', sr.tmdb_score) END AS score_normalized,
         CASE WHEN sr.imdb_weighted IS NOT NULL THEN sr.imdb_votes ELSE sr.tmdb_votes END AS vote_count,
         CASE WHEN sr.imdb_weighted IS NOT NULL THEN sr.imdb_votes_is_lower_bound ELSE sr.tmdb_votes_is_lower_bound END AS vote_count_is_lower_bound
  FROM analytics.series_platforms sp
  JOIN analytics.series_ratings sr ON sr.series_id = sp.series_id
)
SELECT s.*, rank() OVER (PARTITION BY region, platform_id, offer_type ORDER BY weighted_score DESC NULLS LAST, series_id) AS rank_in_platform
FROM s;

-- A show profile: one row per series with ids, image and page URLs, creators, content ratings, keywords, dates,
-- seasons and episodes, networks, platforms, and every source's latest score, count and date.
CREATE VIEW analytics.series_profile AS
WITH lr AS (
  SELECT series_id,
    max(score) FILTER (WHERE source = 'tmdb') AS tmdb_score, max(vote_count) FILTER (WHERE source = 'tmdb') AS tmdb_votes,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'tmdb') AS tmdb_votes_is_lower_bound, max(harvested_at) FILTER (WHERE source = 'tmdb') AS tmdb_rated_at,
    max(score) FILTER (WHERE source = 'imdb') AS imdb_rating, max(vote_count) FILTER (WHERE source = 'imdb') AS imdb_votes,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'imdb') AS imdb_votes_is_lower_bound, max(harvested_at) FILTER (WHERE source = 'imdb') AS imdb_rated_at,
    max(score) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic,
    max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_count,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_count_is_lower_bound,
    max(harvested_at) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_rated_at,
    max(score) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience,
    max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_count,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_count_is_lower_bound,
    max(harvested_at) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_rated_at,
    max(score) FILTER (WHERE source = 'metacritic_critics') AS metacritic, max(vote_count) FILTER (WHERE source = 'metacritic_critics') AS metacritic_count,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'metacritic_critics') AS metacritic_count_is_lower_bound,
    max(harvested_at) FILTER (WHERE source = 'metacritic_critics') AS metacritic_rated_at,
    max(score) FILTER (WHERE source = 'metacritic_users') AS metauser, max(vote_count) FILTER (WHERE source = 'metacritic_users') AS metauser_count,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'metacritic_users') AS metauser_count_is_lower_bound,
    max(harvested_at) FILTER (WHERE source = 'metacritic_users') AS metauser_rated_at
  FROM analytics.latest_ratings GROUP BY series_id
)
SELECT
  p.series_id,
  p.series_id                                                  AS tmdb_id,
  p.imdb_id,
  p.tvdb_id,
  p.wikidata_id,
  p.title,
  p.original_title,
  p.status,
  p.series_type,
  p.first_air_date,
  p.last_air_date,
  p.release_year,
  p.original_language                                          AS language,
  array_to_string(p.origin_countries, ', ')                    AS origin_countries,
  p.number_of_seasons,
  p.number_of_episodes,
  (SELECT count(*)::int FROM analytics.seasons s WHERE s.series_id = p.series_id AND s.season_number > 0) AS seasons_listed,
  (SELECT string_agg(genre, ', ' ORDER BY genre) FROM analytics.series_genres g WHERE g.series_id = p.series_id) AS genres,
  (SELECT string_agg(network, ', ' ORDER BY position) FROM analytics.series_networks n WHERE n.series_id = p.series_id) AS networks,
  (SELECT string_agg(DISTINCT sp.platform || ' (' || sp.region || ')', ', ') FROM analytics.series_platforms sp
    WHERE sp.series_id = p.series_id AND sp.offer_type IN ('flatrate', 'free', 'ads'))              AS platforms,
  (SELECT string_agg(c.region || ': ' || c.rating, ', ' ORDER BY c.region) FROM analytics.series_content_ratings c WHERE c.series_id = p.series_id) AS content_ratings,
  array_to_string(p.creators, ', ')                            AS creators,
  array_to_string(p.keywords, ', ')                            AS keywords,
  p.plot,
  p.popularity,
  analytics.tmdb_image_url(p.poster_path, 'w342')              AS poster_url,
  analytics.tmdb_image_url(p.backdrop_path, 'w780')            AS backdrop_url,
  'https://www.themoviedb.org/tv/' || p.series_id              AS tmdb_url,
  CASE WHEN p.imdb_id IS NOT NULL THEN 'https://www.imdb.com/title/' || p.imdb_id || '/' END AS imdb_url,
  CASE WHEN p.wikidata_id IS NOT NULL THEN 'https://www.wikidata.org/wiki/' || p.wikidata_id END AS wikidata_url,
  (SELECT rp.url FROM rating_page rp WHERE rp.series_id = p.series_id AND rp.site = 'rottentomatoes') AS rotten_tomatoes_url,
  (SELECT rp.url FROM rating_page rp WHERE rp.series_id = p.series_id AND rp.site = 'metacritic')     AS metacritic_url,
  lr.tmdb_score, lr.tmdb_votes, lr.tmdb_votes_is_lower_bound, lr.tmdb_rated_at,
  lr.imdb_rating, lr.imdb_votes, lr.imdb_votes_is_lower_bound, lr.imdb_rated_at,
  lr.tomatoes_critic, lr.tomatoes_critic_count, lr.tomatoes_critic_count_is_lower_bound, lr.tomatoes_critic_rated_at,
  lr.tomatoes_audience, lr.tomatoes_audience_count, lr.tomatoes_audience_count_is_lower_bound, lr.tomatoes_audience_rated_at,
  lr.metacritic, lr.metacritic_count, lr.metacritic_count_is_lower_bound, lr.metacritic_rated_at,
  lr.metauser, lr.metauser_count, lr.metauser_count_is_lower_bound, lr.metauser_rated_at,
  p.run_id                                                     AS version_run_id,
  p.harvested_at                                               AS version_harvested_at
FROM published_series_version p
LEFT JOIN lr ON lr.series_id = p.series_id;

-- ML-ready features, one row per series: normalized scores per source, log(1 + count) with lower-bound flags,
-- one-hot genres (TMDB's 16 TV genres) and major platforms (a subscription, free or ad-supported offer in any
-- watch region; TMDB provider ids), age in years at the published version's harvest, status, seasons and episodes,
-- language and first origin country. genre_ids and platform_ids hold every id, for encodings of one's own.
CREATE VIEW analytics.series_features AS
WITH lr AS (
  SELECT series_id,
    max(score_normalized) FILTER (WHERE source = 'tmdb')                     AS score_tmdb,
    max(score_normalized) FILTER (WHERE source = 'imdb')                     AS score_imdb,
    max(score_normalized) FILTER (WHERE source = 'rotten_tomatoes_critics')  AS score_tomatoes_critic,
    max(score_normalized) FILTER (WHERE source = 'rotten_tomatoes_audience') AS score_tomatoes_audience,
    max(score_normalized) FILTER (WHERE source = 'metacritic_critics')       AS score_metacritic,
    max(score_normalized) FILTER (WHERE source = 'metacritic_users')         AS score_metauser,
    round(ln(1 + max(vote_count) FILTER (WHERE source = 'tmdb'))::numeric, 4)                     AS log_votes_tmdb,
    round(ln(1 + max(vote_count) FILTER (WHERE source = 'imdb'))::numeric, 4)                     AS log_votes_imdb,
    round(ln(1 + max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_critics'))::numeric, 4)  AS log_count_tomatoes_critic,
    round(ln(1 + max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_audience'))::numeric, 4) AS log_count_tomatoes_audience,
    round(ln(1 + max(vote_count) FILTER (WHERE source = 'metacritic_critics'))::numeric, 4)       AS log_count_metacritic,
    round(ln(1 + max(vote_count) FILTER (WHERE source = 'metacritic_users'))::numeric, 4)         AS log_count_metauser,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'tmdb')                     AS votes_tmdb_is_lower_bound,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'imdb')                     AS votes_imdb_is_lower_bound,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'rotten_tomatoes_critics')  AS count_tomatoes_critic_is_lower_bound,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'rotten_tomatoes_audience') AS count_tomatoes_audience_is_lower_bound,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'metacritic_critics')       AS count_metacritic_is_lower_bound,
    bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'metacritic_users')         AS count_metauser_is_lower_bound
  FROM analytics.latest_ratings GROUP BY series_id
), g AS (
  SELECT series_id, array_agg(genre_id ORDER BY genre_id) AS genre_ids FROM analytics.series_genres GROUP BY series_id
), pl AS (
  SELECT series_id, array_agg(DISTINCT platform_id ORDER BY platform_id) AS platform_ids
  FROM analytics.series_platforms WHERE offer_type IN ('flatrate', 'free', 'ads') GROUP BY series_id
)
SELECT
  p.series_id,
  p.release_year,
  round(((p.harvested_at AT TIME ZONE 'UTC')::date - p.first_air_date) / 365.25, 2) AS age_years,
  p.status,
  (p.status IN ('Ended', 'Canceled'))::int                  AS is_finished,
  p.number_of_seasons,
  p.number_of_episodes,
  p.original_language                                       AS language,
  p.origin_countries[1]                                     AS country,
  lr.score_tmdb, lr.score_imdb, lr.score_tomatoes_critic, lr.score_tomatoes_audience, lr.score_metacritic, lr.score_metauser,
  lr.log_votes_tmdb, lr.votes_tmdb_is_lower_bound, lr.log_votes_imdb, lr.votes_imdb_is_lower_bound,
  lr.log_count_tomatoes_critic, lr.count_tomatoes_critic_is_lower_bound, lr.log_count_tomatoes_audience, lr.count_tomatoes_audience_is_lower_bound,
  lr.log_count_metacritic, lr.count_metacritic_is_lower_bound, lr.log_count_metauser, lr.count_metauser_is_lower_bound,
  (coalesce(g.genre_ids, '{}') @> '{10759}')::int AS genre_action_adventure,
  (coalesce(g.genre_ids, '{}') @> '{16}')::int    AS genre_animation,
  (coalesce(g.genre_ids, '{}') @> '{35}')::int    AS genre_comedy,
  (coalesce(g.genre_ids, '{}') @> '{80}')::int    AS genre_crime,
  (coalesce(g.genre_ids, '{}') @> '{99}')::int    AS genre_documentary,
  (coalesce(g.genre_ids, '{}') @> '{18}')::int    AS genre_drama,
  (coalesce(g.genre_ids, '{}') @> '{10751}')::int AS genre_family,
  (coalesce(g.genre_ids, '{}') @> '{10762}')::int AS genre_kids,
  (coalesce(g.genre_ids, '{}') @> '{9648}')::int  AS genre_mystery,
  (coalesce(g.genre_ids, '{}') @> '{10763}')::int AS genre_news,
  (coalesce(g.genre_ids, '{}') @> '{10764}')::int AS genre_reality,
  (coalesce(g.genre_ids, '{}') @> '{10765}')::int AS genre_sci_fi_fantasy,
  (coalesce(g.genre_ids, '{}') @> '{10766}')::int AS genre_soap,
  (coalesce(g.genre_ids, '{}') @> '{10767}')::int AS genre_talk,
  (coalesce(g.genre_ids, '{}') @> '{10768}')::int AS genre_war_politics,
  (coalesce(g.genre_ids, '{}') @> '{37}')::int    AS genre_western,
  (coalesce(pl.platform_ids, '{}') && '{8,1796}')::int   AS platform_netflix,
  (coalesce(pl.platform_ids, '{}') && '{9,119}')::int    AS platform_prime_video,
  (coalesce(pl.platform_ids, '{}') && '{337}')::int      AS platform_disney_plus,
  (coalesce(pl.platform_ids, '{}') && '{1899,384}')::int AS platform_max,
  (coalesce(pl.platform_ids, '{}') && '{15}')::int       AS platform_hulu,
  (coalesce(pl.platform_ids, '{}') && '{350}')::int      AS platform_apple_tv_plus,
  (coalesce(pl.platform_ids, '{}') && '{531}')::int      AS platform_paramount_plus,
  (coalesce(pl.platform_ids, '{}') && '{386,387}')::int  AS platform_peacock,
  coalesce(g.genre_ids, '{}')                            AS genre_ids,
  coalesce(pl.platform_ids, '{}')                        AS platform_ids,
  p.run_id                                               AS version_run_id
FROM published_series_version p
LEFT JOIN lr ON lr.series_id = p.series_id
LEFT JOIN g  ON g.series_id = p.series_id
LEFT JOIN pl ON pl.series_id = p.series_id;

-- The design's contract: series(series_id, title, release_year, genres, language, network, plot).
CREATE VIEW "series" AS
SELECT series_id, title, release_year, genres, language, network, plot FROM analytics.series_ratings;

-- The design's contract: ratings(series_id, imdb_rating, imdb_count, tomatoes_critic, tomatoes_critic_count,
-- metacritic, metacritic_count, metauser, metauser_count), latest known value per series; lower-bound flags after.
CREATE VIEW "ratings" AS
SELECT series_id,
       imdb_rating, imdb_votes AS imdb_count,
       tomatoes_critic, tomatoes_critic_count,
       metacritic, metacritic_count,
       metauser, metauser_count,
       tomatoes_audience, tomatoes_audience_count,
       imdb_votes_is_lower_bound AS imdb_count_is_lower_bound,
       tomatoes_critic_count_is_lower_bound,
       metacritic_count_is_lower_bound,
       metauser_count_is_lower_bound,
       tomatoes_audience_count_is_lower_bound
FROM analytics.series_ratings;
