-- Per rating source: the latest run that wrote a series-grain fact, when it finished, and its facts.
SELECT f.source_key AS source, max(f.run_id) AS latest_run_id, max(r.finished_at) AS latest_run_finished_at,
       count(*) FILTER (WHERE f.run_id = (SELECT max(run_id) FROM rating_fact f2 WHERE f2.source_key = f.source_key)) AS facts_in_latest_run
FROM rating_fact f
JOIN harvest_run r ON r.run_id = f.run_id
GROUP BY f.source_key
