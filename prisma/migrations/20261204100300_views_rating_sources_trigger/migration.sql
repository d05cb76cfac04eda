-- Generated from prisma/views/ by `npm run views:migration -- views_rating_sources_trigger`: edit the files and generate a new migration, never this one.
--   changed views: staging.series_rating_fact, intermediate.latest_rating, analytics.season_rating_history, analytics.weighted_ratings
--   new views: analytics.harvest_runs, analytics.rating_snapshot, analytics.rating_trend, monitoring.harvest_runs
--   changed functions: analytics.normalized_score, analytics.weighting_min_votes
--   new functions: analytics.normalize_to_100
--   recreated unchanged (they read a changed model): analytics.latest_ratings, analytics.rating_history, analytics.series_features, analytics.series_profile, analytics.series_ratings, analytics.top_rated_by_platform, intermediate.latest_ratings_wide, monitoring.rating_coverage, public.ratings, public.series

DROP VIEW analytics.latest_ratings;
DROP VIEW analytics.rating_history;
DROP VIEW analytics.season_rating_history;
DROP VIEW analytics.series_features;
DROP VIEW analytics.series_profile;
DROP VIEW public.ratings;
DROP VIEW public.series;
DROP VIEW analytics.series_ratings;
DROP VIEW analytics.top_rated_by_platform;
DROP VIEW analytics.weighted_ratings;
DROP VIEW intermediate.latest_ratings_wide;
DROP VIEW monitoring.rating_coverage;
DROP VIEW intermediate.latest_rating;
DROP VIEW staging.series_rating_fact;
DROP FUNCTION analytics.normalized_score(source text, score numeric);
DROP FUNCTION analytics.weighting_min_votes(source text);

CREATE SCHEMA IF NOT EXISTS analytics;
CREATE SCHEMA IF NOT EXISTS intermediate;
CREATE SCHEMA IF NOT EXISTS monitoring;
CREATE SCHEMA IF NOT EXISTS staging;

-- prisma/views/1_functions/analytics.normalize_to_100.sql
-- The one normalisation: a score on a scale from its minimum to scale_max, on 0–100 as score / scale_max × 100,
-- rounded to 2 decimals (IMDb 9.5 of 10 → 95.00). The scale's minimum is not subtracted: IMDb's 1–10 is not
-- stretched, so 9.5 reads 95 on every chart, as on IMDb itself. scale_max comes from rating_source_dim
-- (src/rating-sources.json). A plain expression, so PostgreSQL inlines it into the views that call it.
CREATE OR REPLACE FUNCTION analytics.normalize_to_100(score numeric, scale_max numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(score * 100 / NULLIF(scale_max, 0), 2)
$$;

-- prisma/views/1_functions/analytics.normalized_score.sql
-- A source's score on 0–100 (analytics.normalize_to_100 with the source's scale_max from rating_source_dim), for
-- dashboards and ad-hoc queries: normalized_score('imdb', 9.5) = 95.00. Unknown source: null. SECURITY DEFINER
-- (with a fixed search_path) so the reader role, which reads no table, can call it; it reveals only the scales.
CREATE OR REPLACE FUNCTION analytics.normalized_score(source text, score numeric) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT analytics.normalize_to_100(score, rs.scale_max) FROM public.rating_source_dim rs WHERE rs.source_key = source
$$;

-- prisma/views/1_functions/analytics.weighting_min_votes.sql
-- The weight of the prior in the vote-weighted score, in the source's count unit: the "minimum votes" m of IMDb's
-- Top 250 formula, rating_source_dim.min_votes (src/rating-sources.json). Unknown source: null. SECURITY DEFINER for
-- the reader role, as analytics.normalized_score.
CREATE OR REPLACE FUNCTION analytics.weighting_min_votes(source text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT rs.min_votes FROM public.rating_source_dim rs WHERE rs.source_key = source
$$;

-- prisma/views/2_staging/staging.series_rating_fact.sql
-- Series-grain rating facts of succeeded runs, one row per series × source × run, with the source's name and the
-- score on the 0–100 scale and the source's minimum votes (rating_fact rows of grain 'season' are in no series-grain model).
CREATE VIEW staging.series_rating_fact AS
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
  analytics.normalize_to_100(f.score, rs.scale_max)  AS score_normalized,
  f.vote_count,
  f.vote_count_is_lower_bound,
  f.grain,
  f.method,
  rs.min_votes
FROM rating_fact f
JOIN harvest_run r              ON r.run_id = f.run_id AND r.status = 'succeeded'
JOIN published_series_version p ON p.series_id = f.series_id
JOIN rating_source_dim rs       ON rs.source_key = f.source_key
WHERE f.grain = 'series';

-- prisma/views/3_intermediate/intermediate.latest_rating.sql
-- Latest known fact per series × source (succeeded runs, series grain), with its vote-weighted score and rank among
-- the latest facts of that source (prior: their mean).
CREATE VIEW intermediate.latest_rating AS
WITH l AS (
  SELECT DISTINCT ON (h.series_id, h.source) h.series_id, h.source, h.source_name, h.score, h.score_normalized, h.vote_count,
         h.vote_count_is_lower_bound, h.run_id, h.harvested_at, h.min_votes
  FROM staging.series_rating_fact h
  ORDER BY h.series_id, h.source, h.harvested_at DESC NULLS LAST, h.run_id DESC
), p AS (
  SELECT l.*, round(avg(l.score_normalized) OVER (PARTITION BY l.source), 2) AS prior_mean FROM l
), w AS (
  SELECT p.*, analytics.weighted_score(p.score_normalized, p.vote_count, p.min_votes, p.prior_mean) AS weighted_score FROM p
)
SELECT series_id, source, score, vote_count, vote_count_is_lower_bound, run_id, harvested_at, source_name, score_normalized,
       min_votes, prior_mean, weighted_score,
       rank() OVER (PARTITION BY source ORDER BY weighted_score DESC NULLS LAST, vote_count DESC NULLS LAST, series_id) AS weighted_rank
FROM w;

-- prisma/views/3_intermediate/intermediate.latest_ratings_wide.sql
-- The six-source pivot, written once: one row per series with, for each rating source, its latest known score (on
-- the source's scale and on 0–100), count, lower-bound flag, vote-weighted score and the time of the run that
-- observed it; ratings_updated_at is the latest of those times. Column prefixes: tmdb, imdb, tomatoes_critic
-- (Tomatometer), tomatoes_audience (Popcornmeter), metacritic (Metascore), metauser (Metacritic user score).
CREATE VIEW intermediate.latest_ratings_wide AS
SELECT
  series_id,
  max(score) FILTER (WHERE source = 'tmdb') AS tmdb_score,
  max(score_normalized) FILTER (WHERE source = 'tmdb') AS tmdb_score_normalized,
  max(vote_count) FILTER (WHERE source = 'tmdb') AS tmdb_votes,
  bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'tmdb') AS tmdb_votes_is_lower_bound,
  max(weighted_score) FILTER (WHERE source = 'tmdb') AS tmdb_weighted,
  max(harvested_at) FILTER (WHERE source = 'tmdb') AS tmdb_rated_at,
  max(score) FILTER (WHERE source = 'imdb') AS imdb_score,
  max(score_normalized) FILTER (WHERE source = 'imdb') AS imdb_score_normalized,
  max(vote_count) FILTER (WHERE source = 'imdb') AS imdb_votes,
  bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'imdb') AS imdb_votes_is_lower_bound,
  max(weighted_score) FILTER (WHERE source = 'imdb') AS imdb_weighted,
  max(harvested_at) FILTER (WHERE source = 'imdb') AS imdb_rated_at,
  max(score) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_score,
  max(score_normalized) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_score_normalized,
  max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_votes,
  bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_votes_is_lower_bound,
  max(weighted_score) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_weighted,
  max(harvested_at) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_rated_at,
  max(score) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_score,
  max(score_normalized) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_score_normalized,
  max(vote_count) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_votes,
  bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_votes_is_lower_bound,
  max(weighted_score) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_weighted,
  max(harvested_at) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_rated_at,
  max(score) FILTER (WHERE source = 'metacritic_critics') AS metacritic_score,
  max(score_normalized) FILTER (WHERE source = 'metacritic_critics') AS metacritic_score_normalized,
  max(vote_count) FILTER (WHERE source = 'metacritic_critics') AS metacritic_votes,
  bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'metacritic_critics') AS metacritic_votes_is_lower_bound,
  max(weighted_score) FILTER (WHERE source = 'metacritic_critics') AS metacritic_weighted,
  max(harvested_at) FILTER (WHERE source = 'metacritic_critics') AS metacritic_rated_at,
  max(score) FILTER (WHERE source = 'metacritic_users') AS metauser_score,
  max(score_normalized) FILTER (WHERE source = 'metacritic_users') AS metauser_score_normalized,
  max(vote_count) FILTER (WHERE source = 'metacritic_users') AS metauser_votes,
  bool_or(vote_count_is_lower_bound) FILTER (WHERE source = 'metacritic_users') AS metauser_votes_is_lower_bound,
  max(weighted_score) FILTER (WHERE source = 'metacritic_users') AS metauser_weighted,
  max(harvested_at) FILTER (WHERE source = 'metacritic_users') AS metauser_rated_at,
  max(harvested_at) AS ratings_updated_at
FROM intermediate.latest_rating
GROUP BY series_id;

-- prisma/views/4_marts/analytics.harvest_runs.sql
-- Harvest runs, for freshness and run-history panels.
CREATE VIEW analytics.harvest_runs AS
SELECT run_id, started_at, finished_at, status::text AS status, trigger::text AS trigger, series_listed, series_loaded, facts_written,
       quarantined, resume_count, extract(epoch FROM (finished_at - started_at)) AS duration_seconds
FROM harvest_run;

-- prisma/views/4_marts/analytics.latest_ratings.sql
-- Latest known fact per series × source (succeeded runs, series grain), with its vote-weighted score and rank among
-- the latest facts of that source.
CREATE VIEW analytics.latest_ratings AS
SELECT series_id, source, score, vote_count, vote_count_is_lower_bound, run_id, harvested_at, source_name, score_normalized,
       min_votes, prior_mean, weighted_score, weighted_rank
FROM intermediate.latest_rating;

-- prisma/views/4_marts/analytics.rating_history.sql
-- One row per series × source × succeeded run, series grain.
CREATE VIEW analytics.rating_history AS
SELECT series_id, title, source, source_name, run_id, harvested_at, harvest_date, score, scale_max, score_normalized,
       vote_count, vote_count_is_lower_bound, grain, method
FROM staging.series_rating_fact;

-- prisma/views/4_marts/analytics.rating_snapshot.sql
-- Snapshots of the latest known values, one per weekly harvest (a succeeded run that is not a top-up): for every series
-- of that run's catalogue (its series versions) and every rating source, the latest series-grain fact of a succeeded run
-- (weekly or top-up) finished by then. A run that refreshed a third of the catalogue still shows the other two thirds at
-- their last known values, so a trend over these rows moves with the ratings, not with the mix of refreshed series.
-- Grain: snapshot run × series × source; value_run_id / value_at say where the value comes from.
CREATE VIEW analytics.rating_snapshot AS
SELECT
  r.run_id                                           AS snapshot_run_id,
  r.finished_at                                      AS snapshot_at,
  (r.finished_at AT TIME ZONE 'UTC')::date           AS snapshot_date,
  v.series_id,
  v.title,
  rs.source_key                                      AS source,
  rs.name                                            AS source_name,
  l.score,
  analytics.normalize_to_100(l.score, rs.scale_max)  AS score_normalized,
  l.vote_count,
  l.vote_count_is_lower_bound,
  l.run_id                                           AS value_run_id,
  l.finished_at                                      AS value_at,
  round((extract(epoch FROM r.finished_at - l.finished_at) / 86400)::numeric, 2) AS value_age_days
FROM harvest_run r
JOIN series_version v ON v.run_id = r.run_id
CROSS JOIN rating_source_dim rs
JOIN LATERAL (
  SELECT f.score, f.vote_count, f.vote_count_is_lower_bound, f.run_id, fr.finished_at
  FROM rating_fact f
  JOIN harvest_run fr ON fr.run_id = f.run_id AND fr.status = 'succeeded'
  WHERE f.series_id = v.series_id AND f.source_key = rs.source_key AND f.grain = 'series' AND fr.finished_at <= r.finished_at
  ORDER BY fr.finished_at DESC, f.run_id DESC
  LIMIT 1
) l ON true
WHERE r.status = 'succeeded' AND r.trigger <> 'topup' AND r.finished_at IS NOT NULL;

-- prisma/views/4_marts/analytics.rating_trend.sql
-- The trend per weekly harvest × source over the snapshot: mean and median normalised score (0–100) of the series with a
-- known value, how many series that is, and how many of those values that very run refreshed.
CREATE VIEW analytics.rating_trend AS
SELECT
  snapshot_run_id,
  snapshot_at,
  snapshot_date,
  source,
  source_name,
  count(*)::int                                                                    AS series_rated,
  count(*) FILTER (WHERE value_run_id = snapshot_run_id)::int                      AS series_refreshed_in_run,
  round(avg(score_normalized), 2)                                                  AS avg_score_normalized,
  round((percentile_cont(0.5) WITHIN GROUP (ORDER BY score_normalized))::numeric, 2) AS median_score_normalized,
  round(avg(value_age_days), 2)                                                    AS avg_value_age_days
FROM analytics.rating_snapshot
GROUP BY snapshot_run_id, snapshot_at, snapshot_date, source, source_name;

-- prisma/views/4_marts/analytics.season_rating_history.sql
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
  analytics.normalize_to_100(f.score, rs.scale_max)  AS score_normalized,
  f.vote_count,
  f.vote_count_is_lower_bound,
  f.method
FROM season_rating_fact f
JOIN harvest_run r              ON r.run_id = f.run_id AND r.status = 'succeeded'
JOIN published_series_version p ON p.series_id = f.series_id
JOIN rating_source_dim rs       ON rs.source_key = f.source_key;

-- prisma/views/4_marts/analytics.series_features.sql
-- ML-ready features, one row per series: normalized scores per source, log(1 + count) with lower-bound flags,
-- one-hot genres (TMDB's 16 TV genres) and major platforms (a subscription, free or ad-supported offer in any
-- watch region; TMDB provider ids), age in years at the published version's harvest, status, seasons and episodes,
-- language and first origin country. genre_ids and platform_ids hold every id, for encodings of one's own.
CREATE VIEW analytics.series_features AS
WITH lr AS (
  SELECT series_id,
    tmdb_score_normalized                                         AS score_tmdb,
    imdb_score_normalized                                         AS score_imdb,
    tomatoes_critic_score_normalized                              AS score_tomatoes_critic,
    tomatoes_audience_score_normalized                            AS score_tomatoes_audience,
    metacritic_score_normalized                                   AS score_metacritic,
    metauser_score_normalized                                     AS score_metauser,
    round(ln(1 + tmdb_votes)::numeric, 4)                         AS log_votes_tmdb,
    round(ln(1 + imdb_votes)::numeric, 4)                         AS log_votes_imdb,
    round(ln(1 + tomatoes_critic_votes)::numeric, 4)              AS log_count_tomatoes_critic,
    round(ln(1 + tomatoes_audience_votes)::numeric, 4)            AS log_count_tomatoes_audience,
    round(ln(1 + metacritic_votes)::numeric, 4)                   AS log_count_metacritic,
    round(ln(1 + metauser_votes)::numeric, 4)                     AS log_count_metauser,
    tmdb_votes_is_lower_bound                                     AS votes_tmdb_is_lower_bound,
    imdb_votes_is_lower_bound                                     AS votes_imdb_is_lower_bound,
    tomatoes_critic_votes_is_lower_bound                          AS count_tomatoes_critic_is_lower_bound,
    tomatoes_audience_votes_is_lower_bound                        AS count_tomatoes_audience_is_lower_bound,
    metacritic_votes_is_lower_bound                               AS count_metacritic_is_lower_bound,
    metauser_votes_is_lower_bound                                 AS count_metauser_is_lower_bound
  FROM intermediate.latest_ratings_wide
), pl AS (
  SELECT series_id, array_agg(DISTINCT platform_id ORDER BY platform_id) AS platform_ids
  FROM staging.series_platform WHERE offer_type IN ('flatrate', 'free', 'ads') GROUP BY series_id
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
LEFT JOIN intermediate.series_genre_list g ON g.series_id = p.series_id
LEFT JOIN pl ON pl.series_id = p.series_id;

-- prisma/views/4_marts/analytics.series_profile.sql
-- A show profile: one row per series with ids, image and page URLs, creators, content ratings, keywords, dates,
-- seasons and episodes, networks, platforms, and every source's latest score, count and date.
CREATE VIEW analytics.series_profile AS
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
  (SELECT count(*)::int FROM staging.season s WHERE s.series_id = p.series_id AND s.season_number > 0) AS seasons_listed,
  g.genres,
  n.networks,
  (SELECT string_agg(DISTINCT sp.platform || ' (' || sp.region || ')', ', ') FROM staging.series_platform sp
    WHERE sp.series_id = p.series_id AND sp.offer_type IN ('flatrate', 'free', 'ads'))              AS platforms,
  (SELECT string_agg(c.region || ': ' || c.rating, ', ' ORDER BY c.region) FROM staging.series_content_rating c WHERE c.series_id = p.series_id) AS content_ratings,
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
  l.tmdb_score, l.tmdb_votes, l.tmdb_votes_is_lower_bound, l.tmdb_rated_at,
  l.imdb_score                              AS imdb_rating,
  l.imdb_votes, l.imdb_votes_is_lower_bound, l.imdb_rated_at,
  l.tomatoes_critic_score                   AS tomatoes_critic,
  l.tomatoes_critic_votes                   AS tomatoes_critic_count,
  l.tomatoes_critic_votes_is_lower_bound    AS tomatoes_critic_count_is_lower_bound,
  l.tomatoes_critic_rated_at,
  l.tomatoes_audience_score                 AS tomatoes_audience,
  l.tomatoes_audience_votes                 AS tomatoes_audience_count,
  l.tomatoes_audience_votes_is_lower_bound  AS tomatoes_audience_count_is_lower_bound,
  l.tomatoes_audience_rated_at,
  l.metacritic_score                        AS metacritic,
  l.metacritic_votes                        AS metacritic_count,
  l.metacritic_votes_is_lower_bound         AS metacritic_count_is_lower_bound,
  l.metacritic_rated_at,
  l.metauser_score                          AS metauser,
  l.metauser_votes                          AS metauser_count,
  l.metauser_votes_is_lower_bound           AS metauser_count_is_lower_bound,
  l.metauser_rated_at,
  p.run_id                                                     AS version_run_id,
  p.harvested_at                                               AS version_harvested_at
FROM published_series_version p
LEFT JOIN intermediate.series_genre_list g   ON g.series_id = p.series_id
LEFT JOIN intermediate.series_network_list n ON n.series_id = p.series_id
LEFT JOIN intermediate.latest_ratings_wide l ON l.series_id = p.series_id;

-- prisma/views/4_marts/analytics.series_ratings.sql
-- One row per series: its published dimensions and its latest score and count per source (with lower-bound flags).
CREATE VIEW analytics.series_ratings AS
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
  l.imdb_score                              AS imdb_rating,
  l.imdb_votes, l.imdb_votes_is_lower_bound,
  l.tomatoes_critic_score                   AS tomatoes_critic,
  l.tomatoes_critic_votes                   AS tomatoes_critic_count,
  l.tomatoes_critic_votes_is_lower_bound    AS tomatoes_critic_count_is_lower_bound,
  l.tomatoes_audience_score                 AS tomatoes_audience,
  l.tomatoes_audience_votes                 AS tomatoes_audience_count,
  l.tomatoes_audience_votes_is_lower_bound  AS tomatoes_audience_count_is_lower_bound,
  l.metacritic_score                        AS metacritic,
  l.metacritic_votes                        AS metacritic_count,
  l.metacritic_votes_is_lower_bound         AS metacritic_count_is_lower_bound,
  l.metauser_score                          AS metauser,
  l.metauser_votes                          AS metauser_count,
  l.metauser_votes_is_lower_bound           AS metauser_count_is_lower_bound,
  l.ratings_updated_at,
  l.tmdb_weighted,
  l.imdb_weighted,
  p.run_id                                  AS version_run_id
FROM published_series_version p
LEFT JOIN intermediate.series_genre_list g   ON g.series_id = p.series_id
LEFT JOIN intermediate.series_network_list n ON n.series_id = p.series_id
LEFT JOIN intermediate.latest_ratings_wide l ON l.series_id = p.series_id;

-- prisma/views/4_marts/analytics.top_rated_by_platform.sql
-- Top-rated series per region × platform × offer type, ranked by the vote-weighted score: IMDb's where known, else
-- TMDB's (ranking_source says which).
CREATE VIEW analytics.top_rated_by_platform AS
WITH s AS (
  SELECT sp.region, sp.platform_id, sp.platform, sp.offer_type, sp.series_id, p.title, p.release_year, g.genres, n.primary_network AS network,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN 'imdb' ELSE 'tmdb' END AS ranking_source,
         coalesce(l.imdb_weighted, l.tmdb_weighted)                       AS weighted_score,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_score_normalized ELSE l.tmdb_score_normalized END AS score_normalized,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_votes ELSE l.tmdb_votes END AS vote_count,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_votes_is_lower_bound ELSE l.tmdb_votes_is_lower_bound END AS vote_count_is_lower_bound
  FROM staging.series_platform sp
  JOIN published_series_version p                ON p.series_id = sp.series_id
  LEFT JOIN intermediate.series_genre_list g     ON g.series_id = sp.series_id
  LEFT JOIN intermediate.series_network_list n   ON n.series_id = sp.series_id
  LEFT JOIN intermediate.latest_ratings_wide l   ON l.series_id = sp.series_id
)
SELECT s.*, rank() OVER (PARTITION BY region, platform_id, offer_type ORDER BY weighted_score DESC NULLS LAST, series_id) AS rank_in_platform
FROM s;

-- prisma/views/4_marts/analytics.weighted_ratings.sql
-- Vote-weighted score and rank per succeeded run × source, over the series rated in that run.
CREATE VIEW analytics.weighted_ratings AS
WITH f AS (
  SELECT h.run_id, h.harvested_at, h.series_id, h.title, h.source, h.score_normalized, h.vote_count, h.vote_count_is_lower_bound,
         h.min_votes,
         round(avg(h.score_normalized) OVER (PARTITION BY h.run_id, h.source), 2) AS prior_mean
  FROM staging.series_rating_fact h
), w AS (
  SELECT f.*, analytics.weighted_score(f.score_normalized, f.vote_count, f.min_votes, f.prior_mean) AS weighted_score FROM f
)
SELECT run_id, harvested_at, series_id, title, source, score_normalized, vote_count, vote_count_is_lower_bound, min_votes, prior_mean,
       weighted_score,
       rank() OVER (PARTITION BY run_id, source ORDER BY weighted_score DESC NULLS LAST, vote_count DESC NULLS LAST, series_id) AS rank_in_run,
       count(*) OVER (PARTITION BY run_id, source)::int AS series_ranked
FROM w;

-- prisma/views/4_marts/monitoring.harvest_runs.sql
-- Every harvest run with its stage, counts, error text (already free of secrets) and duration (seconds).
CREATE VIEW monitoring.harvest_runs AS
SELECT run_id, status::text AS status, trigger::text AS trigger, started_at, finished_at, stage, series_listed, series_loaded, facts_written,
       quarantined, resume_count, error, extract(epoch FROM finished_at - started_at) AS duration_seconds
FROM harvest_run;

-- prisma/views/4_marts/monitoring.rating_coverage.sql
-- Per rating source: series with and without a latest (succeeded-run) rating.
CREATE VIEW monitoring.rating_coverage AS
SELECT rs.source_key AS source,
       (SELECT count(*) FROM series_dim) - count(DISTINCT l.series_id) AS series_without_rating,
       count(DISTINCT l.series_id) AS series_with_rating
FROM rating_source_dim rs
LEFT JOIN intermediate.latest_rating l ON l.source = rs.source_key
GROUP BY rs.source_key;

-- prisma/views/5_contract/public.ratings.sql
-- The design's contract: ratings(series_id, imdb_rating, imdb_count, tomatoes_critic, tomatoes_critic_count,
-- metacritic, metacritic_count, metauser, metauser_count), latest known value per series; lower-bound flags after.
-- Stable: add columns at the end only.
CREATE VIEW public.ratings AS
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

-- prisma/views/5_contract/public.series.sql
-- The design's contract: series(series_id, title, release_year, genres, language, network, plot). Stable: analysts'
-- workbooks are built on these columns; add columns at the end only.
CREATE VIEW public.series AS
SELECT series_id, title, release_year, genres, language, network, plot FROM analytics.series_ratings;
