-- AlterTable
ALTER TABLE "rating_fact" ADD COLUMN     "count_method" TEXT,
ADD COLUMN     "page_url" TEXT;

-- AlterTable
ALTER TABLE "season_rating_fact" ADD COLUMN     "count_method" TEXT,
ADD COLUMN     "page_url" TEXT;
