/**
 * The CLI as a user meets it: exit codes, configuration errors listed at once, the harvest command's
 * summary against the replays, and `migrate`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageVersion, runCli } from "../../src/cli.js";
import type { CommandIO } from "../../src/commands/io.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { apiOnlyDataset } from "../../src/replay/dataset.js";
import { startReplayUpstreams, type ReplayUpstreams } from "../../src/replay/upstreams.js";
import { builtEntry } from "../helpers/built-entry.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

function capture(): CommandIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    interactive: false,
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

let upstreams: ReplayUpstreams;
let database: TestDatabase;
beforeAll(async () => {
  upstreams = await startReplayUpstreams(apiOnlyDataset(DEMO_CATALOGUE));
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await upstreams.close();
  await database.drop();
});

describe("tv-harvester CLI", () => {
  it("prints help and exits 0", async () => {
    const io = capture();
    expect(await runCli(["--help"], {}, io)).toBe(0);
    expect(io.out).toMatch(/harvest/);
    expect(io.out).toMatch(/serve/);
    const db = capture();
    expect(await runCli(["db", "--help"], {}, db)).toBe(0);
    expect(db.out).toMatch(/create-reader/);
  });

  it("rejects a bad option value with exit 2", async () => {
    const io = capture();
    expect(await runCli(["harvest", "--max-pages", "two"], {}, io)).toBe(2);
    expect(io.err).toMatch(/whole number/);
  });

  it("lists every configuration problem at once and exits 2", async () => {
    const io = capture();
    const code = await runCli(
      ["harvest"],
      {
        DATABASE_URL: "mysql://nope",
        TMDB_REQUESTS_PER_SECOND: "0",
        OMDB_DAILY_BUDGET: "lots",
        HTTP_BACKOFF_BASE_MS: "9000",
        HTTP_BACKOFF_MAX_MS: "100",
      },
      io,
    );
    expect(code).toBe(2);
    expect(io.err).toContain("DATABASE_URL");
    expect(io.err).toContain("TMDB_REQUESTS_PER_SECOND");
    expect(io.err).toContain("OMDB_DAILY_BUDGET");
    // The cross-variable problem is in the same list, not reported after the others are fixed.
    expect(io.err).toContain("HTTP_BACKOFF_BASE_MS: the first backoff (9000 ms) is above its cap");
    expect(io.err).toContain(".env.example");
  });

  it("refuses harvest and serve without TMDB credentials (exit 2, both variables named) before any request or run row", async () => {
    for (const command of ["harvest", "serve"]) {
      const io = capture();
      expect(await runCli([command], { ...upstreams.env, TMDB_API_KEY: "", TMDB_ACCESS_TOKEN: "", DATABASE_URL: database.url }, io)).toBe(2);
      expect(io.err).toContain(`TMDB_API_KEY / TMDB_ACCESS_TOKEN: \`${command}\` needs one of them`);
    }
    // Nothing reached the database: not even the migrations table.
    expect(await database.query("SELECT to_regclass('harvest_run') IS NULL AS none")).toEqual([{ none: true }]);
  });

  it("names an unreachable database by host, port and database (never the password), exit 75; a wrong password is exit 2", async () => {
    const { freePort } = await import("../helpers/free-port.js");
    const port = await freePort();
    const io = capture();
    const url = `postgresql://harvester:s3cret-pw@127.0.0.1:${port}/tv_harvester`;
    expect(await runCli(["harvest"], { ...upstreams.env, DATABASE_URL: url, LOG_LEVEL: "silent" }, io)).toBe(75);
    expect(io.err).toContain(`cannot reach the database harvester@127.0.0.1:${port}/tv_harvester (ECONNREFUSED)`);
    expect(io.err).toContain("DATABASE_URL");
    expect(io.err).not.toContain("s3cret-pw");

    const wrong = new URL(database.url);
    wrong.password = "not-the-password";
    const denied = capture();
    expect(await runCli(["check"], { DATABASE_URL: wrong.toString(), LOG_LEVEL: "silent" }, denied)).toBe(2);
    expect(denied.err).toContain(
      `cannot use the database ${decodeURIComponent(wrong.username)}@${wrong.hostname}:${wrong.port}${wrong.pathname}: password authentication failed`,
    );
    expect(denied.err).not.toContain("not-the-password");
  });

  it("migrates, harvests with a summary (exit 0), and exits 1 when the run fails", async () => {
    // OMDb at the replay's pace, not the real one's 10 a second: the counts are checked, not the pace.
    const env = { ...upstreams.env, DATABASE_URL: database.url, LOG_LEVEL: "silent", OMDB_REQUESTS_PER_SECOND: "500" };
    const migrate = capture();
    expect(await runCli(["migrate"], env, migrate)).toBe(0);
    expect(migrate.out).toMatch(/Applied \d+ migration\(s\)/);

    const io = capture();
    expect(await runCli(["harvest", "--max-pages", "1", "--no-scrape"], env, io)).toBe(0);
    expect(io.out).toMatch(/Harvest run 1: SUCCEEDED/);
    expect(io.out).toMatch(/series loaded\s+20/);
    expect(io.out).toMatch(/ratings per source\s+tmdb=20, imdb=20/);
    expect(io.out).toMatch(/requests\s+tmdb=22, omdb=20/);

    const failing = capture();
    const code = await runCli(
      ["harvest", "--max-pages", "1", "--no-scrape"],
      { ...env, TMDB_API_KEY: "wrong-key-1234", HTTP_MAX_RETRIES: "0" },
      failing,
    );
    expect(code).toBe(1);
    expect(failing.out).toMatch(/Harvest run 2: FAILED/);
    expect(failing.out).toMatch(/HTTP 401/);
    expect(failing.out + failing.err).not.toContain("wrong-key-1234");
  });

  it("prints its version", async () => {
    const io = capture();
    expect(await runCli(["--version"], {}, io)).toBe(0);
    expect(io.out.trim()).toBe(packageVersion());
    expect(io.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("warns about variables that look like misspelt ones of ours, whatever the command", async () => {
    const io = capture();
    await runCli(["scrape", "--site", "metacritic", "--file", "/nonexistent.html"], { TMDB_APIKEY: "x", LOG_LEVL: "debug" }, io);
    expect(io.err).toContain("warning: TMDB_APIKEY is not a tv-harvester variable; did you mean TMDB_API_KEY?");
    expect(io.err).toContain("warning: LOG_LEVL is not a tv-harvester variable; did you mean LOG_LEVEL?");
  });

  it("validates the whole configuration for every command, even one that needs no database", async () => {
    const io = capture();
    expect(
      await runCli(
        ["scrape", "--site", "metacritic", "--file", "/nonexistent.html"],
        { HTTP_BACKOFF_BASE_MS: "9000", HTTP_BACKOFF_MAX_MS: "100" },
        io,
      ),
    ).toBe(2);
    expect(io.err).toContain("HTTP_BACKOFF_BASE_MS");
  });

  it("check is read-only: on a database without tables it creates nothing and says to migrate (exit 2)", async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const io = capture();
      expect(await runCli(["check"], { DATABASE_URL: fresh.url, LOG_LEVEL: "silent" }, io)).toBe(2);
      expect(io.out + io.err).toContain(
        "this database has no tv-harvester tables (check changes nothing); apply the migrations first: tv-harvester migrate",
      );
      expect(io.out + io.err).not.toMatch(/Prisma|at \w+ \(/);
      expect(await fresh.query("SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toEqual([{ n: 0 }]);
    } finally {
      await fresh.drop();
    }
  });
  it("export on a database without tables applies the migrations and says there is nothing to export", async () => {
    const fresh = await createTestDatabase({ migrate: false });
    const out = mkdtempSync(path.join(os.tmpdir(), "tvh-export-"));
    try {
      const io = capture();
      expect(await runCli(["export", "--format", "csv", "--out", out], { DATABASE_URL: fresh.url, LOG_LEVEL: "silent" }, io)).toBe(1);
      expect(io.out + io.err).toContain("No succeeded harvest run yet: nothing to export.");
      expect(io.out + io.err).not.toMatch(/does not exist|at \w+ \(/);
    } finally {
      rmSync(out, { recursive: true, force: true });
      await fresh.drop();
    }
  });
});

describe("tv-harvester process", () => {
  it("loads .env from the working directory, the environment winning over the file", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-dotenv-"));
    try {
      writeFileSync(path.join(dir, ".env"), "HARVEST_SCHEDULE=not a cron\nMETRICS_PORT=99999\n");
      const result = spawnSync(process.execPath, [builtEntry(), "scrape", "--site", "metacritic", "--file", "/nonexistent.html"], {
        cwd: dir,
        encoding: "utf8",
        env: { PATH: process.env.PATH, METRICS_PORT: "9464" },
        timeout: 60_000,
      });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("HARVEST_SCHEDULE: must be a cron expression");
      expect(result.stderr).not.toContain("METRICS_PORT");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
