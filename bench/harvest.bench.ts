/**
 * Benchmark (`npm run bench`): results go to stdout as Markdown and to bench/results.json; BENCHMARKS.md
 * records them with the machine and date. Nothing here is asserted by the tests.
 *
 * 1. Harvest of N synthetic series (default 2,000) from local TMDB and OMDb replays that enforce a rate
 *    limit (default 100 requests/second each, 429 beyond it) and add latency (default 50 ms). The bound is
 *    requests / limit per upstream, summed because the OMDb stage follows the details stage. Target: wall
 *    time ≤ 1.1 × bound, zero 429s.
 * 2. The load stage (dimensions, bridges and facts of those series through the Prisma loader) against a
 *    COPY of the same rows into the same tables. Target: ≤ 3 × COPY. Median of several fresh databases.
 * 3. Peak RSS of the harvesting process (the replays run in a child process).
 *
 * Usage: npm run bench -- [series] [latencyMs] [requestsPerSecond] [loadRepeats]
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { startEmbeddedPostgres } from "../src/db/embedded.js";
import { applyMigrations } from "../src/db/migrate.js";
import { createPrisma } from "../src/db/prisma.js";
import { TV_GENRES } from "../src/demo/catalogue.js";
import type { RatingObservation, SeriesRecord } from "../src/domain.js";
import { insertRatingFacts, upsertGenres, upsertSeries } from "../src/load/loader.js";
import { runHarvest } from "../src/pipeline/harvest.js";
import { omdbAnswer, syntheticSeeds, tmdbDetails } from "../src/replay/dataset.js";
import { classifyOmdbAnswer, toOmdbRatings } from "../src/sources/omdb/omdb.js";
import { parseSeriesDetails, toSeriesRecord, toTmdbRating } from "../src/sources/tmdb/tmdb.js";

const [seriesArg = "2000", latencyArg = "50", rateArg = "100", repeatsArg = "5"] = process.argv.slice(2);
const SERIES = Number(seriesArg);
const LATENCY_MS = Number(latencyArg);
const RATE = Number(rateArg);
const REPEATS = Number(repeatsArg);
const ROOT = path.resolve(import.meta.dirname, "..");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function startReplays(): Promise<{
  env: Record<string, string>;
  stop: () => Promise<{ tmdb: { requests: number; throttled: number }; omdb: { requests: number; throttled: number } }>;
  kill: () => void;
}> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/replay-upstreams.ts", String(SERIES), String(LATENCY_MS), String(RATE)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  const { env } = JSON.parse(String(first.value)) as { env: Record<string, string> };
  return {
    env,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
    stop: async () => {
      child.kill("SIGTERM");
      const counters = await iterator.next();
      return JSON.parse(String(counters.value));
    },
  };
}

/** The rows the harvest loads for the synthetic series, built with the pipeline's own parsers. */
function buildRecords(): { records: SeriesRecord[]; observations: RatingObservation[] } {
  const records: SeriesRecord[] = [];
  const observations: RatingObservation[] = [];
  for (const seed of syntheticSeeds(SERIES)) {
    const parsed = parseSeriesDetails(tmdbDetails(seed));
    if (!parsed.ok) throw new Error("synthetic details do not parse");
    records.push(toSeriesRecord(parsed.value));
    const tmdb = toTmdbRating(parsed.value);
    if (tmdb) observations.push(tmdb);
    const omdb = classifyOmdbAnswer(200, omdbAnswer(seed));
    if (omdb.kind === "found") observations.push(...toOmdbRatings(seed.tmdbId, omdb.title).observations);
  }
  return { records, observations };
}

const csv = (v: unknown): string => {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return csv(`{${v.map((x) => `"${String(x).replaceAll('"', '\\"')}"`).join(",")}}`);
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

async function copyRows(client: pg.Client, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN WITH (FORMAT csv)`));
  await new Promise<void>((resolve, reject) => {
    stream.on("finish", () => resolve());
    stream.on("error", reject);
    stream.end(rows.map((r) => r.map(csv).join(",")).join("\n") + "\n");
  });
}

/** A fresh migrated database; with `loadStage`, also the genre list and run 1, as the load stage finds them. */
async function freshDatabase(adminUrl: string, name: string, loadStage = true): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  if (!loadStage) return url.toString();
  const prisma = createPrisma(url.toString());
  await upsertGenres(prisma, TV_GENRES);
  await prisma.harvestRun.create({ data: { id: 1, status: "running" } });
  await prisma.$disconnect();
  return url.toString();
}

async function timeLoader(url: string, records: SeriesRecord[], observations: RatingObservation[]): Promise<number> {
  const prisma = createPrisma(url);
  await prisma.$queryRaw`SELECT 1`;
  const t = performance.now();
  await upsertSeries(prisma, 1, records);
  await insertRatingFacts(prisma, 1, observations);
  const ms = performance.now() - t;
  await prisma.$disconnect();
  return ms;
}

async function timeCopy(url: string, records: SeriesRecord[], observations: RatingObservation[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const networks = [...new Map(records.flatMap((r) => r.networks).map((n) => [n.id, n])).values()];
  const t = performance.now();
  await client.query("BEGIN");
  await copyRows(
    client,
    "series_dim",
    ["series_id", "title", "original_title", "first_air_date", "release_year", "last_air_date", "status", "series_type", "original_language", "origin_countries", "number_of_seasons", "number_of_episodes", "plot", "imdb_id", "tvdb_id", "wikidata_id", "popularity", "poster_path", "first_seen_run_id", "last_seen_run_id"],
    records.map((r) => [r.id, r.title, r.originalTitle, r.firstAirDate, r.releaseYear, r.lastAirDate, r.status, r.seriesType, r.originalLanguage, r.originCountries, r.numberOfSeasons, r.numberOfEpisodes, r.plot, r.imdbId, r.tvdbId, r.wikidataId, r.popularity, r.posterPath, 1, 1]),
  );
  await copyRows(client, "network_dim", ["network_id", "name", "origin_country", "logo_path"], networks.map((n) => [n.id, n.name, n.originCountry, n.logoPath]));
  await copyRows(client, "series_genre", ["series_id", "genre_id"], records.flatMap((r) => r.genres.map((g) => [r.id, g.id])));
  await copyRows(client, "series_network", ["series_id", "network_id", "position"], records.flatMap((r) => r.networks.map((n, i) => [r.id, n.id, i])));
  await copyRows(
    client,
    "rating_fact",
    ["run_id", "series_id", "source_key", "score", "vote_count", "vote_count_is_lower_bound", "grain", "method"],
    observations.map((o) => [1, o.seriesId, o.source, o.score, o.voteCount, o.voteCountIsLowerBound, o.grain, o.method]),
  );
  await client.query("COMMIT");
  const ms = performance.now() - t;
  await client.end();
  return ms;
}

const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-bench-"));
// The embedded server runs as the `postgres` user when we are root: it must be able to enter the directory.
chmodSync(dir, 0o755);
const port = 54000 + Math.floor(Math.random() * 900);
const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port, persistent: false });
const adminUrl = (() => {
  const u = new URL(db.url);
  u.pathname = "/postgres";
  return u.toString();
})();
try {
  // 1. Harvest against rate-limited, slow replays.
  const replays = await startReplays();
  // Never leave the replay process behind, whatever happens below.
  process.once("exit", () => replays.kill());
  const harvestUrl = await freshDatabase(adminUrl, "bench_harvest", false);
  const config = loadConfig({
    ...replays.env,
    DATABASE_URL: harvestUrl,
    TMDB_REQUESTS_PER_SECOND: String(RATE),
    OMDB_REQUESTS_PER_SECOND: String(RATE),
    TMDB_MAX_CONCURRENT: "20",
    OMDB_MAX_CONCURRENT: "20",
    OMDB_DAILY_BUDGET: String(SERIES * 2),
    LOG_LEVEL: "warn",
  });
  const app = await createApp(config);
  const rssBefore = process.memoryUsage().rss;
  const summary = await runHarvest(app, { scrape: false, trigger: "bench" });
  await app.close();
  const counters = await replays.stop();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  if (summary.status !== "succeeded") throw new Error(`harvest ${summary.status}: ${summary.error ?? ""}`);
  const tmdbRequests = summary.requests.tmdb?.requests ?? 0;
  const omdbRequests = summary.requests.omdb?.requests ?? 0;
  const boundSeconds = tmdbRequests / RATE + omdbRequests / RATE;
  const tmdbSeconds = (summary.stageSeconds.genres ?? 0) + (summary.stageSeconds.listing ?? 0) + (summary.stageSeconds.details ?? 0);
  const omdbSeconds = summary.stageSeconds.omdb ?? 0;

  // 2. Load stage vs COPY, on fresh databases.
  const { records, observations } = buildRecords();
  const loaderMs: number[] = [];
  const copyMs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    loaderMs.push(await timeLoader(await freshDatabase(adminUrl, "bench_load"), records, observations));
    copyMs.push(await timeCopy(await freshDatabase(adminUrl, "bench_copy"), records, observations));
  }

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    parameters: { series: SERIES, latencyMs: LATENCY_MS, requestsPerSecond: RATE, loadRepeats: REPEATS },
    harvest: {
      wallSeconds: summary.durationSeconds,
      boundSeconds,
      ratio: summary.durationSeconds / boundSeconds,
      tmdb: { requests: tmdbRequests, seconds: tmdbSeconds, boundSeconds: tmdbRequests / RATE, ratio: tmdbSeconds / (tmdbRequests / RATE) },
      omdb: { requests: omdbRequests, seconds: omdbSeconds, boundSeconds: omdbRequests / RATE, ratio: omdbSeconds / (omdbRequests / RATE) },
      throttled429: counters.tmdb.throttled + counters.omdb.throttled,
      seriesLoaded: summary.seriesLoaded,
      stageSeconds: summary.stageSeconds,
    },
    load: { rows: { series: records.length, facts: observations.length }, loaderMedianMs: median(loaderMs), copyMedianMs: median(copyMs), ratio: median(loaderMs) / median(copyMs), loaderMs, copyMs },
    memory: { peakRssMb: Math.round(peakRssMb), rssBeforeHarvestMb: Math.round(rssBefore / 2 ** 20) },
  };
  writeFileSync(path.join(ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const f = (n: number, d = 2) => n.toFixed(d);
  process.stdout.write(
    [
      `## ${results.date.slice(0, 10)} — ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}`,
      "",
      `Harvest of ${SERIES} synthetic series, upstreams limited to ${RATE} req/s each with ${LATENCY_MS} ms latency:`,
      "",
      "| measure | value | target |",
      "|---|---|---|",
      `| wall time (all stages) | ${f(results.harvest.wallSeconds)} s | |`,
      `| bound: TMDB ${tmdbRequests} + OMDb ${omdbRequests} requests / ${RATE} req/s | ${f(boundSeconds)} s | |`,
      `| **wall / bound** | **${f(results.harvest.ratio, 3)}** | ≤ 1.1 |`,
      `| TMDB stages / their bound | ${f(tmdbSeconds)} s / ${f(tmdbRequests / RATE)} s = ${f(results.harvest.tmdb.ratio, 3)} | |`,
      `| OMDb stage / its bound | ${f(omdbSeconds)} s / ${f(omdbRequests / RATE)} s = ${f(results.harvest.omdb.ratio, 3)} | |`,
      `| 429 answers | ${results.harvest.throttled429} | 0 |`,
      `| series loaded | ${summary.seriesLoaded} | ${SERIES} |`,
      `| load stage (Prisma loader), median of ${REPEATS} | ${f(results.load.loaderMedianMs, 0)} ms | |`,
      `| COPY of the same rows, median of ${REPEATS} | ${f(results.load.copyMedianMs, 0)} ms | |`,
      `| **loader / COPY** | **${f(results.load.ratio)}** | ≤ 3 |`,
      `| peak RSS of the harvesting process | ${results.memory.peakRssMb} MiB | |`,
      "",
    ].join("\n"),
  );
} finally {
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
