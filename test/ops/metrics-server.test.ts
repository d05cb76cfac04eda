import { afterEach, describe, expect, it } from "vitest";
import { DatabaseProbe } from "../../src/metrics/database-probe.js";
import { HarvesterMetrics, statusClass } from "../../src/metrics/metrics.js";
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

  it("exposes no sample for what is not known yet (never a false 0), and the value once set", async () => {
    let now = 1_700_000_100_000;
    const metrics = new HarvesterMetrics({ now: () => now });
    const unknown = [
      "tv_harvester_last_run_timestamp_seconds",
      "tv_harvester_last_success_timestamp_seconds",
      "tv_harvester_last_run_duration_seconds",
      "tv_harvester_last_run_series",
      "tv_harvester_data_freshness_seconds",
      "tv_harvester_omdb_budget_remaining",
      "tv_harvester_database_up",
      "tv_harvester_next_harvest_timestamp_seconds",
    ];
    const samples = async () => (await metrics.registry.metrics()).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    for (const name of unknown) expect((await samples()).filter((l) => l.startsWith(`${name} `))).toEqual([]);
    metrics.setLastSuccess(1_700_000_000);
    metrics.omdbBudgetRemaining.set(0);
    metrics.setNextHarvest(() => 1_700_600_000);
    metrics.setLastRunStatus("failed");
    metrics.setLastRunStatus("interrupted");
    const set = await samples();
    expect(set).toContain("tv_harvester_data_freshness_seconds 100");
    expect(set).toContain("tv_harvester_omdb_budget_remaining 0");
    expect(set).toContain("tv_harvester_next_harvest_timestamp_seconds 1700600000");
    // Only the last status has a series.
    expect(set.filter((l) => l.startsWith("tv_harvester_last_run_status"))).toEqual(['tv_harvester_last_run_status{status="interrupted"} 1']);
    metrics.omdbBudgetRemaining.unset();
    now += 1000;
    expect((await samples()).filter((l) => l.startsWith("tv_harvester_omdb_budget_remaining"))).toEqual([]);
  });

  it("the database probe: a gauge, one error line when the database goes, one info line (with the outage's length) when it comes back", async () => {
    const metrics = new HarvesterMetrics();
    const lines: [string, string, object][] = [];
    const logger = {
      info: (o: object, m: string) => void lines.push(["info", m, o]),
      warn: (o: object, m: string) => void lines.push(["warn", m, o]),
      error: (o: object, m: string) => void lines.push(["error", m, o]),
    };
    let up = true;
    let now = 1_000_000;
    let refreshed = 0;
    const probe = new DatabaseProbe({
      check: async () => {
        if (!up) throw new Error("connect ECONNREFUSED password=hunter2");
      },
      metrics,
      logger,
      target: "u@db:5432/tv",
      now: () => now,
      scrub: (t) => t.replaceAll("hunter2", "[REDACTED]"),
      onUp: async () => void refreshed++,
    });
    const gauge = async () => (await metrics.databaseUp.get()).values.map((v) => v.value);
    expect(await gauge()).toEqual([]);
    expect(await probe.probe()).toBe(true);
    expect(await gauge()).toEqual([1]);
    up = false;
    for (let i = 0; i < 3; i++) {
      now += 15_000;
      expect(await probe.probe()).toBe(false);
    }
    expect(await gauge()).toEqual([0]);
    up = true;
    now += 15_000;
    await probe.probe();
    expect(await gauge()).toEqual([1]);
    expect(lines).toEqual([
      ["error", "database unreachable", { database: "u@db:5432/tv", err: "Error: connect ECONNREFUSED password=[REDACTED]" }],
      ["info", "database reachable again", { database: "u@db:5432/tv", downSeconds: 45 }],
    ]);
    expect(refreshed).toBe(2);
  });

  it('counts 404/410 (a ratings site\'s "no page") apart from the other 4xx', () => {
    expect([404, 410, 403, 429, 500, 0, 200].map(statusClass)).toEqual(["not_found", "not_found", "4xx", "4xx", "5xx", "error", "2xx"]);
  });

  it("answers /readyz with the readiness report: 200 when ready, 503 with the reason otherwise", async () => {
    let ready = true;
    server = await startMetricsServer({
      metrics: new HarvesterMetrics(),
      healthCheck: async () => {},
      readiness: async () => ({ ready, report: { database: { target: "u@h:5432/db", reachable: ready }, lastRun: null } }),
      port: 0,
      host: "127.0.0.1",
    });
    const url = `http://127.0.0.1:${server.port}/readyz`;
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ready: true, database: { target: "u@h:5432/db", reachable: true }, lastRun: null });
    ready = false;
    expect((await fetch(url)).status).toBe(503);
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
