-- ML-ready features, one row per series: normalized scores per source, log(1 + count) with lower-bound flags,
-- one-hot genres (TMDB's 16 TV genres) and major platforms (a subscription, free or ad-supported offer in any
-- watch region; TMDB provider ids), age in years at the published version's harvest, status, seasons and episodes,
-- language and first origin country. genre_ids and platform_ids hold every id, for encodings of one's own.
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
LEFT JOIN pl ON pl.series_id = p.series_id
