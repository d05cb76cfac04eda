import { beforeEach, describe, expect, it } from "vitest";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { hasErrorFailure, runExpectations, type ExpectationResult, type ExpectationThresholdOverrides } from "../../src/quality/expectations.js";
import { useTestDatabase } from "../helpers/db.js";
import { NOW, addFact, addSeries, seedGoodState, type SeededState } from "./seed.js";

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

describe("runExpectations", () => {
  it("passes every check on a clean load, stores the results and sets the metrics", async () => {
    const metrics = new HarvesterMetrics();
    const results = await run(state.currentRunId, undefined, metrics);
    expect(failed(results)).toEqual([]);
    expect(hasErrorFailure(results)).toBe(false);
    expect(results.map((r) => r.check)).toEqual([
      "not_null.title",
      "not_null.first_air_date",
      "not_null.original_language",
      "not_null.imdb_id",
      "not_null.imdb_rating",
      "range.rating_fact.score",
      "range.rating_fact.vote_count",
      "range.series_dim",
      "accepted_values.series_dim.imdb_id",
      "accepted_values.rating_fact.source_key",
      "unique.series_dim.imdb_id",
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
    await t.db.query(`UPDATE series_dim SET imdb_id = NULL WHERE series_id <= 5`);
    const second = await run();
    const stored = await t.prisma.qualityCheckResult.findMany({ where: { runId: state.currentRunId, checkName: "not_null.imdb_id" } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ passed: false, observed: 0.5 });
    expect(result(second, "not_null.imdb_id").passed).toBe(false);
    await expect(run(424242)).rejects.toThrow(/424242 not found/);
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

    it("series columns fail as errors: null IMDb ids above 20 %, any empty title, missing dates", async () => {
      await t.db.query(`UPDATE series_dim SET imdb_id = NULL WHERE series_id IN (1, 2)`);
      expect(result(await run(), "not_null.imdb_id").passed).toBe(true);
      await t.db.query(`UPDATE series_dim SET imdb_id = '' WHERE series_id = 3`);
      await t.db.query(`UPDATE series_dim SET title = ' ' WHERE series_id = 4`);
      await t.db.query(`UPDATE series_dim SET first_air_date = NULL, release_year = NULL WHERE series_id = 5`);
      const results = await run();
      expect(result(results, "not_null.imdb_id")).toMatchObject({ passed: false, severity: "error", observed: 0.3 });
      expect(result(results, "not_null.title")).toMatchObject({ passed: false, observed: 0.1, threshold: "<= 0" });
      expect(result(results, "not_null.first_air_date")).toMatchObject({ passed: false, observed: 0.1 });
      expect(result(results, "not_null.original_language").passed).toBe(true);
      expect(hasErrorFailure(results)).toBe(true);
    });

    it("only counts the run's series", async () => {
      // a series of the previous run only, without anything, does not count for the current run
      await t.db.query(`INSERT INTO series_dim (series_id, title, original_title, first_seen_run_id, last_seen_run_id) VALUES (77, '', '', $1, $1)`, [
        state.previousRunId,
      ]);
      expect(failed(await run())).toEqual([]);
    });
  });

  describe("ranges and accepted values", () => {
    it("a score outside its source's scale fails", async () => {
      await addFact(t.db, { runId: state.currentRunId, seriesId: 1, source: "metacritic_users", score: 84, voteCount: 10 });
      const results = await run();
      expect(result(results, "range.rating_fact.score")).toMatchObject({ passed: false, severity: "error", observed: 1 });
      expect(result(results, "range.rating_fact.score").details).toContain("1/metacritic_users=84");
    });

    it("an IMDb score below 1 fails; a Rotten Tomatoes 100 passes", async () => {
      await addFact(t.db, { runId: state.currentRunId, seriesId: 2, source: "rotten_tomatoes_critics", score: 100, voteCount: 50 });
      expect(result(await run(), "range.rating_fact.score").passed).toBe(true);
      await t.db.query(`UPDATE rating_fact SET score = 0.5 WHERE run_id = $1 AND series_id = 3 AND source_key = 'imdb'`, [state.currentRunId]);
      expect(result(await run(), "range.rating_fact.score").passed).toBe(false);
    });

    it("a negative count fails", async () => {
      await t.db.query(`UPDATE rating_fact SET vote_count = -1 WHERE run_id = $1 AND series_id = 1 AND source_key = 'tmdb'`, [state.currentRunId]);
      expect(result(await run(), "range.rating_fact.vote_count")).toMatchObject({ passed: false, observed: 1 });
    });

    it.each([
      ["first-air year 1850", `UPDATE series_dim SET first_air_date = '1850-01-01', release_year = 1850 WHERE series_id = 1`],
      [
        "first-air year after next year",
        `UPDATE series_dim SET first_air_date = '2028-01-01', release_year = 2028, last_air_date = NULL WHERE series_id = 1`,
      ],
      ["release year not the first-air year", `UPDATE series_dim SET release_year = 2011 WHERE series_id = 1`],
      ["last-air before first-air", `UPDATE series_dim SET last_air_date = '2009-01-01' WHERE series_id = 1`],
      ["negative seasons", `UPDATE series_dim SET number_of_seasons = -2 WHERE series_id = 1`],
    ])("series range: %s fails", async (_name, sql) => {
      await t.db.query(sql);
      expect(result(await run(), "range.series_dim")).toMatchObject({ passed: false, observed: 1 });
    });

    it("next year's premiere passes the series range", async () => {
      await t.db.query(`UPDATE series_dim SET first_air_date = '2027-03-01', release_year = 2027, last_air_date = NULL WHERE series_id = 1`);
      expect(result(await run(), "range.series_dim").passed).toBe(true);
    });

    it("a malformed IMDb id fails", async () => {
      await t.db.query(`UPDATE series_dim SET imdb_id = 'nm0000001' WHERE series_id = 2`);
      expect(result(await run(), "accepted_values.series_dim.imdb_id")).toMatchObject({ passed: false, observed: 1 });
    });

    it("a fact from an unknown rating source or grain fails", async () => {
      await t.db.query(
        `INSERT INTO rating_source_dim (source_key, name, provider, scale_min, scale_max, count_unit, min_votes) VALUES ('letterboxd', 'Letterboxd', 'letterboxd', 0, 5, 'ratings', 100)`,
      );
      await addFact(t.db, { runId: state.currentRunId, seriesId: 1, source: "letterboxd", score: 4 });
      expect(result(await run(), "accepted_values.rating_fact.source_key")).toMatchObject({ passed: false, observed: 1 });
      await t.db.query(`DELETE FROM rating_fact WHERE source_key = 'letterboxd'`);
      await addFact(t.db, { runId: state.currentRunId, seriesId: 1, source: "metacritic_critics", score: 80, voteCount: 3, grain: "episode" });
      expect(result(await run(), "accepted_values.rating_fact.source_key").passed).toBe(false);
    });
  });

  describe("uniqueness", () => {
    it("two of the run's series sharing an IMDb id is a warning", async () => {
      await t.db.query(`UPDATE series_dim SET imdb_id = 'tt1000001' WHERE series_id = 2`);
      const results = await run();
      expect(result(results, "unique.series_dim.imdb_id")).toMatchObject({ passed: false, severity: "warning", observed: 1 });
      expect(result(results, "unique.series_dim.imdb_id").details).toContain("tt1000001 (1/2)");
      expect(hasErrorFailure(results)).toBe(false);
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
      // the current run did not load series 1–3 (they stay as the previous run left them)
      await t.db.query(`UPDATE series_dim SET last_seen_run_id = $1 WHERE series_id IN (1, 2, 3)`, [state.previousRunId]);
      await t.db.query(`DELETE FROM rating_fact WHERE run_id = $1 AND series_id IN (1, 2, 3)`, [state.currentRunId]);
      expect(result(await run(), "volume.series_count")).toMatchObject({ passed: false, observed: -0.3 });
      expect(result(await run(state.currentRunId, { volumeTolerance: 0.5 }), "volume.series_count").passed).toBe(true);
    });

    it("passes without an earlier successful run with the same maxPages", async () => {
      await t.db.query(`DELETE FROM series_dim WHERE series_id IN (1, 2, 3)`);
      await t.db.query(`UPDATE harvest_run SET options = '{"maxPages": 5}' WHERE run_id = $1`, [state.previousRunId]);
      expect(result(await run(), "volume.series_count")).toMatchObject({ passed: true, observed: null });
      await t.db.query(`UPDATE harvest_run SET options = '{"maxPages": 1}', status = 'failed_quality' WHERE run_id = $1`, [state.previousRunId]);
      expect(result(await run(), "volume.series_count").passed).toBe(true);
    });
  });

  describe("freshness", () => {
    it("the run being checked counts while running; an 8-day-old last success alone warns", async () => {
      expect(result(await run(), "freshness.last_success")).toMatchObject({ passed: true, observed: 0 });
      await t.db.query(`UPDATE harvest_run SET status = 'failed' WHERE run_id = $1`, [state.currentRunId]);
      expect(result(await run(), "freshness.last_success")).toMatchObject({ passed: true, observed: 3 });
      await t.db.query(`UPDATE harvest_run SET finished_at = $2 WHERE run_id = $1`, [
        state.previousRunId,
        new Date(NOW.getTime() - 8 * 86_400_000).toISOString(),
      ]);
      const results = await run();
      expect(result(results, "freshness.last_success")).toMatchObject({ passed: false, severity: "warning", observed: 8, threshold: "< 8 days" });
      expect(result(await run(state.currentRunId, { freshnessMaxAgeDays: 9 }), "freshness.last_success").passed).toBe(true);
    });

    it("warns when no run ever succeeded", async () => {
      await t.db.query(`UPDATE harvest_run SET status = 'failed'`);
      expect(result(await run(), "freshness.last_success")).toMatchObject({ passed: false, observed: null });
    });
  });
});

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
