/**
 * The Airflow DAG (deploy/airflow/dags/tv_harvester.py), checked by what runs here (Airflow does not): Python reads
 * it with `ast` (test/orchestration/dag_tasks.py), and the test runs every task's command in the DAG's order as
 * Airflow's pods would (the image's entrypoint with the task's arguments, the run key rendered from a logical
 * date, the XCom file in a folder of the task's own) against the demo upstreams (local replays, ratings sites
 * included) and an embedded database:
 *   - straight through, then the same DAG run again (every task a no-op, nothing asked, nothing written);
 *   - with the details task killed part-way (SIGKILL, as an OOM kill or a lost node would) and run again as
 *     Airflow's retry, which resumes the run without asking TMDB again for what it had;
 * and both end with the same tables as one `harvest` (test/helpers/table-dump.ts).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { harvestResultSchema, type HarvestResult } from "../../src/commands/harvest-result.js";
import { HARVEST_STEPS } from "../../src/pipeline/steps.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { buildApiRoutes, type ReplayDataset } from "../../src/replay/dataset.js";
import { buildSiteRoutes } from "../../src/replay/sites.js";
import { startReplayUpstreams, type ReplayUpstreams } from "../../src/replay/upstreams.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { dumpTables } from "../helpers/table-dump.js";
import { freePort } from "../helpers/free-port.js";
import { findBinary, parseExposition, startServer, type ServerProcess } from "../ops/processes.js";
import { builtEntry } from "../helpers/built-entry.js";

const root = path.resolve(import.meta.dirname, "../..");
const dagFile = path.join(root, "deploy/airflow/dags/tv_harvester.py");

const dagSchema = z.object({
  dag: z.object({
    dag_id: z.string(),
    schedule: z.string(),
    catchup: z.boolean(),
    max_active_runs: z.number(),
    default_args: z.object({
      retries: z.number(),
      retry_delay: z.number(),
      retry_exponential_backoff: z.boolean(),
      max_retry_delay: z.number(),
    }),
  }),
  constants: z.record(z.string(), z.string()),
  tasks: z.array(
    z.object({
      taskId: z.string(),
      operator: z.string(),
      arguments: z.array(z.string()),
      pool: z.string().nullable(),
      executionTimeoutSeconds: z.number().nullable(),
      doXcomPush: z.boolean(),
    }),
  ),
  edges: z.array(z.tuple([z.string(), z.string()])),
});
type DagTask = z.infer<typeof dagSchema>["tasks"][number];

/** What Python's `ast` reads of the DAG file. */
const dag = dagSchema.parse(JSON.parse(execFileSync("python3", [path.join(import.meta.dirname, "dag_tasks.py"), dagFile], { encoding: "utf8" })));

/** The tasks in an order that respects every dependency (Kahn); throws on a cycle. */
function topologicalOrder(tasks: readonly DagTask[], edges: readonly [string, string][]): DagTask[] {
  const indegree = new Map(tasks.map((t) => [t.taskId, 0]));
  for (const [, b] of edges) indegree.set(b, (indegree.get(b) ?? 0) + 1);
  const ready = tasks.filter((t) => indegree.get(t.taskId) === 0);
  const order: DagTask[] = [];
  while (ready.length > 0) {
    const task = ready.shift() as DagTask;
    order.push(task);
    for (const [, b] of edges.filter(([from]) => from === task.taskId)) {
      indegree.set(b, (indegree.get(b) ?? 0) - 1);
      if (indegree.get(b) === 0) ready.push(tasks.find((t) => t.taskId === b) as DagTask);
    }
  }
  if (order.length !== tasks.length) throw new Error("the DAG has a cycle");
  return order;
}
const order = topologicalOrder(dag.tasks, dag.edges);

/** The logical date of the DAG run the test plays, and the key Airflow renders from it (ISO week). */
const LOGICAL_DATE_KEY = "2026-W49";
const RUN_KEY_TEMPLATE = "{{ logical_date.strftime('%G-W%V') }}";
const XCOM = "/airflow/xcom/return.json";

/** The demo upstreams with the ratings sites; no browser (the replayed pages are static). */
function dataset(): ReplayDataset {
  return { ...buildApiRoutes(DEMO_CATALOGUE), ...buildSiteRoutes(DEMO_CATALOGUE) };
}
const NO_BROWSER = { PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: "/nonexistent/chromium" };
/** The replays answer at once: TMDB and OMDb at their pace, not the real upstreams' (40 and 10 a second). */
const FAST_UPSTREAMS = { TMDB_REQUESTS_PER_SECOND: "500", OMDB_REQUESTS_PER_SECOND: "500" };

let upstreams: ReplayUpstreams;
let entry: string;
/** A real Pushgateway for the steps' metrics, when Debian's prometheus-pushgateway is installed. */
const pushgatewayBinary = findBinary("prometheus-pushgateway");
let pushgateway: { server: ServerProcess; url: string } | undefined;
const databases: TestDatabase[] = [];
const xcomDirs: string[] = [];
beforeAll(async () => {
  entry = builtEntry();
  upstreams = await startReplayUpstreams(dataset());
  if (pushgatewayBinary) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // In memory only: Debian's build persists to /var/lib/prometheus/pushgateway.data by default, shared by every run.
    const args = [`--web.listen-address=127.0.0.1:${port}`, "--persistence.file="];
    pushgateway = { server: await startServer(pushgatewayBinary, args, `${url}/-/ready`), url };
  }
});
afterAll(async () => {
  await pushgateway?.server.stop();
  await upstreams?.close();
  for (const db of databases) await db.drop();
  for (const dir of xcomDirs) rmSync(dir, { recursive: true, force: true });
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  databases.push(db);
  return db;
}

/** A process of the CLI (the image's entrypoint), as a pod runs it. */
function start(args: readonly string[], db: TestDatabase, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      ...upstreams.env,
      DATABASE_URL: db.url,
      LOG_LEVEL: "warn",
      SCRAPE_REQUESTS_PER_SECOND: "200",
      ...FAST_UPSTREAMS,
      ...NO_BROWSER,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** The task's arguments as Airflow renders them for the test's DAG run, with the XCom file in `xcomDir`. */
function rendered(task: DagTask, xcomDir: string): string[] {
  return task.arguments.map((a) => a.replace(RUN_KEY_TEMPLATE, LOGICAL_DATE_KEY).replace(XCOM, path.join(xcomDir, task.taskId, "return.json")));
}

/** Runs one task to its end; returns its exit code, output and XCom (the summary JSON, when it wrote one). */
async function runTask(task: DagTask, db: TestDatabase, xcomDir: string, env: Record<string, string> = {}) {
  const run = start(rendered(task, xcomDir), db, env);
  const code = await run.exited;
  let xcom: HarvestResult | undefined;
  if (task.doXcomPush) xcom = harvestResultSchema.parse(JSON.parse(readFileSync(path.join(xcomDir, task.taskId, "return.json"), "utf8")));
  return { code, output: run.output(), xcom };
}

function newXcomDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-xcom-"));
  xcomDirs.push(dir);
  return dir;
}

/** Tables after one `harvest` on a database of its own: what every way of running the DAG must end with. */
let reference: Awaited<ReturnType<typeof dumpTables>> | undefined;
async function referenceDump() {
  if (reference) return reference;
  const db = await database();
  const run = start(["harvest"], db);
  expect(await run.exited, run.output()).toBe(0);
  reference = await dumpTables(db, { harvest_run: ["run_key"] });
  return reference;
}

/**
 * What the steps pushed: one group per step; the last success (the run's, from the database, where known) in each group; the
 * run gauges only in publish's (the steps before it handed over), where last run = last success (no alert).
 */
async function expectStepGroups(url: string, db: TestDatabase): Promise<void> {
  const samples = parseExposition(await (await fetch(`${url}/metrics`)).text()).filter(
    (s) => s.labels.job === "tv_harvester" && s.labels.step !== undefined,
  );
  const byStep = (name: string) => new Map(samples.filter((s) => s.name === name).map((s) => [s.labels.step, s.value]));
  const [finished] = await db.query<{ at: number }>(
    `SELECT extract(epoch FROM finished_at)::float8 AS at FROM harvest_run WHERE status = 'succeeded'`,
  );
  const lastSuccess = byStep("tv_harvester_last_success_timestamp_seconds");
  // The steps before publish read the last success from the database: none yet when they ran, so their groups have
  // no sample (an unknown gauge is absent, never 0, or the freshness alerts would read "never succeeded").
  expect([...lastSuccess.keys()]).toEqual(["publish"]);
  expect(lastSuccess.get("publish")).toBeCloseTo(finished?.at ?? 0, 0);
  const lastRun = byStep("tv_harvester_last_run_timestamp_seconds");
  expect([...lastRun.keys()]).toEqual(["publish"]);
  // TvHarvesterHarvestFailed allows 60 s between the two (both read from the clock at the run's end).
  expect(Math.abs((lastRun.get("publish") ?? 0) - (lastSuccess.get("publish") ?? 0))).toBeLessThan(1);
  expect([...byStep("tv_harvester_harvest_runs_total").keys()]).toEqual(["publish"]);
  // Each step's own work is in its group: the details step's stage time, the omdb step's requests.
  expect(samples.some((s) => s.name === "tv_harvester_stage_duration_seconds" && s.labels.step === "details" && s.labels.stage === "details")).toBe(
    true,
  );
  expect(samples.some((s) => s.name === "tv_harvester_http_requests_total" && s.labels.step === "omdb" && s.labels.upstream === "omdb")).toBe(true);
}

describe("the tv_harvester DAG", { timeout: 300_000 }, () => {
  it("is weekly, catches nothing up, runs one DAG run at a time and retries with exponential back-off", () => {
    expect(dag.dag).toMatchObject({ dag_id: "tv_harvester", schedule: "0 3 * * 1", catchup: false, max_active_runs: 1 });
    expect(dag.dag.default_args.retries).toBeGreaterThan(0);
    expect(dag.dag.default_args.retry_exponential_backoff).toBe(true);
    expect(dag.dag.default_args.max_retry_delay).toBeGreaterThan(dag.dag.default_args.retry_delay);
  });

  it("has the migrations first, then one task per step in the step order, each keyed by the logical date", () => {
    expect(order.map((t) => t.taskId)).toEqual(["migrate", "listing", "details", "omdb", "ratings_sites", "publish"]);
    expect(order[0]?.arguments).toEqual(["migrate"]);
    expect(dag.constants.RUN_KEY).toBe(RUN_KEY_TEMPLATE);
    const steps = order.slice(1);
    expect(steps.map((t) => t.arguments.slice(0, 5))).toEqual(HARVEST_STEPS.map((s) => ["harvest", "--run-key", RUN_KEY_TEMPLATE, "--step", s]));
    for (const task of order) {
      expect(task.operator, task.taskId).toBe("KubernetesPodOperator");
      expect(task.executionTimeoutSeconds, task.taskId).toBeGreaterThan(0);
    }
    for (const task of steps) {
      // The summary JSON is the task's XCom.
      expect(task.arguments.slice(5), task.taskId).toEqual(["--summary-json", XCOM]);
      expect(task.doXcomPush, task.taskId).toBe(true);
    }
    // The steps that call TMDB take the pool that keeps other DAGs from sharing its rate; the others do not.
    expect(order.filter((t) => t.pool === "tmdb").map((t) => t.taskId)).toEqual(["listing", "details"]);
  });

  it("run in the DAG's order, its commands end with the same tables as one harvest; the same DAG run again is a no-op", async () => {
    const db = await database();
    const xcomDir = newXcomDir();
    const push: Record<string, string> = pushgateway ? { PUSHGATEWAY_URL: pushgateway.url } : {};
    for (const task of order) {
      const { code, output, xcom } = await runTask(task, db, xcomDir, push);
      expect(code, `${task.taskId}: ${output}`).toBe(0);
      if (xcom) {
        expect(xcom).toMatchObject({ status: "succeeded", exitCode: 0, runKey: LOGICAL_DATE_KEY, published: task.taskId === "publish" });
        expect(xcom.stepsCompleted).toEqual(HARVEST_STEPS.slice(0, HARVEST_STEPS.indexOf(xcom.step ?? "listing") + 1));
      }
    }
    const tables = await dumpTables(db, { harvest_run: ["run_key"] });
    expect(tables).toEqual(await referenceDump());
    if (pushgateway) await expectStepGroups(pushgateway.url, db);
    else console.warn("prometheus-pushgateway is not installed: the steps' pushes are not checked");
    expect(await db.query(`SELECT run_key, status::text FROM harvest_run`)).toEqual([{ run_key: LOGICAL_DATE_KEY, status: "succeeded" }]);

    // The DAG run cleared and run again (or a retry after the run succeeded): nothing asked, nothing written.
    const asked = upstreams.tmdb.count() + upstreams.omdb.count();
    for (const task of order.slice(1)) {
      const { code, xcom } = await runTask(task, db, xcomDir);
      expect(code, task.taskId).toBe(0);
      expect(xcom?.status, task.taskId).toBe("nothing_to_do");
    }
    expect(upstreams.tmdb.count() + upstreams.omdb.count()).toBe(asked);
    expect(await dumpTables(db, { harvest_run: ["run_key"] })).toEqual(tables);
  });

  it("a task killed part-way and run again as Airflow's retry resumes the run and ends with the same tables", async () => {
    const db = await database();
    const xcomDir = newXcomDir();
    for (const task of order) {
      if (task.taskId !== "details") {
        const { code, output } = await runTask(task, db, xcomDir);
        expect(code, `${task.taskId}: ${output}`).toBe(0);
        continue;
      }
      // The first attempt: slow enough to be killed among its details requests.
      const before = upstreams.tmdb.count();
      const attempt = start(rendered(task, xcomDir), db, { TMDB_REQUESTS_PER_SECOND: "15" });
      const deadline = Date.now() + 60_000;
      while (upstreams.tmdb.count() - before < 20) {
        if (Date.now() > deadline || attempt.child.exitCode !== null) throw new Error(`details never reached the kill point: ${attempt.output()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      attempt.child.kill("SIGKILL");
      await attempt.exited;
      const staged = await db.query<{ request_key: string }>(
        `SELECT request_key FROM upstream_answer WHERE upstream = 'tmdb' AND request_key ~ '^tv/[0-9]+$'`,
      );
      expect(staged.length).toBeGreaterThan(0);
      const seen = upstreams.tmdb.requests.length;

      // Airflow's retry: the same command.
      const retry = await runTask(task, db, xcomDir);
      expect(retry.code, retry.output).toBe(0);
      expect(retry.xcom).toMatchObject({ status: "succeeded", step: "details" });
      expect(retry.xcom?.counts?.reusedAnswers).toBeGreaterThanOrEqual(staged.length);
      const askedAgain = upstreams.tmdb.requests.slice(seen).map((r) => r.key);
      for (const { request_key } of staged) {
        const id = request_key.replace(/^tv\//, "");
        expect(
          askedAgain.filter((k) => k.startsWith(`/3/tv/${id}?`)),
          `details of ${id} asked again`,
        ).toEqual([]);
      }
    }
    expect(await dumpTables(db, { harvest_run: ["run_key"] })).toEqual(await referenceDump());
  });
});
