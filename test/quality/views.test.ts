import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { runExpectations } from "../../src/quality/expectations.js";
import { Quarantine } from "../../src/load/quarantine.js";
import { SecretScrubber } from "../../src/secrets.js";
import { useTestDatabase } from "../helpers/db.js";
import { NOW, seedGoodState, type SeededState } from "./seed.js";

const t = useTestDatabase();
let state: SeededState;

beforeAll(async () => {
  state = await seedGoodState(t.db);
});

describe("analytics quality views", () => {
  it("analytics.quality_checks: one row per run × check with the run's status", async () => {
    await t.db.query(`UPDATE series_version SET imdb_id = NULL WHERE run_id = $1`, [state.currentRunId]);
    const results = await runExpectations({ prisma: t.prisma, now: () => NOW }, state.currentRunId);
    await runExpectations({ prisma: t.prisma, now: () => NOW }, state.previousRunId);
    await t.db.query(`UPDATE harvest_run SET status = 'failed_quality', finished_at = $2 WHERE run_id = $1`, [state.currentRunId, NOW.toISOString()]);

    const rows = await t.db.query<{
      run_id: number;
      run_status: string;
      check_family: string;
      passed: boolean;
      is_error_failure: boolean;
      observed: number | null;
    }>(
      `SELECT run_id, run_status::text AS run_status, check_family, passed, is_error_failure, observed
       FROM analytics.quality_checks WHERE check_name = 'not_null.imdb_id' ORDER BY run_id`,
    );
    expect(rows).toEqual([
      { run_id: state.previousRunId, run_status: "succeeded", check_family: "not_null", passed: true, is_error_failure: false, observed: 0 },
      { run_id: state.currentRunId, run_status: "failed_quality", check_family: "not_null", passed: false, is_error_failure: true, observed: 1 },
    ]);
    const [count] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM analytics.quality_checks WHERE run_id = $1`, [
      state.currentRunId,
    ]);
    expect(count?.n).toBe(results.length);
  });

  it("analytics.quarantine_summary: counts per run × source × kind × reason with first and last seen", async () => {
    const q = new Quarantine({
      prisma: t.prisma,
      runId: state.currentRunId,
      scrubber: new SecretScrubber([]),
      metrics: new HarvesterMetrics(),
      logger: pino({ level: "silent" }),
    });
    const issue = (reason: "out_of_range" | "not_json") => [{ path: "", message: reason, reason }];
    q.reject({ endpoint: "omdb", upstreamKey: "tt1", reason: "out_of_range", issues: issue("out_of_range"), payload: {} });
    q.reject({ endpoint: "omdb", upstreamKey: "tt2", reason: "out_of_range", issues: issue("out_of_range"), payload: {} });
    q.drift({ endpoint: "omdb", upstreamKey: "tt3", issues: issue("not_json"), payload: "<html>" });
    await q.flush();
    const rows = await t.db.query<{ source: string; kind: string; reason: string; record_count: number; ordered: boolean }>(
      `SELECT source, kind, reason, record_count, first_seen_at <= last_seen_at AS ordered
       FROM analytics.quarantine_summary WHERE run_id = $1 ORDER BY kind, reason`,
      [state.currentRunId],
    );
    expect(rows).toEqual([
      { source: "omdb", kind: "rejected", reason: "out_of_range", record_count: 2, ordered: true },
      { source: "omdb", kind: "schema_drift", reason: "not_json", record_count: 1, ordered: true },
    ]);
  });
});
