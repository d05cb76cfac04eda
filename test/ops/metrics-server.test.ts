import { afterEach, describe, expect, it } from "vitest";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { startMetricsServer, type MetricsServer } from "../../src/metrics/server.js";
import { findBinary, run } from "./processes.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("metrics server", () => {
  it("serves the registry on /metrics with the Prometheus content type", async () => {
    const metrics = new HarvesterMetrics();
    metrics.runsTotal.inc({ outcome: "succeeded" });
    metrics.httpRequests.inc({ upstream: "tmdb", status_class: "2xx" }, 3);
    server = await startMetricsServer({ metrics, healthCheck: async () => {}, port: 0, host: "127.0.0.1" });
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(metrics.registry.contentType);
    const body = await response.text();
    expect(body).toContain('tv_harvester_harvest_runs_total{outcome="succeeded"} 1');
    expect(body).toContain('tv_harvester_http_requests_total{upstream="tmdb",status_class="2xx"} 3');
  });

  it("answers /healthz 200 when the check passes and 503 (scrubbed reason) when it fails or hangs", async () => {
    let state: "ok" | "fail" | "hang" = "ok";
    server = await startMetricsServer({
      metrics: new HarvesterMetrics(),
      healthCheck: () =>
        state === "ok" ? Promise.resolve() : state === "fail" ? Promise.reject(new Error("connect ECONNREFUSED pw=s3cret")) : new Promise(() => {}),
      port: 0,
      host: "127.0.0.1",
      healthTimeoutMs: 300,
      scrub: (text) => text.replaceAll("s3cret", "[REDACTED]"),
    });
    const url = `http://127.0.0.1:${server.port}/healthz`;
    expect((await fetch(url)).status).toBe(200);
    state = "fail";
    const failed = await fetch(url);
    expect(failed.status).toBe(503);
    const text = await failed.text();
    expect(text).toContain("ECONNREFUSED");
    expect(text).not.toContain("s3cret");
    state = "hang";
    const hung = await fetch(url);
    expect(hung.status).toBe(503);
    expect(await hung.text()).toContain("timed out");
    expect((await fetch(`http://127.0.0.1:${server.port}/nope`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: "POST" })).status).toBe(405);
  });

  const promtool = findBinary("promtool");
  it.skipIf(!promtool)("exposes metrics that pass `promtool check metrics`" + (promtool ? "" : " (skipped: promtool not installed)"), async () => {
    const metrics = new HarvesterMetrics({ defaultMetrics: true });
    metrics.runsTotal.inc({ outcome: "succeeded" });
    metrics.httpLatency.observe({ upstream: "omdb" }, 0.2);
    metrics.setLastSuccess(1_700_000_000);
    server = await startMetricsServer({ metrics, healthCheck: async () => {}, port: 0, host: "127.0.0.1" });
    const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tvh-metrics-")), "metrics.txt");
    writeFileSync(file, body);
    // promtool reads the exposition on stdin; run it through sh to redirect the file.
    const result = run("sh", ["-c", `${promtool} check metrics < "${file}"`]);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });
});
