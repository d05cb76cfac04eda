/**
 * A run as a sequence of steps (src/pipeline/steps.ts): run one step per process (a new App each) to the same tables
 * as one harvest, refused out of order, the completed steps on the run row; and the refresh state that only a
 * published run advances.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEMO_CATALOGUE, TV_GENRES } from "../../src/demo/catalogue.js";
import { HARVEST_STEPS, runHarvest, runSteps, StepOrderError } from "../../src/pipeline/harvest.js";
import { HARVESTED_TABLES } from "../../src/load/statistics.js";
import { apiOnlyDataset, tmdbDetails, tmdbKey } from "../../src/replay/dataset.js";
import { startHarness, type Harness } from "../helpers/harness.js";
import { dumpTables } from "../helpers/table-dump.js";

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});
async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const h = await startHarness(apiOnlyDataset(DEMO_CATALOGUE), { env: { LOG_LEVEL: "silent", ...env } });
  harnesses.push(h);
  return h;
}

/** The demo catalogue's entry of a TMDB id. */
function seedOf(tmdbId: number) {
  const seed = DEMO_CATALOGUE.find((s) => s.tmdbId === tmdbId);
  if (!seed) throw new Error(`no demo series ${tmdbId}`);
  return seed;
}

const NOW = new Date("2026-11-23T03:00:00Z");
const DAY = 86_400_000;

describe("runSteps", () => {
  it("runs a harvest one step per process to the same tables as one harvest, and refuses a step out of order", async () => {
    const whole = await harness();
    expect((await runHarvest(await whole.newApp(() => NOW), { maxPages: 2, scrape: false })).status).toBe("succeeded");

    const stepwise = await harness();
    const first = await runSteps(await stepwise.newApp(() => NOW), { maxPages: 2, scrape: false, steps: ["listing"] });
    expect(first).toMatchObject({ status: "interrupted", stepsCompleted: ["listing"], seriesListed: 40, seriesLoaded: 0 });
    const { runId } = first;
    expect(await stepwise.db.query(`SELECT status::text, steps_completed FROM harvest_run`)).toEqual([
      { status: "interrupted", steps_completed: ["listing"] },
    ]);

    // OMDb before the details: refused, nothing asked, the run still resumable.
    await expect(runSteps(await stepwise.newApp(() => NOW), { runId, steps: ["omdb"] })).rejects.toBeInstanceOf(StepOrderError);
    expect(stepwise.upstreams.omdb.count()).toBe(0);

    for (const step of HARVEST_STEPS.slice(1)) {
      const summary = await runSteps(await stepwise.newApp(() => NOW), { runId, steps: [step] });
      expect(summary.stepsCompleted).toEqual(HARVEST_STEPS.slice(0, HARVEST_STEPS.indexOf(step) + 1));
      expect(summary.status).toBe(step === "publish" ? "succeeded" : "interrupted");
    }
    // Each answer was asked once: the steps re-use what the earlier ones kept.
    expect(stepwise.upstreams.tmdb.count()).toBe(whole.upstreams.tmdb.count());
    expect(stepwise.upstreams.omdb.count()).toBe(whole.upstreams.omdb.count());
    expect(await dumpTables(stepwise.db, { omdb_budget: ["requests_used"] })).toEqual(await dumpTables(whole.db, { omdb_budget: ["requests_used"] }));
  });
});

describe("the publish step", () => {
  it("analyses the run's tables before its expectations: the planner knows each table's rows, not a stale sample of them", async () => {
    const h = await harness();
    expect((await runHarvest(await h.newApp(() => NOW), { maxPages: 2, scrape: false })).status).toBe("succeeded");
    // reltuples is -1 for a table never analysed, and the count of its last ANALYZE otherwise (exact on tables this small).
    const counted = HARVESTED_TABLES.map((t) => `SELECT '${t}' AS name, (SELECT count(*) FROM ${t})::int AS n`).join(" UNION ALL ");
    const rows = await h.db.query<{ name: string; n: number; reltuples: number }>(
      `SELECT c.name, c.n, p.reltuples::int AS reltuples FROM (${counted}) c JOIN pg_class p ON p.oid = to_regclass(c.name) ORDER BY c.name`,
    );
    expect(rows.length).toBe(HARVESTED_TABLES.length);
    expect(rows.find((r) => r.name === "rating_fact")?.n).toBeGreaterThan(40);
    expect(rows.map((r) => ({ name: r.name, rows: r.reltuples }))).toEqual(rows.map((r) => ({ name: r.name, rows: r.n })));
  });

  it("publishes the names of genres and networks the run saw: a renamed network and genre are renamed in the views, a logo it lacked is kept", async () => {
    const h = await harness();
    const app = await h.newApp(() => NOW);
    expect((await runHarvest(app, { maxPages: 2, scrape: false })).status).toBe("succeeded");
    const seed = DEMO_CATALOGUE[0]!;
    const network = seed.networkIds[0]!;
    // TMDB renames a network in the details of every series it broadcasts.
    for (const other of DEMO_CATALOGUE.filter((s) => s.networkIds.includes(network))) {
      const details = tmdbDetails(other);
      const networks = z.array(z.object({ id: z.number() }).passthrough()).parse(details.networks);
      h.upstreams.tmdb.setRoute(tmdbKey.details(other.tmdbId), {
        body: { ...details, networks: networks.map((n) => (n.id === network ? { ...n, name: "Renamed Network", logo_path: null } : n)) },
      });
    }
    const genre = seed.genreIds[0]!;
    h.upstreams.tmdb.setRoute(tmdbKey.genres(), { body: { genres: TV_GENRES.map((g) => (g.id === genre ? { ...g, name: "Renamed Genre" } : g)) } });
    const renamed = await runHarvest(app, { maxPages: 2, scrape: false, full: true });
    expect(renamed.status).toBe("succeeded");
    const names = await h.db.query(
      `SELECT (SELECT name FROM network_dim WHERE network_id = $1) AS network, (SELECT logo_path IS NOT NULL FROM network_dim WHERE network_id = $1) AS logo,
              (SELECT name FROM genre_dim WHERE genre_id = $2) AS genre,
              (SELECT network FROM analytics.series_ratings WHERE series_id = $3) AS shown_network`,
      [network, genre, seed.tmdbId],
    );
    // A logo the run lacked keeps the one known.
    expect(names).toEqual([{ network: "Renamed Network", logo: true, genre: "Renamed Genre", shown_network: "Renamed Network" }]);
  });
});

describe("the refresh state", () => {
  const STATE_SQL = `SELECT series_id, source, status, last_attempt_at, last_success_at, miss_count, due_at, last_run_id
    FROM enrichment_state ORDER BY series_id, source`;

  it("advances only with a published run: a failed_quality run leaves every due time and outcome as it was", async () => {
    const h = await harness();
    let now = NOW;
    const app = await h.newApp(() => now);
    expect((await runHarvest(app, { maxPages: 2, scrape: false })).status).toBe("succeeded");
    const published = await h.db.query(STATE_SQL);
    expect(published.length).toBe(80); // TMDB and OMDb for 40 series

    // Two days later, every series asked again, but the details of 15 answer 404 (gone): the volume expectation fails.
    const gone = await h.db.query<{ series_id: number }>(`SELECT series_id FROM series_dim ORDER BY series_id LIMIT 15`);
    for (const { series_id } of gone) h.upstreams.tmdb.setRoute(tmdbKey.details(series_id), { status: 404, body: { status_code: 34 } });
    now = new Date(NOW.getTime() + 2 * DAY);
    const omdbBefore = h.upstreams.omdb.count();
    const failed = await runHarvest(app, { maxPages: 2, scrape: false, full: true });
    expect(failed).toMatchObject({ status: "failed_quality", seriesListed: 40, seriesLoaded: 25, seriesGone: 15, seriesLost: 0 });
    expect(h.upstreams.omdb.count() - omdbBefore).toBe(25);
    expect(await h.db.query(STATE_SQL)).toEqual(published);

    // The next published run moves its own outcomes in.
    for (const { series_id } of gone) h.upstreams.tmdb.setRoute(tmdbKey.details(series_id), { body: tmdbDetails(seedOf(series_id)) });
    now = new Date(NOW.getTime() + 3 * DAY);
    expect((await runHarvest(app, { maxPages: 2, scrape: false, full: true })).status).toBe("succeeded");
    const after = await h.db.query<{ last_attempt_at: Date; last_run_id: number }>(STATE_SQL);
    expect(new Set(after.map((r) => r.last_attempt_at.toISOString()))).toEqual(new Set([now.toISOString()]));
    expect(new Set(after.map((r) => r.last_run_id))).toEqual(new Set([3]));
    // The failed run's outcomes (25 details, 25 OMDb) are kept apart, never published.
    expect(await h.db.query(`SELECT run_id, count(*)::int AS n FROM enrichment_outcome GROUP BY run_id`)).toEqual([{ run_id: 2, n: 50 }]);
  });
});

describe("a value once known", () => {
  const VIEWS = {
    plot: `SELECT series_id, plot FROM analytics.series_profile ORDER BY series_id`,
    genres: `SELECT series_id, genre_id FROM analytics.series_genres ORDER BY series_id, genre_id`,
    networks: `SELECT series_id, network_id, position FROM analytics.series_networks ORDER BY series_id, network_id`,
  };

  it("is kept with its age when a week's details lack it: the plot, genres and networks of two series stay in the views", async () => {
    const h = await harness();
    let now = NOW;
    const app = await h.newApp(() => now);
    expect((await runHarvest(app, { maxPages: 2, scrape: false })).status).toBe("succeeded");
    const before = { plot: await h.db.query(VIEWS.plot), genres: await h.db.query(VIEWS.genres), networks: await h.db.query(VIEWS.networks) };
    const lacking = DEMO_CATALOGUE.slice(0, 2);
    for (const seed of lacking) {
      const { overview: _overview, ...details } = tmdbDetails(seed);
      h.upstreams.tmdb.setRoute(tmdbKey.details(seed.tmdbId), { body: { ...details, genres: [], networks: [] } });
    }

    now = new Date(NOW.getTime() + 7 * DAY);
    const week = await runHarvest(app, { maxPages: 2, scrape: false, full: true });
    expect(week).toMatchObject({ status: "succeeded", seriesLoaded: 40, keptValues: { plot: 2, genres: 2, networks: 2 } });
    expect(await h.db.query(VIEWS.plot)).toEqual(before.plot);
    expect(await h.db.query(VIEWS.genres)).toEqual(before.genres);
    expect(await h.db.query(VIEWS.networks)).toEqual(before.networks);
    // The kept values keep their age: the run that last saw them.
    const kept = await h.db.query(`SELECT series_id, kept_from FROM series_version WHERE run_id = 2 AND kept_from <> '{}' ORDER BY series_id`);
    expect(kept).toEqual(
      lacking.map((s) => ({ series_id: s.tmdbId, kept_from: { plot: 1, genres: 1, networks: 1 } })).sort((a, b) => a.series_id - b.series_id),
    );

    // Another week without them: still kept, still from run 1.
    now = new Date(NOW.getTime() + 14 * DAY);
    expect((await runHarvest(app, { maxPages: 2, scrape: false, full: true })).keptValues).toEqual({ plot: 2, genres: 2, networks: 2 });
    expect(await h.db.query(VIEWS.plot)).toEqual(before.plot);
    expect(
      new Set(
        (await h.db.query(`SELECT kept_from FROM series_version WHERE run_id = 3 AND kept_from <> '{}'`)).map((r) => JSON.stringify(r.kept_from)),
      ),
    ).toEqual(new Set([JSON.stringify({ plot: 1, genres: 1, networks: 1 })]));
  });
});
