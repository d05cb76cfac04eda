-- The Tableau workbook's Watch Region list: every region with a subscription, free or ad-supported offer
-- (TMDB_WATCH_REGIONS).
SELECT DISTINCT region FROM staging.series_platform WHERE offer_type IN ('flatrate', 'free', 'ads')
