-- AlterTable: the run that recorded each outcome, so a resumed run recording it again counts no second miss.
ALTER TABLE "enrichment_state" ADD COLUMN "last_run_id" INTEGER;
