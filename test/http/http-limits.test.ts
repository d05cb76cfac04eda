/**
 * The HTTP client's bounds against a local server that misbehaves on purpose: a body that trickles past the
 * attempt's deadline is a timeout (retried, counted, then thrown), a body above the cap is refused while it
 * streams (or from its Content-Length) and not retried, and a run's stop aborts the requests in flight, those
 * waiting, and refuses new ones until it is untied.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RequestAbortedError, UpstreamHttpError, UpstreamOversizedError } from "../../src/errors.js";
import { createUpstreamClient, type UpstreamClientOptions } from "../../src/http/client.js";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** A server on 127.0.0.1 answering every request with `handler`; counts requests and closed connections. */
async function serve(handler: Handler): Promise<{ url: string; requests: () => number; aborted: () => number }> {
  let requests = 0;
  let aborted = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    res.on("close", () => {
      if (!res.writableFinished) aborted += 1;
    });
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => requests, aborted: () => aborted };
}

function client(url: string, over: Partial<UpstreamClientOptions> = {}) {
  const metrics = new HarvesterMetrics();
  const c = createUpstreamClient({
    name: "tmdb",
    baseUrl: url,
    timeoutMs: 300,
    requestsPerSecond: 1000,
    maxConcurrent: 10,
    retry: { maxRetries: 2, backoffBaseMs: 10, backoffMaxMs: 20 },
    metrics,
    ...over,
  });
  return { client: c, metrics };
}

async function counter(metrics: HarvesterMetrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

/** Headers at once, then one byte every 50 ms for ever (until the client hangs up). */
const trickle: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.write("{");
  const timer = setInterval(() => res.write(" "), 50);
  res.on("close", () => clearInterval(timer));
};

describe("the deadline of an answer", () => {
  it("a body that keeps trickling past the deadline is a timeout: retried, counted, then thrown", async () => {
    const server = await serve(trickle);
    const { client: c, metrics } = client(server.url);
    const error = await c.get("/tv/1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamHttpError);
    expect(error).toMatchObject({ status: 0, code: "ETIMEDOUT", retryable: true });
    expect(String((error as Error).message)).toContain("deadline of 300 ms");
    // Each attempt was given up (its connection closed by the client), none was answered in full.
    expect(server.requests()).toBe(3);
    expect(c.stats()).toMatchObject({ requests: 3, retries: 2, failures: 1 });
    expect(await counter(metrics, "tv_harvester_http_timeouts_total")).toBe(3);
    await c.stop();
  });

  it("the deadline of the client's upstream kind comes from `limits` when given", async () => {
    const server = await serve(trickle);
    const { client: c } = client(server.url, { timeoutMs: 60_000, limits: { tmdb: { deadlineMs: 200, maxBodyBytes: 1024 } } });
    await expect(c.get("/tv/1")).rejects.toThrow(/deadline of 200 ms/);
    await c.stop();
  });
});

describe("the size cap of an answer", () => {
  it("stops reading a body without Content-Length at the cap: not retried, counted, nothing kept", async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      // 10 MiB as fast as the client reads, in chunks (no Content-Length).
      const pump = () => {
        while (written < 10 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => undefined);
      pump();
    });
    const { client: c, metrics } = client(server.url, { maxBodyBytes: 1024 * 1024, timeoutMs: 10_000 });
    const error = await c.get("/tv/1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamOversizedError);
    const oversized = error as UpstreamOversizedError;
    expect(oversized.limitBytes).toBe(1024 * 1024);
    // Reading stopped at the first chunk past the cap.
    expect(oversized.receivedBytes).toBeGreaterThan(1024 * 1024);
    expect(oversized.receivedBytes).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    expect(oversized.message.length).toBeLessThan(300);
    expect(server.requests()).toBe(1);
    expect(c.stats()).toMatchObject({ requests: 1, retries: 0, failures: 1 });
    expect(await counter(metrics, "tv_harvester_http_oversized_total")).toBe(1);
    // The server could not send the rest: the client hung up.
    expect(written).toBeLessThan(10 * 1024 * 1024);
    await c.stop();
  });

  it("refuses an answer whose Content-Length is above the cap without reading it", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(5_000_000) });
      res.write("{");
    });
    const { client: c } = client(server.url, { maxBodyBytes: 100_000 });
    const error = await c.get("/tv/1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamOversizedError);
    expect(error).toMatchObject({ receivedBytes: 0, declaredBytes: 5_000_000, retryable: false });
    await c.stop();
  });

  it("returns an answer just under the cap whole", async () => {
    const body = JSON.stringify({ overview: "x".repeat(90_000) });
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
    const { client: c } = client(server.url, { maxBodyBytes: 100_000 });
    expect((await c.get("/tv/1")).text).toBe(body);
    await c.stop();
  });
});

describe("stopping a run", () => {
  it("aborts the requests in flight and waiting at once, refuses new ones, and serves again once untied", async () => {
    let hold = true;
    const server = await serve((_req, res) => {
      if (hold) return; // never answered: the client must abort it
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    const { client: c } = client(server.url, { timeoutMs: 60_000, maxConcurrent: 1 });
    const run = new AbortController();
    const untie = c.abortOn!(run.signal);
    const inFlight = c.get("/a").catch((e: unknown) => e);
    const waiting = c.get("/b").catch((e: unknown) => e);
    while (server.requests() === 0) await new Promise((r) => setTimeout(r, 10));
    run.abort();
    expect(await inFlight).toBeInstanceOf(RequestAbortedError);
    expect(await waiting).toBeInstanceOf(RequestAbortedError);
    await expect(c.get("/c")).rejects.toBeInstanceOf(RequestAbortedError);
    // Only /a reached the server; it saw the connection go.
    expect(server.requests()).toBe(1);
    while (server.aborted() === 0) await new Promise((r) => setTimeout(r, 10));
    expect(c.stats()).toMatchObject({ failures: 0, retries: 0 });
    untie();
    hold = false;
    expect((await c.get("/d")).status).toBe(200);
    await c.stop();
  });

  it("tells its answer listeners about every answer but a 429", async () => {
    let n = 0;
    const server = await serve((_req, res) => {
      n += 1;
      res.writeHead(n === 1 ? 429 : 200, { "content-type": "application/json", "retry-after": "0" });
      res.end("{}");
    });
    const { client: c } = client(server.url);
    let answers = 0;
    const off = c.onAnswer!(() => (answers += 1));
    await c.get("/a");
    expect(answers).toBe(1);
    off();
    await c.get("/b");
    expect(answers).toBe(1);
    await c.stop();
  });
});
