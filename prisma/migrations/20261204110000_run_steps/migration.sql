-- A harvest run as a sequence of steps (listing, details, omdb, ratings-sites, publish; src/pipeline/steps.ts):
-- the steps it has completed, what each returned (for the summary of a run made of several processes), and the
-- plan the listing step made (src/pipeline/plan.ts), so that a later process applies the same plan.
ALTER TABLE "harvest_run" ADD COLUMN "steps_completed" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "harvest_run" ADD COLUMN "step_results" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "harvest_run" ADD COLUMN "plan" JSONB;

-- What a run learnt of each series per source (found, not found, error …), kept apart until the run is published:
-- the publish step moves them into enrichment_state, so that a failed or failed_quality run, whose facts no view
-- shows, does not advance any due time.
CREATE TABLE "enrichment_outcome" (
    "run_id" INTEGER NOT NULL,
    "series_id" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "detail" TEXT,
    "success" BOOLEAN NOT NULL,
    "attempted_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "enrichment_outcome_pkey" PRIMARY KEY ("run_id", "series_id", "source")
);
ALTER TABLE "enrichment_outcome" ADD CONSTRAINT "enrichment_outcome_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "enrichment_outcome" ADD CONSTRAINT "enrichment_outcome_series_id_fkey" FOREIGN KEY ("series_id") REFERENCES "series_dim"("series_id") ON DELETE CASCADE ON UPDATE CASCADE;
