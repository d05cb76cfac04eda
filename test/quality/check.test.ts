import { beforeEach, describe, expect, it } from "vitest";
import { checkCommand } from "../../src/commands/check.js";
import { useTestDatabase } from "../helpers/db.js";
import { NOW, seedGoodState, type SeededState } from "./seed.js";

const t = useTestDatabase({ scope: "test" });
let state: SeededState;
let out: string;

beforeEach(async () => {
  state = await seedGoodState(t.db);
  out = "";
});

const io = () => ({ stdout: (s: string) => void (out += s), prisma: t.prisma, now: () => NOW });

describe("check command", () => {
  it("checks the newest finished run by default, prints the table and exits 0 when all pass", async () => {
    await t.db.query(`UPDATE harvest_run SET status = 'succeeded', finished_at = $2 WHERE run_id = $1`, [state.currentRunId, NOW.toISOString()]);
    expect(await checkCommand({ store: true }, io())).toBe(0);
    expect(out).toContain(`Quality checks of harvest run ${state.currentRunId} (status succeeded)`);
    const lines = out.split("\n");
    const header = lines.find((l) => l.startsWith("check"));
    expect(header?.split(/\s{2,}/)).toEqual(["check", "severity", "observed", "threshold", "passed"]);
    expect(lines.find((l) => l.startsWith("volume.series_count"))?.split(/\s{2,}/)).toEqual([
      "volume.series_count",
      "error",
      "0",
      "|change| <= 0.2",
      "yes",
    ]);
    expect(out).toContain("8/8 passed; 0 error failure(s), 0 warning(s)");
    expect(await t.prisma.qualityCheckResult.count({ where: { runId: state.currentRunId } })).toBe(8);
  });

  it("is read-only unless asked: without --store the stored results stay as they were", async () => {
    await t.db.query(`DELETE FROM quality_check_result`);
    expect(await checkCommand({ run: state.currentRunId }, io())).toBe(0);
    expect(out).toContain("nothing stored (--store to store them)");
    expect(await t.prisma.qualityCheckResult.count()).toBe(0);
    expect(await checkCommand({ run: state.currentRunId, store: true }, io())).toBe(0);
    expect(await t.prisma.qualityCheckResult.count({ where: { runId: state.currentRunId } })).toBe(8);
  });

  it("skips a running run by default and checks the newest finished one", async () => {
    expect(await checkCommand({}, io())).toBe(0);
    expect(out).toContain(`harvest run ${state.previousRunId} (status succeeded)`);
  });

  it("exits 1 on an error failure and lists it; warnings alone exit 0", async () => {
    await t.db.query(`UPDATE series_version SET first_air_date = NULL, release_year = NULL WHERE run_id = $1 AND series_id = 1`, [
      state.currentRunId,
    ]);
    expect(await checkCommand({ run: state.currentRunId }, io())).toBe(1);
    expect(out).toMatch(/not_null\.first_air_date\s+error\s+0\.1\s+<= 0\.05\s+NO/);
    expect(out).toContain("not_null.first_air_date (error): 1 of 10 series null");

    out = "";
    await t.db.query(`UPDATE series_version SET first_air_date = '2010-01-15', release_year = 2010 WHERE run_id = $1 AND series_id = 1`, [
      state.currentRunId,
    ]);
    // Without a known IMDb rating at all (the latest known value counts, whichever run fetched it).
    await t.db.query(`DELETE FROM rating_fact WHERE source_key = 'imdb' AND series_id IN (1, 2, 3)`);
    expect(await checkCommand({ run: state.currentRunId }, io())).toBe(0);
    expect(out).toMatch(/not_null\.imdb_rating\s+warning\s+0\.3\s+<= 0\.1\s+NO/);
    expect(out).toContain("1 warning(s)");
  });

  it("applies configured thresholds", async () => {
    await t.db.query(`UPDATE series_version SET imdb_id = NULL WHERE run_id = $1 AND series_id <= 3`, [state.currentRunId]);
    expect(await checkCommand({ run: state.currentRunId }, io())).toBe(1);
    expect(await checkCommand({ run: state.currentRunId }, { ...io(), thresholds: { nullRatio: { imdb_id: 0.5 } } })).toBe(0);
  });

  it("exits 1 when the run does not exist or nothing finished yet", async () => {
    expect(await checkCommand({ run: 999 }, io())).toBe(1);
    expect(out).toBe("harvest run 999 not found\n");
    out = "";
    await t.db.query(`UPDATE harvest_run SET status = 'running'`);
    expect(await checkCommand({}, io())).toBe(1);
    expect(out).toBe("no finished harvest run to check\n");
  });
});
