/**
 * `tv-harvester serve` as a real process (bin/tv-harvester.js): it applies migrations, catches up the
 * missed harvest (here against an unreachable TMDB, so the run fails and says so in /metrics), serves
 * /metrics and /healthz, and exits 0 on SIGTERM.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { freePort } from "../helpers/free-port.js";

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
