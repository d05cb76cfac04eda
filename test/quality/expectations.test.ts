import { beforeEach, describe, expect, it } from "vitest";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { hasErrorFailure, runExpectations, type ExpectationResult, type ExpectationThresholdOverrides } from "../../src/quality/expectations.js";
import { useTestDatabase } from "../helpers/db.js";
import { NOW, addSeries, seedGoodState, type SeededState } from "./seed.js";

const t = useTestDatabase({ scope: "test" });
let state: SeededState;

beforeEach(async () => {
  state = await seedGoodState(t.db);
});

async function run(runId = state.currentRunId, thresholds?: ExpectationThresholdOverrides, metrics?: HarvesterMetrics) {
  return runExpectations({ prisma: t.prisma, now: () => NOW, thresholds, metrics }, runId);
}

function result(results: ExpectationResult[], check: string): ExpectationResult {
  const r = results.find((x) => x.check === check);
  if (!r) throw new Error(`no result for ${check}`);
  return r;
}

function failed(results: ExpectationResult[]): string[] {
  return results.filter((r) => !r.passed).map((r) => r.check);
}

/** Runs `sql` on the current run's series versions; `$1` is the current run. */
async function inCurrentVersions(sql: string): Promise<void> {
  await t.db.query(sql, [state.currentRunId]);
}

describe("runExpectations", () => {
  it("passes every check on a clean load, stores the results and sets the metrics", async () => {
    const metrics = new HarvesterMetrics();
    const results = await run(state.currentRunId, undefined, metrics);
    expect(failed(results)).toEqual([]);
    expect(hasErrorFailure(results)).toBe(false);
    expect(results.map((r) => r.check)).toEqual([
      "not_null.first_air_date",
      "not_null.original_language",
      "not_null.imdb_id",
      "not_null.imdb_rating",
      "unique.series_version.imdb_id",
      "kept.known_values",
      "volume.series_count",
      "freshness.last_success",
    ]);
    const stored = await t.prisma.qualityCheckResult.findMany({ where: { runId: state.currentRunId } });
    expect(stored).toHaveLength(results.length);
    expect(stored.every((r) => r.passed)).toBe(true);
    expect(result(results, "volume.series_count")).toMatchObject({ observed: 0, threshold: "|change| <= 0.2" });

    const text = await metrics.registry.metrics();
    expect(text).toContain('tv_harvester_quality_check_passed{check="volume.series_count",severity="error"} 1');
    expect(text).toContain('tv_harvester_quality_checks_total{check="not_null.imdb_rating",result="passed"} 1');
    expect(text).toContain('tv_harvester_null_ratio{column="imdb_rating"} 0');
    expect(text).toContain('tv_harvester_rating_coverage_ratio{source="imdb"} 1');
    expect(text).toContain('tv_harvester_rating_coverage_ratio{source="metacritic_users"} 0');
  });

  it("re-running replaces the run's stored results; an unknown run throws", async () => {
    await run();
    await inCurrentVersions(`UPDATE series_version SET imdb_id = NULL WHERE run_id = $1 AND series_id <= 5`);
    const second = await run();
    const stored = await t.prisma.qualityCheckResult.findMany({ where: { runId: state.currentRunId, checkName: "not_null.imdb_id" } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ passed: false, observed: 0.5 });
    expect(result(second, "not_null.imdb_id").passed).toBe(false);
    await expect(run(424242)).rejects.toThrow(/424242 not found/);
  });

  it("checks what analysts will see once the run is published (its series versions), not series_dim", async () => {
    await t.db.query(`UPDATE series_dim SET imdb_id = NULL, first_air_date = NULL, release_year = NULL, original_language = NULL`);
    expect(failed(await run())).toEqual([]);
    // A version of the previous run only, with nothing known, is not the current run's.
    await t.db.query(`INSERT INTO series_dim (series_id, title, original_title, first_seen_run_id, last_seen_run_id) VALUES (77, 'x', 'x', $1, $1)`, [
      state.previousRunId,
    ]);
    await t.db.query(`INSERT INTO series_version (series_id, run_id, title, original_title) VALUES (77, $1, 'x', 'x')`, [state.previousRunId]);
    expect(failed(await run())).toEqual([]);
  });

  describe("not-null ratios", () => {
    it("IMDb rating: the latest known rating counts, so a run that refreshed only some series is not null for the others", async () => {
      // Series 1–5 not refreshed in this run: their rating of the previous (succeeded) run is still known.
      await t.db.query(`DELETE FROM rating_fact WHERE run_id = $1 AND source_key = 'imdb' AND series_id <= 5`, [state.currentRunId]);
      expect(result(await run(), "not_null.imdb_rating")).toMatchObject({ passed: true, observed: 0 });
      // A rating known only from a run that did not succeed is not known.
      await t.db.query(`UPDATE harvest_run SET status = 'failed_quality' WHERE run_id = $1`, [state.previousRunId]);
      expect(result(await run(), "not_null.imdb_rating")).toMatchObject({ passed: false, observed: 0.5 });
    });

    it("IMDb rating: more than 10 % of the run's series without a known imdb rating fails as a warning", async () => {
      // No fact in this run nor in an earlier one (latest known values count; see the test above).
      await t.db.query(`DELETE FROM rating_fact WHERE run_id <> $1 AND source_key = 'imdb'`, [state.currentRunId]);
      await t.db.query(`DELETE FROM rating_fact WHERE run_id = $1 AND source_key = 'imdb' AND series_id IN (1, 2)`, [state.currentRunId]);
      const metrics = new HarvesterMetrics();
      const results = await run(state.currentRunId, undefined, metrics);
      expect(result(results, "not_null.imdb_rating")).toMatchObject({ passed: false, severity: "warning", observed: 0.2, threshold: "<= 0.1" });
      expect(hasErrorFailure(results)).toBe(false);
      expect(await metrics.registry.metrics()).toContain('tv_harvester_null_ratio{column="imdb_rating"} 0.2');
      // exactly at the threshold passes; a configured threshold applies
      await t.db.query(`INSERT INTO rating_fact (run_id, series_id, source_key, score, vote_count) VALUES ($1, 1, 'imdb', 8, 10)`, [
        state.currentRunId,
      ]);
      expect(result(await run(), "not_null.imdb_rating").passed).toBe(true);
      await t.db.query(`DELETE FROM rating_fact WHERE run_id = $1 AND source_key = 'imdb' AND series_id IN (1, 3)`, [state.currentRunId]);
      expect(result(await run(), "not_null.imdb_rating").passed).toBe(false);
      expect(result(await run(state.currentRunId, { nullRatio: { imdb_rating: 0.3 } }), "not_null.imdb_rating").passed).toBe(true);
    });

    it("series columns fail as errors: null IMDb ids above 20 %, missing first-air dates or languages above 5 %", async () => {
      await inCurrentVersions(`UPDATE series_version SET imdb_id = NULL WHERE run_id = $1 AND series_id IN (1, 2)`);
      expect(result(await run(), "not_null.imdb_id").passed).toBe(true);
      await inCurrentVersions(`UPDATE series_version SET imdb_id = '' WHERE run_id = $1 AND series_id = 3`);
      await inCurrentVersions(`UPDATE series_version SET first_air_date = NULL, release_year = NULL WHERE run_id = $1 AND series_id = 5`);
      await inCurrentVersions(`UPDATE series_version SET original_language = ' ' WHERE run_id = $1 AND series_id = 6`);
      const results = await run();
      expect(result(results, "not_null.imdb_id")).toMatchObject({ passed: false, severity: "error", observed: 0.3 });
      expect(result(results, "not_null.first_air_date")).toMatchObject({ passed: false, severity: "error", observed: 0.1 });
      expect(result(results, "not_null.original_language")).toMatchObject({ passed: false, severity: "error", observed: 0.1 });
      expect(hasErrorFailure(results)).toBe(true);
    });
  });

  describe("uniqueness", () => {
    it("two of the run's series sharing an IMDb id is a warning", async () => {
      await inCurrentVersions(`UPDATE series_version SET imdb_id = 'tt1000001' WHERE run_id = $1 AND series_id = 2`);
      const results = await run();
      expect(result(results, "unique.series_version.imdb_id")).toMatchObject({ passed: false, severity: "warning", observed: 1 });
      expect(result(results, "unique.series_version.imdb_id").details).toContain("tt1000001 (1/2)");
      expect(hasErrorFailure(results)).toBe(false);
    });
  });

  describe("kept values", () => {
    it("a plot, a first-air date, a poster, the genres, networks or platforms known before and gone in the run's version warn", async () => {
      await inCurrentVersions(`UPDATE series_version SET plot = NULL, poster_path = NULL WHERE run_id = $1 AND series_id = 1`);
      await inCurrentVersions(`DELETE FROM series_genre_version WHERE run_id = $1 AND series_id = 2`);
      await inCurrentVersions(`DELETE FROM series_network_version WHERE run_id = $1 AND series_id = 2`);
      await inCurrentVersions(`DELETE FROM series_platform_version WHERE run_id = $1 AND series_id = 3`);
      await inCurrentVersions(`UPDATE series_version SET first_air_date = NULL, release_year = NULL WHERE run_id = $1 AND series_id = 4`);
      const results = await run();
      expect(result(results, "kept.known_values")).toMatchObject({ passed: false, severity: "warning", observed: 4 });
      expect(result(results, "kept.known_values").details).toContain("1 (plot, poster); 2 (genres, networks); 3 (platforms); 4 (first_air_date)");
      expect(result(results, "not_null.first_air_date").passed).toBe(false);
    });

    it("compares with what was published: a value missing only from a failed run's version was never seen", async () => {
      await t.db.query(`UPDATE series_version SET plot = NULL WHERE run_id = $1 AND series_id = 1`, [state.previousRunId]);
      await inCurrentVersions(`UPDATE series_version SET plot = NULL WHERE run_id = $1 AND series_id IN (1, 2)`);
      expect(result(await run(), "kept.known_values")).toMatchObject({ passed: false, observed: 1 });
      await t.db.query(`UPDATE harvest_run SET status = 'failed' WHERE run_id = $1`, [state.previousRunId]);
      expect(result(await run(), "kept.known_values")).toMatchObject({ passed: true, observed: 0 });
    });
  });

  describe("volume", () => {
    it("+20 % passes, more fails", async () => {
      await addSeries(t.db, 11, state.currentRunId, state.currentRunId);
      await addSeries(t.db, 12, state.currentRunId, state.currentRunId);
      expect(result(await run(), "volume.series_count")).toMatchObject({ passed: true, observed: 0.2 });
      await addSeries(t.db, 13, state.currentRunId, state.currentRunId);
      const r = result(await run(), "volume.series_count");
      expect(r).toMatchObject({ passed: false, observed: 0.3, severity: "error" });
      expect(r.details).toContain(`13 series against 10 in run ${state.previousRunId}`);
    });

    it("a drop of more than 20 % fails; a configured tolerance applies", async () => {
      // the current run wrote no version of series 1–3
      await inCurrentVersions(`DELETE FROM series_version WHERE run_id = $1 AND series_id IN (1, 2, 3)`);
      expect(result(await run(), "volume.series_count")).toMatchObject({ passed: false, observed: -0.3 });
      expect(result(await run(state.currentRunId, { volumeTolerance: 0.5 }), "volume.series_count").passed).toBe(true);
    });

    it("passes without an earlier successful run with the same maxPages", async () => {
      await inCurrentVersions(`DELETE FROM series_version WHERE run_id = $1 AND series_id IN (1, 2, 3)`);
      await t.db.query(`UPDATE harvest_run SET options = '{"maxPages": 5}' WHERE run_id = $1`, [state.previousRunId]);
      expect(result(await run(), "volume.series_count")).toMatchObject({ passed: true, observed: null });
      await t.db.query(`UPDATE harvest_run SET options = '{"maxPages": 1}', status = 'failed_quality' WHERE run_id = $1`, [state.previousRunId]);
      expect(result(await run(), "volume.series_count").passed).toBe(true);
    });
  });

  describe("freshness", () => {
    const daysBefore = (days: number, from: Date) => new Date(from.getTime() - days * 86_400_000).toISOString();
    const started = new Date(NOW.getTime() - 3_600_000);

    it("warns when the newest earlier weekly success had aged past the limit when the run started; a configured limit applies", async () => {
      expect(result(await run(), "freshness.last_success")).toMatchObject({ passed: true, observed: round(71 / 24) });
      await t.db.query(`UPDATE harvest_run SET finished_at = $2 WHERE run_id = $1`, [state.previousRunId, daysBefore(9, started)]);
      const results = await run();
      expect(result(results, "freshness.last_success")).toMatchObject({ passed: false, severity: "warning", observed: 9, threshold: "< 8 days" });
      expect(hasErrorFailure(results)).toBe(false);
      expect(result(await run(state.currentRunId, { freshnessMaxAgeDays: 10 }), "freshness.last_success").passed).toBe(true);
    });

    it("a run cannot make itself fresh, and a top-up (ratings only) does not count as a fresh harvest", async () => {
      await t.db.query(`UPDATE harvest_run SET finished_at = $2 WHERE run_id = $1`, [state.previousRunId, daysBefore(9, started)]);
      await t.db.query(`UPDATE harvest_run SET status = 'succeeded', finished_at = $2 WHERE run_id = $1`, [state.currentRunId, NOW.toISOString()]);
      expect(result(await run(), "freshness.last_success")).toMatchObject({ passed: false, observed: 9 });
      await t.db.query(`INSERT INTO harvest_run (started_at, finished_at, heartbeat_at, status, trigger) VALUES ($1, $2, $2, 'succeeded', 'topup')`, [
        daysBefore(2, started),
        daysBefore(2, started),
      ]);
      expect(result(await run(), "freshness.last_success")).toMatchObject({ passed: false, observed: 9 });
    });

    it("passes on the first run: nothing was published before it", async () => {
      await t.db.query(`UPDATE harvest_run SET status = 'failed' WHERE run_id = $1`, [state.previousRunId]);
      expect(result(await run(), "freshness.last_success")).toMatchObject({ passed: true, observed: null });
    });
  });
});

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

describe("hasErrorFailure", () => {
  const r = (severity: "error" | "warning", passed: boolean): ExpectationResult => ({
    check: "x",
    severity,
    observed: 0,
    threshold: "= 0",
    passed,
    details: "",
  });
  it("is true only for a failed error-severity check", () => {
    expect(hasErrorFailure([r("error", true), r("warning", false)])).toBe(false);
    expect(hasErrorFailure([r("warning", true), r("error", false)])).toBe(true);
    expect(hasErrorFailure([])).toBe(false);
  });
});
