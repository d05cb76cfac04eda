-- One name for the kept upstream answers (src/pipeline/answer-store.ts): "answer", not "staged response" ("stage"
-- names the pipeline's steps only). No view reads the table; the read-only role never could.
ALTER TABLE "staged_response" RENAME TO "upstream_answer";
ALTER TABLE "upstream_answer" RENAME CONSTRAINT "staged_response_pkey" TO "upstream_answer_pkey";
ALTER TABLE "upstream_answer" RENAME CONSTRAINT "staged_response_run_id_fkey" TO "upstream_answer_run_id_fkey";
