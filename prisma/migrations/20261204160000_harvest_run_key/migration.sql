-- AlterTable
ALTER TABLE "harvest_run" ADD COLUMN     "run_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "harvest_run_run_key_key" ON "harvest_run"("run_key");
