-- Per enrichment source (omdb, rottentomatoes, metacritic): last attempt and success, series found and not.
SELECT source, max(last_attempt_at) AS last_attempt_at, max(last_success_at) AS last_success_at,
       count(*) FILTER (WHERE status = 'found') AS found, count(*) FILTER (WHERE status <> 'found') AS not_found_or_failed
FROM enrichment_state
GROUP BY source
