-- Every listed series accounted for (issue 17): series_listed = series_loaded + series_lost + series_gone +
-- series_rejected. Lost: failed after their retries (a request, a listing page); gone: details answered 404;
-- rejected: refused by the boundary (an entry or a record failing its rules, a body of the wrong shape).
ALTER TABLE "harvest_run" ADD COLUMN "series_lost" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "harvest_run" ADD COLUMN "series_gone" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "harvest_run" ADD COLUMN "series_rejected" INTEGER NOT NULL DEFAULT 0;
