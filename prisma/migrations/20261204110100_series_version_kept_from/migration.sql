-- A value once known is not replaced by nothing: when a run's details answer lacks a value its series' published version
-- has (the plot, a date, an image, an id, the genres, networks or platforms …), the run's version keeps that value, and
-- kept_from says so: field name → the run that last saw the value (its age), e.g. {"plot": 12, "genres": 12}.
ALTER TABLE "series_version" ADD COLUMN "kept_from" JSONB NOT NULL DEFAULT '{}';
