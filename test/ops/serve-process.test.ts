/**
 * `tv-harvester serve` as a real process (bin/tv-harvester.js): it applies migrations, catches up the
 * missed harvest (here against an unreachable TMDB, so the run fails and says so in /metrics), serves
 * /metrics and /healthz, and exits 0 on SIGTERM. Then serve (in process) under the project's alert rules.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { serveCommand } from "../../src/commands/serve.js";
import { loadConfig, type Config } from "../../src/config.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { apiOnlyDataset } from "../../src/replay/dataset.js";
import { startReplayUpstreams, type ReplayUpstreams } from "../../src/replay/upstreams.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { freePort } from "../helpers/free-port.js";
import { findBinary, parseExposition, run, type Sample } from "./processes.js";

const promtool = findBinary("promtool");

const root = path.resolve(import.meta.dirname, "../..");
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await db?.drop();
});

async function poll<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

describe("tv-harvester serve (process)", () => {
  it("serves /metrics and /healthz, runs the missed harvest, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const unreachable = await freePort();
    const child = spawn(process.execPath, [path.join(root, "bin/tv-harvester.js"), "serve"], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        METRICS_PORT: String(port),
        TMDB_API_KEY: "serve-test-key",
        TMDB_API_URL: `http://127.0.0.1:${unreachable}/3`,
        HTTP_MAX_RETRIES: "0",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const health = await poll(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        return r.status === 200 ? r.status : undefined;
      }, 30_000);
      expect(health, output).toBe(200);

      // The catch-up harvest fails (TMDB unreachable): the run is recorded and counted.
      const metrics = await poll(async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return text.includes('tv_harvester_harvest_runs_total{outcome="failed"} 1') ? text : undefined;
      }, 30_000);
      expect(metrics, output).toBeDefined();
      expect(metrics).toContain("tv_harvester_process_resident_memory_bytes");
      const runs = await db.query<{ status: string; trigger: string }>(`SELECT status::text AS status, trigger FROM harvest_run`);
      expect(runs).toEqual([{ status: "failed", trigger: "schedule" }]);
      expect(output).not.toContain("serve-test-key");

      child.kill("SIGTERM");
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 15_000))]);
      expect(code, output).toBe(0);
      expect(output).toContain("stopping");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

/**
 * The project's own alert rules on what `serve` exposes, in the situations that used to page for nothing: a clean
 * harvest, a restart of serve, a manual harvest stopped with Ctrl-C; and the one that paged nobody: the database
 * gone under a running serve. Each time /metrics is scraped and `promtool test rules` evaluates the rules on those
 * series held for two hours (longer than any `for:`), with the scrape's clock mapped to the evaluation time, and
 * lists the alerts firing (the ALERTS series).
 */
describe.skipIf(!promtool)(`serve's metrics under the project's alert rules${promtool ? "" : " (skipped: promtool not installed)"}`, () => {
  let upstreams: ReplayUpstreams;
  let alertDb: TestDatabase;
  let config: Config;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });

  beforeAll(async () => {
    upstreams = await startReplayUpstreams(apiOnlyDataset(DEMO_CATALOGUE));
    alertDb = await createTestDatabase({ migrate: false });
    config = loadConfig({
      DATABASE_URL: alertDb.url,
      ...upstreams.env,
      HTTP_BACKOFF_BASE_MS: "20",
      HTTP_BACKOFF_MAX_MS: "200",
      TMDB_REQUESTS_PER_SECOND: "500",
      OMDB_REQUESTS_PER_SECOND: "500",
      LOG_LEVEL: "info",
    });
  }, 60_000);
  afterAll(async () => {
    await upstreams?.close();
    await setConnections(alertDb, true).catch(() => undefined);
    await alertDb?.drop();
  });

  /** A running serve: its port, the catch-up (if any) finished, and how to stop it. */
  async function startServe(): Promise<{ port: number; stop(): Promise<number> }> {
    const stop = new AbortController();
    let served: Promise<number> = Promise.resolve(0);
    const metricsPort = await freePort();
    const port = await new Promise<number>((resolve, reject) => {
      served = serveCommand(
        { ...config, metricsPort },
        { stdout: () => undefined, stderr: () => undefined, interactive: false },
        {
          signal: stop.signal,
          host: "127.0.0.1",
          harvestOptions: { maxPages: 1, scrape: false },
          databaseProbeIntervalMs: 200,
          logDestination: destination,
          onReady: ({ port: bound, scheduler }) => void scheduler.idle().then(() => resolve(bound)),
        },
      );
      served.catch(reject);
    });
    return {
      port,
      stop: async () => {
        stop.abort();
        return served;
      },
    };
  }

  async function scrape(port: number): Promise<Sample[]> {
    return parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  }

  /** The alerts firing after two hours of `samples` (scraped at `scrapedAt`), as `alertname{labels}` strings. */
  function firingAlerts(samples: readonly Sample[], scrapedAt: Date): string[] {
    const hold = 7200;
    // time() at the evaluation is the scrape's time: timestamps are shifted by the same amount.
    const shift = scrapedAt.getTime() / 1000 - hold;
    const series = samples
      .filter((s) => s.name.startsWith("tv_harvester_") && !/^tv_harvester_(nodejs|process)_/.test(s.name) && Number.isFinite(s.value))
      .map((s) => {
        const labels = Object.entries({ ...s.labels, job: "tv_harvester", instance: "harvester:9464" })
          .map(([k, v]) => `${k}="${v}"`)
          .join(",");
        const value = s.name.endsWith("_timestamp_seconds") ? s.value - shift : s.value;
        return { series: `${s.name}{${labels}}`, values: `${value}x${hold / 60}` };
      });
    const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-serve-rules-"));
    const file = path.join(dir, "scraped.test.yml");
    writeFileSync(
      file,
      stringify({
        rule_files: [path.join(root, "prometheus/rules/tv-harvester.yml")],
        evaluation_interval: "1m",
        tests: [
          {
            interval: "1m",
            input_series: series,
            // Expect nothing: promtool then prints every ALERTS sample it got.
            promql_expr_test: [{ expr: 'ALERTS{alertstate="firing"}', eval_time: `${hold / 60}m`, exp_samples: [] }],
          },
        ],
      }),
    );
    const result = run(promtool!, ["test", "rules", file]);
    if (result.status === 0) return [];
    // promtool prints what it got: `got: {__name__="ALERTS", alertname="…", …} 1E+00, …`
    const alerts = [...result.output.matchAll(/\{__name__="ALERTS", ([^}]*)\}/g)];
    if (alerts.length === 0) throw new Error(`promtool failed:\n${result.output}`);
    return alerts
      .map((m) => {
        const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
        return `${labels.alertname}{severity=${labels.severity}}`;
      })
      .sort();
  }

  const WATCHDOG_ONLY = ["TvHarvesterWatchdog{severity=none}"];
  /** Gauges the alerts and boards read; a restart of serve must give each the value it had. */
  const RESTORED = [
    "tv_harvester_last_run_status",
    "tv_harvester_last_run_timestamp_seconds",
    "tv_harvester_last_success_timestamp_seconds",
    "tv_harvester_last_run_duration_seconds",
    "tv_harvester_last_run_series",
    "tv_harvester_quality_check_passed",
    "tv_harvester_null_ratio",
    "tv_harvester_rating_coverage_ratio",
    "tv_harvester_overdue_series",
    "tv_harvester_oldest_value_age_seconds",
    "tv_harvester_omdb_budget_remaining",
    "tv_harvester_omdb_enabled",
    "tv_harvester_next_harvest_timestamp_seconds",
  ];
  /** The restored gauges, `name{labels}` → value (timestamps to 10 ms: the run's summary and its row are written a millisecond apart). */
  const restored = (samples: readonly Sample[]) =>
    Object.fromEntries(
      samples
        .filter((s) => RESTORED.includes(s.name))
        .map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s.name.endsWith("_timestamp_seconds") ? Math.round(s.value * 100) / 100 : s.value]),
    );

  it("nothing pages after a clean run, after a restart (every gauge restored) and after an interrupted manual run; the database alert fires when the database goes", async () => {
    // 1. A fresh installation: serve catches up the missed weekly slot and succeeds.
    const first = await startServe();
    const clean = await scrape(first.port);
    expect(await alertDb.query(`SELECT status::text AS status FROM harvest_run`)).toEqual([{ status: "succeeded" }]);
    expect(clean.find((s) => s.name === "tv_harvester_last_run_status")?.labels).toEqual({ status: "succeeded" });
    expect(firingAlerts(clean, new Date())).toEqual(WATCHDOG_ONLY);
    await first.stop();

    // 2. A restart: every gauge reads what it read before, from the first scrape (nothing 0, nothing missing).
    const second = await startServe();
    const afterRestart = await scrape(second.port);
    const before = restored(clean);
    const after = restored(afterRestart);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const [key, value] of Object.entries(before)) expect(after[key], key).toBeCloseTo(value, 1);
    expect(Object.keys(restored(afterRestart)).length).toBeGreaterThan(20);
    expect(firingAlerts(afterRestart, new Date())).toEqual(WATCHDOG_ONLY);
    await second.stop();

    // 3. A manual harvest stopped with Ctrl-C (its signal) in the OMDb stage: `interrupted`; serve resumes it.
    const { createApp } = await import("../../src/app.js");
    const { runHarvest } = await import("../../src/pipeline/harvest.js");
    const manual = await createApp(config, { logDestination: destination });
    const ctrlC = new AbortController();
    const progress = { start: (bar: string) => bar === "enrichments" && ctrlC.abort(), tick: () => undefined, stop: () => undefined };
    const stopped = await runHarvest(manual, { maxPages: 1, scrape: false, full: true, trigger: "cli", signal: ctrlC.signal, progress }).finally(() =>
      manual.close(),
    );
    expect(stopped.status).toBe("interrupted");
    const third = await startServe();
    const afterInterrupt = await scrape(third.port);
    expect(await alertDb.query(`SELECT run_id, status::text AS status, resume_count FROM harvest_run ORDER BY run_id`)).toEqual([
      { run_id: 1, status: "succeeded", resume_count: 0 },
      { run_id: stopped.runId, status: "succeeded", resume_count: 1 },
    ]);
    expect(afterInterrupt.find((s) => s.name === "tv_harvester_harvest_runs_abandoned_total")?.value).toBe(0);
    expect(firingAlerts(afterInterrupt, new Date())).toEqual(WATCHDOG_ONLY);

    // 4. The database goes away under the running serve: a metric, a log line, and the page; then it comes back.
    try {
      await setConnections(alertDb, false);
      const down = await poll(async () => {
        const samples = await scrape(third.port);
        return samples.find((s) => s.name === "tv_harvester_database_up")?.value === 0 ? samples : undefined;
      }, 20_000);
      expect(down, logs.slice(-5).join("\n")).toBeDefined();
      expect(firingAlerts(down!, new Date())).toEqual(["TvHarvesterDatabaseDown{severity=critical}", ...WATCHDOG_ONLY]);
      expect(logs.some((l) => l.includes('"msg":"database unreachable"') && l.includes(`@127.0.0.1:`))).toBe(true);
      expect((await fetch(`http://127.0.0.1:${third.port}/readyz`)).status).toBe(503);
      // Liveness stays: restarting serve would not bring the database back.
      expect((await fetch(`http://127.0.0.1:${third.port}/healthz`)).status).toBe(200);
    } finally {
      await setConnections(alertDb, true);
    }
    const up = await poll(async () => {
      const samples = await scrape(third.port);
      return samples.find((s) => s.name === "tv_harvester_database_up")?.value === 1 ? samples : undefined;
    }, 20_000);
    expect(up).toBeDefined();
    expect(logs.some((l) => l.includes('"msg":"database reachable again"'))).toBe(true);
    const ready = await fetch(`http://127.0.0.1:${third.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, lastRun: { id: stopped.runId, status: "succeeded" } });
    expect(await third.stop()).toBe(0);
  }, 180_000);
});

/** Lets clients connect to `db` again (true), or refuses and ends every connection to it (false): the database "stops". */
async function setConnections(db: TestDatabase, allowed: boolean): Promise<void> {
  // The test's own connection (db.query) stays: it is not serve's.
  const [own] = allowed ? [] : await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS ${allowed}`);
    if (!allowed)
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2`, [db.name, own?.pid ?? 0]);
  } finally {
    await admin.end();
  }
}
