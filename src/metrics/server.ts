/**
 * The HTTP endpoint of `serve`: `/metrics` (Prometheus text exposition of the harvester's own registry),
 * `/healthz` (liveness: 200 while `healthCheck` passes; serve's passes while the process answers, and compose's
 * healthcheck reads it) and `/readyz` (readiness: a JSON report of the database and the last harvest run, 200
 * when ready to work, 503 while the database does not answer). Plain `node:http`: three routes do not need a framework.
 */
import http from "node:http";
import type { HarvesterMetrics } from "./metrics.js";

/** A running metrics server. `port` is the bound port (useful with port 0). */
export interface MetricsServer {
  port: number;
  /** Stops accepting connections and closes idle keep-alive ones; resolves when the server is closed. */
  close(): Promise<void>;
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  metrics: HarvesterMetrics;
  /** Resolves when the service is healthy (e.g. `SELECT 1` on the database succeeded); rejects otherwise. */
  healthCheck: () => Promise<void>;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to bind (default 0.0.0.0, so a Prometheus in another container can scrape it). */
  host?: string;
  /** How long /healthz waits for `healthCheck` before answering 503, milliseconds (default 5000). */
  healthTimeoutMs?: number;
  /** Applied to every error text the server answers with (pass the SecretScrubber's `scrubText`). */
  scrub?: (text: string) => string;
  /** Readiness report for `/readyz`: `ready` decides 200 or 503, `report` is the JSON body. Without it /readyz is 404. */
  readiness?: () => Promise<ReadinessReport>;
}

/** What `/readyz` answers: ready or not, and why, as JSON. */
export interface ReadinessReport {
  ready: boolean;
  report: Record<string, unknown>;
}

/**
 * Starts the server. `GET /metrics` answers the registry's exposition with its content type; `GET /healthz`
 * answers `200 ok` or `503 unhealthy: <reason>`; anything else is 404 (405 for methods other than GET/HEAD).
 * @throws when the port cannot be bound (EADDRINUSE, EACCES).
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { metrics, healthCheck } = options;
  const healthTimeoutMs = options.healthTimeoutMs ?? 5000;
  const scrub = options.scrub ?? ((text: string) => text);
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`internal error: ${scrub(error instanceof Error ? error.message : String(error))}\n`);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("method not allowed\n");
      return;
    }
    if (path === "/metrics") {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    if (path === "/healthz") {
      const problem = await checkHealth(healthCheck, healthTimeoutMs);
      res.writeHead(problem === null ? 200 : 503, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : problem === null ? "ok\n" : `unhealthy: ${scrub(problem)}\n`);
      return;
    }
    if (path === "/readyz" && options.readiness) {
      const { ready, report } = await options.readiness();
      res.writeHead(ready ? 200 : 503, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : `${scrub(JSON.stringify({ ready, ...report }))}\n`);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end(`not found; try /metrics or /healthz${options.readiness ? " or /readyz" : ""}\n`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the metrics server is not listening on a TCP port");
  const port = address.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

/** Runs the health check with a timeout; null when healthy, otherwise a short reason. */
async function checkHealth(healthCheck: () => Promise<void>, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`health check timed out after ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      healthCheck().then(
        () => null,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
