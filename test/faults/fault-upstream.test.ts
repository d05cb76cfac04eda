import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startReplayServer, type ReplayServer } from "../../src/replay/server.js";
import { OMDB_ERRORS, httpDate, replaceAt, startFaultUpstream, type Fault, type FaultUpstream } from "../helpers/fault-upstream.js";

const GENRES = {
  genres: [
    { id: 18, name: "Drama" },
    { id: 35, name: "Comedy" },
  ],
};
const PAGE = (page: number) => ({ page, results: [{ id: 1396 + page, name: `Series ${page}` }], total_pages: 3, total_results: 60 });
const OMDB = { Title: "Breaking Bad", imdbRating: "9.5", imdbVotes: "2,212,015", Response: "True" };

describe("fault upstream (test helper)", () => {
  let replay: ReplayServer;
  let faults: FaultUpstream;
  const get = (path: string, init?: RequestInit) => fetch(`${faults.url}${path}`, init);
  const only = (fault: Fault, extra: { path?: string; attempts?: number[] } = {}) =>
    faults.setRules([{ path: extra.path ?? "/3/genre/tv/list", attempts: extra.attempts, fault }]);

  beforeAll(async () => {
    replay = await startReplayServer({
      name: "tmdb",
      routes: new Map<string, { body: unknown }>([
        ["/3/genre/tv/list", { body: GENRES }],
        ["/3/tv/top_rated?page=1", { body: PAGE(1) }],
        ["/3/tv/top_rated?page=2", { body: PAGE(2) }],
        ["/?i=tt0903747", { body: OMDB }],
      ]),
      ignoreParams: ["api_key", "apikey", "language"],
    });
    faults = await startFaultUpstream({ target: replay.url });
  });
  afterEach(() => {
    faults.setRules([]);
    faults.reset();
  });
  afterAll(async () => {
    await faults?.close();
    await replay?.close();
  });

  it("passes requests through unchanged when no rule matches, and records them without credentials", async () => {
    const res = await get("/3/genre/tv/list?api_key=SECRET&language=en");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(GENRES);
    expect(faults.requests).toMatchObject([
      { method: "GET", key: "GET /3/genre/tv/list?language=en", attempt: 1, fault: null, status: 200, query: { language: "en" } },
    ]);
    expect(JSON.stringify(faults.requests)).not.toContain("SECRET");
  });

  it("429 with Retry-After 0, seconds, an HTTP-date, or none", async () => {
    const at = new Date("2026-12-01T10:00:05Z");
    for (const [retryAfter, header] of [
      ["0", "0"],
      [2, "2"],
      [at, "Tue, 01 Dec 2026 10:00:05 GMT"],
      [null, null],
    ] as const) {
      only({ kind: "rate_limited", retryAfter });
      const res = await get("/3/genre/tv/list");
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe(header);
      expect(await res.json()).toMatchObject({ status_code: 25 });
    }
    expect(httpDate(at)).toBe("Tue, 01 Dec 2026 10:00:05 GMT");
  });

  it("500, 502, 503, optionally echoing the request URL with its credentials (as a careless upstream does)", async () => {
    for (const status of [500, 502, 503] as const) {
      only({ kind: "server_error", status, echoUrl: status === 500 });
      const res = await get("/3/genre/tv/list?api_key=SECRET");
      expect(res.status).toBe(status);
      const text = await res.text();
      if (status === 500) {
        expect(text).toContain("api_key=SECRET");
        expect(res.headers.get("x-request-url")).toContain("api_key=SECRET");
      } else expect(text).not.toContain("SECRET");
    }
  });

  it("timeout: the socket is held and never answered", async () => {
    only({ kind: "timeout" });
    await expect(get("/3/genre/tv/list", { signal: AbortSignal.timeout(300) })).rejects.toMatchObject({ name: "TimeoutError" });
    expect(faults.requests).toMatchObject([{ fault: "timeout", status: 0 }]);
  });

  it("reset in the middle of the body", async () => {
    only({ kind: "reset_mid_body" });
    const res = await get("/3/genre/tv/list");
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it("truncated JSON: a complete message whose JSON stops half-way", async () => {
    only({ kind: "truncated_json" });
    const res = await get("/3/genre/tv/list");
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.stringify(GENRES).startsWith(text)).toBe(true);
    expect(text.length).toBe(Math.floor(JSON.stringify(GENRES).length / 2));
    expect(() => JSON.parse(text)).toThrow();
  });

  it("malformed JSON, an HTML page with status 200, an empty body", async () => {
    only({ kind: "malformed_json" });
    const malformed = await (await get("/3/genre/tv/list")).text();
    expect(malformed).toHaveLength(JSON.stringify(GENRES).length);
    expect(() => JSON.parse(malformed)).toThrow();

    only({ kind: "html_200" });
    const html = await get("/3/genre/tv/list");
    expect([html.status, html.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    expect(await html.text()).toMatch(/^<!DOCTYPE html>/);

    only({ kind: "empty_body" });
    const empty = await get("/3/genre/tv/list");
    expect([empty.status, await empty.text()]).toEqual([200, ""]);
  });

  it("wrong field types: the upstream's JSON transformed", async () => {
    only({ kind: "wrong_types", transform: (json) => replaceAt(replaceAt(json, "genres.0.id", "18"), "genres.1.name", 35) });
    expect(await (await get("/3/genre/tv/list")).json()).toEqual({
      genres: [
        { id: "18", name: "Drama" },
        { id: 35, name: 35 },
      ],
    });
    expect(replaceAt(GENRES, "genres.9.id", 1)).toEqual(GENRES);
  });

  it("OMDb's error answers, with the status OMDb uses", async () => {
    for (const [error, status] of [
      [OMDB_ERRORS.limitReached, 401],
      [OMDB_ERRORS.invalidKey, 401],
      [OMDB_ERRORS.incorrectId, 200],
    ] as const) {
      faults.setRules([{ path: "/", query: { i: /^tt\d+$/ }, fault: { kind: "omdb_error", error, status } }]);
      const res = await get("/?i=tt0903747&apikey=K");
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ Response: "False", Error: error });
    }
  });

  it("faults only the attempts, methods and queries a rule names, counting attempts per key", async () => {
    faults.setRules([
      { method: "GET", path: /^\/3\/tv\/top_rated$/, query: { page: "2" }, attempts: [1, 2], fault: { kind: "server_error", status: 503 } },
    ]);
    const statuses = [];
    for (const page of [1, 2, 2, 2, 1]) statuses.push((await get(`/3/tv/top_rated?page=${page}&api_key=K`)).status);
    statuses.push((await get("/3/tv/top_rated?page=2", { method: "POST", body: "{}" })).status);
    expect(statuses).toEqual([200, 503, 503, 200, 200, 200]); // the POST is not the rule's method: passed through
    expect(faults.count("GET /3/tv/top_rated?page=2")).toBe(3);
    expect(faults.requests.map((r) => [r.key, r.attempt, r.fault])).toEqual([
      ["GET /3/tv/top_rated?page=1", 1, null],
      ["GET /3/tv/top_rated?page=2", 1, "server_error"],
      ["GET /3/tv/top_rated?page=2", 2, "server_error"],
      ["GET /3/tv/top_rated?page=2", 3, null],
      ["GET /3/tv/top_rated?page=1", 2, null],
      ["POST /3/tv/top_rated?page=2", 1, null],
    ]);
    expect(faults.faulted()).toHaveLength(2);
    // The replay behind saw only what was passed through.
    expect(replay.count("/3/tv/top_rated?page=2")).toBe(2); // one GET after the two faults, one POST
  });
});
