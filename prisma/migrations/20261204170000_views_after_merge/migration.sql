-- Generated from prisma/views/ by `npm run views:migration -- views_after_merge`: edit the files and generate a new migration, never this one.
--   changed views: public.published_series_version, staging.series_rating_fact, intermediate.latest_rating, analytics.season_rating_history, analytics.weighted_ratings, monitoring.rating_coverage
--   recreated unchanged (they read a changed model): analytics.genre_choices, analytics.latest_ratings, analytics.platform_choices, analytics.platform_history, analytics.rating_history, analytics.region_choices, analytics.seasons, analytics.series_content_ratings, analytics.series_features, analytics.series_filter_keys, analytics.series_genre_ratings, analytics.series_genres, analytics.series_networks, analytics.series_platforms, analytics.series_profile, analytics.series_ratings, analytics.series_source_ratings, analytics.top_rated_by_platform, analytics.top_rated_streaming, analytics.trend_ratings, intermediate.latest_ratings_wide, intermediate.series_genre_list, intermediate.series_network_list, monitoring.series_key_nulls, public.ratings, public.series, staging.season, staging.series_content_rating, staging.series_genre, staging.series_network, staging.series_platform

DROP VIEW analytics.genre_choices;
DROP VIEW analytics.latest_ratings;
DROP VIEW analytics.platform_choices;
DROP VIEW analytics.series_genre_ratings;
DROP VIEW analytics.series_source_ratings;
DROP VIEW analytics.top_rated_streaming;
DROP VIEW analytics.trend_ratings;
DROP VIEW analytics.series_filter_keys;
DROP VIEW analytics.platform_history;
DROP VIEW analytics.rating_history;
DROP VIEW analytics.region_choices;
DROP VIEW analytics.season_rating_history;
DROP VIEW analytics.seasons;
DROP VIEW analytics.series_content_ratings;
DROP VIEW analytics.series_features;
DROP VIEW analytics.series_genres;
DROP VIEW analytics.series_networks;
DROP VIEW analytics.series_platforms;
DROP VIEW analytics.series_profile;
DROP VIEW public.ratings;
DROP VIEW public.series;
DROP VIEW analytics.series_ratings;
DROP VIEW analytics.top_rated_by_platform;
DROP VIEW analytics.weighted_ratings;
DROP VIEW intermediate.latest_ratings_wide;
DROP VIEW monitoring.rating_coverage;
DROP VIEW intermediate.latest_rating;
DROP VIEW intermediate.series_genre_list;
DROP VIEW intermediate.series_network_list;
DROP VIEW monitoring.series_key_nulls;
DROP VIEW staging.season;
DROP VIEW staging.series_content_rating;
DROP VIEW staging.series_genre;
DROP VIEW staging.series_network;
DROP VIEW staging.series_platform;
DROP VIEW staging.series_rating_fact;
DROP VIEW public.published_series_version;

CREATE SCHEMA IF NOT EXISTS analytics;
CREATE SCHEMA IF NOT EXISTS intermediate;
CREATE SCHEMA IF NOT EXISTS monitoring;
CREATE SCHEMA IF NOT EXISTS staging;

-- prisma/views/2_staging/public.published_series_version.sql
-- Per series, the version of the latest succeeded run that loaded it: what analysts see of a series. A running,
-- failed, failed_quality, interrupted or abandoned run writes versions of its own that no view shows. Kept in schema
-- public under its old name because the loader reads it too (src/load/series-carry-forward.ts).
CREATE VIEW public.published_series_version AS
SELECT DISTINCT ON (v.series_id) v.*, r.finished_at AS harvested_at
FROM series_version v
JOIN harvest_run r ON r.run_id = v.run_id AND r.status = 'succeeded'
ORDER BY v.series_id, r.finished_at DESC NULLS LAST, v.run_id DESC;

-- prisma/views/2_staging/staging.season.sql
-- The published version's seasons: one row per series × season (season 0 is "Specials").
CREATE VIEW staging.season AS
SELECT s.series_id, p.title, s.season_number, s.name AS season_name, s.air_date, s.episode_count, s.tmdb_season_id, s.run_id
FROM published_series_version p
JOIN season_version s ON s.series_id = p.series_id AND s.run_id = p.run_id;

-- prisma/views/2_staging/staging.series_content_rating.sql
-- The published version's content ratings: one row per series × region.
CREATE VIEW staging.series_content_rating AS
SELECT c.series_id, c.region, c.rating
FROM published_series_version p
JOIN series_content_rating_version c ON c.series_id = p.series_id AND c.run_id = p.run_id;

-- prisma/views/2_staging/staging.series_genre.sql
-- The published version's genres: one row per series × genre.
CREATE VIEW staging.series_genre AS
SELECT gv.series_id, g.genre_id, g.name AS genre
FROM published_series_version p
JOIN series_genre_version gv ON gv.series_id = p.series_id AND gv.run_id = p.run_id
JOIN genre_dim g             ON g.genre_id = gv.genre_id;

-- prisma/views/2_staging/staging.series_network.sql
-- The published version's networks (original broadcasters): one row per series × network; is_primary marks the
-- network TMDB lists first.
CREATE VIEW staging.series_network AS
SELECT nv.series_id, n.network_id, n.name AS network, n.origin_country AS network_country, nv.position = 0 AS is_primary, nv.position
FROM published_series_version p
JOIN series_network_version nv ON nv.series_id = p.series_id AND nv.run_id = p.run_id
JOIN network_dim n             ON n.network_id = nv.network_id;

-- prisma/views/2_staging/staging.series_platform.sql
-- The published version's watch providers: one row per series × region × platform × offer type (JustWatch data,
-- which TMDB asks to credit wherever it is shown).
CREATE VIEW staging.series_platform AS
SELECT sp.series_id, p.title, sp.region, pl.platform_id, pl.name AS platform, analytics.tmdb_image_url(pl.logo_path, 'w92') AS platform_logo_url,
       sp.offer_type, sp.display_priority, p.run_id, p.harvested_at
FROM published_series_version p
JOIN series_platform_version sp ON sp.series_id = p.series_id AND sp.run_id = p.run_id
JOIN platform_dim pl    ON pl.platform_id = sp.platform_id;

-- prisma/views/2_staging/staging.series_rating_fact.sql
-- Series-grain rating facts of succeeded runs, one row per series × source × run, with the source's name and the
-- score on the 0–100 scale and the source's minimum votes (rating_fact rows of grain 'season' are in no series-grain
-- model), and where each value came from: method (api, or the scraper strategy that read the score), count_method (the
-- strategy that read the count), page_url (the scraped page) and observed_at.
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
  f.count_method,
  f.page_url,
  f.observed_at,
  rs.min_votes
FROM rating_fact f
JOIN harvest_run r              ON r.run_id = f.run_id AND r.status = 'succeeded'
JOIN published_series_version p ON p.series_id = f.series_id
JOIN rating_source_dim rs       ON rs.source_key = f.source_key
WHERE f.grain = 'series';

-- prisma/views/3_intermediate/intermediate.latest_rating.sql
-- Latest known fact per series × source (succeeded runs, series grain), with its vote-weighted score and rank among
-- the latest facts of that source (prior: their mean), and its provenance: method (api, or the scraper strategy that
-- read the score), count_method, page_url (the scraped page) and observed_at.
CREATE VIEW intermediate.latest_rating AS
WITH l AS (
  SELECT DISTINCT ON (h.series_id, h.source) h.series_id, h.source, h.source_name, h.score, h.score_normalized, h.vote_count,
         h.vote_count_is_lower_bound, h.run_id, h.harvested_at, h.method, h.count_method, h.page_url, h.observed_at, h.min_votes
  FROM staging.series_rating_fact h
  ORDER BY h.series_id, h.source, h.harvested_at DESC NULLS LAST, h.run_id DESC
), p AS (
  SELECT l.*, round(avg(l.score_normalized) OVER (PARTITION BY l.source), 2) AS prior_mean FROM l
), w AS (
  SELECT p.*, analytics.weighted_score(p.score_normalized, p.vote_count, p.min_votes, p.prior_mean) AS weighted_score FROM p
)
SELECT series_id, source, score, vote_count, vote_count_is_lower_bound, run_id, harvested_at, source_name, score_normalized,
       min_votes, prior_mean, weighted_score,
       rank() OVER (PARTITION BY source ORDER BY weighted_score DESC NULLS LAST, vote_count DESC NULLS LAST, series_id) AS weighted_rank,
       method, count_method, page_url, observed_at
FROM w;

-- prisma/views/3_intermediate/intermediate.latest_ratings_wide.sql
-- The six-source pivot, written once: one row per series with, for each rating source, its latest known score (on
-- the source's scale and on 0–100), count, lower-bound flag, vote-weighted score and the time of the run that
-- observed it; ratings_updated_at is the latest of those times. Column prefixes: tmdb, imdb, tomatoes_critic
-- (Tomatometer), tomatoes_audience (Popcornmeter), metacritic (Metascore), metauser (Metacritic user score). For the
-- scraped sources, the provenance of each latest value: _method (the strategy that read the score), _count_method,
-- _page_url (the page it was read from) and _observed_at.
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
  max(harvested_at) AS ratings_updated_at,
  max(method) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_method,
  max(count_method) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_count_method,
  max(page_url) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_page_url,
  max(observed_at) FILTER (WHERE source = 'rotten_tomatoes_critics') AS tomatoes_critic_observed_at,
  max(method) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_method,
  max(count_method) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_count_method,
  max(page_url) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_page_url,
  max(observed_at) FILTER (WHERE source = 'rotten_tomatoes_audience') AS tomatoes_audience_observed_at,
  max(method) FILTER (WHERE source = 'metacritic_critics') AS metacritic_method,
  max(count_method) FILTER (WHERE source = 'metacritic_critics') AS metacritic_count_method,
  max(page_url) FILTER (WHERE source = 'metacritic_critics') AS metacritic_page_url,
  max(observed_at) FILTER (WHERE source = 'metacritic_critics') AS metacritic_observed_at,
  max(method) FILTER (WHERE source = 'metacritic_users') AS metauser_method,
  max(count_method) FILTER (WHERE source = 'metacritic_users') AS metauser_count_method,
  max(page_url) FILTER (WHERE source = 'metacritic_users') AS metauser_page_url,
  max(observed_at) FILTER (WHERE source = 'metacritic_users') AS metauser_observed_at
FROM intermediate.latest_rating
GROUP BY series_id;

-- prisma/views/3_intermediate/intermediate.series_genre_list.sql
-- The published version's genres per series, as one text (by name) and as TMDB genre ids (ascending).
CREATE VIEW intermediate.series_genre_list AS
SELECT series_id, string_agg(genre, ', ' ORDER BY genre) AS genres, array_agg(genre_id ORDER BY genre_id) AS genre_ids
FROM staging.series_genre
GROUP BY series_id;

-- prisma/views/3_intermediate/intermediate.series_network_list.sql
-- The published version's networks per series, in TMDB's order, and the primary (first-listed) network.
CREATE VIEW intermediate.series_network_list AS
SELECT series_id,
       string_agg(network, ', ' ORDER BY position) AS networks,
       max(network) FILTER (WHERE is_primary)       AS primary_network
FROM staging.series_network
GROUP BY series_id;

-- prisma/views/4_marts/analytics.genre_choices.sql
-- The Tableau workbook's Genre list (a parameter refreshed when the workbook opens): '(All)' and every genre of the
-- published versions.
CREATE VIEW analytics.genre_choices AS
SELECT '(All)'::text AS genre
UNION
SELECT DISTINCT genre FROM staging.series_genre;

-- prisma/views/4_marts/analytics.latest_ratings.sql
-- Latest known fact per series × source (succeeded runs, series grain), with its vote-weighted score and rank among
-- the latest facts of that source. Provenance of each value: method (api, or the scraper strategy that read the
-- score), count_method (the strategy that read the count, when scraped), page_url (the page a scraped value was read
-- from, to open behind any number) and observed_at (when it was observed).
CREATE VIEW analytics.latest_ratings AS
SELECT series_id, source, score, vote_count, vote_count_is_lower_bound, run_id, harvested_at, source_name, score_normalized,
       min_votes, prior_mean, weighted_score, weighted_rank, method, count_method, page_url, observed_at
FROM intermediate.latest_rating;

-- prisma/views/4_marts/analytics.platform_choices.sql
-- The Tableau workbook's Platform list: '(All)' and every platform with a subscription, free or ad-supported offer.
CREATE VIEW analytics.platform_choices AS
SELECT '(All)'::text AS platform
UNION
SELECT DISTINCT platform FROM staging.series_platform WHERE offer_type IN ('flatrate', 'free', 'ads');

-- prisma/views/4_marts/analytics.platform_history.sql
-- Availability in every succeeded run: a series leaving a platform is a row with is_current = false and no current
-- row for the same series × region × platform × offer type.
CREATE VIEW analytics.platform_history AS
SELECT sp.series_id, sp.region, pl.platform_id, pl.name AS platform, sp.offer_type, sp.run_id, r.finished_at AS harvested_at,
       EXISTS (SELECT 1 FROM published_series_version p WHERE p.series_id = sp.series_id AND p.run_id = sp.run_id) AS is_current
FROM series_platform_version sp
JOIN harvest_run r   ON r.run_id = sp.run_id AND r.status = 'succeeded'
JOIN platform_dim pl ON pl.platform_id = sp.platform_id;

-- prisma/views/4_marts/analytics.rating_history.sql
-- One row per series × source × succeeded run, series grain.
CREATE VIEW analytics.rating_history AS
SELECT series_id, title, source, source_name, run_id, harvested_at, harvest_date, score, scale_max, score_normalized,
       vote_count, vote_count_is_lower_bound, grain, method
FROM staging.series_rating_fact;

-- prisma/views/4_marts/analytics.region_choices.sql
-- The Tableau workbook's Watch Region list: every region with a subscription, free or ad-supported offer
-- (TMDB_WATCH_REGIONS).
CREATE VIEW analytics.region_choices AS
SELECT DISTINCT region FROM staging.series_platform WHERE offer_type IN ('flatrate', 'free', 'ads');

-- prisma/views/4_marts/analytics.season_rating_history.sql
-- Season-grain rating facts of succeeded runs (a site's season page, or the series page's season tile where the
-- season's page was not read), apart from the series-grain views. Provenance of each value: method (the strategy that
-- read the score), count_method (the one that read the count), page_url (the page it was read from), observed_at.
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
  f.method,
  f.count_method,
  f.page_url,
  f.observed_at
FROM season_rating_fact f
JOIN harvest_run r              ON r.run_id = f.run_id AND r.status = 'succeeded'
JOIN published_series_version p ON p.series_id = f.series_id
JOIN rating_source_dim rs       ON rs.source_key = f.source_key;

-- prisma/views/4_marts/analytics.seasons.sql
-- Seasons of each series (the published version's; season 0 is "Specials").
CREATE VIEW analytics.seasons AS
SELECT series_id, title, season_number, season_name, air_date, episode_count, tmdb_season_id, run_id FROM staging.season;

-- prisma/views/4_marts/analytics.series_content_ratings.sql
-- Content rating per series × region (the published version's).
CREATE VIEW analytics.series_content_ratings AS
SELECT series_id, region, rating FROM staging.series_content_rating;

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

-- prisma/views/4_marts/analytics.series_filter_keys.sql
-- Per series × succeeded run that loaded a version of it: that version's first-air year, and its genres and streaming
-- platforms (subscription, free or with ads, in any watch region) as delimited keys ('|Crime|Drama|',
-- '|US:Netflix|GB:Netflix|'; '' when none). A filter matches them with CONTAINS whatever the number of genres or
-- platforms, so no chart joins a bridge view and fans out (the Tableau workbook's data sources carry them; see
-- docs/tableau.md). Per run, so a past snapshot is filtered by the genres and platforms the series had then.
CREATE VIEW analytics.series_filter_keys AS
SELECT
  v.series_id,
  v.run_id,
  v.release_year,
  coalesce((SELECT '|' || string_agg(g.name, '|' ORDER BY g.name) || '|'
            FROM series_genre_version gv JOIN genre_dim g ON g.genre_id = gv.genre_id
            WHERE gv.series_id = v.series_id AND gv.run_id = v.run_id), '') AS genre_keys,
  coalesce((SELECT '|' || string_agg(DISTINCT ph.region || ':' || ph.platform, '|') || '|'
            FROM analytics.platform_history ph
            WHERE ph.series_id = v.series_id AND ph.run_id = v.run_id AND ph.offer_type IN ('flatrate', 'free', 'ads')), '') AS platform_keys
FROM series_version v
JOIN harvest_run r ON r.run_id = v.run_id AND r.status = 'succeeded';

-- prisma/views/4_marts/analytics.series_genre_ratings.sql
-- Latest known score per series × genre × source (the Tableau workbook's Rating Distribution Across Genres). Grain:
-- series × genre × source: a series with three genres is in three genres (by design), once in each.
CREATE VIEW analytics.series_genre_ratings AS
SELECT
  l.series_id,
  p.title,
  p.release_year,
  g.genre,
  k.genre_keys,
  k.platform_keys,
  l.source,
  l.source_name,
  l.score_normalized,
  l.vote_count,
  coalesce(l.vote_count_is_lower_bound, false) AS vote_count_is_lower_bound
FROM intermediate.latest_rating l
JOIN published_series_version p       ON p.series_id = l.series_id
JOIN analytics.series_filter_keys k   ON k.series_id = p.series_id AND k.run_id = p.run_id
JOIN staging.series_genre g           ON g.series_id = l.series_id;

-- prisma/views/4_marts/analytics.series_genres.sql
-- One row per series × genre (the published version's genres).
CREATE VIEW analytics.series_genres AS
SELECT series_id, genre_id, genre FROM staging.series_genre;

-- prisma/views/4_marts/analytics.series_networks.sql
-- One row per series × network (original broadcaster); is_primary marks the network TMDB lists first.
CREATE VIEW analytics.series_networks AS
SELECT series_id, network_id, network, network_country, is_primary, position FROM staging.series_network;

-- prisma/views/4_marts/analytics.series_platforms.sql
-- Latest availability per series × region × platform × offer type (the published version's watch providers;
-- JustWatch data, which TMDB asks to credit wherever it is shown).
CREATE VIEW analytics.series_platforms AS
SELECT series_id, title, region, platform_id, platform, platform_logo_url, offer_type, display_priority, run_id, harvested_at
FROM staging.series_platform;

-- prisma/views/4_marts/analytics.series_profile.sql
-- A show profile: one row per series with ids, image and page URLs, creators, content ratings, keywords, dates,
-- seasons and episodes, networks, platforms, and every source's latest score, count and date; for every scraped value
-- (tomatoes_critic, tomatoes_audience, metacritic, metauser) its provenance: _page_url (the page it was read from),
-- _method (the strategy that read the score), _count_method (the one that read the count) and _observed_at.
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
  p.harvested_at                                               AS version_harvested_at,
  l.tomatoes_critic_page_url, l.tomatoes_critic_method, l.tomatoes_critic_count_method, l.tomatoes_critic_observed_at,
  l.tomatoes_audience_page_url, l.tomatoes_audience_method, l.tomatoes_audience_count_method, l.tomatoes_audience_observed_at,
  l.metacritic_page_url, l.metacritic_method, l.metacritic_count_method, l.metacritic_observed_at,
  l.metauser_page_url, l.metauser_method, l.metauser_count_method, l.metauser_observed_at
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

-- prisma/views/4_marts/analytics.series_source_ratings.sql
-- Latest known score per series × source with the series' title, first-air year and filter keys (the Tableau
-- workbook's Multi-Source Rating Comparison and the profile's latest scores). Grain: series × source. rated_at is that
-- source's own date (the run that fetched the value), not the newest over all sources; in_latest_listing is false for
-- a series the latest weekly harvest did not list (kept with its last known values, no longer refreshed).
CREATE VIEW analytics.series_source_ratings AS
SELECT
  l.series_id,
  p.title,
  p.release_year,
  k.genre_keys,
  k.platform_keys,
  l.source,
  l.source_name,
  l.score,
  l.score_normalized,
  l.vote_count,
  coalesce(l.vote_count_is_lower_bound, false)                AS vote_count_is_lower_bound,
  l.harvested_at                                              AS rated_at,
  l.run_id                                                    AS rated_run_id,
  l.weighted_score,
  l.weighted_rank::int                                        AS weighted_rank,
  p.run_id IN (SELECT run_id FROM staging.latest_listing_run) AS in_latest_listing
FROM intermediate.latest_rating l
JOIN published_series_version p      ON p.series_id = l.series_id
JOIN analytics.series_filter_keys k   ON k.series_id = p.series_id AND k.run_id = p.run_id;

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

-- prisma/views/4_marts/analytics.top_rated_streaming.sql
-- Top-rated series per watch region × streaming platform (the Tableau workbook's Top-Rated Series by Platform).
-- Grain: region × platform × series, one row whatever the number of offers (subscription, free or with ads;
-- offer_types lists them). Ranked by the vote-weighted score on 0–100: IMDb's where known, else TMDB's
-- (ranking_source says which), with the count it rests on and its lower-bound flag; in_latest_listing as in
-- series_source_ratings.
CREATE VIEW analytics.top_rated_streaming AS
WITH o AS (
  SELECT sp.region, sp.platform, sp.series_id, string_agg(sp.offer_type, ', ' ORDER BY sp.offer_type) AS offer_types
  FROM staging.series_platform sp
  WHERE sp.offer_type IN ('flatrate', 'free', 'ads')
  GROUP BY sp.region, sp.platform, sp.series_id
), s AS (
  SELECT o.region, o.platform, o.offer_types, o.series_id, p.title, p.release_year, k.genre_keys, k.platform_keys,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN 'imdb' ELSE 'tmdb' END                               AS ranking_source,
         coalesce(l.imdb_weighted, l.tmdb_weighted)                                                      AS weighted_score,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_score_normalized ELSE l.tmdb_score_normalized END AS score_normalized,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_votes ELSE l.tmdb_votes END                   AS vote_count,
         coalesce(CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_votes_is_lower_bound
                       ELSE l.tmdb_votes_is_lower_bound END, false)                                     AS vote_count_is_lower_bound,
         p.run_id IN (SELECT run_id FROM staging.latest_listing_run)                                     AS in_latest_listing
  FROM o
  JOIN published_series_version p             ON p.series_id = o.series_id
  JOIN analytics.series_filter_keys k          ON k.series_id = p.series_id AND k.run_id = p.run_id
  LEFT JOIN intermediate.latest_ratings_wide l ON l.series_id = o.series_id
)
SELECT s.*, rank() OVER (PARTITION BY region, platform ORDER BY weighted_score DESC NULLS LAST, series_id)::int AS rank_in_platform
FROM s;

-- prisma/views/4_marts/analytics.trend_ratings.sql
-- The per-run snapshot with each series' first-air year and filter keys as that run loaded it (the Tableau workbook's
-- Trends in Ratings Over Time). Grain: weekly harvest (snapshot_run_id: succeeded, not a top-up) × series × source,
-- the latest value known when that harvest finished, so a run that refreshed a third of the catalogue leaves the
-- others at their last value and the line moves with the ratings. snapshot_at is the run's end (two runs on one day
-- are two points); refreshed_in_run says whether that run fetched the value.
CREATE VIEW analytics.trend_ratings AS
SELECT
  s.snapshot_run_id,
  s.snapshot_at,
  s.series_id,
  s.title,
  k.release_year,
  k.genre_keys,
  k.platform_keys,
  s.source,
  s.source_name,
  s.score_normalized,
  s.vote_count,
  coalesce(s.vote_count_is_lower_bound, false) AS vote_count_is_lower_bound,
  s.value_run_id,
  s.value_at,
  s.value_age_days,
  s.value_run_id = s.snapshot_run_id           AS refreshed_in_run
FROM analytics.rating_snapshot s
JOIN analytics.series_filter_keys k ON k.series_id = s.series_id AND k.run_id = s.snapshot_run_id;

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

-- prisma/views/4_marts/monitoring.rating_coverage.sql
-- Per rating source: series the views show (published versions) with and without a latest (succeeded-run) rating.
CREATE VIEW monitoring.rating_coverage AS
SELECT rs.source_key AS source,
       (SELECT count(*) FROM published_series_version) - count(DISTINCT l.series_id) AS series_without_rating,
       count(DISTINCT l.series_id) AS series_with_rating
FROM rating_source_dim rs
LEFT JOIN intermediate.latest_rating l ON l.source = rs.source_key
GROUP BY rs.source_key;

-- prisma/views/4_marts/monitoring.series_key_nulls.sql
-- Nulls in the key columns of the series the views show (each series' published version, as the quality expectations
-- check each run's versions).
CREATE VIEW monitoring.series_key_nulls AS
SELECT count(*) AS series,
       count(*) FILTER (WHERE first_air_date IS NULL)    AS first_air_date_null,
       count(*) FILTER (WHERE original_language IS NULL) AS original_language_null,
       count(*) FILTER (WHERE imdb_id IS NULL)           AS imdb_id_null,
       count(*) FILTER (WHERE wikidata_id IS NULL)       AS wikidata_id_null,
       count(*) FILTER (WHERE plot IS NULL)              AS plot_null
FROM published_series_version;

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
