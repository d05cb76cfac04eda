/**
 * Incremental-harvest benchmark (`npm run bench:incremental`; issue 11): request counts per upstream of a first harvest
 * of N synthetic series (default 2,000), of a second harvest minutes later with nothing changed upstream, and of a
 * third with 2 % of the series in TMDB's `/tv/changes` (their details changed). In-process replays (no latency, no rate
 * limit: this measures requests, not time) and an embedded PostgreSQL; without the ratings sites. Markdown to stdout,
 * JSON to bench/incremental-results.json. Targets: second run ≤ 10 % of the first's requests per upstream and in
 * total (5 % aimed at); the third fetches again exactly the changed series.
 *
 * Usage: npm run bench:incremental -- [series]
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { startEmbeddedPostgres } from "../src/db/embedded.js";
import { runHarvest, type HarvestSummary } from "../src/pipeline/harvest.js";
import { syntheticSeeds, tmdbDetails, tmdbKey, type ReplayDataset, apiOnlyDataset } from "../src/replay/dataset.js";
import { startReplayUpstreams } from "../src/replay/upstreams.js";

const SERIES = Number(process.argv[2] ?? "2000");
const CHANGED_SHARE = 0.02;
const UPSTREAMS = ["tmdb", "omdb"] as const;

const seeds = syntheticSeeds(SERIES);
const dataset: ReplayDataset = apiOnlyDataset(seeds);
const upstreams = await startReplayUpstreams(dataset);
const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-bench-inc-"));
// The embedded server runs as the `postgres` user when we are root: it must be able to enter the directory.
chmodSync(dir, 0o755);
const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: 55000 + Math.floor(Math.random() * 900), persistent: false });

let now = new Date();
const config = loadConfig({
  DATABASE_URL: db.url,
  ...upstreams.env,
  TMDB_REQUESTS_PER_SECOND: "2000",
  OMDB_REQUESTS_PER_SECOND: "2000",
  OMDB_DAILY_BUDGET: String(SERIES * 4),
  LOG_LEVEL: "warn",
});
const app = await createApp(config, { now: () => now });

type Counts = Record<(typeof UPSTREAMS)[number] | "details" | "total", number>;
const counted = (): Counts => {
  const tmdb = upstreams.tmdb.count();
  const omdb = upstreams.omdb.count();
  const details = upstreams.tmdb.requests.filter((r) => /^\/3\/tv\/\d+/.test(r.key)).length;
  return { tmdb, omdb, details, total: tmdb + omdb };
};
const minus = (a: Counts, b: Counts): Counts => ({
  tmdb: a.tmdb - b.tmdb,
  omdb: a.omdb - b.omdb,
  details: a.details - b.details,
  total: a.total - b.total,
});

async function run(label: string): Promise<{ label: string; requests: Counts; summary: HarvestSummary }> {
  const before = counted();
  const summary = await runHarvest(app, { scrape: false, trigger: "bench" });
  if (summary.status !== "succeeded") throw new Error(`${label}: run ${summary.status} ${summary.error ?? ""}`);
  return { label, requests: minus(counted(), before), summary };
}

try {
  process.stderr.write(`bench:incremental: ${SERIES} series …\n`);
  const first = await run("first (full)");
  now = new Date(now.getTime() + 10 * 60_000);
  const second = await run("second, unchanged");
  const changed = seeds.filter((_, i) => i % Math.round(1 / CHANGED_SHARE) === 0).map((s) => s.tmdbId);
  dataset.tmdbChanges = changed;
  for (const id of changed) {
    const seed = seeds.find((s) => s.tmdbId === id);
    if (seed) upstreams.tmdb.setRoute(tmdbKey.details(id), { body: { ...tmdbDetails(seed), name: `${seed.title} (renamed)` } });
  }
  now = new Date(now.getTime() + 10 * 60_000);
  const third = await run(`third, ${changed.length} changed`);

  const ratio = (n: number, d: number) => (d === 0 ? 0 : n / d);
  const rows = [first, second, third];
  const lines = [
    `Incremental harvests, ${SERIES} synthetic series (no ratings sites), ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs, Node ${process.version}`,
    "",
    "| run | kind | TMDB requests | of which details | OMDb requests | total | total / first run |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.summary.refresh?.kind ?? "?"} | ${r.requests.tmdb} (${(ratio(r.requests.tmdb, first.requests.tmdb) * 100).toFixed(1)} %) | ${r.requests.details} | ${r.requests.omdb} (${(ratio(r.requests.omdb, first.requests.omdb) * 100).toFixed(1)} %) | ${r.requests.total} | ${(ratio(r.requests.total, first.requests.total) * 100).toFixed(1)} % |`,
    ),
  ];
  const secondOk =
    UPSTREAMS.every((u) => ratio(second.requests[u], first.requests[u]) <= 0.1) && ratio(second.requests.total, first.requests.total) <= 0.1;
  const thirdOk = third.requests.details === changed.length;
  lines.push(
    "",
    `second run ≤ 10 % per upstream and in total: ${secondOk ? "yes" : "NO"}; third run fetched exactly the ${changed.length} changed series' details: ${thirdOk ? "yes" : "NO"}`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  writeFileSync(
    path.join(import.meta.dirname, "incremental-results.json"),
    `${JSON.stringify({ date: new Date().toISOString(), series: SERIES, changed: changed.length, runs: rows.map((r) => ({ label: r.label, refresh: r.summary.refresh, requests: r.requests })), secondOk, thirdOk }, null, 2)}\n`,
  );
  if (!secondOk || !thirdOk) process.exitCode = 1;
} finally {
  await app.close();
  await upstreams.close();
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
