-- Every version of a series that a succeeded run loaded: effective from that run's end until the next one's
-- (null: the current version). Titles, status, dates, genres, networks over time.
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
WINDOW w AS (PARTITION BY v.series_id ORDER BY r.finished_at, v.run_id)
