-- AlterEnum
ALTER TYPE "harvest_run_status" ADD VALUE 'interrupted';
ALTER TYPE "harvest_run_status" ADD VALUE 'abandoned';
