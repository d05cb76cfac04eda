/**
 * End to end: a harvest fed the bad-input corpus through the replay upstreams loads exactly the valid
 * records, quarantines the rest with their reasons, stores its expectation results, and `check` reports
 * them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCommand } from "../../src/commands/check.js";
import { runHarvest, type HarvestSummary } from "../../src/pipeline/harvest.js";
import { omdbKey, tmdbKey, TMDB_PAGE_SIZE, type ReplayDataset, noSiteRoutes } from "../../src/replay/dataset.js";
import type { ReplayRoute } from "../../src/replay/server.js";
import { startHarness, type Harness } from "../helpers/harness.js";
import { CORPUS_GENRES, loadCorpus, tmdbDetailsFor, type CorpusEntry } from "./corpus.js";

const corpus = loadCorpus();

/**
 * A corpus body as the replay server should send it: JSON objects and arrays as JSON, anything else as its
 * exact text (the server sends string bodies verbatim, so a JSON string body keeps its quotes).
 */
function bodyOf(entry: CorpusEntry): unknown {
  if (!entry.file.endsWith(".json")) return entry.text;
  const json: unknown = JSON.parse(entry.text);
  return typeof json === "string" ? entry.text : json;
}

function corpusDataset(): ReplayDataset {
  const tmdb = new Map<string, ReplayRoute>();
  const omdb = new Map<string, ReplayRoute>();
  const listed: { id: number; name: string }[] = [];
  for (const entry of corpus) {
    if (entry.source === "tmdb_series") {
      tmdb.set(tmdbKey.details(entry.seriesId), { body: bodyOf(entry) });
    } else {
      tmdb.set(tmdbKey.details(entry.seriesId), { body: tmdbDetailsFor(entry.seriesId, entry.imdbId) });
      omdb.set(omdbKey(entry.imdbId), { body: bodyOf(entry) });
    }
    listed.push({ id: entry.seriesId, name: `Harbor Lights ${entry.seriesId}` });
  }
  tmdb.set(tmdbKey.genres(), { body: { genres: CORPUS_GENRES } });
  const pages = Math.ceil(listed.length / TMDB_PAGE_SIZE);
  for (let page = 1; page <= pages; page++) {
    const results = listed.slice((page - 1) * TMDB_PAGE_SIZE, page * TMDB_PAGE_SIZE).map((s) => ({
      id: s.id,
      name: s.name,
      original_name: s.name,
      genre_ids: [18],
      origin_country: ["US"],
      original_language: "en",
      overview: "",
      popularity: 10,
      first_air_date: "2014-03-02",
      poster_path: null,
      backdrop_path: null,
      vote_average: 8,
      vote_count: 100,
    }));
    tmdb.set(tmdbKey.page(page), { body: { page, results, total_pages: pages, total_results: listed.length } });
  }
  return { tmdb, omdb, ...noSiteRoutes() };
}

describe("harvest of the bad-input corpus", () => {
  let h: Harness;
  let summary: HarvestSummary;

  beforeAll(async () => {
    h = await startHarness(corpusDataset(), { env: { LOG_LEVEL: "error" } });
    summary = await runHarvest(h.app, { trigger: "test", scrape: false });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it("finishes without crashing", () => {
    expect(summary.error).toBeUndefined();
    expect(summary.status).toBe("succeeded");
    expect(summary.seriesListed).toBe(corpus.length);
  });

  it("loads exactly the valid series and facts", async () => {
    const expectedSeries = corpus
      .filter((e) => e.source === "omdb" || e.loads.includes("series"))
      .map((e) => e.seriesId)
      .sort((a, b) => a - b);
    const series = await h.db.query<{ series_id: number }>(`SELECT series_id FROM series_dim ORDER BY series_id`);
    expect(series.map((s) => s.series_id)).toEqual(expectedSeries);

    const facts = await h.db.query<{ series_id: number; source_key: string }>(
      `SELECT series_id, source_key FROM rating_fact WHERE run_id = $1 ORDER BY series_id, source_key`,
      [summary.runId],
    );
    const expectedFacts = corpus
      .flatMap((e) => {
        const sources = e.source === "omdb" ? ["tmdb", ...e.loads] : e.loads.filter((l) => l !== "series");
        return sources.map((source) => `${e.seriesId}:${source}`);
      })
      .sort();
    expect(facts.map((f) => `${f.series_id}:${f.source_key}`).sort()).toEqual(expectedFacts);
  });

  it.each(corpus.map((e) => [e.file, e] as const))("quarantine of %s", async (_file, entry) => {
    const key = entry.source === "omdb" ? entry.imdbId : `tv/${entry.seriesId}`;
    const rows = await h.db.query<{ kind: string; reason: string }>(
      `SELECT kind, reason FROM quarantine WHERE run_id = $1 AND source = $2 AND upstream_key = $3`,
      [summary.runId, entry.source, key],
    );
    if (entry.reason === null) expect(rows).toEqual([]);
    else expect(rows, JSON.stringify(rows)).toContainEqual({ kind: entry.kind, reason: entry.reason });
  });

  it("counts the quarantine in the summary", () => {
    const bad = corpus.filter((e) => e.reason !== null && e.kind !== "flagged");
    expect(summary.quarantine.rejected + summary.quarantine.schemaDrift).toBeGreaterThanOrEqual(bad.length);
    expect(summary.quarantine.flagged).toBeGreaterThanOrEqual(corpus.filter((e) => e.kind === "flagged").length);
  });

  it("stores its expectation results, and check reports them", async () => {
    const stored = await h.db.query<{ check_name: string; passed: boolean }>(
      `SELECT check_name, passed FROM quality_check_result WHERE run_id = $1`,
      [summary.runId],
    );
    expect(stored.length).toBe(summary.quality.length);
    expect(stored.length).toBe(8);
    let out = "";
    const code = await checkCommand({ run: summary.runId }, { stdout: (s) => void (out += s), prisma: h.app.prisma, now: h.app.now });
    expect(code).toBe(0);
    expect(out).toContain(`Quality checks of harvest run ${summary.runId} (status succeeded)`);
    for (const r of stored) expect(out).toContain(r.check_name);
  });
});
