-- The Tableau workbook's Platform list: '(All)' and every platform with a subscription, free or ad-supported offer.
SELECT '(All)'::text AS platform
UNION
SELECT DISTINCT platform FROM staging.series_platform WHERE offer_type IN ('flatrate', 'free', 'ads')
