/**
 * Every row of the exit-code table (src/exit-codes.ts, docs/orchestration.md, `--help`) is produced here by the
 * command line it describes, with its summary JSON (`--summary-json`) saying the same: the status, the code and
 * whether a retry can help. Keyed runs (`--run-key`, `--step`) against the demo upstreams and a test database;
 * the signals on real processes.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import { harvestResultSchema, type HarvestResult } from "../../src/commands/harvest-result.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { EXIT_CODE_TABLE, ExitCode, RETRYABLE_EXIT_CODES, exitCodeHelp } from "../../src/exit-codes.js";
import { acquireHarvestLock } from "../../src/pipeline/lock.js";
import { apiOnlyDataset } from "../../src/replay/dataset.js";
import { startReplayUpstreams, type ReplayUpstreams } from "../../src/replay/upstreams.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { freePort } from "../helpers/free-port.js";
import { builtEntry } from "../helpers/built-entry.js";

const root = path.resolve(import.meta.dirname, "../..");
let upstreams: ReplayUpstreams;
let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  upstreams = await startReplayUpstreams(apiOnlyDataset(DEMO_CATALOGUE));
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), "tvh-exit-"));
});
afterAll(async () => {
  await upstreams?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Codes produced by the tests of this file; the last test checks every row of the table is among them. */
const produced = new Set<number>();

function capture() {
  const io = { out: "", err: "", stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t), interactive: false };
  return io;
}

/** Runs the CLI in-process with `--summary-json`; returns the code, the output and the parsed result. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; result: HarvestResult }> {
  const file = path.join(dir, `${produced.size}-${Date.now()}.json`);
  const io = capture();
  const code = await runCli(
    [...args, "--summary-json", file],
    // OMDb at the replay's pace, not the real one's 10 a second (no row of the table depends on the pace).
    {
      ...upstreams.env,
      DATABASE_URL: db.url,
      LOG_LEVEL: "silent",
      HTTP_BACKOFF_BASE_MS: "10",
      HTTP_BACKOFF_MAX_MS: "20",
      OMDB_REQUESTS_PER_SECOND: "500",
      ...env,
    },
    io,
  );
  produced.add(code);
  const result = harvestResultSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  expect(result.exitCode).toBe(code);
  expect(result.retryable).toBe(RETRYABLE_EXIT_CODES.some((c) => c === code));
  return { code, out: io.out + io.err, result };
}

describe("exit codes", () => {
  it("0: a keyed run succeeds; the same key again has nothing to do and asks nothing", async () => {
    const first = await cli(["harvest", "--run-key", "ok", "--max-pages", "1", "--no-scrape"]);
    expect(first.code, first.out).toBe(ExitCode.ok);
    expect(first.result).toMatchObject({ status: "succeeded", runKey: "ok", runStatus: "succeeded", published: true });
    const asked = upstreams.tmdb.count() + upstreams.omdb.count();
    const again = await cli(["harvest", "--run-key", "ok", "--max-pages", "1", "--no-scrape"]);
    expect(again.code).toBe(ExitCode.ok);
    expect(again.result).toMatchObject({ status: "nothing_to_do", runId: first.result.runId });
    expect(again.out).toContain("nothing to do");
    expect(upstreams.tmdb.count() + upstreams.omdb.count()).toBe(asked);
    expect(await db.query(`SELECT count(*)::int AS n FROM harvest_run WHERE run_key = 'ok'`)).toEqual([{ n: 1 }]);
  });

  it("--summary-json -: stdout is the JSON alone, the text for people goes to stderr", async () => {
    const io = capture();
    const env = { ...upstreams.env, DATABASE_URL: db.url, LOG_LEVEL: "silent" };
    const code = await runCli(["harvest", "--run-key", "stdout", "--max-pages", "1", "--no-scrape", "--summary-json", "-"], env, io);
    produced.add(code);
    expect(code, io.err).toBe(ExitCode.ok);
    expect(io.out.trim().split("\n")).toHaveLength(1);
    expect(harvestResultSchema.parse(JSON.parse(io.out))).toMatchObject({ status: "succeeded", runKey: "stdout", counts: { seriesListed: 20 } });
    expect(io.err).toMatch(/Harvest run \d+: SUCCEEDED/);
  });

  it("1: a run that failed for a reason a retry does not fix (TMDB refuses the key)", async () => {
    const { code, result } = await cli(["harvest", "--run-key", "refused-key", "--max-pages", "1", "--no-scrape"], {
      TMDB_API_KEY: "wrong-key-1234",
      HTTP_MAX_RETRIES: "0",
    });
    expect(code).toBe(ExitCode.failure);
    expect(result).toMatchObject({ status: "failed", runKey: "refused-key" });
    expect(result.error).toMatch(/HTTP 401/);
    expect(JSON.stringify(result)).not.toContain("wrong-key-1234");
  });

  it("2: bad usage", async () => {
    for (const args of [
      ["harvest", "--step", "listing"],
      ["harvest", "--run-key", "k", "--step", "lists"],
      ["harvest", "--run-key", "k", "--resume"],
      ["harvest", "--run-key", "not a key!"],
    ]) {
      const io = capture();
      const code = await runCli(args, { DATABASE_URL: db.url, LOG_LEVEL: "silent" }, io);
      produced.add(code);
      expect(code, `${args.join(" ")}: ${io.err}`).toBe(ExitCode.config);
    }
  });

  it("65: publish finds an error-severity expectation failing; the run stays unpublished", async () => {
    for (const step of ["listing", "details", "omdb", "ratings-sites"]) {
      // The run keeps the options its first step was given (no ratings sites in these replays).
      const { code, out } = await cli(["harvest", "--run-key", "quality", "--step", step, "--max-pages", "1", "--no-scrape"]);
      expect(code, `${step}: ${out}`).toBe(ExitCode.ok);
    }
    // Between the steps, every series version of the run loses its first-air date (not_null.first_air_date is
    // error-severity); put back afterwards, for the other tests on this database.
    const saved = await db.query<{ series_id: number; first_air_date: string | null }>(
      `SELECT v.series_id, v.first_air_date::text AS first_air_date FROM series_version v
       JOIN harvest_run r ON r.run_id = v.run_id WHERE r.run_key = 'quality'`,
    );
    expect(saved.length).toBeGreaterThan(0);
    await db.query(`UPDATE series_version v SET first_air_date = NULL FROM harvest_run r WHERE r.run_id = v.run_id AND r.run_key = 'quality'`);
    try {
      const { code, result } = await cli(["harvest", "--run-key", "quality", "--step", "publish"]);
      expect(code).toBe(ExitCode.quality);
      expect(result).toMatchObject({ status: "failed_quality", runStatus: "failed_quality", published: false });
      // Under its key the run is not run again: the same data fails the same expectations.
      const again = await cli(["harvest", "--run-key", "quality"]);
      expect(again.code).toBe(ExitCode.quality);
      expect(again.out).toContain("use a new key");
    } finally {
      await db.query(
        `UPDATE series_version v SET first_air_date = s.d::date
         FROM harvest_run r, unnest($1::int[], $2::text[]) AS s(id, d)
         WHERE r.run_id = v.run_id AND r.run_key = 'quality' AND v.series_id = s.id`,
        [saved.map((r) => r.series_id), saved.map((r) => r.first_air_date)],
      );
    }
  });

  it("66: a step before the steps it needs refuses, names them and starts nothing", async () => {
    const fresh = await cli(["harvest", "--run-key", "order", "--step", "details"]);
    expect(fresh.code).toBe(ExitCode.stepOutOfOrder);
    expect(fresh.result).toMatchObject({ status: "refused", runId: null });
    expect(fresh.out).toContain("listing");
    expect(await db.query(`SELECT count(*)::int AS n FROM harvest_run WHERE run_key = 'order'`)).toEqual([{ n: 0 }]);

    expect((await cli(["harvest", "--run-key", "order", "--step", "listing", "--max-pages", "1"])).code).toBe(ExitCode.ok);
    const early = await cli(["harvest", "--run-key", "order", "--step", "publish"]);
    expect(early.code).toBe(ExitCode.stepOutOfOrder);
    expect(early.result.stepsCompleted).toEqual(["listing"]);
    expect(early.out).toMatch(/details, omdb, ratings-sites/);
  });

  it("75: the lock held by another run, the database unreachable, TMDB unreachable", async () => {
    const lock = await acquireHarvestLock(db.url);
    try {
      const held = await cli(["harvest", "--run-key", "locked", "--max-pages", "1", "--no-scrape"]);
      expect(held.code).toBe(ExitCode.tempfail);
      expect(held.result).toMatchObject({ status: "error", retryable: true });
    } finally {
      await lock.release();
    }
    const closed = await freePort();
    const noDatabase = await cli(["harvest", "--run-key", "no-db"], { DATABASE_URL: `postgresql://nobody:secret-pw@127.0.0.1:${closed}/tv` });
    expect(noDatabase.code).toBe(ExitCode.tempfail);
    expect(JSON.stringify(noDatabase.result)).not.toContain("secret-pw");

    const noTmdb = await cli(["harvest", "--run-key", "no-tmdb", "--max-pages", "1", "--no-scrape"], {
      TMDB_API_URL: `http://127.0.0.1:${closed}/3`,
      HTTP_MAX_RETRIES: "1",
    });
    expect(noTmdb.code, noTmdb.out).toBe(ExitCode.tempfail);
    expect(noTmdb.result).toMatchObject({ status: "failed", retryable: true, runKey: "no-tmdb" });
  });

  it.each([
    { signal: "SIGINT" as const, code: ExitCode.sigint },
    { signal: "SIGTERM" as const, code: ExitCode.sigterm },
  ])("$code: stopped by $signal, the run is interrupted; the same command again resumes and succeeds", async ({ signal, code }) => {
    const key = `signal-${signal}`;
    const file = path.join(dir, `${key}.json`);
    const before = upstreams.tmdb.count();
    const child = spawn(
      process.execPath,
      [builtEntry(), "harvest", "--run-key", key, "--max-pages", "2", "--no-scrape", "--full", "--summary-json", file],
      {
        cwd: root,
        env: { PATH: process.env.PATH, ...upstreams.env, DATABASE_URL: db.url, LOG_LEVEL: "warn", TMDB_REQUESTS_PER_SECOND: "15" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    const deadline = Date.now() + 60_000;
    while (upstreams.tmdb.count() - before < 18) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the harvest never reached its details: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill(signal);
    const exitCode = await exited;
    produced.add(exitCode ?? -1);
    expect(exitCode, stderr).toBe(code);
    expect(harvestResultSchema.parse(JSON.parse(readFileSync(file, "utf8")))).toMatchObject({
      status: "interrupted",
      retryable: true,
      exitCode: code,
    });

    const retry = await cli(["harvest", "--run-key", key, "--max-pages", "2", "--no-scrape", "--full"]);
    expect(retry.code, retry.out).toBe(ExitCode.ok);
    expect(retry.result.counts?.reusedAnswers).toBeGreaterThan(0);
  });

  it("produced every row of the table, which --help prints", () => {
    expect([...produced].sort((a, b) => a - b)).toEqual(EXIT_CODE_TABLE.map((r) => r.code));
    for (const row of EXIT_CODE_TABLE) expect(exitCodeHelp()).toContain(`${String(row.code).padStart(3)}  ${row.retry}`);
  });

  it("docs/orchestration.md has the same table", () => {
    const docs = readFileSync(path.join(root, "docs/orchestration.md"), "utf8");
    for (const row of EXIT_CODE_TABLE) expect(docs).toContain(`| ${row.code} | ${row.name} | ${row.retry} |`);
  });
});
