/**
 * The peer of the benchmark: a plain script on `moviedb-promise` (its built-in throttle, promise-throttle at
 * `requestsPerSecond`) fetching the same genre list, top-rated listing and details (with the appended sub-requests
 * our harvest asks for) from the same replay, retrying a 429 after its Retry-After, writing one JSON file per series, with no database.
 * Writes its result (wall time, requests, 429s met, peak RSS) to the file named by its first argument.
 *
 * Usage (from bench/harvest.bench.ts): node --import tsx bench/peer.ts <result.json> <requestsPerSecond>
 * with TMDB_API_URL and TMDB_API_KEY in the environment.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isAxiosError } from "axios";
import { MovieDb } from "moviedb-promise";
import { parseRetryAfter } from "../src/http/retry-after.js";
import { DETAILS_APPENDS } from "../src/sources/tmdb/tmdb.js";

const [resultFile, rateArg = "100"] = process.argv.slice(2);
const apiUrl = process.env.TMDB_API_URL;
const apiKey = process.env.TMDB_API_KEY;
if (!resultFile || !apiUrl || !apiKey) throw new Error("usage: TMDB_API_URL=… TMDB_API_KEY=… peer.ts <result.json> [requestsPerSecond]");

const tmdb = new MovieDb(apiKey, `${apiUrl}/`, Number(rateArg));
let requests = 0;
let throttled = 0;

/** Sends `call` until it is answered with anything but 429, waiting Retry-After between tries. */
async function withRetryAfter<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    requests += 1;
    try {
      return await call();
    } catch (error) {
      if (!isAxiosError(error) || error.response?.status !== 429) throw error;
      throttled += 1;
      const header = error.response.headers["retry-after"];
      const seconds = parseRetryAfter(typeof header === "string" ? header : undefined, Date.now());
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }
}

const out = mkdtempSync(path.join(os.tmpdir(), "tvh-peer-"));
mkdirSync(path.join(out, "series"));
const started = performance.now();
try {
  const genres = await withRetryAfter(() => tmdb.genreTvList({ language: "en-US" }));
  writeFileSync(path.join(out, "genres.json"), JSON.stringify(genres));
  const first = await withRetryAfter(() => tmdb.tvTopRated({ page: 1, language: "en-US" }));
  const totalPages = Math.min(first.total_pages ?? 1, 500);
  const rest = await Promise.all(
    Array.from({ length: totalPages - 1 }, (_, i) => withRetryAfter(() => tmdb.tvTopRated({ page: i + 2, language: "en-US" }))),
  );
  const ids = [first, ...rest].flatMap((page) => (page.results ?? []).map((r) => r.id).filter((id): id is number => typeof id === "number"));
  await Promise.all(
    ids.map(async (id) => {
      // The same appended sub-requests as our details stage, so both sides fetch the same answers.
      const details = await withRetryAfter(() => tmdb.tvInfo({ id, language: "en-US", append_to_response: DETAILS_APPENDS.join(",") }));
      await writeFile(path.join(out, "series", `${id}.json`), JSON.stringify(details));
    }),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  writeFileSync(
    resultFile,
    `${JSON.stringify({ wallSeconds, series: ids.length, requests, throttled, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
