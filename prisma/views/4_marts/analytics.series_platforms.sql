-- Latest availability per series × region × platform × offer type (the published version's watch providers;
-- JustWatch data, which TMDB asks to credit wherever it is shown).
SELECT series_id, title, region, platform_id, platform, platform_logo_url, offer_type, display_priority, run_id, harvested_at
FROM staging.series_platform
