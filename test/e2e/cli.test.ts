/**
 * The CLI as a user meets it: exit codes, configuration errors listed at once, the harvest command's
 * summary against the replays, and `migrate`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import type { CommandIO } from "../../src/commands/io.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { buildApiRoutes } from "../../src/replay/dataset.js";
import { startReplayUpstreams, type ReplayUpstreams } from "../../src/replay/upstreams.js";
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
  upstreams = await startReplayUpstreams({ ...buildApiRoutes(DEMO_CATALOGUE), wikidata: new Map(), rottentomatoes: new Map(), metacritic: new Map() });
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
    const code = await runCli(["harvest"], { DATABASE_URL: "mysql://nope", TMDB_REQUESTS_PER_SECOND: "0", OMDB_DAILY_BUDGET: "lots" }, io);
    expect(code).toBe(2);
    expect(io.err).toContain("DATABASE_URL");
    expect(io.err).toContain("TMDB_REQUESTS_PER_SECOND");
    expect(io.err).toContain("OMDB_DAILY_BUDGET");
    expect(io.err).toContain(".env.example");
  });

  it("migrates, harvests with a summary (exit 0), and exits 1 when the run fails", async () => {
    const env = { ...upstreams.env, DATABASE_URL: database.url, LOG_LEVEL: "silent" };
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
    const code = await runCli(["harvest", "--max-pages", "1", "--no-scrape"], { ...env, TMDB_API_KEY: "wrong-key-1234", HTTP_MAX_RETRIES: "0" }, failing);
    expect(code).toBe(1);
    expect(failing.out).toMatch(/Harvest run 2: FAILED/);
    expect(failing.out).toMatch(/HTTP 401/);
    expect(failing.out + failing.err).not.toContain("wrong-key-1234");
  });
});
