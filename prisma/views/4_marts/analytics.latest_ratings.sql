-- Latest known fact per series × source (succeeded runs, series grain), with its vote-weighted score and rank among
-- the latest facts of that source. Provenance of each value: method (api, or the scraper strategy that read the
-- score), count_method (the strategy that read the count, when scraped), page_url (the page a scraped value was read
-- from, to open behind any number) and observed_at (when it was observed).
SELECT series_id, source, score, vote_count, vote_count_is_lower_bound, run_id, harvested_at, source_name, score_normalized,
       min_votes, prior_mean, weighted_score, weighted_rank, method, count_method, page_url, observed_at
FROM intermediate.latest_rating
