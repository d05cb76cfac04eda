-- The Tableau workbook's Genre list (a parameter refreshed when the workbook opens): '(All)' and every genre of the
-- published versions.
SELECT '(All)'::text AS genre
UNION
SELECT DISTINCT genre FROM staging.series_genre
