/**
 * `npm start` without TMDB credentials: the labelled demo runs the real pipeline against the shipped sample
 * data into an embedded PostgreSQL of its own and prints the top rows of analytics.series_ratings.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startCommand } from "../../src/commands/start.js";
import { loadConfig } from "../../src/config.js";
import { freePort } from "../helpers/free-port.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-start-"));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("start (npm start) without credentials", () => {
  it("runs the labelled demo into its own embedded database and prints the top series", async () => {
    const port = await freePort();
    const env = {
      EMBEDDED_PG_DIR: path.join(dir, "pg"),
      // The demo uses the next port for its own cluster.
      EMBEDDED_PG_PORT: String(port - 1),
      LOG_LEVEL: "silent",
      PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: "/nonexistent/chromium",
      DATABASE_URL: "postgresql://someone:secret@127.0.0.1:1/real",
    };
    let out = "";
    let err = "";
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), interactive: false };
    const code = await startCommand(loadConfig(env), env, io);
    expect(code).toBe(0);
    expect(err).toContain("DEMO MODE");
    expect(err).toContain("DATABASE_URL is set but left untouched");
    expect(out).toMatch(/Harvest run 1: SUCCEEDED/);
    expect(out).toMatch(/series loaded\s+50/);
    expect(out).toMatch(/^Breaking Bad\s+2008\s+AMC\s+8\.90\s+9\.50\s+96\.00\s+87\.00\s+Crime, Drama/m);
    // The embedded database is named without its password, and the next steps are said.
    expect(err).toMatch(/Embedded PostgreSQL: postgresql:\/\/postgres:\[REDACTED\]@/);
    expect(err + out).not.toContain("tv-harvester-local");
    expect(out).toContain("Next steps:");
    for (const step of ["npm run cli -- check", "npm run cli -- serve", "docker compose up", "Pipeline health"]) expect(out).toContain(step);
    expect(existsSync(path.join(dir, "pg-demo", "PG_VERSION"))).toBe(true);
    expect(existsSync(path.join(dir, "pg"))).toBe(false);
  });
});
