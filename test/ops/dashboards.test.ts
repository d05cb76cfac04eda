/**
 * The dashboards and alert rules against real data: `tv-harvester serve` (serveCommand) starts on a fresh
 * database, catches up the missed weekly harvest against the replay upstreams (the demo dataset, with a
 * TMDB rate limit that answers 429s, a transient 500, a drifted response, an impossible rating and Rotten
 * Tomatoes pages in every layout, one of them changed), and a real Prometheus
 * (Debian's package) scrapes its /metrics every second with our alert rules loaded. Then:
 *   - every PromQL query of every dashboard panel returns data;
 *   - every alert rule evaluates without error;
 *   - every SQL panel query runs on the harvested database as the read-only reader role, the role both Grafana
 *     PostgreSQL datasources log in as (a panel on a table the reader cannot read fails here), and returns rows;
 *     template variables are substituted as Grafana does, both with every variable on "All" and with the values
 *     of one real series; variable and annotation queries run too, as the reader.
 * The 429s come from the replay's routes (the first answer of a few details routes), not from a token bucket
 * racing the machine's load, so the "429s and retries" panel has data on a loaded machine too.
 */
import { readdirSync, readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createReaderCommand } from "../../src/commands/db.js";
import { serveCommand } from "../../src/commands/serve.js";
import { loadConfig } from "../../src/config.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { buildApiRoutes, type ReplayDataset } from "../../src/replay/dataset.js";
import { buildSiteRoutes } from "../../src/replay/sites.js";
import type { ScheduledHarvestOutcome } from "../../src/ops/schedule.js";
import { startReplayUpstreams, type ReplayUpstreams } from "../../src/replay/upstreams.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { freePort } from "../helpers/free-port.js";
import { findBinary, startServer, type ServerProcess } from "./processes.js";

const root = path.resolve(import.meta.dirname, "../..");
const prometheusBinary = findBinary("prometheus");
const READER = { roleName: `dash_reader_${Math.random().toString(36).slice(2, 8)}`, password: "reader-test-password" };

interface Target {
  refId: string;
  expr?: string;
  rawSql?: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  title: string;
  datasource: { type: string; uid: string };
  targets: Target[];
}
interface Variable {
  name: string;
  type: string;
  query?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  datasource?: { type: string; uid: string };
}
interface Annotation {
  name: string;
  datasource?: { type: string; uid: string };
  target?: Target;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Annotation[] };
}

const dashboards: Dashboard[] = readdirSync(path.join(root, "grafana/dashboards"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(path.join(root, "grafana/dashboards", f), "utf8")) as Dashboard);
const targets = [
  ...dashboards.flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => ({ dashboard: d.title, panel: p.title, ...t })))),
  ...dashboards.flatMap((d) =>
    d.annotations.list.flatMap((a) => (a.target ? [{ dashboard: d.title, panel: `annotation ${a.name}`, ...a.target }] : [])),
  ),
];
const variables = dashboards.flatMap((d) => d.templating.list.map((v) => ({ dashboard: d.title, ...v })));
const contentDashboard = dashboards.find((d) => d.uid === "tvh-content")!;
const CONTENT_VARIABLES = ["genre", "platform", "network", "region", "first_air_year"];
const promTargets = targets.filter((t) => t.datasource.type === "prometheus");
const sqlTargets = targets.filter((t) => t.datasource.type === "grafana-postgresql-datasource");

/** Grafana's interval variables, as Grafana would expand them for a short range. */
function expandPromQL(expr: string): string {
  return expr.replaceAll("$__rate_interval", "1m").replaceAll("$__interval", "15s").replaceAll("$__range", "1h");
}

/** Grafana's PostgreSQL macros used by the dashboards, expanded as Grafana does for a wide time range. */
function expandSql(query: string): string {
  return query.replace(/\$__timeFilter\(([^)]+)\)/g, "$1 BETWEEN '2000-01-01T00:00:00Z' AND '2100-01-01T00:00:00Z'");
}

/** Values chosen for the template variables: a list, or "all" (Grafana's All option). */
type Selection = Record<string, string[] | "all">;

/**
 * Substitutes template variables as Grafana does: `${v:sqlstring}` → `'a','b'` (quotes doubled), `$v`/`${v}` → the
 * raw values; "All" with a custom all value → that value unformatted (Grafana skips formatting for it).
 * @throws when a variable of the query has no value (a typo in a panel would otherwise pass unnoticed).
 */
function substituteVariables(query: string, selection: Selection, defined: readonly Variable[]): string {
  return query.replace(
    /\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g,
    (match, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare!;
      if (name.startsWith("__")) return match;
      const variable = defined.find((v) => v.name === name);
      const value = selection[name];
      if (!variable || value === undefined) throw new Error(`no value for template variable ${name} in: ${query.slice(0, 80)}`);
      if (value === "all") {
        if (variable.allValue === undefined) throw new Error(`variable ${name} has no custom all value`);
        return variable.allValue;
      }
      return format === "sqlstring" ? value.map((v) => `'${v.replaceAll("'", "''")}'`).join(",") : value.join(",");
    },
  );
}

describe("dashboard files", () => {
  it("reference only the provisioned datasource uids", () => {
    const provisioned = readFileSync(path.join(root, "grafana/provisioning/datasources/tv-harvester.yml"), "utf8");
    const uids = [...provisioned.matchAll(/uid: (\S+)/g)].map((m) => m[1]);
    expect(uids).toEqual(["tvh-prometheus", "tvh-postgres", "tvh-analytics"]);
    // Both PostgreSQL datasources log in as the reader role (so the SQL tests below run every query as it).
    expect([...provisioned.matchAll(/^\s+user: (\S+)$/gm)].map((m) => m[1])).toEqual(["$READER_ROLE_NAME", "$READER_ROLE_NAME"]);
    expect(dashboards.map((d) => d.uid).sort()).toEqual(["tvh-content", "tvh-data-quality", "tvh-database-health", "tvh-pipeline-health"]);
    for (const d of dashboards) {
      for (const p of d.panels) {
        expect(uids, `${d.title} / ${p.title}`).toContain(p.datasource.uid);
        for (const t of p.targets) expect(t.datasource.uid, `${d.title} / ${p.title}`).toBe(p.datasource.uid);
      }
    }
    expect(promTargets.length).toBeGreaterThan(20);
    expect(sqlTargets.length).toBeGreaterThan(10);
  });

  it("every panel of every board has a unit and a description; every stat tile has thresholds", () => {
    for (const d of dashboards) {
      for (const panel of d.panels as (Panel & {
        type: string;
        description?: string;
        fieldConfig?: { defaults?: { unit?: string; thresholds?: { steps: { color: string }[] }; mappings?: unknown[] } };
      })[]) {
        const where = `${d.title} / ${panel.title}`;
        expect(panel.fieldConfig?.defaults?.unit, `${where}: unit`).toEqual(expect.stringMatching(/\S/));
        expect(panel.description ?? "", `${where}: description`).toMatch(/\S{3,}.*\S{3,}/);
        if (panel.type === "stat") {
          const steps = panel.fieldConfig?.defaults?.thresholds?.steps ?? [];
          // Colours by threshold, or (a text tile) by value mappings.
          expect(steps.length + (panel.fieldConfig?.defaults?.mappings?.length ?? 0), `${where}: thresholds`).toBeGreaterThanOrEqual(2);
        }
      }
    }
  });

  it("every board links to the other three", () => {
    for (const d of dashboards as (Dashboard & { links?: { url: string }[] })[]) {
      const others = dashboards.filter((o) => o.uid !== d.uid).map((o) => `/d/${o.uid}`);
      expect((d.links ?? []).map((l) => l.url).sort(), d.title).toEqual(others.sort());
    }
  });

  it("the home board says what broke: the last run's status, its failing stage and error, the alerts firing", () => {
    const home = dashboards.find((d) => d.uid === "tvh-pipeline-health")!;
    const queries = home.panels.map((p) => ({ title: p.title, text: p.targets.map((t) => t.rawSql ?? t.expr ?? "").join("\n") }));
    expect(queries.find((q) => q.title === "Last run status")?.text).toMatch(/SELECT status FROM monitoring\.harvest_runs/);
    expect(queries.find((q) => /failing stage and error/.test(q.title))?.text).toMatch(/stage[\s\S]*error[\s\S]*FROM monitoring\.harvest_runs/);
    expect(queries.find((q) => q.title === "Alerts firing")?.text).toContain('ALERTS{alertstate="firing"}');
    // "Since the last success" has no value when there never was one: no `or vector(0)`, no default.
    const since = queries.find((q) => q.title === "Since the last successful harvest")!.text;
    expect(since).toBe("time() - max(tv_harvester_last_success_timestamp_seconds)");
    const grafanaHome = readFileSync(path.join(root, "docker-compose.yml"), "utf8");
    expect(grafanaHome).toContain("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: /var/lib/grafana/dashboards/pipeline-health.json");
  });

  it("Content: every panel query uses every template variable, and harvest runs are annotations", () => {
    expect(contentDashboard.templating.list.map((v) => v.name).sort()).toEqual([...CONTENT_VARIABLES].sort());
    for (const panel of contentDashboard.panels) {
      for (const target of panel.targets) {
        for (const name of CONTENT_VARIABLES) expect(target.rawSql, `${panel.title}: $${name}`).toMatch(new RegExp(`\\$\\{${name}(:\\w+)?\\}`));
      }
    }
    expect(contentDashboard.annotations.list.map((a) => a.target?.rawSql ?? "")).toEqual([expect.stringContaining("analytics.harvest_runs")]);
  });

  it("Content: every score on the one scale (analytics.normalized_score or a view's normalized column), no scaling by hand", () => {
    for (const panel of contentDashboard.panels) {
      for (const target of panel.targets) {
        const sql = target.rawSql!;
        expect(sql, panel.title).not.toMatch(/\*\s*10\b|\/\s*10\b|\*\s*100\b/);
        // A raw score column is only read through the one normalization (availability counts read none).
        const rest = sql.replace(/analytics\.normalized_score\('\w+', (\w+\.)?\w+\)/g, "").replace(/(\w+\.)?\w+ IS (NOT )?NULL/g, "");
        expect(rest, `${panel.title}: a raw score outside normalized_score`).not.toMatch(
          /\b(imdb_rating|tmdb_score|tomatoes_critic|tomatoes_audience|metacritic|metauser)\b(?!_)/,
        );
      }
    }
  });

  it("Content: every panel has a unit and rounding", () => {
    for (const panel of contentDashboard.panels as (Panel & { fieldConfig: { defaults: { unit?: string; decimals?: number } } })[]) {
      expect(panel.fieldConfig.defaults.unit, panel.title).toEqual(expect.any(String));
      expect(panel.fieldConfig.defaults.decimals, panel.title).toEqual(expect.any(Number));
    }
  });

  it("substitutes variables as Grafana does", () => {
    const defined: Variable[] = [
      { name: "genre", type: "query", allValue: "'__all'" },
      { name: "region", type: "query" },
    ];
    expect(
      substituteVariables(
        "g IN (${genre:sqlstring}) AND r = ${region:sqlstring} AND $__timeFilter(x)",
        { genre: ["Sci-Fi & Fantasy", "Kid's"], region: ["US"] },
        defined,
      ),
    ).toBe("g IN ('Sci-Fi & Fantasy','Kid''s') AND r = 'US' AND $__timeFilter(x)");
    expect(substituteVariables("'__all' IN (${genre:sqlstring})", { genre: "all", region: ["US"] }, defined)).toBe("'__all' IN ('__all')");
    expect(() => substituteVariables("${genr:sqlstring}", { genre: "all" }, defined)).toThrow(/genr/);
  });
});

describe.skipIf(!prometheusBinary)(`dashboards against a real harvest${prometheusBinary ? "" : " (skipped: prometheus not installed)"}`, () => {
  let db: TestDatabase;
  let upstreams: ReplayUpstreams;
  let prometheus: ServerProcess;
  let promUrl: string;
  let metricsPort = 0;
  let stopServe: AbortController;
  let served: Promise<number>;
  let catchUp: Promise<ScheduledHarvestOutcome | undefined>;
  let outcome: ScheduledHarvestOutcome | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The demo catalogue, with Rotten Tomatoes pages in every layout (a JavaScript-rendered one needs the
    // browser fallback; a changed one matches no strategy).
    const dataset: ReplayDataset = {
      ...buildApiRoutes(DEMO_CATALOGUE),
      ...buildSiteRoutes(DEMO_CATALOGUE, {
        rottenTomatoesLayouts: ["scorecard", "score-board-2022", "json-ld-only", "js-rendered", "layout-changed"],
      }),
    };
    // An OMDb answer with an impossible IMDb rating (quarantined) …
    const omdbKey = [...dataset.omdb.keys()][0]!;
    const omdbRoute = dataset.omdb.get(omdbKey)!;
    const omdbBody = (Array.isArray(omdbRoute) ? omdbRoute[0]! : omdbRoute).body as Record<string, unknown>;
    dataset.omdb.set(omdbKey, { body: { ...omdbBody, imdbRating: "42.0" } });
    // … a transient 500 on the genre list (a retry), and one series whose details have drifted.
    const genreKey = [...dataset.tmdb.keys()].find((k) => k.includes("/genre/tv/list"))!;
    const genre = dataset.tmdb.get(genreKey)!;
    dataset.tmdb.set(genreKey, [{ status: 500, body: { status_message: "Internal error" } }, ...(Array.isArray(genre) ? genre : [genre])]);
    // (the last series of the catalogue; the impossible rating above is the first one's)
    const detailsKey = [...dataset.tmdb.keys()].filter((k) => /\/tv\/\d+\?/.test(k)).at(-1)!;
    dataset.tmdb.set(detailsKey, { body: { id: "not a number", seasons: "many" } });
    // Three series answer 429 (Retry-After 1 s) to their first details request: the replay decides, not the load.
    for (const key of [...dataset.tmdb.keys()].filter((k) => /\/tv\/\d+\?/.test(k) && k !== detailsKey).slice(0, 3)) {
      const route = dataset.tmdb.get(key)!;
      dataset.tmdb.set(key, [
        { status: 429, body: { status_code: 25, status_message: "Your request count is over the allowed limit." }, headers: { "Retry-After": "1" } },
        ...(Array.isArray(route) ? route : [route]),
      ]);
    }
    upstreams = await startReplayUpstreams(dataset);
    const config = loadConfig({
      DATABASE_URL: db.url,
      ...upstreams.env,
      HTTP_BACKOFF_BASE_MS: "20",
      HTTP_BACKOFF_MAX_MS: "200",
      SCRAPE_REQUESTS_PER_SECOND: "200",
      TMDB_REQUESTS_PER_SECOND: "500",
      OMDB_REQUESTS_PER_SECOND: "500",
      METRICS_PORT: String(await freePort()),
      LOG_LEVEL: "silent",
    });
    stopServe = new AbortController();
    let resolveCatchUp!: (o: ScheduledHarvestOutcome | undefined) => void;
    catchUp = new Promise((r) => (resolveCatchUp = r));
    const ready = new Promise<void>((resolve, reject) => {
      served = serveCommand(
        config,
        { stdout: () => undefined, stderr: () => undefined, interactive: false },
        {
          signal: stopServe.signal,
          host: "127.0.0.1",
          harvestOptions: { maxPages: 3 },
          onReady: ({ port, catchUp: started, scheduler }) => {
            metricsPort = port;
            // The catch-up harvest runs in the background; wait for it through the scheduler.
            resolve();
            void (started ? scheduler.idle().then(() => "done" as const) : Promise.resolve(undefined)).then(async () => {
              const [run] = await db.query<{ status: ScheduledHarvestOutcome }>(
                `SELECT status::text AS status FROM harvest_run ORDER BY run_id DESC LIMIT 1`,
              );
              resolveCatchUp(run?.status);
            });
          },
        },
      );
      served.catch(reject);
    });
    await ready;

    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-prometheus-"));
    writeFileSync(
      path.join(dir, "prometheus.yml"),
      [
        "global: { scrape_interval: 1s, evaluation_interval: 1s }",
        `rule_files: ["${path.join(root, "prometheus/rules")}/*.yml"]`,
        "scrape_configs:",
        "  - job_name: tv_harvester",
        `    static_configs: [{ targets: ["127.0.0.1:${metricsPort}"] }]`,
        "",
      ].join("\n"),
    );
    prometheus = await startServer(
      prometheusBinary!,
      [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      `${promUrl}/-/ready`,
    );
    outcome = await catchUp;
    const harvested = Date.now();
    await createReaderCommand({ stdout: () => undefined, databaseUrl: db.url, reader: READER });
    // Enough scrapes after the harvest for rate() over 1m: two samples at least, taken after it ended.
    await scrapedTwiceSince(promUrl, harvested);
  }, 240_000);

  afterAll(async () => {
    stopServe?.abort();
    await served?.catch(() => undefined);
    await prometheus?.stop();
    await upstreams?.close();
    await db?.query(`DROP OWNED BY ${READER.roleName}`).catch(() => undefined);
    await db?.drop();
    const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${READER.roleName}`).catch(() => undefined);
    await admin.end();
  });

  it("serve ran the missed harvest at start-up and answers /healthz", async () => {
    expect(outcome).toBe("succeeded");
    const [run] = await db.query<{ trigger: string }>(`SELECT trigger FROM harvest_run ORDER BY run_id DESC LIMIT 1`);
    expect(run?.trigger).toBe("schedule");
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
  });

  it("Prometheus scrapes the harvester", async () => {
    const body = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('up{job="tv_harvester"}')}`)).json()) as PromResponse;
    expect(body.data.result.map((r) => r.value[1])).toEqual(["1"]);
  });

  it.each(promTargets.map((t) => [`${t.dashboard} / ${t.panel} [${t.refId}]`, t] as const))("PromQL returns data: %s", async (_name, target) => {
    const expr = expandPromQL(target.expr!);
    const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as PromResponse;
    expect(body.status, `${expr}: ${JSON.stringify(body)}`).toBe("success");
    expect(body.data.result.length, `no data for ${expr}`).toBeGreaterThan(0);
  });

  it("every alert rule evaluates without error", async () => {
    const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const rule of rules) expect(rule.health, `${rule.name}: ${rule.lastError ?? ""}`).toBe("ok");
  });

  /**
   * Runs `sql` as the reader role, whatever the datasource: grafana/provisioning/datasources/tv-harvester.yml logs
   * both PostgreSQL datasources in as that role. Returns its rows.
   */
  async function query(uid: string, sql: string): Promise<Record<string, unknown>[]> {
    expect(["tvh-postgres", "tvh-analytics"]).toContain(uid);
    const url = new URL(db.url);
    url.username = READER.roleName;
    url.password = READER.password;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  /** Every variable on All (the region on the first one the harvest has), and the values of one real series. */
  async function selections(): Promise<Record<"all" | "one series", Selection>> {
    const [series] = await db.query<{ genre: string; network: string; platform: string; region: string; year: string }>(
      `SELECT g.genre, n.network, p.platform, p.region, f.release_year::text AS year
       FROM analytics.series_profile f
       JOIN analytics.series_genres g ON g.series_id = f.series_id
       JOIN analytics.series_networks n ON n.series_id = f.series_id AND n.is_primary
       JOIN analytics.series_platforms p ON p.series_id = f.series_id AND p.offer_type = 'flatrate'
       WHERE f.release_year IS NOT NULL AND f.imdb_rating IS NOT NULL
       ORDER BY f.series_id, g.genre, p.region DESC LIMIT 1`,
    );
    if (!series) throw new Error("no series with a genre, network, platform and year");
    return {
      all: { genre: "all", platform: "all", network: "all", region: [series.region], first_air_year: "all" },
      "one series": {
        genre: [series.genre],
        platform: [series.platform],
        network: [series.network],
        region: [series.region],
        first_air_year: [series.year],
      },
    };
  }

  const definedIn = (dashboard: string) => dashboards.find((d) => d.title === dashboard)!.templating.list;

  it.each(
    sqlTargets.flatMap((t) =>
      (/\$\{?\w/.test(t.rawSql!.replaceAll("$__", "")) ? (["all", "one series"] as const) : (["no variables"] as const)).map(
        (which) => [`${t.dashboard} / ${t.panel} [${which}] ${t.rawSql!.slice(0, 40).replace(/\s+/g, " ")}`, t, which] as const,
      ),
    ),
  )("SQL returns rows: %s", async (_name, target, which) => {
    const sql =
      which === "no variables" ? target.rawSql! : substituteVariables(target.rawSql!, (await selections())[which], definedIn(target.dashboard));
    const rows = await query(target.datasource.uid, expandSql(sql));
    expect(rows.length).toBeGreaterThan(0);
  });

  it.each(variables.map((v) => [`${v.dashboard} / $${v.name}`, v] as const))("variable query returns values: %s", async (_name, variable) => {
    const all = await selections();
    const sql = substituteVariables(variable.query!, all.all, definedIn(variable.dashboard));
    const rows = await query(variable.datasource!.uid, sql);
    expect(rows.length).toBeGreaterThan(0);
  });
});

interface PromResponse {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

/**
 * Waits until Prometheus holds two scrapes of the harvester taken after `sinceMs` (its samples in the window from then
 * to now), polling every 200 ms instead of sleeping for a fixed number of scrape intervals.
 * @throws after 30 s without them, with the last answer
 */
async function scrapedTwiceSince(promUrl: string, sinceMs: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const windowMs = Date.now() - sinceMs;
    const expr = `count_over_time(up{job="tv_harvester"}[${Math.max(1, Math.floor(windowMs))}ms])`;
    const body = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as PromResponse;
    if (Number(body.data.result[0]?.value[1] ?? 0) >= 2) return;
    if (Date.now() > deadline) throw new Error(`Prometheus has not scraped the harvester twice since the harvest: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
