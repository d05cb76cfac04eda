/**
 * The per-upstream HTTP client against a local replay server: Retry-After is honoured without using up a
 * retry, 5xx and refused bodies are retried with backoff, other 4xx are not, credentials never leave the
 * client in errors. (The rate controller against a token bucket: http-rate-control.test.ts.)
 */
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { RateLimitedError, UpstreamBadBodyError, UpstreamHttpError } from "../../src/errors.js";
import { jsonBodyCheck } from "../../src/http/body-check.js";
import { createUpstreamClient, type UpstreamClientOptions } from "../../src/http/client.js";
import { systemRateClock, type RateClock } from "../../src/http/rate-control.js";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { startReplayServer, type ReplayRoute, type ReplayServer } from "../../src/replay/server.js";

const servers: ReplayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(routes: Record<string, ReplayRoute>): Promise<ReplayServer> {
  const server = await startReplayServer({
    name: "test",
    routes: new Map(Object.entries(routes)),
    auth: { param: "api_key", values: ["secret-key-123"], unauthorized: { status: 401, body: { status_code: 7 } } },
  });
  servers.push(server);
  return server;
}

function client(server: ReplayServer, over: Partial<UpstreamClientOptions> = {}) {
  const metrics = new HarvesterMetrics();
  return {
    metrics,
    client: createUpstreamClient({
      name: "tmdb",
      baseUrl: server.url,
      timeoutMs: 2000,
      requestsPerSecond: 1000,
      maxConcurrent: 10,
      retry: { maxRetries: 3, backoffBaseMs: 50, backoffMaxMs: 200 },
      auth: { params: { api_key: "secret-key-123" } },
      metrics,
      ...over,
    }),
  };
}

/**
 * The system's clock, recording every wait the rate controller asks for (ms): what the client decided to wait,
 * asserted instead of the wall time it took (the pause itself is tested in simulated time, http-rate-control).
 */
function recordingClock(): { rateClock: RateClock; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    rateClock: {
      now: systemRateClock.now,
      sleep: (ms, signal) => {
        waits.push(ms);
        return systemRateClock.sleep(ms, signal);
      },
    },
  };
}

describe("UpstreamClient", () => {
  it("waits for Retry-After on 429 and then succeeds, without using up a retry", async () => {
    const server = await serve({ "/x": [{ status: 429, body: {}, headers: { "Retry-After": "1" } }, { body: { ok: true } }] });
    const { rateClock, waits } = recordingClock();
    const { client: c, metrics } = client(server, { rateClock, retry: { maxRetries: 0, backoffBaseMs: 50, backoffMaxMs: 50 } });
    const response = await c.get("/x");
    expect(JSON.parse(response.text)).toEqual({ ok: true });
    // The upstream paused for the Retry-After's second before the request went again.
    expect(Math.max(...waits)).toBeCloseTo(1000, 3);
    expect(c.stats()).toMatchObject({ requests: 2, retries: 0, throttled: 1 });
    expect((await metrics.registry.getSingleMetric("tv_harvester_http_throttled_total")?.get())?.values[0]?.value).toBe(1);
  });

  it("waits at least a second when Retry-After is 0", async () => {
    const server = await serve({ "/x": [{ status: 429, body: {}, headers: { "Retry-After": "0" } }, { body: {} }] });
    const { rateClock, waits } = recordingClock();
    await client(server, { rateClock }).client.get("/x");
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(Math.max(...waits)).toBeCloseTo(1000, 3);
  });

  it("waits out a long storm of 429s without failing the request: one pause, logged once", async () => {
    const storm = Array.from({ length: 3 }, () => ({ status: 429, body: {}, headers: { "Retry-After": "0" } }));
    const server = await serve({ "/x": [...storm, { body: { ok: true } }] });
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
    const { client: c, metrics } = client(server, { logger, retry: { maxRetries: 0, backoffBaseMs: 10, backoffMaxMs: 10 } });
    const response = await c.get("/x");
    expect(JSON.parse(response.text)).toEqual({ ok: true });
    expect(server.requests.map((r) => r.status)).toEqual([429, 429, 429, 200]);
    expect(c.stats()).toMatchObject({ requests: 4, retries: 0, throttled: 3, failures: 0, pauses: 1 });
    expect(lines.filter((l) => l.includes("rate limited"))).toHaveLength(1);
    expect((await metrics.registry.getSingleMetric("tv_harvester_http_rate_limit_pauses_total")?.get())?.values[0]?.value).toBe(1);
  });

  it("fails a request with RateLimitedError only after its rate-limit deadline", async () => {
    const server = await serve({ "/x": { status: 429, body: {}, headers: { "Retry-After": "1" } } });
    const { client: c } = client(server, { retry: { maxRetries: 3, backoffBaseMs: 10, backoffMaxMs: 10, rateLimitDeadlineMs: 1500 } });
    const error = await c.get("/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(String((error as Error).message)).not.toContain("secret-key-123");
    // 429 at 0 s, 1 s, 2 s: the third is past the deadline of 1.5 s.
    expect(server.count("/x")).toBe(3);
  });

  it("retries 500, 500 then gets 200, with backoff", async () => {
    const server = await serve({ "/x": [{ status: 500, body: "boom" }, { status: 500, body: "boom" }, { body: { ok: 1 } }] });
    const { client: c } = client(server);
    const response = await c.get("/x");
    expect(response.status).toBe(200);
    expect(server.count("/x")).toBe(3);
    expect(c.stats()).toMatchObject({ requests: 3, retries: 2 });
  });

  it("does not retry other 4xx, and the error names the status without the key", async () => {
    const server = await serve({ "/x": { status: 404, body: { status_code: 34 } } });
    const error = await client(server)
      .client.get("/x", { page: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamHttpError);
    expect((error as UpstreamHttpError).status).toBe(404);
    expect((error as UpstreamHttpError).retryable).toBe(false);
    expect(server.count("/x?page=1")).toBe(1);
    expect(String((error as Error).message)).not.toContain("secret-key-123");
    expect((error as UpstreamHttpError).url).toContain("api_key=[REDACTED]");
  });

  it("returns accepted statuses to the caller", async () => {
    const server = await serve({ "/x": { status: 404, body: { status_code: 34 } } });
    const response = await client(server).client.get("/x", {}, { acceptStatus: (s) => s === 404 });
    expect(response.status).toBe(404);
  });

  it("retries timeouts and connection errors, then fails with a retryable error", async () => {
    const server = await serve({ "/slow": { body: {}, delayMs: 500 } });
    const { client: c } = client(server, { timeoutMs: 100, retry: { maxRetries: 2, backoffBaseMs: 10, backoffMaxMs: 10 } });
    const error = await c.get("/slow").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamHttpError);
    expect((error as UpstreamHttpError).status).toBe(0);
    expect(server.count("/slow")).toBe(3);
    const closed = createUpstreamClient({
      name: "omdb",
      baseUrl: "http://127.0.0.1:9",
      timeoutMs: 500,
      requestsPerSecond: 100,
      maxConcurrent: 1,
      retry: { maxRetries: 1, backoffBaseMs: 10, backoffMaxMs: 10 },
    });
    await expect(closed.get("/")).rejects.toMatchObject({ status: 0, retryable: true });
    expect(closed.stats()).toMatchObject({ requests: 2, retries: 1 });
  });

  it("keeps other upstreams going while one waits out a 429", async () => {
    const throttled = await serve({ "/x": [{ status: 429, body: {}, headers: { "Retry-After": "2" } }, { body: {} }] });
    const other = await serve({ "/y": { body: {} } });
    const a = client(throttled).client;
    const b = client(other).client;
    const order: string[] = [];
    const slow = a.get("/x").then(() => order.push("x"));
    // Once the 429 is in, /x waits two seconds; /y is answered meanwhile.
    while (a.stats().throttled === 0) await new Promise((r) => setTimeout(r, 10));
    await b.get("/y");
    order.push("y");
    await slow;
    expect(order).toEqual(["y", "x"]);
    expect(throttled.count("/x")).toBe(2);
  });
});

describe("UpstreamClient body checks", () => {
  const check = jsonBodyCheck(z.object({ genres: z.array(z.object({ id: z.number(), name: z.string() })) }));

  it("retries a truncated JSON body once, then returns the good answer", async () => {
    const good = { genres: [{ id: 18, name: "Drama" }] };
    const server = await serve({ "/genre": [{ body: '{"genres":[{"id":18,"na' }, { body: good }] });
    const { client: c, metrics } = client(server);
    const response = await c.get("/genre", {}, { checkBody: check });
    expect(JSON.parse(response.text)).toEqual(good);
    expect(server.count("/genre")).toBe(2);
    expect(c.stats()).toMatchObject({ requests: 2, retries: 1, badBodies: 1, failures: 0 });
    const counted = (await metrics.registry.getSingleMetric("tv_harvester_http_bad_body_total")?.get())?.values;
    expect(counted).toEqual([expect.objectContaining({ value: 1, labels: { upstream: "tmdb", reason: "invalid_json" } })]);
  });

  it("throws UpstreamBadBodyError with its reason after maxRetries retries of an HTML 200, the key scrubbed", async () => {
    const server = await serve({ "/genre": { body: "<html><body>Maintenance. You asked for /genre?api_key=secret-key-123</body></html>" } });
    const { client: c } = client(server);
    const error = await c.get("/genre", {}, { checkBody: check }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamBadBodyError);
    const bad = error as UpstreamBadBodyError;
    expect(bad).toMatchObject({ reason: "not_json", status: 200, url: expect.stringContaining("api_key=[REDACTED]") });
    expect(bad.body).toContain("Maintenance");
    expect(`${bad.message} ${bad.body} ${bad.detail}`).not.toContain("secret-key-123");
    expect(server.count("/genre")).toBe(1 + 3);
    expect(c.stats()).toMatchObject({ requests: 4, retries: 3, badBodies: 4, failures: 1 });
  });

  it("classifies empty bodies and JSON of the wrong shape", async () => {
    const server = await serve({ "/empty": { body: "" }, "/shape": { body: { genres: "many" } } });
    const { client: c } = client(server, { retry: { maxRetries: 0, backoffBaseMs: 10, backoffMaxMs: 10 } });
    await expect(c.get("/empty", {}, { checkBody: check })).rejects.toMatchObject({ reason: "empty_body" });
    await expect(c.get("/shape", {}, { checkBody: check })).rejects.toMatchObject({
      reason: "schema_mismatch",
      detail: expect.stringContaining("genres"),
    });
  });
});

describe("createClients", () => {
  it("sends a TMDB v4 token as a Bearer header and a v3 key as api_key, never both", async () => {
    const { createClients } = await import("../../src/app.js");
    const { loadConfig } = await import("../../src/config.js");
    const bearer = await startReplayServer({
      name: "tmdb",
      routes: new Map([["/3/x", { body: { ok: 1 } }]]),
      auth: { bearer: true, values: ["v4-token-abcdef"], unauthorized: { status: 401, body: {} } },
    });
    servers.push(bearer);
    const viaToken = createClients(
      loadConfig({ TMDB_API_URL: `${bearer.url}/3`, TMDB_ACCESS_TOKEN: "v4-token-abcdef", TMDB_API_KEY: "v3-key-123456" }),
      {},
    ).tmdb;
    expect((await viaToken.get("/x")).status).toBe(200);
    expect(bearer.requests[0]?.credential).toBe("v4-token-abcdef");

    const keyed = await serve({ "/3/y": { body: {} } });
    const viaKey = createClients(loadConfig({ TMDB_API_URL: `${keyed.url}/3`, TMDB_API_KEY: "secret-key-123" }), {}).tmdb;
    expect((await viaKey.get("/y")).status).toBe(200);
    expect(keyed.requests[0]).toMatchObject({ key: "/3/y", credential: "secret-key-123" });
  });
});
