/**
 * No secret anywhere (issue 10, item 3): each configured secret (TMDB key or TMDB token, OMDb key, reader
 * password, the DATABASE_URL password) is planted in every answer shape the fault upstream can produce — the
 * request URL echoed in a 5xx body and in a 200 HTML page, the URL and Authorization header echoed in a
 * response header, the body text of good answers (titles, plots, OMDb fields), OMDb's error message, and the
 * error messages made from them — and then every column of every table (dumped as text), every log line
 * (level debug), the printed summary and the /metrics text are searched: no secret anywhere.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { harvestCommand } from "../../src/commands/harvest.js";
import { loadConfig } from "../../src/config.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { type ReplayDataset, apiOnlyDataset } from "../../src/replay/dataset.js";
import { startReplayUpstreams } from "../../src/replay/upstreams.js";
import { DETAILS_APPENDS } from "../../src/sources/tmdb/tmdb.js";
import { createTestDatabase } from "../helpers/db.js";
import { OMDB_ERRORS, replaceAt, startFaultUpstream, type FaultRule } from "../helpers/fault-upstream.js";

const SERIES = DEMO_CATALOGUE.slice(0, 20);
const withImdb = SERIES.filter((s) => s.imdbId !== null && s.imdb !== null);
const details = (id: number) => ({ path: `/3/tv/${id}`, query: { append_to_response: DETAILS_APPENDS.join(",") } });
const omdbFor = (imdbId: string) => ({ path: "/", query: { i: imdbId } });

const TMDB_KEY = "tmdbKEY0123456789abcdef";
const TMDB_TOKEN = "eyJtmdb.token-0123456789.sig";
const OMDB_KEY = "omdbKEY98765";
const READER_PASSWORD = "reader-Pa55word!@/";

/** What a run left behind, as text: every table's rows, the log lines, the printed output, the metrics. */
interface Traces {
  tables: Record<string, string>;
  logs: string;
  output: string;
  metrics: string;
  /** Answers the fault servers sent with a fault (the plants that reached the harvester). */
  faulted: number;
}

async function harvestWithPlantedSecrets(auth: "key" | "token"): Promise<{ traces: Traces; secrets: string[]; exit: number }> {
  const tmdbCredential = auth === "key" ? TMDB_KEY : TMDB_TOKEN;
  const dataset: ReplayDataset = apiOnlyDataset(DEMO_CATALOGUE);
  const upstreams = await startReplayUpstreams(dataset, auth === "key" ? { tmdbApiKey: TMDB_KEY, omdbApiKey: OMDB_KEY } : { omdbApiKey: OMDB_KEY });
  const db = await createTestDatabase();
  const dbPassword = decodeURIComponent(new URL(db.url).password);
  const secrets = [tmdbCredential, OMDB_KEY, READER_PASSWORD, dbPassword];
  const all = secrets.join(" ");
  const [a, b, c, d, e, f] = SERIES;
  const [o1, o2, o3] = withImdb.slice(-3);
  const tmdbRules: FaultRule[] = [
    // The request URL (api_key=…) echoed in a 5xx body, for ever: an error message in the quarantine.
    { ...details(a!.tmdbId), fault: { kind: "server_error", status: 500, echoUrl: true } },
    // Every secret in a 503 body once (retried, logged).
    { ...details(b!.tmdbId), attempts: [1], fault: { kind: "server_error", status: 503, body: `upstream error; ${all}` } },
    // Every secret in the body text of a good answer: title, plot, a network name.
    {
      ...details(c!.tmdbId),
      fault: { kind: "wrong_types", transform: (json) => replaceAt(replaceAt(json, "name", `${c!.title} ${all}`), "overview", `plot ${all}`) },
    },
    // The URL in a 200 HTML page, for ever: quarantined as not_json with the page text.
    { ...details(d!.tmdbId), fault: { kind: "html_200", echoUrl: true } },
    // The URL and the Authorization header echoed in a response header.
    { ...details(e!.tmdbId), fault: { kind: "echo_header", header: "x-debug-request" } },
    // Every secret in a field of the wrong type: schema drift with the payload.
    { ...details(f!.tmdbId), fault: { kind: "wrong_types", transform: (json) => replaceAt(json, "number_of_seasons", all) } },
  ];
  const omdbRules: FaultRule[] = [
    { ...omdbFor(o1!.imdbId!), fault: { kind: "server_error", status: 500, echoUrl: true } },
    { ...omdbFor(o2!.imdbId!), fault: { kind: "omdb_error", error: `${OMDB_ERRORS.invalidKey} ${all}` } },
    { ...omdbFor(o3!.imdbId!), fault: { kind: "wrong_types", transform: (json) => replaceAt(json, "Title", `T ${all}`) } },
  ];
  // With a Bearer token, the fault server adds the replay's own key when forwarding (the replay knows keys only).
  const tmdb = await startFaultUpstream({
    target: upstreams.tmdb.url,
    rules: tmdbRules,
    ...(auth === "token" ? { targetParams: { api_key: "replay-tmdb-key" } } : {}),
  });
  const omdb = await startFaultUpstream({ target: upstreams.omdb.url, rules: omdbRules });
  const logs: string[] = [];
  const config = loadConfig({
    DATABASE_URL: db.url,
    TMDB_API_URL: `${tmdb.url}/3`,
    OMDB_API_URL: omdb.url,
    OMDB_API_KEY: OMDB_KEY,
    ...(auth === "key" ? { TMDB_API_KEY: TMDB_KEY } : { TMDB_ACCESS_TOKEN: TMDB_TOKEN }),
    READER_ROLE_PASSWORD: READER_PASSWORD,
    HTTP_BACKOFF_BASE_MS: "10",
    HTTP_BACKOFF_MAX_MS: "50",
    HTTP_MAX_RETRIES: "1",
    TMDB_REQUESTS_PER_SECOND: "500",
    OMDB_REQUESTS_PER_SECOND: "500",
    LOG_LEVEL: "debug",
  });
  const app = await createApp(config, {
    logDestination: new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        logs.push(chunk.toString("utf8"));
        cb();
      },
    }),
  });
  const output: string[] = [];
  try {
    const exit = await harvestCommand(
      app,
      { maxPages: 1, omdb: true, scrape: false, resume: false },
      { stdout: (t) => output.push(t), stderr: (t) => output.push(t), interactive: false },
      "test",
    );
    const tables: Record<string, string> = {};
    const names = await db.query<{ schema: string; name: string }>(
      "SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1, 2",
    );
    for (const { schema, name } of names) {
      const rows = await db.query<{ t: string | null }>(`SELECT string_agg(x::text, E'\\n') AS t FROM "${schema}"."${name}" x`);
      tables[name] = rows[0]?.t ?? "";
    }
    const traces: Traces = {
      tables,
      logs: logs.join(""),
      output: output.join(""),
      metrics: await app.metrics.registry.metrics(),
      faulted: tmdb.faulted().length + omdb.faulted().length,
    };
    return { traces, secrets, exit };
  } finally {
    await app.close();
    await Promise.all([tmdb.close(), omdb.close()]);
    await upstreams.close();
    await db.drop();
  }
}

/** Every place `secret` (or its percent-encoded form) occurs in the traces. */
function whereFound(traces: Traces, secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  const found: string[] = [];
  const look = (where: string, text: string) => {
    if (forms.some((f) => text.includes(f))) found.push(where);
  };
  for (const [name, text] of Object.entries(traces.tables)) look(`table ${name}`, text);
  look("logs", traces.logs);
  look("output", traces.output);
  look("metrics", traces.metrics);
  return found;
}

describe("secrets planted in every answer shape are found in no table, log line, output or metric", () => {
  for (const auth of ["key", "token"] as const) {
    it(`with the TMDB ${auth === "key" ? "API key" : "access token"}`, async () => {
      const { traces, secrets, exit } = await harvestWithPlantedSecrets(auth);
      // The plants reached the harvester, and the answers carrying them were stored and logged (redacted).
      expect(traces.faulted).toBeGreaterThan(8);
      expect(exit).toBe(0);
      expect(traces.tables["upstream_answer"]).toContain("[REDACTED]");
      expect(traces.tables["series_dim"]).toContain("[REDACTED]");
      expect(traces.tables["quarantine"]).toContain("[REDACTED]");
      expect(traces.tables["enrichment_state"]).toContain("[REDACTED]");
      expect(traces.logs).toContain("[REDACTED]");
      for (const secret of secrets) expect({ secret, foundIn: whereFound(traces, secret) }).toEqual({ secret, foundIn: [] });
    });
  }
});
