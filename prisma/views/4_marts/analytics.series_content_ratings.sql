-- Content rating per series × region (the published version's).
SELECT series_id, region, rating FROM staging.series_content_rating
