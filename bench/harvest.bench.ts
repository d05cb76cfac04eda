/**
 * Benchmark (`npm run bench`): results go to stdout as Markdown and to bench/results.json; BENCHMARKS.md
 * records them with the machine and date. Nothing here is asserted by the tests.
 *
 * For each catalogue size (default 2,000, 5,000 and 10,000 synthetic series), side by side in one run:
 *
 * 1. Our harvest (bench/harvest-run.ts, a process of its own, without the ratings sites) against TMDB and
 *    OMDb replays in another process that enforce a token bucket (default 100 requests/s each, bursts of a
 *    tenth of a second, 429 + Retry-After beyond it) and add latency (default 50 ms). The bound of a stage
 *    is the requests a clean run needs (1 genre list, ⌈N/20⌉ listing pages, N details, N OMDb lookups) over
 *    the limit; 429'd requests are not part of it. Reported: wall / bound per stage and in all, 429s,
 *    retries, rate-limit pauses, peak RSS. Targets: wall ≤ 1.05 × bound, zero 429s, TMDB stages ≤ the peer.
 * 2. The peer (bench/peer.ts): a plain script on `moviedb-promise` fetching the same genre list, listing and
 *    details from a fresh replay with the same limits, writing files, no database.
 * 3. At the first size, the load stage (dimensions, bridges and facts through the Prisma loader) against a
 *    COPY of the same rows into the same tables, median of several fresh databases. Target: ≤ 1.5 × COPY.
 *
 * Usage: npm run bench -- [sizes, e.g. 2000,5000,10000] [latencyMs] [requestsPerSecond] [loadRepeats]
 * (or BENCH_SERIES=2000,10000). Every size costs about (2N/rate) × 1.5 seconds: 10,000 series ≈ 5 minutes.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { z } from "zod";
import { startEmbeddedPostgres } from "../src/db/embedded.js";
import { applyMigrations } from "../src/db/migrate.js";
import { createPrisma } from "../src/db/prisma.js";
import { TV_GENRES } from "../src/demo/catalogue.js";
import type { RatingObservation, SeriesRecord } from "../src/domain.js";
import { insertRatingFacts, upsertGenres, upsertSeries } from "../src/load/loader.js";
import { omdbAnswer, syntheticSeeds, tmdbDetails } from "../src/replay/dataset.js";
import { classifyOmdbAnswer, toOmdbRatings } from "../src/sources/omdb/omdb.js";
import { parseSeriesDetails, toSeriesRecord, toTmdbRating } from "../src/sources/tmdb/tmdb.js";

const [sizesArg = process.env.BENCH_SERIES ?? "2000,5000,10000", latencyArg = "50", rateArg = "100", repeatsArg = "5"] = process.argv.slice(2);
const SIZES = sizesArg.split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
const LATENCY_MS = Number(latencyArg);
const RATE = Number(rateArg);
const REPEATS = Number(repeatsArg);
const ROOT = path.resolve(import.meta.dirname, "..");
/** Results per TMDB listing page. */
const PAGE_SIZE = 20;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

const replayCountersSchema = z.object({ requests: z.number(), throttled: z.number() });
const replayReadySchema = z.object({ env: z.record(z.string(), z.string()) });
const replayStoppedSchema = z.object({ tmdb: replayCountersSchema, omdb: replayCountersSchema });
const clientStatsSchema = z.object({ requests: z.number(), retries: z.number(), throttled: z.number(), failures: z.number(), pauses: z.number().optional(), pausedSeconds: z.number().optional() });
const harvestResultSchema = z.object({
  summary: z.object({
    status: z.string(),
    error: z.string().optional(),
    durationSeconds: z.number(),
    seriesLoaded: z.number(),
    stageSeconds: z.record(z.string(), z.number()),
  }),
  clients: z.record(z.string(), clientStatsSchema),
  rssBeforeMb: z.number(),
  peakRssMb: z.number(),
});
const peerResultSchema = z.object({ wallSeconds: z.number(), series: z.number(), requests: z.number(), throttled: z.number(), peakRssMb: z.number() });

/** Starts the TMDB and OMDb replays of `series` synthetic series in a child process. */
async function startReplays(series: number): Promise<{ env: Record<string, string>; stop: () => Promise<z.infer<typeof replayStoppedSchema>>; kill: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/replay-upstreams.ts", String(series), String(LATENCY_MS), String(RATE)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const kill = () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  // Never leave a replay process behind, whatever happens below.
  process.once("exit", kill);
  const iterator = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const { env } = replayReadySchema.parse(JSON.parse(String((await iterator.next()).value)));
  return {
    env,
    kill,
    stop: async () => {
      child.kill("SIGTERM");
      return replayStoppedSchema.parse(JSON.parse(String((await iterator.next()).value)));
    },
  };
}

/** Runs `script` (with tsx) to completion; it writes its JSON result to the file it is given. */
async function runChild(script: string, args: string[], env: Record<string, string>): Promise<unknown> {
  const resultFile = path.join(mkdtempSync(path.join(os.tmpdir(), "tvh-bench-result-")), "result.json");
  const child = spawn(process.execPath, ["--import", "tsx", script, resultFile, ...args], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], env: { PATH: process.env.PATH ?? "", ...env } });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  const text = readFileSync(resultFile, "utf8");
  rmSync(path.dirname(resultFile), { recursive: true, force: true });
  return JSON.parse(text);
}

/** The rows the harvest loads for the synthetic series, built with the pipeline's own parsers. */
function buildRecords(count: number): { records: SeriesRecord[]; observations: RatingObservation[] } {
  const records: SeriesRecord[] = [];
  const observations: RatingObservation[] = [];
  for (const seed of syntheticSeeds(count)) {
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


/** Our harvest of `series` series against fresh replays, in a process of its own. */
async function benchHarvest(adminUrl: string, series: number) {
  const replays = await startReplays(series);
  try {
    const databaseUrl = await freshDatabase(adminUrl, `bench_harvest_${series}`, false);
    const result = harvestResultSchema.parse(
      await runChild("bench/harvest-run.ts", [], {
        ...replays.env,
        DATABASE_URL: databaseUrl,
        TMDB_REQUESTS_PER_SECOND: String(RATE),
        OMDB_REQUESTS_PER_SECOND: String(RATE),
        TMDB_MAX_CONCURRENT: "20",
        OMDB_MAX_CONCURRENT: "20",
        OMDB_DAILY_BUDGET: String(series * 2),
        LOG_LEVEL: "warn",
      }),
    );
    const replay = await replays.stop();
    if (result.summary.status !== "succeeded") throw new Error(`harvest of ${series} ${result.summary.status}: ${result.summary.error ?? ""}`);
    return { ...result, replay };
  } finally {
    replays.kill();
  }
}

/** The peer's fetch of the same listing and details against fresh replays. */
async function benchPeer(series: number) {
  const replays = await startReplays(series);
  try {
    const result = peerResultSchema.parse(await runChild("bench/peer.ts", [String(RATE)], { TMDB_API_URL: replays.env.TMDB_API_URL ?? "", TMDB_API_KEY: replays.env.TMDB_API_KEY ?? "" }));
    const replay = await replays.stop();
    if (result.series !== series) throw new Error(`the peer fetched ${result.series} of ${series} series`);
    return { ...result, replayRequests: replay.tmdb.requests, replayThrottled: replay.tmdb.throttled };
  } finally {
    replays.kill();
  }
}

/** One size: our harvest and the peer, with bounds from the requests a clean run needs. */
async function benchSize(adminUrl: string, series: number) {
  const ours = await benchHarvest(adminUrl, series);
  const peer = await benchPeer(series);
  const pages = Math.ceil(series / PAGE_SIZE);
  const needed = { genres: 1, listing: pages, details: series, omdb: series };
  const stages = Object.entries(needed).map(([stage, requests]) => {
    const seconds = ours.summary.stageSeconds[stage] ?? 0;
    const bound = requests / RATE;
    return { stage, requests, seconds, boundSeconds: bound, ratio: seconds / bound };
  });
  const boundSeconds = stages.reduce((s, x) => s + x.boundSeconds, 0);
  const tmdbStages = stages.filter((s) => s.stage !== "omdb");
  const tmdbSeconds = tmdbStages.reduce((s, x) => s + x.seconds, 0);
  const tmdbBound = tmdbStages.reduce((s, x) => s + x.boundSeconds, 0);
  const tmdb = ours.clients.tmdb;
  const omdb = ours.clients.omdb;
  return {
    series,
    harvest: {
      wallSeconds: ours.summary.durationSeconds,
      boundSeconds,
      ratio: ours.summary.durationSeconds / boundSeconds,
      tmdbStages: { seconds: tmdbSeconds, boundSeconds: tmdbBound, ratio: tmdbSeconds / tmdbBound },
      stages,
      otherStageSeconds: Object.fromEntries(Object.entries(ours.summary.stageSeconds).filter(([k]) => !(k in needed))),
      requests: { tmdb: tmdb?.requests ?? 0, omdb: omdb?.requests ?? 0, needed: needed.genres + needed.listing + needed.details + needed.omdb },
      throttled429: ours.replay.tmdb.throttled + ours.replay.omdb.throttled,
      retries: (tmdb?.retries ?? 0) + (omdb?.retries ?? 0),
      pauses: (tmdb?.pauses ?? 0) + (omdb?.pauses ?? 0),
      seriesLoaded: ours.summary.seriesLoaded,
      stageSeconds: ours.summary.stageSeconds,
    },
    peer: { ...peer, boundSeconds: tmdbBound, ratio: peer.wallSeconds / tmdbBound },
    oursOverPeer: tmdbSeconds / peer.wallSeconds,
    memory: { peakRssMb: Math.round(ours.peakRssMb), rssAtStartMb: Math.round(ours.rssBeforeMb), peerPeakRssMb: Math.round(peer.peakRssMb) },
  };
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
  const sizes: Awaited<ReturnType<typeof benchSize>>[] = [];
  for (const series of SIZES) {
    process.stderr.write(`bench: ${series} series …\n`);
    sizes.push(await benchSize(adminUrl, series));
  }

  // Load stage vs COPY, on fresh databases, at the first size.
  const loadSeries = SIZES[0] ?? 2000;
  const { records, observations } = buildRecords(loadSeries);
  const loaderMs: number[] = [];
  const copyMs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    loaderMs.push(await timeLoader(await freshDatabase(adminUrl, "bench_load"), records, observations));
    copyMs.push(await timeCopy(await freshDatabase(adminUrl, "bench_copy"), records, observations));
  }

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    parameters: { sizes: SIZES, latencyMs: LATENCY_MS, requestsPerSecond: RATE, loadRepeats: REPEATS },
    sizes,
    load: { series: loadSeries, rows: { series: records.length, facts: observations.length }, loaderMedianMs: median(loaderMs), copyMedianMs: median(copyMs), ratio: median(loaderMs) / median(copyMs), loaderMs, copyMs },
  };
  writeFileSync(path.join(ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const f = (n: number, d = 2) => n.toFixed(d);
  const lines = [
    `## ${results.date.slice(0, 10)} — ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}, load average ${results.machine.loadAverage.join(" ")}`,
    "",
    `Upstreams limited to ${RATE} req/s each (token bucket, bursts of ${Math.max(1, Math.round(RATE / 10))}) with ${LATENCY_MS} ms latency; bounds from the requests a clean run needs.`,
    "",
    `| measure | ${sizes.map((s) => `${s.series} series`).join(" | ")} | target |`,
    `|---|${sizes.map(() => "---|").join("")}---|`,
    `| **harvest wall / bound** | ${sizes.map((s) => `**${f(s.harvest.wallSeconds, 1)} s / ${f(s.harvest.boundSeconds, 1)} s = ${f(s.harvest.ratio, 3)}**`).join(" | ")} | ≤ 1.05 |`,
    ...["genres", "listing", "details", "omdb"].map(
      (stage) => `| ${stage} stage / bound | ${sizes.map((s) => s.harvest.stages.find((x) => x.stage === stage)).map((x) => (x ? `${f(x.seconds)} s / ${f(x.boundSeconds)} s = ${f(x.ratio, 3)}` : "")).join(" | ")} | |`,
    ),
    `| other stages (no upstream) | ${sizes.map((s) => Object.entries(s.harvest.otherStageSeconds).map(([k, v]) => `${k} ${f(v)} s`).join(", ")).join(" | ")} | |`,
    `| requests sent / needed | ${sizes.map((s) => `${s.harvest.requests.tmdb + s.harvest.requests.omdb} / ${s.harvest.requests.needed}`).join(" | ")} | equal |`,
    `| 429 answers | ${sizes.map((s) => s.harvest.throttled429).join(" | ")} | 0 |`,
    `| retries, rate-limit pauses | ${sizes.map((s) => `${s.harvest.retries}, ${s.harvest.pauses}`).join(" | ")} | 0, 0 |`,
    `| series loaded | ${sizes.map((s) => s.harvest.seriesLoaded).join(" | ")} | all |`,
    `| peer (moviedb-promise): listing + details wall / bound | ${sizes.map((s) => `${f(s.peer.wallSeconds)} s / ${f(s.peer.boundSeconds)} s = ${f(s.peer.ratio, 3)}`).join(" | ")} | |`,
    `| peer 429 answers | ${sizes.map((s) => s.peer.replayThrottled).join(" | ")} | |`,
    `| **ours (TMDB stages) / peer** | ${sizes.map((s) => `**${f(s.harvest.tmdbStages.seconds)} s / ${f(s.peer.wallSeconds)} s = ${f(s.oursOverPeer, 3)}**`).join(" | ")} | ≤ 1 |`,
    `| **peak RSS of the harvest process** | ${sizes.map((s) => `**${s.memory.peakRssMb} MiB**`).join(" | ")} | ≤ 250 MB at 10,000 |`,
    `| RSS at start (before any work) | ${sizes.map((s) => `${s.memory.rssAtStartMb} MiB`).join(" | ")} | |`,
    `| peer peak RSS | ${sizes.map((s) => `${s.memory.peerPeakRssMb} MiB`).join(" | ")} | |`,
    "",
    `Load stage at ${loadSeries} series (${records.length} series, ${observations.length} facts), median of ${REPEATS} fresh databases:`,
    "",
    "| measure | value | target |",
    "|---|---|---|",
    `| load stage (Prisma loader) | ${f(results.load.loaderMedianMs, 0)} ms | |`,
    `| COPY of the same rows | ${f(results.load.copyMedianMs, 0)} ms | |`,
    `| **loader / COPY** | **${f(results.load.ratio)}** | ≤ 1.5 |`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
} finally {
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
