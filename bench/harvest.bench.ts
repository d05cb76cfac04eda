/**
 * Benchmark (`npm run bench`): results go to stdout as Markdown and to bench/results.json; BENCHMARKS.md
 * records them with the machine and date. Nothing here is asserted by the tests.
 *
 * For each catalogue size (default 2,000, 5,000 and 10,000 synthetic series), side by side in one run:
 *
 * 1. Our harvest as users run it: the compiled production entry (`npm run build` first, then
 *    `node dist/main.js harvest --no-scrape` in a process of its own, under `/usr/bin/time` for its peak RSS;
 *    the summary is read from its `harvest_run` row, rate-limit pauses from its warn-level log) against TMDB and
 *    OMDb replays in another process that enforce a token bucket (default 100 requests/s each, bursts of a
 *    tenth of a second, 429 + Retry-After beyond it) and add latency (default 50 ms). The bound of a stage
 *    is the requests a clean run needs (1 genre list, ⌈N/20⌉ listing pages, N details, N OMDb lookups) over
 *    the limit; 429'd requests are not part of it. Reported: wall / bound per stage and in all, 429s,
 *    retries, rate-limit pauses, peak RSS. Targets: wall ≤ 1.05 × bound, zero 429s, TMDB stages ≤ the peer.
 * 2. The peer (bench/peer.ts): a plain script on `moviedb-promise` fetching the same genre list, listing and
 *    details from a fresh replay with the same limits, writing files, no database.
 * 3. At the largest size, the load stage (dimensions, bridges, the run's series versions and facts through the
 *    Prisma loader) against a COPY of the same rows into the same tables, median of several fresh databases. Target: ≤ 1.5 × COPY.
 *
 * Usage: npm run bench -- [sizes, e.g. 2000,5000,10000] [latencyMs] [requestsPerSecond] [loadRepeats]
 * (or BENCH_SERIES=2000,10000). Every size costs about (2N/rate) × 1.5 seconds: 10,000 series ≈ 5 minutes.
 * For profiling: BENCH_NODE_OPTIONS (e.g. `--heap-prof --heap-prof-dir=/tmp/prof`, `--cpu-prof …`) is given
 * to the harvest process, BENCH_PASS_ENV (comma-separated names, e.g. `MALLOC_ARENA_MAX`) passes those variables on
 * to it, BENCH_PEER=0 skips the peer, a loadRepeats of 0 skips the load comparison.
 * Needs `/usr/bin/time` (Debian package `time`).
 */
import { execFileSync, spawn } from "node:child_process";
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
import { addCounts, insertRatingFacts, upsertGenres, upsertSeries, type RowCounts } from "../src/load/loader.js";
import { omdbAnswer, syntheticSeeds, tmdbDetails } from "../src/replay/dataset.js";
import { classifyOmdbAnswer, toOmdbRatings } from "../src/sources/omdb/omdb.js";
import { parseSeriesDetails, toSeriesRecord, toTmdbRating } from "../src/sources/tmdb/tmdb.js";

const [sizesArg = process.env.BENCH_SERIES ?? "2000,5000,10000", latencyArg = "50", rateArg = "100", repeatsArg = "5"] = process.argv.slice(2);
const HARVEST_NODE_OPTIONS = (process.env.BENCH_NODE_OPTIONS ?? "").split(" ").filter((x) => x !== "");
const WITH_PEER = process.env.BENCH_PEER !== "0";
const SIZES = sizesArg
  .split(",")
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
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
const clientStatsSchema = z.object({ requests: z.number(), retries: z.number(), throttled: z.number(), failures: z.number() });
/** A line of the harvester's JSON log (pino, on stderr), as far as the benchmark reads it. */
const logLineSchema = z.object({ msg: z.string(), upstream: z.string().optional() });
/** The client's warning at the start of a rate-limit pause (src/http/client.ts, once per pause). */
const PAUSE_MESSAGE = "rate limited (429): upstream paused";
/** The part of `harvest_run.summary` (src/pipeline/run-state.ts, HarvestSummary) the benchmark reads. */
const harvestSummarySchema = z.object({
  status: z.string(),
  error: z.string().optional(),
  durationSeconds: z.number(),
  seriesLoaded: z.number(),
  stageSeconds: z.record(z.string(), z.number()),
  requests: z.record(z.string(), clientStatsSchema),
});
const peerResultSchema = z.object({
  wallSeconds: z.number(),
  series: z.number(),
  requests: z.number(),
  throttled: z.number(),
  peakRssMb: z.number(),
});

/** Starts the TMDB and OMDb replays of `series` synthetic series in a child process. */
async function startReplays(
  series: number,
): Promise<{ env: Record<string, string>; stop: () => Promise<z.infer<typeof replayStoppedSchema>>; kill: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/replay-upstreams.ts", String(series), String(LATENCY_MS), String(RATE)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
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
  const child = spawn(process.execPath, ["--import", "tsx", script, resultFile, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { PATH: process.env.PATH ?? "", ...env },
  });
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
  // A PostgreSQL array literal, each element quoted with its backslashes and quotes escaped.
  if (Array.isArray(v)) return csv(`{${v.map((x) => `"${String(x).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`);
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
  await prisma.harvestRun.create({ data: { id: 1, status: "running" } });
  await upsertGenres(prisma, 1, TV_GENRES);
  await prisma.$disconnect();
  return url.toString();
}

/** The load stage's writes (series, bridges, versions, facts) through the loader; milliseconds and rows per table. */
async function timeLoader(url: string, records: SeriesRecord[], observations: RatingObservation[]): Promise<{ ms: number; rows: RowCounts }> {
  const prisma = createPrisma(url);
  await prisma.$queryRaw`SELECT 1`;
  const t = performance.now();
  const rows = await upsertSeries(prisma, 1, records);
  addCounts(rows, await insertRatingFacts(prisma, 1, observations));
  const ms = performance.now() - t;
  await prisma.$disconnect();
  return { ms, rows };
}

/**
 * COPY of the rows the loader writes, into the same tables: the current state (`series_dim`, `network_dim`,
 * `series_genre`, `series_network`), the run's versions (`series_version`, `series_genre_version`, `network_version`,
 * `series_network_version`, `platform_dim`, `platform_version`, `series_platform_version`, `series_content_rating_version`, `season_version`) and the
 * facts (`rating_fact`), with the loader's own de-duplication of genres and networks per series.
 */
async function timeCopy(url: string, records: SeriesRecord[], observations: RatingObservation[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const t = performance.now();
  const networks = [...new Map(records.flatMap((r) => r.networks).map((n) => [n.id, n])).values()];
  const platforms = [...new Map(records.flatMap((r) => r.availability).map((a) => [a.platform.id, a.platform])).values()];
  const genreLinks = records.flatMap((r) => [...new Set(r.genres.map((g) => g.id))].map((g) => [r.id, g]));
  const networkLinks = records.flatMap((r) => [...new Set(r.networks.map((n) => n.id))].map((n, i) => [r.id, n, i]));
  const seriesColumns = [
    "series_id",
    "title",
    "original_title",
    "first_air_date",
    "release_year",
    "last_air_date",
    "status",
    "series_type",
    "original_language",
    "origin_countries",
    "number_of_seasons",
    "number_of_episodes",
    "plot",
    "imdb_id",
    "tvdb_id",
    "wikidata_id",
    "popularity",
    "poster_path",
  ];
  const seriesRow = (r: SeriesRecord) => [
    r.id,
    r.title,
    r.originalTitle,
    r.firstAirDate,
    r.releaseYear,
    r.lastAirDate,
    r.status,
    r.seriesType,
    r.originalLanguage,
    r.originCountries,
    r.numberOfSeasons,
    r.numberOfEpisodes,
    r.plot,
    r.imdbId,
    r.tvdbId,
    r.wikidataId,
    r.popularity,
    r.posterPath,
  ];
  await client.query("BEGIN");
  await copyRows(
    client,
    "series_dim",
    [...seriesColumns, "first_seen_run_id", "last_seen_run_id"],
    records.map((r) => [...seriesRow(r), 1, 1]),
  );
  await copyRows(
    client,
    "network_dim",
    ["network_id", "name", "origin_country", "logo_path"],
    networks.map((n) => [n.id, n.name, n.originCountry, n.logoPath]),
  );
  await copyRows(
    client,
    "network_version",
    ["network_id", "run_id", "name", "origin_country", "logo_path"],
    networks.map((n) => [n.id, 1, n.name, n.originCountry, n.logoPath]),
  );
  await copyRows(client, "series_genre", ["series_id", "genre_id"], genreLinks);
  await copyRows(client, "series_network", ["series_id", "network_id", "position"], networkLinks);
  await copyRows(
    client,
    "series_version",
    [...seriesColumns, "run_id", "backdrop_path", "creators", "keywords"],
    records.map((r) => [...seriesRow(r), 1, r.backdropPath, r.creators, r.keywords]),
  );
  await copyRows(
    client,
    "series_genre_version",
    ["series_id", "genre_id", "run_id"],
    genreLinks.map((l) => [...l, 1]),
  );
  await copyRows(
    client,
    "series_network_version",
    ["series_id", "network_id", "position", "run_id"],
    networkLinks.map((l) => [...l, 1]),
  );
  await copyRows(
    client,
    "platform_dim",
    ["platform_id", "name", "logo_path"],
    platforms.map((p) => [p.id, p.name, p.logoPath]),
  );
  await copyRows(
    client,
    "platform_version",
    ["platform_id", "run_id", "name", "logo_path"],
    platforms.map((p) => [p.id, 1, p.name, p.logoPath]),
  );
  await copyRows(
    client,
    "series_platform_version",
    ["series_id", "run_id", "platform_id", "region", "offer_type", "display_priority"],
    records.flatMap((r) => r.availability.map((a) => [r.id, 1, a.platform.id, a.region, a.offerType, a.displayPriority])),
  );
  await copyRows(
    client,
    "series_content_rating_version",
    ["series_id", "run_id", "region", "rating"],
    records.flatMap((r) => r.contentRatings.map((c) => [r.id, 1, c.region, c.rating])),
  );
  await copyRows(
    client,
    "season_version",
    ["series_id", "run_id", "season_number", "tmdb_season_id", "name", "air_date", "episode_count"],
    records.flatMap((r) => r.seasons.map((x) => [r.id, 1, x.seasonNumber, x.tmdbSeasonId, x.name, x.airDate, x.episodeCount])),
  );
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

/** The JSON value of a log line; undefined when the line is not JSON. */
function parseJsonLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The variables named in BENCH_PASS_ENV (comma-separated, e.g. `MALLOC_ARENA_MAX`), passed to the harvest process for profiling. */
function passedEnv(): Record<string, string> {
  const names = (process.env.BENCH_PASS_ENV ?? "").split(",").filter((name) => name !== "");
  return Object.fromEntries(names.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
}

/**
 * Runs `node [options] dist/main.js <args>` under `/usr/bin/time` with `env`: returns its exit code, its peak
 * RSS in MiB and the rate-limit pauses its log reports (stderr is passed through, except those JSON lines).
 */
async function runCompiled(args: string[], env: Record<string, string>): Promise<{ code: number | null; peakRssMb: number; pauses: number }> {
  const timeFile = path.join(mkdtempSync(path.join(os.tmpdir(), "tvh-bench-time-")), "maxrss");
  const child = spawn("/usr/bin/time", ["-f", "%M", "-o", timeFile, process.execPath, ...HARVEST_NODE_OPTIONS, "dist/main.js", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env: { PATH: process.env.PATH ?? "", ...passedEnv(), ...env },
  });
  let pauses = 0;
  const lines = createInterface({ input: child.stderr });
  lines.on("line", (line) => {
    if (logLineSchema.safeParse(parseJsonLine(line)).data?.msg.startsWith(PAUSE_MESSAGE)) pauses += 1;
    else process.stderr.write(`${line}\n`);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  // /usr/bin/time reports kilobytes (KiB) of maximum resident set size.
  const peakRssMb = Number(readFileSync(timeFile, "utf8").trim().split("\n").at(-1)) / 1024;
  rmSync(path.dirname(timeFile), { recursive: true, force: true });
  return { code, peakRssMb, pauses };
}

/** The summary of the latest harvest run in `databaseUrl`. */
async function latestRunSummary(databaseUrl: string): Promise<z.infer<typeof harvestSummarySchema>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT summary FROM harvest_run ORDER BY run_id DESC LIMIT 1");
    return harvestSummarySchema.parse(z.object({ summary: z.unknown() }).parse(rows[0]).summary);
  } finally {
    await client.end();
  }
}

/** Our harvest of `series` series against fresh replays: the compiled entry, in a process of its own. */
async function benchHarvest(adminUrl: string, series: number) {
  const replays = await startReplays(series);
  try {
    const databaseUrl = await freshDatabase(adminUrl, `bench_harvest_${series}`, false);
    const env = {
      ...replays.env,
      DATABASE_URL: databaseUrl,
      TMDB_REQUESTS_PER_SECOND: String(RATE),
      OMDB_REQUESTS_PER_SECOND: String(RATE),
      TMDB_MAX_CONCURRENT: "20",
      OMDB_MAX_CONCURRENT: "20",
      OMDB_DAILY_BUDGET: String(series * 2),
      LOG_LEVEL: "warn",
    };
    // The start-up floor: the same entry, configuration and database, applying no migration and fetching nothing.
    const floor = await runCompiled(["migrate"], env);
    const run = await runCompiled(["harvest", "--no-scrape"], env);
    const replay = await replays.stop();
    const summary = await latestRunSummary(databaseUrl);
    if (summary.status !== "succeeded" || run.code !== 0)
      throw new Error(`harvest of ${series} ${summary.status} (exit ${run.code}): ${summary.error ?? ""}`);
    return { summary, pauses: run.pauses, peakRssMb: run.peakRssMb, rssFloorMb: floor.peakRssMb, replay };
  } finally {
    replays.kill();
  }
}

/** The peer's fetch of the same listing and details against fresh replays. */
async function benchPeer(series: number) {
  const replays = await startReplays(series);
  try {
    const result = peerResultSchema.parse(
      await runChild("bench/peer.ts", [String(RATE)], { TMDB_API_URL: replays.env.TMDB_API_URL ?? "", TMDB_API_KEY: replays.env.TMDB_API_KEY ?? "" }),
    );
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
  const peer = WITH_PEER
    ? await benchPeer(series)
    : { wallSeconds: Number.NaN, series, requests: 0, throttled: 0, peakRssMb: Number.NaN, replayRequests: 0, replayThrottled: 0 };
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
  const tmdb = ours.summary.requests.tmdb;
  const omdb = ours.summary.requests.omdb;
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
      pauses: ours.pauses,
      seriesLoaded: ours.summary.seriesLoaded,
      stageSeconds: ours.summary.stageSeconds,
    },
    peer: { ...peer, boundSeconds: tmdbBound, ratio: peer.wallSeconds / tmdbBound },
    oursOverPeer: tmdbSeconds / peer.wallSeconds,
    memory: { peakRssMb: Math.round(ours.peakRssMb), rssFloorMb: Math.round(ours.rssFloorMb), peerPeakRssMb: Math.round(peer.peakRssMb) },
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
  // The harvest runs the compiled production entry: build it from this checkout first.
  execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
  const sizes: Awaited<ReturnType<typeof benchSize>>[] = [];
  for (const series of SIZES) {
    process.stderr.write(`bench: ${series} series …\n`);
    sizes.push(await benchSize(adminUrl, series));
  }

  // Load stage vs COPY, on fresh databases, at the largest size (fixed costs weigh least there).
  const loadSeries = Math.max(...SIZES, 0) || 2000;
  const { records, observations } = buildRecords(loadSeries);
  const loaderMs: number[] = [];
  const copyMs: number[] = [];
  let loadedRows: RowCounts = {};
  for (let i = 0; i < REPEATS; i++) {
    const loaded = await timeLoader(await freshDatabase(adminUrl, "bench_load"), records, observations);
    loaderMs.push(loaded.ms);
    loadedRows = loaded.rows;
    copyMs.push(await timeCopy(await freshDatabase(adminUrl, "bench_copy"), records, observations));
  }

  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    },
    parameters: { sizes: SIZES, latencyMs: LATENCY_MS, requestsPerSecond: RATE, loadRepeats: REPEATS },
    sizes,
    load: {
      series: loadSeries,
      rows: { series: records.length, facts: observations.length },
      loadedRows,
      loaderMedianMs: median(loaderMs),
      copyMedianMs: median(copyMs),
      ratio: median(loaderMs) / median(copyMs),
      loaderMs,
      copyMs,
    },
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
      (stage) =>
        `| ${stage} stage / bound | ${sizes
          .map((s) => s.harvest.stages.find((x) => x.stage === stage))
          .map((x) => (x ? `${f(x.seconds)} s / ${f(x.boundSeconds)} s = ${f(x.ratio, 3)}` : ""))
          .join(" | ")} | |`,
    ),
    `| other stages (no upstream) | ${sizes
      .map((s) =>
        Object.entries(s.harvest.otherStageSeconds)
          .map(([k, v]) => `${k} ${f(v)} s`)
          .join(", "),
      )
      .join(" | ")} | |`,
    `| requests sent / needed | ${sizes.map((s) => `${s.harvest.requests.tmdb + s.harvest.requests.omdb} / ${s.harvest.requests.needed}`).join(" | ")} | equal |`,
    `| 429 answers | ${sizes.map((s) => s.harvest.throttled429).join(" | ")} | 0 |`,
    `| retries, rate-limit pauses | ${sizes.map((s) => `${s.harvest.retries}, ${s.harvest.pauses}`).join(" | ")} | 0, 0 |`,
    `| series loaded | ${sizes.map((s) => s.harvest.seriesLoaded).join(" | ")} | all |`,
    `| peer (moviedb-promise): listing + details wall / bound | ${sizes.map((s) => `${f(s.peer.wallSeconds)} s / ${f(s.peer.boundSeconds)} s = ${f(s.peer.ratio, 3)}`).join(" | ")} | |`,
    `| peer 429 answers | ${sizes.map((s) => s.peer.replayThrottled).join(" | ")} | |`,
    `| **ours (TMDB stages) / peer** | ${sizes.map((s) => `**${f(s.harvest.tmdbStages.seconds)} s / ${f(s.peer.wallSeconds)} s = ${f(s.oursOverPeer, 3)}**`).join(" | ")} | ≤ 1 |`,
    `| **peak RSS of the harvest process** | ${sizes.map((s) => `**${s.memory.peakRssMb} MiB**`).join(" | ")} | ≤ 250 MB at 10,000 |`,
    `| peak RSS of \`migrate\` (start-up floor) | ${sizes.map((s) => `${s.memory.rssFloorMb} MiB`).join(" | ")} | |`,
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
    `Rows written by each side, per table: ${Object.entries(loadedRows)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${t} ${n}`)
      .join(", ")}.`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
} finally {
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
