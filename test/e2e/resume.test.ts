/**
 * A harvest killed midway (SIGKILL, as a crash or an OOM kill would) and resumed with `--resume` ends with
 * the same tables as an uninterrupted harvest, and asks the upstreams for nothing it had already staged.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { buildApiRoutes, omdbKey, tmdbKey, type ReplayDataset, noSiteRoutes } from "../../src/replay/dataset.js";
import { startReplayUpstreams, type ReplayUpstreams } from "../../src/replay/upstreams.js";
import { buildSiteRoutes } from "../../src/replay/sites.js";
import { builtEntry } from "../helpers/built-entry.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function dataset(withSites = false): ReplayDataset {
  const sites = withSites ? buildSiteRoutes(DEMO_CATALOGUE) : noSiteRoutes();
  return { ...buildApiRoutes(DEMO_CATALOGUE), ...sites };
}

/** No browser in these runs: the replayed pages are static. */
const NO_BROWSER = { PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: "/nonexistent/chromium" };
/**
 * The in-process runs (uninterrupted and resumed) ask the replays at their pace, not the real upstreams' (TMDB 40,
 * OMDb 10 a second); only the killed processes are slowed, by their own `env`, so that the kill lands mid-stage.
 */
const FAST_UPSTREAMS = { TMDB_REQUESTS_PER_SECOND: "500", OMDB_REQUESTS_PER_SECOND: "500", SCRAPE_REQUESTS_PER_SECOND: "200" };

/** The replay route key a staged request key corresponds to. */
function routeOf(upstream: string, key: string): string {
  if (upstream === "omdb") return omdbKey(key.replace(/^i=/, ""));
  if (upstream === "rottentomatoes" || upstream === "metacritic") return key.replace(/^page:/, "");
  const details = /^tv\/(\d+)$/.exec(key);
  return details ? tmdbKey.details(Number(details[1])) : `/3/${key}`;
}

/** Tables of the star schema, without run-time columns (timestamps). */
async function snapshot(db: TestDatabase) {
  return {
    series: await db.query(
      `SELECT series_id, title, original_title, first_air_date, release_year, status, original_language, origin_countries, number_of_seasons, number_of_episodes, plot, imdb_id, tvdb_id, wikidata_id, popularity FROM series_dim ORDER BY series_id`,
    ),
    genres: await db.query(`SELECT * FROM genre_dim ORDER BY genre_id`),
    networks: await db.query(`SELECT * FROM network_dim ORDER BY network_id`),
    seriesGenre: await db.query(`SELECT * FROM series_genre ORDER BY series_id, genre_id`),
    seriesNetwork: await db.query(`SELECT * FROM series_network ORDER BY series_id, network_id`),
    facts: await db.query(
      `SELECT run_id, series_id, source_key, score::text, vote_count, grain, method FROM rating_fact ORDER BY series_id, source_key`,
    ),
    analytics: await db.query(
      `SELECT series_id, title, genres, network, tmdb_score::text, tmdb_votes, imdb_rating::text, imdb_votes FROM analytics.series_ratings ORDER BY series_id`,
    ),
  };
}

/** The run row's counts (facts, series, quarantine) and what the sites' stage recorded per series. */
async function runRecords(db: TestDatabase) {
  return {
    counts: await db.query(`SELECT run_id, status::text, series_listed, series_loaded, facts_written, quarantined FROM harvest_run ORDER BY run_id`),
    summaryFacts: await db.query(
      `SELECT summary->'ratingsBySource' AS by_source, summary->'rowsWritten'->'rating_fact' AS facts FROM harvest_run ORDER BY run_id`,
    ),
    enrichment: await db.query(`SELECT series_id, source, status, detail FROM enrichment_state ORDER BY series_id, source`),
    // The replays' ports differ between environments: the page path is what must match.
    pages: await db.query(
      `SELECT series_id, site, regexp_replace(url, '^http://[^/]+', '') AS path, method FROM rating_page ORDER BY series_id, site`,
    ),
  };
}

async function harvestKilledWhen(upstreams: ReplayUpstreams, db: TestDatabase, env: Record<string, string>, killWhen: () => boolean, scrape = false) {
  const args = [builtEntry(), "harvest", "--max-pages", "2", ...(scrape ? [] : ["--no-scrape"])];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...upstreams.env, DATABASE_URL: db.url, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!killWhen()) {
    if (Date.now() > deadline) throw new Error(`the harvest never reached the kill point: ${stderr}`);
    if (child.exitCode !== null) throw new Error(`the harvest ended before the kill point (exit ${child.exitCode}): ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  await exited;
}

/** Replays and a fresh database, closed after the file; `app(env)` builds an App on both. */
async function environment(withSites = false) {
  const upstreams = await startReplayUpstreams(dataset(withSites));
  const db = await createTestDatabase();
  const apps: App[] = [];
  cleanups.push(async () => {
    for (const a of apps) await a.close();
    await upstreams.close();
    await db.drop();
  });
  const app = async (env: Record<string, string> = {}) => {
    const created = await createApp(
      loadConfig({ ...upstreams.env, DATABASE_URL: db.url, LOG_LEVEL: "silent", ...NO_BROWSER, ...FAST_UPSTREAMS, ...env }),
    );
    apps.push(created);
    return created;
  };
  return { upstreams, db, app };
}

async function uninterruptedSnapshot(scrape = false) {
  const { db, app } = await environment(scrape);
  const summary = await runHarvest(await app(), { maxPages: 2, scrape });
  expect(summary.status).toBe("succeeded");
  referenceRecords[scrape ? "scrape" : "noScrape"] = await runRecords(db);
  return snapshot(db);
}

/** {@link runRecords} of the uninterrupted runs, with and without the sites. */
const referenceRecords: Partial<Record<"scrape" | "noScrape", Awaited<ReturnType<typeof runRecords>>>> = {};

describe("harvest --resume", () => {
  let reference: Awaited<ReturnType<typeof snapshot>>;

  it.each<{ stage: string; env: Record<string, string>; kill: (u: ReplayUpstreams) => boolean }>([
    { stage: "details", env: { TMDB_REQUESTS_PER_SECOND: "15" }, kill: (u: ReplayUpstreams) => u.tmdb.count() >= 18 },
    { stage: "omdb", env: { OMDB_REQUESTS_PER_SECOND: "8", OMDB_MAX_CONCURRENT: "2" }, kill: (u: ReplayUpstreams) => u.omdb.count() >= 12 },
  ])("resumes a harvest killed during the $stage stage to the same tables, re-asking nothing it had", async ({ env, kill }) => {
    reference ??= await uninterruptedSnapshot();
    const { upstreams, db, app } = await environment();

    await harvestKilledWhen(upstreams, db, env, () => kill(upstreams));
    expect(await db.query(`SELECT run_id, status::text FROM harvest_run`)).toEqual([{ run_id: 1, status: "running" }]);
    const staged = await db.query<{ upstream: string; request_key: string }>(`SELECT upstream, request_key FROM upstream_answer`);
    expect(staged.length).toBeGreaterThan(5);
    const stagedRoutes = new Set(staged.map((s) => `${s.upstream} ${routeOf(s.upstream, s.request_key)}`));
    const seenBefore = { tmdb: upstreams.tmdb.requests.length, omdb: upstreams.omdb.requests.length };

    const summary = await runHarvest(await app(), { resume: true });
    expect(summary).toMatchObject({ runId: 1, status: "succeeded", resumed: true, seriesLoaded: 40 });
    expect(summary.reusedFromStage).toBe(staged.length);

    const askedAgain = [
      ...upstreams.tmdb.requests.slice(seenBefore.tmdb).map((r) => `tmdb ${r.key}`),
      ...upstreams.omdb.requests.slice(seenBefore.omdb).map((r) => `omdb ${r.key}`),
    ];
    expect(askedAgain.filter((k) => stagedRoutes.has(k))).toEqual([]);
    // Everything not staged was asked exactly once by the resumed run: 43 TMDB + 40 OMDb answers in all.
    expect(askedAgain.length).toBe(43 + 40 - staged.length);
    expect(await snapshot(db)).toEqual(reference);
    expect(await db.query(`SELECT status::text, resume_count FROM harvest_run`)).toEqual([{ status: "succeeded", resume_count: 1 }]);
    // The run's counts are those of every attempt (facts of the killed attempt included), as uninterrupted.
    expect(await runRecords(db)).toEqual(referenceRecords.noScrape);
  });

  it("stops a harvest whose signal aborts during details as interrupted, and resumes it to the same tables", async () => {
    reference ??= await uninterruptedSnapshot();
    const { upstreams, db, app } = await environment();
    const controller = new AbortController();
    // Abort once the details stage is under way (genres + 2 listing pages + 15 details answered), between two
    // requests: TMDB at 15 a second asks every ~66 ms and the replay answers at once, so 20 ms after the last
    // request its answer is in and the next is not sent yet (a signal aborts the requests in flight, whose
    // answers are then not kept; aborting the moment a request arrived raced its answer on a loaded machine).
    const watcher = setInterval(() => {
      const last = upstreams.tmdb.requests.at(-1);
      if (upstreams.tmdb.count() >= 18 && last !== undefined && Date.now() - last.at >= 20) controller.abort();
    }, 5);
    const interrupted = await runHarvest(await app({ TMDB_REQUESTS_PER_SECOND: "15", TMDB_MAX_CONCURRENT: "4" }), {
      maxPages: 2,
      scrape: false,
      signal: controller.signal,
    }).finally(() => clearInterval(watcher));
    expect(interrupted).toMatchObject({ runId: 1, status: "interrupted", seriesListed: 40 });
    // Series are loaded in batches as their details arrive: those checked before the stop are in.
    expect(interrupted.seriesLoaded).toBeLessThan(40);
    expect(interrupted.error).toBeUndefined();
    const [run] = await db.query<{ status: string; stage: string; series_listed: number }>(
      `SELECT status::text, stage, series_listed FROM harvest_run`,
    );
    expect(run).toEqual({ status: "interrupted", stage: "details", series_listed: 40 });
    // Every answer received before the stop was written: nothing asked is missing from the store.
    const asked = upstreams.tmdb.count();
    const staged = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM upstream_answer`);
    expect(staged[0]?.n).toBe(asked);
    expect(asked).toBeLessThan(43);

    const resumed = await runHarvest(await app(), { resume: true });
    expect(resumed).toMatchObject({ runId: 1, status: "succeeded", resumed: true, seriesLoaded: 40, reusedFromStage: asked });
    expect(upstreams.tmdb.count()).toBe(43);
    expect(await snapshot(db)).toEqual(reference);
    expect(await db.query(`SELECT status::text, resume_count FROM harvest_run`)).toEqual([{ status: "succeeded", resume_count: 1 }]);
  });

  it("resumes a harvest killed while scraping the ratings sites without fetching a staged page again", async () => {
    const reference = await uninterruptedSnapshot(true);
    const { upstreams, db, app } = await environment(true);
    const env = { ...NO_BROWSER, SCRAPE_REQUESTS_PER_SECOND: "8", OMDB_REQUESTS_PER_SECOND: "200", TMDB_REQUESTS_PER_SECOND: "200" };
    await harvestKilledWhen(upstreams, db, env, () => upstreams.rottentomatoes.count() >= 12, true);
    const staged = await db.query<{ upstream: string; request_key: string }>(
      `SELECT upstream, request_key FROM upstream_answer WHERE upstream IN ('rottentomatoes', 'metacritic')`,
    );
    expect(staged.length).toBeGreaterThan(5);
    const stagedRoutes = new Set(staged.map((s) => `${s.upstream} ${routeOf(s.upstream, s.request_key)}`));
    const seenBefore = { rottentomatoes: upstreams.rottentomatoes.requests.length, metacritic: upstreams.metacritic.requests.length };

    const summary = await runHarvest(await app(), { resume: true });
    expect(summary).toMatchObject({ runId: 1, status: "succeeded", resumed: true });
    const askedAgain = [
      ...upstreams.rottentomatoes.requests.slice(seenBefore.rottentomatoes).map((r) => `rottentomatoes ${r.key}`),
      ...upstreams.metacritic.requests.slice(seenBefore.metacritic).map((r) => `metacritic ${r.key}`),
    ];
    expect(askedAgain.length).toBeGreaterThan(0);
    expect(askedAgain.filter((k) => stagedRoutes.has(k))).toEqual([]);
    expect(await snapshot(db)).toEqual(reference);
    // Pages the killed attempt had resolved are resolved again (from its kept pages), not recorded as
    // "no page found; next try after 7 days"; counts and enrichment_state as uninterrupted.
    expect(await runRecords(db)).toEqual(referenceRecords.scrape);
  });

  it("refuses to resume when there is nothing to resume", async () => {
    const { app } = await environment();
    await expect(runHarvest(await app(), { resume: true })).rejects.toThrow(/nothing to resume/);
  });
});
