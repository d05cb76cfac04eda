/**
 * The harvest lock holds or the run stops: when PostgreSQL terminates the lock's connection, the lock
 * tells at once and takes itself again when it can; a harvest that lost it stops as `interrupted`, and
 * two harvests never write at the same time.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { HarvestLockedError } from "../../src/errors.js";
import { runHarvest, type HarvestSummary } from "../../src/pipeline/harvest.js";
import { acquireHarvestLock, HARVEST_LOCK_KEY } from "../../src/pipeline/lock.js";
import { type ReplayDataset, apiOnlyDataset } from "../../src/replay/dataset.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { startHarness, type Harness } from "../helpers/harness.js";
import { dumpTables } from "../helpers/table-dump.js";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const NO_SITES: ReplayDataset = apiOnlyDataset(DEMO_CATALOGUE);

/** The backend holding the harvest lock in `db`'s database (the advisory lock's session), or null. */
async function lockBackend(db: TestDatabase): Promise<number | null> {
  const rows = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [HARVEST_LOCK_KEY],
  );
  return rows[0]?.pid ?? null;
}

async function terminateLockBackend(db: TestDatabase): Promise<number> {
  const pid = await lockBackend(db);
  if (pid === null) throw new Error("nobody holds the harvest lock");
  await db.query(`SELECT pg_terminate_backend($1)`, [pid]);
  return pid;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Every write time of `runId` (database clock): the run row, kept answers, versions, facts, quarantine,
 * quality results, enrichment and scrape rows of the run. Their earliest and latest, in ms.
 */
async function writeSpan(db: TestDatabase, runId: number): Promise<{ first: number; last: number } | null> {
  const rows = await db.query<{ first: Date | null; last: Date | null }>(
    `WITH t(at) AS (
       SELECT started_at FROM harvest_run WHERE run_id = $1 UNION ALL SELECT finished_at FROM harvest_run WHERE run_id = $1
       UNION ALL SELECT heartbeat_at FROM harvest_run WHERE run_id = $1
       UNION ALL SELECT fetched_at FROM upstream_answer WHERE run_id = $1
       UNION ALL SELECT loaded_at FROM series_version WHERE run_id = $1
       UNION ALL SELECT observed_at FROM rating_fact WHERE run_id = $1
       UNION ALL SELECT created_at FROM quarantine WHERE run_id = $1
       UNION ALL SELECT checked_at FROM quality_check_result WHERE run_id = $1
       UNION ALL SELECT occurred_at FROM scrape_event WHERE run_id = $1)
     SELECT min(at) AS first, max(at) AS last FROM t`,
    [runId],
  );
  const r = rows[0];
  return r?.first && r.last ? { first: r.first.getTime(), last: r.last.getTime() } : null;
}

describe("acquireHarvestLock", () => {
  it("notices a terminated connection at once and takes the lock again", async () => {
    const db = await createTestDatabase({ migrate: false });
    cleanups.push(() => db.drop());
    const lock = await acquireHarvestLock(db.url);
    expect(lock.lost.aborted).toBe(false);
    const before = await terminateLockBackend(db);
    await until(() => lock.lost.aborted, "the loss to be noticed");
    expect(await lock.regained()).toBe(true);
    // Held again, on another backend: nobody else gets it.
    expect(await lockBackend(db)).not.toBe(before);
    await expect(acquireHarvestLock(db.url)).rejects.toBeInstanceOf(HarvestLockedError);
    await lock.release();
    const next = await acquireHarvestLock(db.url);
    await next.release();
  });

  it("does not take the lock again when another session got it first", async () => {
    const db = await createTestDatabase({ migrate: false });
    cleanups.push(() => db.drop());
    const lock = await acquireHarvestLock(db.url);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    cleanups.push(() => other.end());
    // Waiting in PostgreSQL's queue: it gets the lock the moment the holder's backend is gone.
    const waiting = other.query("SELECT pg_advisory_lock($1)", [HARVEST_LOCK_KEY]);
    await until(async () => (await db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).length > 0, "the waiter");
    await terminateLockBackend(db);
    await waiting;
    await until(() => lock.lost.aborted, "the loss to be noticed");
    expect(await lock.regained()).toBe(false);
    await lock.release();
    await other.query("SELECT pg_advisory_unlock($1)", [HARVEST_LOCK_KEY]);
  });
});

describe("a harvest whose lock connection is terminated", () => {
  /** Details at 15 requests a second: the run is still in its details stage when the lock is killed. */
  const SLOW_DETAILS = { TMDB_REQUESTS_PER_SECOND: "15", TMDB_MAX_CONCURRENT: "4" };
  async function harness(env: Record<string, string> = SLOW_DETAILS): Promise<Harness> {
    const h = await startHarness(NO_SITES, { env: { ...env, LOG_LEVEL: "silent" } });
    cleanups.push(() => h.close());
    return h;
  }

  it("stops as interrupted, and a harvest started meanwhile never writes while it does", async () => {
    const h = await harness();
    const a = runHarvest(h.app, { maxPages: 2, scrape: false });
    await until(() => h.upstreams.tmdb.count() >= 10, "run A's details stage");
    await terminateLockBackend(h.db);
    // Run B starts while A is still going.
    const appB = await h.newApp();
    const b: Promise<HarvestSummary | "refused"> = runHarvest(appB, { maxPages: 2, scrape: false }).then(
      (summary): HarvestSummary | "refused" => summary,
      (error: unknown): "refused" => {
        if (error instanceof HarvestLockedError) return "refused";
        throw error;
      },
    );
    const [summaryA, summaryB] = await Promise.all([a, b]);
    expect(summaryA).toMatchObject({ runId: 1, status: "interrupted", error: expect.stringMatching(/harvest lock/) });
    // Series loaded as their details arrived, before the lock was lost; none after (checked below).
    expect(summaryA.seriesLoaded).toBeLessThan(40);
    // A took the lock again for its ending: its row says interrupted, and B was refused while A held it.
    expect(await h.db.query(`SELECT run_id, status::text, stage FROM harvest_run ORDER BY run_id`)).toEqual(
      summaryB === "refused"
        ? [{ run_id: 1, status: "interrupted", stage: "details" }]
        : [
            { run_id: 1, status: "interrupted", stage: "details" },
            { run_id: 2, status: "succeeded", stage: "done" },
          ],
    );
    // A harvest started after A's end runs; the two runs' writes do not overlap in time.
    const second = summaryB === "refused" ? await runHarvest(await h.newApp(), { maxPages: 2, scrape: false }) : summaryB;
    expect(second.status).toBe("succeeded");
    const spanA = await writeSpan(h.db, 1);
    const spanB = await writeSpan(h.db, second.runId);
    expect(spanA).not.toBeNull();
    expect(spanB).not.toBeNull();
    if (spanA && spanB) expect(spanA.last).toBeLessThan(spanB.first);
  });

  it("writes nothing more when another session took the lock, and resumes to the tables of an uninterrupted run", async () => {
    // The uninterrupted run is never interrupted: the harness's pace (TMDB at 500 a second).
    const reference = await harness({});
    expect((await runHarvest(reference.app, { maxPages: 2, scrape: false })).status).toBe("succeeded");

    const h = await harness();
    const a = runHarvest(h.app, { maxPages: 2, scrape: false });
    await until(() => h.upstreams.tmdb.count() >= 10, "run A's details stage");
    const other = new pg.Client({ connectionString: h.db.url });
    await other.connect();
    cleanups.push(() => other.end());
    const waiting = other.query("SELECT pg_advisory_lock($1)", [HARVEST_LOCK_KEY]);
    await until(async () => (await h.db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).length > 0, "the waiter");
    await terminateLockBackend(h.db);
    await waiting;
    const takenAt = (await other.query<{ taken_at: Date }>("SELECT clock_timestamp() AS taken_at")).rows[0]?.taken_at ?? new Date(0);
    const summaryA = await a;
    expect(summaryA).toMatchObject({ runId: 1, status: "interrupted", error: expect.stringMatching(/harvest lock/) });
    // Nothing of A's was written once the other session held the lock: its row was left running.
    expect(await h.db.query(`SELECT status::text FROM harvest_run`)).toEqual([{ status: "running" }]);
    const spanA = await writeSpan(h.db, 1);
    expect(spanA?.last ?? 0).toBeLessThan(takenAt.getTime());
    const asked = h.upstreams.tmdb.count();
    const kept = (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM upstream_answer`))[0]?.n ?? 0;
    // Answers that arrived after the loss were not kept: the resume asks for them again, nothing else.
    expect(kept).toBeLessThan(asked);

    await other.query("SELECT pg_advisory_unlock($1)", [HARVEST_LOCK_KEY]);
    const resumed = await runHarvest(await h.newApp(), { resume: true });
    expect(resumed).toMatchObject({ runId: 1, status: "succeeded", resumed: true, reusedFromStage: kept });
    expect(h.upstreams.tmdb.count() - asked).toBe(43 - kept);
    expect(await dumpTables(h.db)).toEqual(await dumpTables(reference.db));
  });
});
