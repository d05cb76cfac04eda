/**
 * The fault suite: a harvest of the demo catalogue's first two pages (40 series, OMDb on, sites off) behind a
 * fault-injecting TMDB and OMDb (test/helpers/fault-upstream.ts), run through the CLI's `harvestCommand` (its
 * exit code: 0 for `succeeded`, 1 otherwise), each case asserting the rows loaded, the quarantine rows and the
 * exit code against an uninterrupted clean run, plus the requests made again.
 *
 * Transport faults once (429, 5xx, timeouts, resets) and bad 2xx bodies once (truncated, malformed, empty,
 * HTML) must leave the tables identical to the clean run; answers that stay bad, hostile records (NUL in a
 * title, an id above 2³¹−1, wrong field types) and a series answering 429 for ever must cost exactly their
 * own series (quarantined, counted as lost in the summary and the status line) and never the run.
 */
import { harvestCommand } from "../../src/commands/harvest.js";
import { DETAILS_APPENDS } from "../../src/sources/tmdb/tmdb.js";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { type ReplayDataset, apiOnlyDataset } from "../../src/replay/dataset.js";
import { startReplayUpstreams } from "../../src/replay/upstreams.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { OMDB_ERRORS, replaceAt, startFaultUpstream, type FaultRule, type FaultUpstream } from "../helpers/fault-upstream.js";

const PAGES = 2;
const SERIES = DEMO_CATALOGUE.slice(0, PAGES * 20);
const withImdb = SERIES.filter((s) => s.imdbId !== null && s.imdb !== null);
const exitCode = (status: string) => (status === "succeeded" ? 0 : 1);
const RETRIES = 2;
/** Keys of the fault servers' credentials (planted nowhere else). */
const OMDB_KEY = "omdb-fault-suite-key";
const TMDB_KEY = "tmdb-fault-suite-key";
const BIG_ID = 3_000_000_000;

function apiDataset(): ReplayDataset {
  return apiOnlyDataset(DEMO_CATALOGUE);
}

/** What a run leaves in the tables, ids of runs and timestamps left out. */
interface TableDump {
  series: unknown[];
  bridges: unknown[];
  facts: unknown[];
  quarantine: unknown[];
  enrichment: unknown[];
}

async function dump(db: TestDatabase): Promise<TableDump> {
  return {
    series: await db.query("SELECT series_id, title, first_air_date::text, imdb_id, number_of_seasons FROM series_dim ORDER BY series_id"),
    bridges: await db.query(
      `SELECT 'genre' AS kind, series_id, genre_id AS other FROM series_genre
       UNION ALL SELECT 'network', series_id, network_id FROM series_network ORDER BY kind, series_id, other`,
    ),
    facts: await db.query("SELECT series_id, source_key, score::float8, vote_count, grain, method FROM rating_fact ORDER BY series_id, source_key"),
    quarantine: await db.query("SELECT source, upstream_key, kind, reason FROM quarantine ORDER BY source, upstream_key, reason"),
    enrichment: await db.query("SELECT series_id, source, status FROM enrichment_state ORDER BY series_id, source"),
  };
}

interface CaseResult {
  status: string;
  /** The CLI's exit code for the run (harvestCommand). */
  exit: number;
  /** The first line of the printed summary. */
  statusLine: string;
  /** `harvest_run.summary.seriesLost`. */
  seriesLost: number | null;
  tables: TableDump;
  /** Requests that reached the fault servers, per upstream. */
  requests: { tmdb: number; omdb: number };
  /** `upstream request_key` of every staged answer. */
  staged: string[];
  /** `tv_harvester_http_bad_body_total` by `upstream/reason` (cumulative over the harness's runs). */
  badBodies: Record<string, number>;
}

/** A fault harness: fault servers, a fresh database, and a harvest through the CLI's harvest command. */
interface Harness {
  tmdb: FaultUpstream;
  omdb: FaultUpstream;
  db: TestDatabase;
  harvest(options?: { resume?: boolean }): Promise<CaseResult>;
}

/** One harvest behind fault servers with `tmdbRules` / `omdbRules`, on a fresh database and fresh replays. */
async function harvestWithFaults(tmdbRules: FaultRule[], omdbRules: FaultRule[] = [], env: Record<string, string> = {}): Promise<CaseResult> {
  return withFaults(tmdbRules, omdbRules, env, (h) => h.harvest());
}

/** Runs `body` with a {@link Harness} whose servers answer by `tmdbRules` / `omdbRules`; everything is closed after. */
async function withFaults<T>(
  tmdbRules: FaultRule[],
  omdbRules: FaultRule[],
  env: Record<string, string>,
  body: (h: Harness) => Promise<T>,
): Promise<T> {
  const upstreams = await startReplayUpstreams(apiDataset(), { tmdbApiKey: TMDB_KEY, omdbApiKey: OMDB_KEY });
  const tmdb = await startFaultUpstream({ target: upstreams.tmdb.url, rules: tmdbRules });
  const omdb = await startFaultUpstream({ target: upstreams.omdb.url, rules: omdbRules });
  const db = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: db.url,
    ...upstreams.env,
    TMDB_API_URL: `${tmdb.url}/3`,
    OMDB_API_URL: omdb.url,
    HTTP_BACKOFF_BASE_MS: "20",
    HTTP_BACKOFF_MAX_MS: "200",
    // A silent server trips the 1 s idle timeout; a whole answer gets 10 s (its deadline), so that a loaded machine
    // answering slowly adds no retry to the counts compared below.
    HTTP_TIMEOUT_SECONDS: "1",
    HTTP_DEADLINE_SECONDS_TMDB: "10",
    HTTP_DEADLINE_SECONDS_OMDB: "10",
    HTTP_MAX_RETRIES: String(RETRIES),
    TMDB_REQUESTS_PER_SECOND: "500",
    OMDB_REQUESTS_PER_SECOND: "500",
    LOG_LEVEL: "warn",
    ...env,
  });
  const app = await createApp(config, { logDestination: new Writable({ write: (_chunk, _enc, cb) => cb() }) });
  const harvest = async (options: { resume?: boolean } = {}): Promise<CaseResult> => {
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: () => undefined, interactive: false };
    const exit = await harvestCommand(app, { maxPages: PAGES, omdb: true, scrape: false, resume: options.resume ?? false }, io, "test");
    const [run] = await db.query<{ status: string; lost: number | null }>(
      "SELECT status, (summary->>'seriesLost')::int AS lost FROM harvest_run ORDER BY run_id DESC LIMIT 1",
    );
    const staged = await db.query<{ k: string }>("SELECT upstream || ' ' || request_key AS k FROM upstream_answer ORDER BY 1");
    return {
      status: run?.status ?? "none",
      exit,
      statusLine: out.join("").split("\n")[0] ?? "",
      seriesLost: run?.lost ?? null,
      tables: await dump(db),
      requests: { tmdb: tmdb.count(), omdb: omdb.count() },
      staged: staged.map((r) => r.k),
      badBodies: Object.fromEntries(
        ((await app.metrics.registry.getSingleMetric("tv_harvester_http_bad_body_total")?.get())?.values ?? []).map((v) => [
          `${String(v.labels["upstream"])}/${String(v.labels["reason"])}`,
          v.value,
        ]),
      ),
    };
  };
  try {
    return await body({ tmdb, omdb, db, harvest });
  } finally {
    await app.close();
    await Promise.all([tmdb.close(), omdb.close()]);
    await upstreams.close();
    await db.drop();
  }
}

describe("fault suite", () => {
  let clean: CaseResult;
  const cases: { name: string; survived: boolean }[] = [];

  beforeAll(async () => {
    clean = await harvestWithFaults([]);
  });
  afterAll(() => {
    // The figures of the note: cases survived of cases tried (survived: the expected tables and exit code;
    // for a one-off fault, the tables of the clean run).
    const lost = cases.filter((c) => !c.survived).map((c) => c.name);
    console.info(`fault suite: ${cases.length - lost.length} of ${cases.length} cases survived${lost.length ? ` (not: ${lost.join(", ")})` : ""}`);
  });

  /** Runs a transport-fault case and asserts it ends exactly like the clean run, with `extra` requests more. */
  async function expectLikeClean(name: string, tmdbRules: FaultRule[], omdbRules: FaultRule[], extra: { tmdb: number; omdb: number }) {
    const result = await harvestWithFaults(tmdbRules, omdbRules);
    cases.push({ name, survived: result.status === clean.status && JSON.stringify(result.tables) === JSON.stringify(clean.tables) });
    expect(exitCode(result.status)).toBe(0);
    expect(result.exit).toBe(0);
    expect(result.tables).toEqual(clean.tables);
    expect(result.requests).toEqual({ tmdb: clean.requests.tmdb + extra.tmdb, omdb: clean.requests.omdb + extra.omdb });
  }

  it("the clean run: 40 series, a TMDB and (where OMDb knows the id) an IMDb fact each, nothing quarantined", () => {
    expect(clean.status).toBe("succeeded");
    expect(clean.tables.series).toHaveLength(40);
    expect(clean.tables.facts).toHaveLength(40 + withImdb.filter((s) => s.imdb?.rating !== null).length);
    expect(clean.tables.quarantine).toEqual([]);
    expect(clean.requests).toEqual({ tmdb: 1 + PAGES + 40, omdb: withImdb.length });
  });

  const [first, second, third] = SERIES;
  const details = (id: number) => ({ path: `/3/tv/${id}`, query: { append_to_response: DETAILS_APPENDS.join(",") } });

  it("429 with Retry-After 0 on a listing page, once", async () => {
    await expectLikeClean(
      "429 Retry-After 0",
      [{ path: "/3/tv/top_rated", query: { page: "2" }, attempts: [1], fault: { kind: "rate_limited", retryAfter: "0" } }],
      [],
      { tmdb: 1, omdb: 0 },
    );
  });

  it("429 with Retry-After in seconds and as an HTTP-date on details", async () => {
    await expectLikeClean(
      "429 Retry-After seconds / HTTP-date",
      [
        { ...details(first!.tmdbId), attempts: [1], fault: { kind: "rate_limited", retryAfter: 1 } },
        { ...details(second!.tmdbId), attempts: [1], fault: { kind: "rate_limited", retryAfter: new Date(Date.now() + 1000) } },
      ],
      [],
      { tmdb: 2, omdb: 0 },
    );
  });

  it("500, 502 and 503 on details, twice each, then the answer", async () => {
    await expectLikeClean(
      "5xx twice",
      [
        { ...details(first!.tmdbId), attempts: [1, 2], fault: { kind: "server_error", status: 500 } },
        { ...details(second!.tmdbId), attempts: [1, 2], fault: { kind: "server_error", status: 502 } },
        { ...details(third!.tmdbId), attempts: [1, 2], fault: { kind: "server_error", status: 503 } },
      ],
      [],
      { tmdb: 6, omdb: 0 },
    );
  });

  it("a timeout on the genre list and a reset mid-body on a listing page", async () => {
    await expectLikeClean(
      "timeout / reset",
      [
        { path: "/3/genre/tv/list", attempts: [1], fault: { kind: "timeout" } },
        { path: "/3/tv/top_rated", query: { page: "1" }, attempts: [1], fault: { kind: "reset_mid_body" } },
      ],
      [],
      { tmdb: 2, omdb: 0 },
    );
  });

  it("OMDb 503 once for one series", async () => {
    const target = withImdb[0]!;
    await expectLikeClean(
      "OMDb 503 once",
      [],
      [{ path: "/", query: { i: target.imdbId! }, attempts: [1], fault: { kind: "server_error", status: 503 } }],
      { tmdb: 0, omdb: 1 },
    );
  });

  it("OMDb 'Incorrect IMDb ID.' for one series: that series has no IMDb fact, the run succeeds", async () => {
    const target = withImdb.find((s) => s.imdb?.rating !== null)!;
    const result = await harvestWithFaults(
      [],
      [{ path: "/", query: { i: target.imdbId! }, fault: { kind: "omdb_error", error: OMDB_ERRORS.incorrectId } }],
    );
    expect(exitCode(result.status)).toBe(0);
    expect(result.tables.series).toEqual(clean.tables.series);
    const factsOf = (t: TableDump) => t.facts.filter((f) => typeof f === "object" && f !== null && "source_key" in f && f.source_key === "imdb");
    expect(factsOf(result.tables)).toHaveLength(factsOf(clean.tables).length - 1);
    expect(result.tables.facts).toEqual(
      clean.tables.facts.filter(
        (f) =>
          !(typeof f === "object" && f !== null && "series_id" in f && f.series_id === target.tmdbId && "source_key" in f && f.source_key === "imdb"),
      ),
    );
    expect(result.requests).toEqual(clean.requests);
  });

  it("a details answer with a wrong field type: that series is quarantined as schema drift, the others load", async () => {
    const target = third!;
    const result = await harvestWithFaults([
      { ...details(target.tmdbId), fault: { kind: "wrong_types", transform: (json) => replaceAt(json, "number_of_seasons", "five") } },
    ]);
    expect(exitCode(result.status)).toBe(0);
    expect(result.tables.series).toHaveLength(39);
    expect(result.tables.series).toEqual(
      clean.tables.series.filter((s) => !(typeof s === "object" && s !== null && "series_id" in s && s.series_id === target.tmdbId)),
    );
    expect(result.tables.quarantine).toEqual([
      { source: "tmdb_series", upstream_key: `tv/${target.tmdbId}`, kind: "schema_drift", reason: "not_a_number" },
    ]);
  });

  // ---- bad 2xx bodies: retried like a 5xx, never staged as a good answer (issue 10, item 1) ----

  it("the genre list truncated once: retried, the run ends like the clean run", async () => {
    await expectLikeClean("genre list truncated once", [{ path: "/3/genre/tv/list", attempts: [1], fault: { kind: "truncated_json" } }], [], {
      tmdb: 1,
      omdb: 0,
    });
  });

  it("listing page 2 as an HTML page with status 200, once: retried, the run ends like the clean run", async () => {
    await expectLikeClean(
      "listing page 2 HTML-200 once",
      [{ path: "/3/tv/top_rated", query: { page: "2" }, attempts: [1], fault: { kind: "html_200" } }],
      [],
      {
        tmdb: 1,
        omdb: 0,
      },
    );
  });

  it("one details answer empty once and another malformed once: retried, the run ends like the clean run", async () => {
    await expectLikeClean(
      "details empty / malformed once",
      [
        { ...details(first!.tmdbId), attempts: [1], fault: { kind: "empty_body" } },
        { ...details(second!.tmdbId), attempts: [1], fault: { kind: "malformed_json" } },
      ],
      [],
      { tmdb: 2, omdb: 0 },
    );
  });

  it("listing page 2 stays HTML: its 20 series are lost and said so, the page is quarantined as not_json and never staged", async () => {
    const result = await harvestWithFaults([{ path: "/3/tv/top_rated", query: { page: "2" }, fault: { kind: "html_200" } }]);
    const page1 = SERIES.slice(0, 20).map((x) => x.tmdbId);
    cases.push({ name: "listing page 2 HTML for ever", survived: result.exit === 0 && result.tables.series.length === 20 });
    expect(result.exit).toBe(0);
    expect(result.seriesLost).toBe(20);
    expect(result.statusLine).toBe(`Harvest run 1: SUCCEEDED, 20 series lost`);
    expect(result.tables.series).toEqual(clean.tables.series.filter((x) => page1.includes(seriesIdOf(x) ?? -1)));
    expect(result.tables.quarantine).toEqual([
      { source: "tmdb_top_rated", upstream_key: "tv/top_rated?page=2", kind: "schema_drift", reason: "not_json" },
    ]);
    expect(result.staged.filter((k) => k.includes("top_rated"))).toEqual(["tmdb tv/top_rated?page=1"]);
    // The page was asked 1 + RETRIES times, each refusal counted as a bad body.
    expect(result.requests.tmdb).toBe(1 + 1 + (1 + RETRIES) + 20);
    expect(result.badBodies).toEqual({ "tmdb/not_json": 1 + RETRIES });
  });

  it("the genre list stays truncated on a new database: the run fails (exit 1) with invalid_json, and --resume asks again and finishes like the clean run", async () => {
    await withFaults([{ path: "/3/genre/tv/list", fault: { kind: "truncated_json" } }], [], {}, async (h) => {
      const failed = await h.harvest();
      expect(failed.exit).toBe(1);
      expect(failed.status).toBe("failed");
      expect(failed.tables.quarantine).toEqual([
        { source: "tmdb_genres", upstream_key: "genre/tv/list", kind: "schema_drift", reason: "invalid_json" },
      ]);
      expect(failed.staged).toEqual([]);
      h.tmdb.setRules([]);
      const resumed = await h.harvest({ resume: true });
      cases.push({ name: "genre list truncated for ever, then resumed", survived: resumed.exit === 0 });
      expect(resumed.exit).toBe(0);
      expect(resumed.tables.series).toEqual(clean.tables.series);
      expect(resumed.tables.facts).toEqual(clean.tables.facts);
      // The refused list was asked again (it had not been staged). The drift row stays: it is why the first
      // attempt of this run failed.
      expect(resumed.tables.quarantine).toEqual(failed.tables.quarantine);
      expect(resumed.staged).toContain("tmdb genre/tv/list");
    });
  });

  it("OMDb answering malformed JSON for one series: retried, then quarantined as invalid_json; that series has no IMDb fact, the run succeeds", async () => {
    const target = withImdb.find((x) => x.imdb?.rating !== null)!;
    const result = await harvestWithFaults([], [{ path: "/", query: { i: target.imdbId! }, fault: { kind: "malformed_json" } }]);
    cases.push({ name: "OMDb malformed for ever", survived: result.exit === 0 });
    expect(result.exit).toBe(0);
    expect(result.tables.series).toEqual(clean.tables.series);
    expect(result.tables.facts).toEqual(clean.tables.facts.filter((f) => !(seriesIdOf(f) === target.tmdbId && sourceOf(f) === "imdb")));
    expect(result.tables.quarantine).toEqual([{ source: "omdb", upstream_key: target.imdbId, kind: "schema_drift", reason: "invalid_json" }]);
    expect(result.staged).not.toContain(`omdb i=${target.imdbId}`);
    expect(result.requests.omdb).toBe(clean.requests.omdb + RETRIES);
  });

  // ---- hostile records: one record never fails a run (issue 10, item 2) ----

  it("a NUL character in a title: removed before staging and loading, the record flagged, the run ends like the clean run", async () => {
    const target = second!;
    const result = await harvestWithFaults([
      {
        ...details(target.tmdbId),
        fault: { kind: "wrong_types", transform: (json) => replaceAt(json, "name", `${target.title.slice(0, 3)}\u0000${target.title.slice(3)}`) },
      },
    ]);
    cases.push({
      name: "NUL in a title",
      survived: result.exit === 0 && JSON.stringify(result.tables.series) === JSON.stringify(clean.tables.series),
    });
    expect(result.exit).toBe(0);
    expect(result.tables.series).toEqual(clean.tables.series);
    expect(result.tables.facts).toEqual(clean.tables.facts);
    expect(result.tables.quarantine).toEqual([
      { source: "tmdb_series", upstream_key: `tv/${target.tmdbId}`, kind: "flagged", reason: "schema_mismatch" },
    ]);
    expect(result.seriesLost).toBe(0);
  });

  it("a TMDB id above 2^31-1 in a listing: that entry is rejected at the listing as invalid_id (its details never asked), the 39 others load", async () => {
    const target = first!;
    const result = await harvestWithFaults([
      { path: "/3/tv/top_rated", query: { page: "1" }, fault: { kind: "wrong_types", transform: (json) => replaceAt(json, "results.0.id", BIG_ID) } },
      { path: `/3/tv/${BIG_ID}`, fault: { kind: "rewritten", path: `/3/tv/${target.tmdbId}`, transform: (json) => replaceAt(json, "id", BIG_ID) } },
    ]);
    cases.push({ name: "id above 2^31-1", survived: result.exit === 0 && result.tables.series.length === 39 });
    expect(result.exit).toBe(0);
    expect(result.seriesLost).toBe(1);
    expect(result.tables.series).toEqual(clean.tables.series.filter((x) => seriesIdOf(x) !== target.tmdbId));
    expect(result.tables.facts).toEqual(clean.tables.facts.filter((f) => seriesIdOf(f) !== target.tmdbId));
    expect(result.tables.quarantine).toEqual([
      { source: "tmdb_top_rated", upstream_key: "tv/top_rated?page=1#0", kind: "rejected", reason: "invalid_id" },
    ]);
  });

  it("a listing entry with a wrong field type: that entry is rejected alone and counted as lost", async () => {
    const result = await harvestWithFaults([
      { path: "/3/tv/top_rated", query: { page: "1" }, fault: { kind: "wrong_types", transform: (json) => replaceAt(json, "results.1.id", "x") } },
    ]);
    cases.push({ name: "listing entry wrong type", survived: result.exit === 0 });
    expect(result.exit).toBe(0);
    expect(result.seriesLost).toBe(1);
    expect(result.tables.series).toEqual(clean.tables.series.filter((x) => seriesIdOf(x) !== second!.tmdbId));
    expect(result.tables.quarantine).toEqual([
      { source: "tmdb_top_rated", upstream_key: "tv/top_rated?page=1#1", kind: "rejected", reason: "not_a_number" },
    ]);
  });

  it("one series answering 429 for ever: quarantined as upstream_error after the rate-limit deadline, the run succeeds and says 1 series lost", async () => {
    const target = third!;
    const result = await harvestWithFaults([{ ...details(target.tmdbId), fault: { kind: "rate_limited", retryAfter: "0" } }], [], {
      HTTP_RATE_LIMIT_DEADLINE_SECONDS: "2",
    });
    cases.push({ name: "429 for ever on one series", survived: result.exit === 0 && result.tables.series.length === 39 });
    expect(result.exit).toBe(0);
    expect(result.seriesLost).toBe(1);
    expect(result.statusLine).toBe("Harvest run 1: SUCCEEDED, 1 series lost");
    expect(result.tables.series).toEqual(clean.tables.series.filter((x) => seriesIdOf(x) !== target.tmdbId));
    expect(result.tables.facts).toEqual(clean.tables.facts.filter((f) => seriesIdOf(f) !== target.tmdbId));
    expect(result.tables.quarantine).toEqual([
      { source: "tmdb_series", upstream_key: `tv/${target.tmdbId}`, kind: "rejected", reason: "upstream_error" },
    ]);
  });

  // ---- OMDb's error answers and a 500 echoing the key ----

  it("OMDb 500 echoing the request URL with its key, for ever: that series' lookup is an error, the key is stored nowhere", async () => {
    const target = withImdb.find((x) => x.imdb?.rating !== null)!;
    await withFaults(
      [],
      [{ path: "/", query: { i: target.imdbId! }, fault: { kind: "server_error", status: 500, echoUrl: true } }],
      {},
      async (h) => {
        const result = await h.harvest();
        const details = await h.db.query<{ detail: string | null }>("SELECT detail FROM enrichment_state WHERE series_id = $1 AND source = 'omdb'", [
          target.tmdbId,
        ]);
        const everything = await h.db.query<{ t: string }>(
          "SELECT string_agg(x::text, ' ') AS t FROM (SELECT row_to_json(e)::text AS x FROM enrichment_state e UNION ALL SELECT row_to_json(q)::text FROM quarantine q UNION ALL SELECT row_to_json(r)::text FROM harvest_run r UNION ALL SELECT row_to_json(s)::text FROM upstream_answer s) all_rows",
        );
        cases.push({ name: "OMDb 500 echoing the key", survived: result.exit === 0 && !(everything[0]?.t ?? "").includes(OMDB_KEY) });
        expect(result.exit).toBe(0);
        expect(result.tables.series).toEqual(clean.tables.series);
        expect(result.tables.facts).toEqual(clean.tables.facts.filter((f) => !(seriesIdOf(f) === target.tmdbId && sourceOf(f) === "imdb")));
        expect(result.tables.enrichment).toContainEqual({ series_id: target.tmdbId, source: "omdb", status: "error" });
        expect(details[0]?.detail).toContain("HTTP 500");
        expect(details[0]?.detail).not.toContain(OMDB_KEY);
        expect(everything[0]?.t).not.toContain(OMDB_KEY);
      },
    );
  });

  it("OMDb's 'Error getting data.' for one series: not found, no IMDb fact, not retried, the run succeeds", async () => {
    const target = withImdb.find((x) => x.imdb?.rating !== null)!;
    const result = await harvestWithFaults(
      [],
      [{ path: "/", query: { i: target.imdbId! }, fault: { kind: "omdb_error", error: OMDB_ERRORS.errorGettingData } }],
    );
    cases.push({ name: "OMDb 'Error getting data.'", survived: result.exit === 0 });
    expect(result.exit).toBe(0);
    expect(result.tables.facts).toEqual(clean.tables.facts.filter((f) => !(seriesIdOf(f) === target.tmdbId && sourceOf(f) === "imdb")));
    expect(result.tables.enrichment).toContainEqual({ series_id: target.tmdbId, source: "omdb", status: "not_found" });
    expect(result.tables.quarantine).toEqual([]);
    expect(result.requests).toEqual(clean.requests);
  });
});

function seriesIdOf(row: unknown): number | undefined {
  return typeof row === "object" && row !== null && "series_id" in row && typeof row.series_id === "number" ? row.series_id : undefined;
}

function sourceOf(row: unknown): string | undefined {
  return typeof row === "object" && row !== null && "source_key" in row && typeof row.source_key === "string" ? row.source_key : undefined;
}
