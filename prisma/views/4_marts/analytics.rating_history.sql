-- One row per series × source × succeeded run, series grain.
SELECT series_id, title, source, source_name, run_id, harvested_at, harvest_date, score, scale_max, score_normalized,
       vote_count, vote_count_is_lower_bound, grain, method
FROM staging.series_rating_fact
