-- Generated from prisma/views/ by `npm run views:migration -- tableau_views`: edit the files and generate a new migration, never this one.
--   new views: staging.latest_listing_run, analytics.genre_choices, analytics.platform_choices, analytics.region_choices, analytics.series_filter_keys, analytics.series_genre_ratings, analytics.series_source_ratings, analytics.top_rated_streaming, analytics.trend_ratings

CREATE SCHEMA IF NOT EXISTS analytics;
CREATE SCHEMA IF NOT EXISTS staging;

-- prisma/views/2_staging/staging.latest_listing_run.sql
-- The latest succeeded weekly harvest (not a top-up: top-ups write no series versions). A series whose published
-- version is older was not in that harvest's listing (it left TMDB's top-rated list, or that run read fewer pages):
-- its ratings are no longer refreshed.
CREATE VIEW staging.latest_listing_run AS
SELECT r.run_id
FROM harvest_run r
WHERE r.status = 'succeeded' AND r.trigger <> 'topup'
ORDER BY r.finished_at DESC NULLS LAST, r.run_id DESC
LIMIT 1;

-- prisma/views/4_marts/analytics.genre_choices.sql
-- The Tableau workbook's Genre list (a parameter refreshed when the workbook opens): '(All)' and every genre of the
-- published versions.
CREATE VIEW analytics.genre_choices AS
SELECT '(All)'::text AS genre
UNION
SELECT DISTINCT genre FROM staging.series_genre;

-- prisma/views/4_marts/analytics.platform_choices.sql
-- The Tableau workbook's Platform list: '(All)' and every platform with a subscription, free or ad-supported offer.
CREATE VIEW analytics.platform_choices AS
SELECT '(All)'::text AS platform
UNION
SELECT DISTINCT platform FROM staging.series_platform WHERE offer_type IN ('flatrate', 'free', 'ads');

-- prisma/views/4_marts/analytics.region_choices.sql
-- The Tableau workbook's Watch Region list: every region with a subscription, free or ad-supported offer
-- (TMDB_WATCH_REGIONS).
CREATE VIEW analytics.region_choices AS
SELECT DISTINCT region FROM staging.series_platform WHERE offer_type IN ('flatrate', 'free', 'ads');

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
