/**
 * Real signals on real processes running the compiled entry point (dist/main.js, what the image runs):
 * SIGINT / SIGTERM during a harvest stop it cleanly (exit 130 / 143, one line saying how to continue, the run
 * `interrupted`), `harvest --resume` then finishes it with the same tables as an uninterrupted run, a second
 * Ctrl-C quits at once, and `serve` interrupts the harvest it is running the same way.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { apiOnlyDataset } from "../../src/replay/dataset.js";
import { startReplayUpstreams, type ReplayUpstreams } from "../../src/replay/upstreams.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { builtEntry } from "../helpers/built-entry.js";
import { freePort } from "../helpers/free-port.js";

const root = path.resolve(import.meta.dirname, "../..");
let entry: string;
let upstreams: ReplayUpstreams;
const databases: TestDatabase[] = [];

beforeAll(async () => {
  entry = builtEntry();
  upstreams = await startReplayUpstreams(apiOnlyDataset(DEMO_CATALOGUE));
});
afterAll(async () => {
  await upstreams?.close();
  for (const db of databases) await db.drop();
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

/** A running CLI process: its output so far, its exit code once it ends. */
function start(args: string[], env: Record<string, string>, on: ReplayUpstreams = upstreams) {
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, ...on.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The star schema and the analytics view, without run-time columns. */
async function tables(db: TestDatabase) {
  return {
    series: await db.query(`SELECT series_id, title, first_air_date, status, imdb_id, number_of_seasons FROM series_dim ORDER BY series_id`),
    genres: await db.query(`SELECT * FROM series_genre ORDER BY series_id, genre_id`),
    networks: await db.query(`SELECT * FROM series_network ORDER BY series_id, network_id`),
    facts: await db.query(`SELECT run_id, series_id, source_key, score::text, vote_count FROM rating_fact ORDER BY series_id, source_key`),
    analytics: await db.query(`SELECT series_id, title, imdb_rating::text, imdb_votes FROM analytics.series_ratings ORDER BY series_id`),
    runs: await db.query(`SELECT run_id, status::text, series_listed, series_loaded, facts_written FROM harvest_run ORDER BY run_id`),
  };
}

const HARVEST = ["harvest", "--max-pages", "2", "--no-scrape"];
// Slow enough that the details stage is still running when the signal comes.
const SLOW = { TMDB_REQUESTS_PER_SECOND: "15", OMDB_REQUESTS_PER_SECOND: "50" };

describe("signals during a harvest (real process, compiled entry point)", () => {
  let reference: Awaited<ReturnType<typeof tables>>;

  it("runs harvest from dist/ against the replay", async () => {
    const db = await database();
    const run = start(HARVEST, { DATABASE_URL: db.url, OMDB_REQUESTS_PER_SECOND: "200", TMDB_REQUESTS_PER_SECOND: "200" });
    const { code } = await run.exited;
    expect(code, run.output().stderr).toBe(0);
    expect(run.output().stdout).toMatch(/Harvest run 1: SUCCEEDED/);
    reference = await tables(db);
  });

  it.each([
    { signal: "SIGINT" as const, code: 130 },
    { signal: "SIGTERM" as const, code: 143 },
  ])("$signal stops it cleanly (exit $code), says how to continue, and --resume finishes it like an uninterrupted run", async ({ signal, code }) => {
    const db = await database();
    const seen = upstreams.tmdb.count();
    const run = start(HARVEST, { DATABASE_URL: db.url, ...SLOW });
    await until(() => upstreams.tmdb.count() - seen >= 18 || run.child.exitCode !== null, "the details stage");
    run.child.kill(signal);
    const exit = await run.exited;
    const { stdout, stderr } = run.output();
    expect(exit.code, stderr).toBe(code);
    expect(stderr.match(/continue it with: tv-harvester harvest --resume/g)).toHaveLength(1);
    expect(stdout).toMatch(/Harvest run 1: INTERRUPTED/);
    const [row] = await db.query<{ status: string; series_listed: number }>(`SELECT status::text, series_listed FROM harvest_run`);
    expect(row).toEqual({ status: "interrupted", series_listed: 40 });

    const resume = start(["harvest", "--resume"], { DATABASE_URL: db.url, OMDB_REQUESTS_PER_SECOND: "200", TMDB_REQUESTS_PER_SECOND: "200" });
    expect((await resume.exited).code, resume.output().stderr).toBe(0);
    expect(await tables(db)).toEqual(reference);
  });

  it("a second Ctrl-C quits at once, leaving the run to be resumed", async () => {
    // Answers take 1.5 s: the first Ctrl-C comes while requests are in flight.
    const slow = await startReplayUpstreams(apiOnlyDataset(DEMO_CATALOGUE), { latencyMs: 1500 });
    try {
      const db = await database();
      const run = start(HARVEST, { DATABASE_URL: db.url, ...SLOW }, slow);
      await until(() => slow.tmdb.count() >= 18 || run.child.exitCode !== null, "the details stage");
      run.child.kill("SIGINT");
      // Two signals sent at once may reach the process as one: the second goes once the first was seen.
      await until(() => run.output().stderr.includes("SIGINT: requests in flight aborted"), "the first SIGINT's message");
      run.child.kill("SIGINT");
      const exit = await run.exited;
      expect(exit.code, run.output().stderr).toBe(130);
      // The first signal aborts the requests in flight at once (issue 17), so the run may already be marked
      // `interrupted` when the second arrives (even while the second is being handled); if not, the second quits
      // without waiting and the row is as a crash leaves it. Either way --resume picks it up.
      const [row] = await db.query<{ status: string }>(`SELECT status::text FROM harvest_run`);
      if (run.output().stderr.includes("SIGINT again: quitting now")) expect(["running", "interrupted"]).toContain(row?.status);
      else expect(row).toEqual({ status: "interrupted" });
      const resume = start(["harvest", "--resume"], { DATABASE_URL: db.url, OMDB_REQUESTS_PER_SECOND: "200", TMDB_REQUESTS_PER_SECOND: "200" });
      expect((await resume.exited).code, resume.output().stderr).toBe(0);
      expect(await tables(db)).toEqual(reference);
    } finally {
      await slow.close();
    }
  });

  it("serve: SIGTERM during its harvest interrupts the run (exit 143)", async () => {
    const db = await database();
    const port = await freePort();
    const seen = upstreams.tmdb.count();
    const serve = start(["serve"], { DATABASE_URL: db.url, METRICS_PORT: String(port), HARVEST_SCHEDULE: "0 3 * * 1", ...SLOW });
    // No run yet: serve catches up the missed harvest at once.
    await until(() => upstreams.tmdb.count() - seen >= 18 || serve.child.exitCode !== null, "serve's catch-up harvest");
    serve.child.kill("SIGTERM");
    const exit = await serve.exited;
    expect(exit.code, serve.output().stderr).toBe(143);
    expect(await db.query(`SELECT status::text, trigger FROM harvest_run`)).toEqual([{ status: "interrupted", trigger: "schedule" }]);
  });
});
