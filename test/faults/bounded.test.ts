/**
 * Every wait, byte and megabyte bounded (issue 17): a harvest of the demo catalogue's first two pages (40
 * series, OMDb and sites off) behind a fault-injecting TMDB (test/helpers/fault-upstream.ts), where one series'
 * details answer misbehaves the way overloaded servers and broken proxies do:
 *
 * - its body trickles a byte at a time, past the deadline: a timeout, retried, counted, quarantined after the
 *   retries; the 39 others load and the run succeeds;
 * - its body is 100 MB, arriving fast: refused at the cap while it streams, quarantined as `oversized_body`
 *   without its body; the harvesting process (a child, its peak RSS reported by the child itself) stays within
 *   the memory budget; the 39 others load and the run succeeds;
 * - it is never answered, and SIGTERM comes: the request is aborted at once, the run is `interrupted`, the
 *   process exits 143 by itself (not by the shutdown deadline), and `--resume` asks again and completes it;
 * - it is never answered and nothing else is left to do: the stalled-run watchdog finds the run stalled, counts
 *   it, and (as in `serve`) stops it as `interrupted`; a resume completes it.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { harvestCommand } from "../../src/commands/harvest.js";
import { loadConfig } from "../../src/config.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { watchHarvest } from "../../src/ops/watchdog.js";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { silentProgress } from "../../src/pipeline/progress.js";
import { apiOnlyDataset } from "../../src/replay/dataset.js";
import { startReplayUpstreams, type ReplayUpstreams } from "../../src/replay/upstreams.js";
import { DETAILS_APPENDS } from "../../src/sources/tmdb/tmdb.js";
import { builtEntry } from "../helpers/built-entry.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { startFaultUpstream, type FaultRule, type FaultUpstream } from "../helpers/fault-upstream.js";

const root = path.resolve(import.meta.dirname, "../..");
/** The compiled entry point, what the image runs (its memory is what the budget is about, without a TS loader). */
let entry: string;
const PAGES = 2;
const SERIES = DEMO_CATALOGUE.slice(0, PAGES * 20);
const RETRIES = 2;
const TMDB_KEY = "tmdb-bounded-suite-key";
/** The memory budget of a harvest (issue 17): peak RSS at most 250 MB. */
const RSS_BUDGET_BYTES = 250 * 1000 * 1000;

const target = SERIES[5]!;
const detailsRule = (fault: FaultRule["fault"]): FaultRule => ({
  path: `/3/tv/${target.tmdbId}`,
  query: { append_to_response: DETAILS_APPENDS.join(",") },
  fault,
});
/** Requests for the target's details that reached the fault server. */
const detailsAsked = (tmdb: FaultUpstream) => tmdb.requests.filter((r) => r.path === `/3/tv/${target.tmdbId}`).length;

let upstreams: ReplayUpstreams;
const opened: { close(): Promise<void> }[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  entry = builtEntry();
  upstreams = await startReplayUpstreams(apiOnlyDataset(DEMO_CATALOGUE), { tmdbApiKey: TMDB_KEY });
});
afterAll(async () => {
  for (const o of opened.splice(0)) await o.close();
  await upstreams?.close();
  for (const db of databases) await db.drop();
});

async function faultyTmdb(rules: FaultRule[]): Promise<FaultUpstream> {
  const tmdb = await startFaultUpstream({ target: upstreams.tmdb.url, rules });
  opened.push(tmdb);
  return tmdb;
}

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

/** The environment of a harvest against `tmdb` into `db`. */
function harvestEnv(tmdb: FaultUpstream, db: TestDatabase, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    TMDB_API_URL: `${tmdb.url}/3`,
    TMDB_API_KEY: TMDB_KEY,
    TMDB_REQUESTS_PER_SECOND: "500",
    HTTP_BACKOFF_BASE_MS: "20",
    HTTP_BACKOFF_MAX_MS: "200",
    HTTP_MAX_RETRIES: String(RETRIES),
    LOG_LEVEL: "warn",
    ...env,
  };
}

async function inProcessApp(env: Record<string, string>): Promise<App> {
  const app = await createApp(loadConfig(env), { logDestination: new Writable({ write: (_c, _e, cb) => cb() }) });
  opened.push({ close: () => app.close() });
  return app;
}

const seriesIds = async (db: TestDatabase) =>
  (await db.query<{ series_id: number }>("SELECT series_id FROM series_dim ORDER BY series_id")).map((r) => r.series_id);
const quarantine = (db: TestDatabase) =>
  db.query("SELECT source, upstream_key, kind, reason, payload IS NULL AS no_payload FROM quarantine ORDER BY source, upstream_key");
const runs = (db: TestDatabase) => db.query<{ status: string }>("SELECT status::text FROM harvest_run ORDER BY run_id");
const allIds = SERIES.map((s) => s.tmdbId).sort((a, b) => a - b);
const othersIds = allIds.filter((id) => id !== target.tmdbId);

async function counter(app: App, name: string): Promise<number> {
  const metric = await app.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

/** `tv-harvester harvest …` in a child process (dist/main.js), its peak RSS written to a file by the child itself. */
function harvestProcess(args: string[], env: Record<string, string>) {
  const rssFile = path.join(mkdtempSync(path.join(tmpdir(), "bounded-")), "max-rss");
  const child = spawn(process.execPath, ["--import", "./test/helpers/max-rss.mjs", entry, "harvest", ...args], {
    cwd: root,
    env: { PATH: process.env["PATH"], ...env, MAX_RSS_FILE: rssFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; maxRss: number }>((resolve) =>
    child.on("exit", (code) => resolve({ code, maxRss: Number(readFileSync(rssFile, "utf8")) })),
  );
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const HARVEST_ARGS = ["--max-pages", String(PAGES), "--no-omdb", "--no-scrape"];

describe("bounded: one stalled or oversized answer never hangs or sinks a run", () => {
  it(
    "a details body that trickles past the deadline: a timeout, retried, counted, quarantined; the 39 others load",
    { timeout: 120_000 },
    async () => {
      const tmdb = await faultyTmdb([detailsRule({ kind: "trickle", intervalMs: 200 })]);
      const db = await database();
      // The socket is never idle for 30 s (a byte every 200 ms): only the deadline of the whole answer ends it.
      const app = await inProcessApp(harvestEnv(tmdb, db, { HTTP_TIMEOUT_SECONDS: "30", HTTP_DEADLINE_SECONDS_TMDB: "3" }));
      const io = { stdout: () => undefined, stderr: () => undefined, interactive: false };
      const exit = await harvestCommand(app, { maxPages: PAGES, omdb: false, scrape: false, resume: false }, io, "test");
      expect(exit, JSON.stringify(await db.query("SELECT status, error FROM harvest_run"))).toBe(0);
      expect(await runs(db)).toEqual([{ status: "succeeded" }]);
      expect(await seriesIds(db)).toEqual(othersIds);
      expect(await quarantine(db)).toEqual([
        { source: "tmdb_series", upstream_key: `tv/${target.tmdbId}`, kind: "rejected", reason: "upstream_error", no_payload: true },
      ]);
      expect(detailsAsked(tmdb)).toBe(1 + RETRIES);
      // Its three attempts at least (on a loaded machine another answer may miss the 3 s deadline too, and be retried).
      expect(await counter(app, "tv_harvester_http_timeouts_total")).toBeGreaterThanOrEqual(1 + RETRIES);
    },
  );

  it(
    "a 100 MB details body: refused at the cap while it streams, quarantined as oversized_body, the process within its memory budget",
    { timeout: 180_000 },
    async () => {
      const tmdb = await faultyTmdb([detailsRule({ kind: "oversized", bytes: 100_000_000 })]);
      const db = await database();
      const run = harvestProcess(HARVEST_ARGS, harvestEnv(tmdb, db));
      const { code, maxRss } = await run.exited;
      expect(code, run.output().stderr).toBe(0);
      expect(run.output().stdout).toMatch(/SUCCEEDED, 1 series lost/);
      expect(maxRss).toBeGreaterThan(0);
      expect(maxRss).toBeLessThanOrEqual(RSS_BUDGET_BYTES);
      expect(await seriesIds(db)).toEqual(othersIds);
      // Refused once (the same request gets the same answer), and nothing of its body kept anywhere.
      expect(detailsAsked(tmdb)).toBe(1);
      expect(await quarantine(db)).toEqual([
        { source: "tmdb_series", upstream_key: `tv/${target.tmdbId}`, kind: "schema_drift", reason: "oversized_body", no_payload: true },
      ]);
      const [staged] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM upstream_answer WHERE request_key = $1", [
        `tv/${target.tmdbId}`,
      ]);
      expect(staged?.n).toBe(0);
    },
  );

  it(
    "SIGTERM while a request is stalled: aborted at once, the run interrupted, exit 143 before the shutdown deadline; --resume completes it",
    { timeout: 180_000 },
    async () => {
      const tmdb = await faultyTmdb([detailsRule({ kind: "timeout" })]);
      const db = await database();
      // The request would be held for ten minutes; the writes in flight get 60 s after the signal.
      const env = harvestEnv(tmdb, db, { HTTP_DEADLINE_SECONDS_TMDB: "600", SHUTDOWN_DEADLINE_SECONDS: "60" });
      const run = harvestProcess(HARVEST_ARGS, env);
      // Genres, two listing pages and the 40 details requests have reached the server: only the stalled one is open.
      await until(() => tmdb.count() >= 1 + PAGES + SERIES.length || run.child.exitCode !== null, "every details request");
      run.child.kill("SIGTERM");
      const { code } = await run.exited;
      const { stdout, stderr } = run.output();
      expect(code, stderr).toBe(143);
      expect(stdout).toMatch(/Harvest run 1: INTERRUPTED/);
      // Stopped by itself, not by the shutdown deadline.
      expect(stderr).not.toMatch(/shutdown deadline/);
      expect(stderr).toMatch(/continue it with: tv-harvester harvest --resume/);
      expect(await runs(db)).toEqual([{ status: "interrupted" }]);
      // The aborted request is no failure of the upstream: nothing quarantined, the series not yet loaded.
      expect(await quarantine(db)).toEqual([]);
      expect(await seriesIds(db)).not.toContain(target.tmdbId);

      tmdb.setRules([]);
      const resume = harvestProcess(["--resume"], env);
      const resumed = await resume.exited;
      expect(resumed.code, resume.output().stderr).toBe(0);
      expect(await runs(db)).toEqual([{ status: "succeeded" }]);
      expect(await seriesIds(db)).toEqual(allIds);
      expect(await quarantine(db)).toEqual([]);
      // Asked again by the resume (its answer had not been kept).
      expect(detailsAsked(tmdb)).toBe(2);
    },
  );

  it(
    "the watchdog: a run with no progress is found stalled, counted, and (as in serve) stopped as interrupted; a resume completes it",
    { timeout: 120_000 },
    async () => {
      const tmdb = await faultyTmdb([detailsRule({ kind: "timeout" })]);
      const db = await database();
      const app = await inProcessApp(harvestEnv(tmdb, db, { HTTP_DEADLINE_SECONDS_TMDB: "600", HARVEST_STALL_SECONDS: "1" }));
      const options = { maxPages: PAGES, omdb: false, scrape: false, trigger: "schedule" } as const;
      const watch = { stallAfterMs: app.config.stallAfterMs, stopOnStall: true, progress: silentProgress, checkEveryMs: 100 };
      const stalled = await watchHarvest(app, watch, (w) => runHarvest(app, { ...options, progress: w.progress, signal: w.signal }));
      expect(stalled.status).toBe("interrupted");
      expect(await counter(app, "tv_harvester_harvest_stalls_total")).toBe(1);
      // No harvest runs: the last-progress gauge is not exported, the stalled gauge reads 0.
      expect(app.metrics.registry.getSingleMetric("tv_harvester_harvest_last_progress_timestamp_seconds")).toBeUndefined();
      expect(await counter(app, "tv_harvester_harvest_stalled")).toBe(0);
      expect(await seriesIds(db)).toEqual(othersIds);
      expect(await quarantine(db)).toEqual([]);

      tmdb.setRules([]);
      const resumed = await watchHarvest(app, watch, (w) => runHarvest(app, { ...options, resume: true, progress: w.progress, signal: w.signal }));
      expect(resumed.status).toBe("succeeded");
      expect(await counter(app, "tv_harvester_harvest_stalls_total")).toBe(1);
      expect(await seriesIds(db)).toEqual(allIds);
      expect(detailsAsked(tmdb)).toBe(2);
    },
  );
});
