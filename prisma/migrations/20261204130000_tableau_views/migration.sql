-- The data sources of the Tableau workbook (tableau/tv-harvester.twb, issue 18; docs/tableau.md).
--
-- One grain per data source, and on every row the filter keys its dashboard needs, so that no chart joins a bridge
-- view and fans out: genres and streaming platforms are delimited keys ('|Crime|Drama|', '|US:Netflix|GB:Netflix|')
-- that a filter matches with CONTAINS, whatever the number of genres or platforms of a series. Scores on the one
-- 0–100 scale (analytics.normalized_score); types Tableau's PostgreSQL connector documents (text, integer, bigint,
-- numeric, boolean, date, timestamptz): no arrays, no enums. Hand-written, one CREATE VIEW per view.

-- Per series × succeeded run that loaded a version of it: that version's genres and streaming platforms
-- (subscription, free or with ads) as delimited keys ('' when none). Not in schema analytics: a building block, so a
-- snapshot is filtered by the genres and platforms the series had at that run, not today's.
CREATE VIEW "series_version_filter_keys" AS
SELECT
  v.series_id,
  v.run_id,
  coalesce((SELECT '|' || string_agg(g.name, '|' ORDER BY g.name) || '|'
            FROM series_genre_version gv JOIN genre_dim g ON g.genre_id = gv.genre_id
            WHERE gv.series_id = v.series_id AND gv.run_id = v.run_id), '') AS genre_keys,
  coalesce((SELECT '|' || string_agg(DISTINCT sp.region || ':' || pl.name, '|') || '|'
            FROM series_platform sp JOIN platform_dim pl ON pl.platform_id = sp.platform_id
            WHERE sp.series_id = v.series_id AND sp.run_id = v.run_id AND sp.offer_type IN ('flatrate', 'free', 'ads')), '') AS platform_keys
FROM series_version v
JOIN harvest_run r ON r.run_id = v.run_id AND r.status = 'succeeded';

-- The latest succeeded weekly harvest (not a top-up: top-ups write no series versions). A series whose published
-- version is older left the top-rated listing (or that run read fewer pages): its ratings are no longer refreshed.
CREATE VIEW "latest_listing_run" AS
SELECT r.run_id
FROM harvest_run r
WHERE r.status = 'succeeded' AND r.trigger <> 'topup'
ORDER BY r.finished_at DESC NULLS LAST, r.run_id DESC
LIMIT 1;

-- Top-rated series per watch region × streaming platform (the Top-Rated Series by Platform dashboard). Grain:
-- region × platform × series, one row whatever the number of offers (offer_types lists them: "ads, flatrate").
-- Ranked by the vote-weighted score on 0–100: IMDb's where known, else TMDB's (ranking_source says which), with the
-- count it rests on and its lower-bound flag. in_latest_listing is false for a series the latest weekly harvest did
-- not list (kept with its last known values, no longer refreshed).
CREATE VIEW analytics.top_rated_streaming AS
WITH o AS (
  SELECT sp.region, sp.platform, sp.series_id, string_agg(sp.offer_type, ', ' ORDER BY sp.offer_type) AS offer_types
  FROM analytics.series_platforms sp
  WHERE sp.offer_type IN ('flatrate', 'free', 'ads')
  GROUP BY sp.region, sp.platform, sp.series_id
), s AS (
  SELECT o.region, o.platform, o.offer_types, o.series_id, sr.title, sr.release_year, k.genre_keys, k.platform_keys,
         CASE WHEN sr.imdb_weighted IS NOT NULL THEN 'imdb' ELSE 'tmdb' END                        AS ranking_source,
         coalesce(sr.imdb_weighted, sr.tmdb_weighted)                                             AS weighted_score,
         CASE WHEN sr.imdb_weighted IS NOT NULL THEN analytics.normalized_score('imdb', sr.imdb_rating)
              ELSE analytics.normalized_score('tmdb', sr.tmdb_score) END                          AS score_normalized,
         CASE WHEN sr.imdb_weighted IS NOT NULL THEN sr.imdb_votes ELSE sr.tmdb_votes END          AS vote_count,
         coalesce(CASE WHEN sr.imdb_weighted IS NOT NULL THEN sr.imdb_votes_is_lower_bound
                       ELSE sr.tmdb_votes_is_lower_bound END, false)                              AS vote_count_is_lower_bound,
         sr.version_run_id IN (SELECT run_id FROM latest_listing_run)                             AS in_latest_listing
  FROM o
  JOIN analytics.series_ratings sr           ON sr.series_id = o.series_id
  JOIN series_version_filter_keys k          ON k.series_id = sr.series_id AND k.run_id = sr.version_run_id
)
SELECT s.*, rank() OVER (PARTITION BY region, platform ORDER BY weighted_score DESC NULLS LAST, series_id)::int AS rank_in_platform
FROM s;

-- Latest known score per series × source with the series' title, first-air year and filter keys (the Multi-Source
-- Rating Comparison dashboard and the profile's latest scores). Grain: series × source. rated_at is that source's own
-- date (the run that fetched the value), not the newest over all sources; in_latest_listing as in top_rated_streaming.
CREATE VIEW analytics.compared_ratings AS
SELECT
  l.series_id,
  sr.title,
  sr.release_year,
  k.genre_keys,
  k.platform_keys,
  l.source,
  l.source_name,
  l.score,
  rs.scale_max,
  l.score_normalized,
  l.vote_count,
  coalesce(l.vote_count_is_lower_bound, false) AS vote_count_is_lower_bound,
  l.harvested_at                               AS rated_at,
  l.run_id                                     AS rated_run_id,
  l.weighted_score,
  l.weighted_rank::int                         AS weighted_rank,
  sr.version_run_id IN (SELECT run_id FROM latest_listing_run) AS in_latest_listing
FROM analytics.latest_ratings l
JOIN analytics.series_ratings sr  ON sr.series_id = l.series_id
JOIN rating_source_dim rs         ON rs.source_key = l.source
JOIN series_version_filter_keys k ON k.series_id = sr.series_id AND k.run_id = sr.version_run_id;

-- Latest known score per series × genre × source (the Rating Distribution Across Genres dashboard). Grain: series ×
-- genre × source: a series with three genres is in three genres (by design), once in each.
CREATE VIEW analytics.genre_ratings AS
SELECT
  c.series_id,
  c.title,
  c.release_year,
  g.genre,
  c.genre_keys,
  c.platform_keys,
  c.source,
  c.source_name,
  c.score_normalized,
  c.vote_count,
  c.vote_count_is_lower_bound
FROM analytics.compared_ratings c
JOIN analytics.series_genres g ON g.series_id = c.series_id;

-- The per-run snapshot with the filter keys of each series as that run loaded it (the Trends in Ratings Over Time
-- dashboard). Grain: weekly harvest (snapshot_run_id, succeeded, not a top-up) × series × source, the latest value
-- known when that harvest finished: a run that refreshed a third of the catalogue leaves the others at their last
-- value, so the line moves with the ratings. snapshot_at is the run's end (two runs on one day are two points);
-- refreshed_in_run says whether that run fetched the value.
CREATE VIEW analytics.trend_ratings AS
SELECT
  s.snapshot_run_id,
  s.snapshot_at,
  s.series_id,
  s.title,
  v.release_year,
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
JOIN series_version v             ON v.series_id = s.series_id AND v.run_id = s.snapshot_run_id
JOIN series_version_filter_keys k ON k.series_id = s.series_id AND k.run_id = s.snapshot_run_id;

-- The choices of the workbook's filters (dynamic parameter lists, refreshed when the workbook opens): '(All)' and
-- every genre, streaming platform and watch region of the published versions.
CREATE VIEW analytics.genre_choices AS
SELECT '(All)'::text AS genre
UNION
SELECT DISTINCT genre FROM analytics.series_genres;

CREATE VIEW analytics.platform_choices AS
SELECT '(All)'::text AS platform
UNION
SELECT DISTINCT platform FROM analytics.series_platforms WHERE offer_type IN ('flatrate', 'free', 'ads');

CREATE VIEW analytics.region_choices AS
SELECT DISTINCT region FROM analytics.series_platforms WHERE offer_type IN ('flatrate', 'free', 'ads');
