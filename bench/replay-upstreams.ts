/**
 * Benchmark upstreams in their own process (so the harvester's memory is measured alone): TMDB and OMDb
 * replays of N synthetic series that enforce a rate limit (token bucket, 429 + Retry-After beyond it) and add
 * a fixed latency. Prints one JSON line `{env, ...}` when ready, then a JSON line of counters on SIGTERM.
 *
 * Usage: tsx bench/replay-upstreams.ts <series> <latencyMs> <requestsPerSecond>
 */
import { syntheticSeeds, apiOnlyDataset } from "../src/replay/dataset.js";
import { startReplayUpstreams } from "../src/replay/upstreams.js";

const [series = "2000", latency = "50", rate = "100"] = process.argv.slice(2);
const perSecond = Number(rate);
const seeds = syntheticSeeds(Number(series));
const upstreams = await startReplayUpstreams(apiOnlyDataset(seeds), {
  latencyMs: Number(latency),
  // A bucket of 10: bursts above the limit of a tenth of a second are refused.
  tmdbRateLimit: { perSecond, burst: Math.max(1, Math.round(perSecond / 10)) },
  omdbRateLimit: { perSecond, burst: Math.max(1, Math.round(perSecond / 10)) },
});
process.stdout.write(`${JSON.stringify({ env: upstreams.env })}\n`);
process.on("SIGTERM", () => {
  const count = (s: typeof upstreams.tmdb) => ({ requests: s.requests.length, throttled: s.requests.filter((r) => r.status === 429).length });
  process.stdout.write(`${JSON.stringify({ tmdb: count(upstreams.tmdb), omdb: count(upstreams.omdb) })}\n`);
  void upstreams.close().then(() => process.exit(0));
});
