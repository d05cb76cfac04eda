/**
 * `enrichment_state`: per series and enrichment source, when it was last asked and what came back. The
 * OMDb stage orders its lookups by it (oldest data first).
 */
import type { PrismaClient } from "../db/prisma.js";

/** One series' outcome for a source. `success` updates `last_success_at`. */
export interface EnrichmentStateRow {
  seriesId: number;
  /** found, not_found, error, layout_changed, no_page */
  status: string;
  detail: string | null;
  success: boolean;
}

/** Upserts the outcomes of one source for many series in one statement. `at` is the attempt time. */
export async function recordEnrichmentStates(prisma: PrismaClient, source: string, rows: readonly EnrichmentStateRow[], at: Date): Promise<number> {
  if (rows.length === 0) return 0;
  const data = rows.map((r) => ({ s: r.seriesId, st: r.status, d: r.detail, ok: r.success }));
  return prisma.$executeRaw`
    INSERT INTO enrichment_state (series_id, source, status, detail, last_attempt_at, last_success_at)
    SELECT x.s, ${source}, x.st, x.d, ${at}, CASE WHEN x.ok THEN ${at}::timestamptz END
    FROM jsonb_to_recordset(${JSON.stringify(data)}::jsonb) AS x(s int, st text, d text, ok boolean)
    ON CONFLICT (series_id, source) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail,
      last_attempt_at = EXCLUDED.last_attempt_at,
      last_success_at = COALESCE(EXCLUDED.last_success_at, enrichment_state.last_success_at)`;
}
