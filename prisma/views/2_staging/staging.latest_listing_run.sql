-- The latest succeeded weekly harvest (not a top-up: top-ups write no series versions). A series whose published
-- version is older was not in that harvest's listing (it left TMDB's top-rated list, or that run read fewer pages):
-- its ratings are no longer refreshed.
SELECT r.run_id
FROM harvest_run r
WHERE r.status = 'succeeded' AND r.trigger <> 'topup'
ORDER BY r.finished_at DESC NULLS LAST, r.run_id DESC
LIMIT 1
