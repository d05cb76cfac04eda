/**
 * `tv-harvester start` (what `npm start` runs): the main job on the embedded default database.
 *
 * With TMDB credentials it is a real harvest. Without them it is a clearly labelled demo: local replay
 * servers answer with the project's own sample responses (src/demo, in the exact shapes of the real APIs),
 * the same pipeline loads them into an embedded database of its own (`<EMBEDDED_PG_DIR>-demo`, so demo
 * rows never mix with real ones), and the top rows of `analytics.series_ratings` are printed.
 */
import { createApp } from "../app.js";
import { hasTmdbCredentials, loadConfig, type Config } from "../config.js";
import { buildDemoDataset } from "../demo/demo-dataset.js";
import { startReplayUpstreams } from "../replay/upstreams.js";
import { redactUrl } from "../secrets.js";
import { harvestCommand } from "./harvest.js";
import type { CommandIO } from "./io.js";
import { formatTable } from "../text-table.js";

/** Rows of analytics.series_ratings shown after the demo. */
const DEMO_ROWS = 15;

/** Runs the real harvest or the demo; returns the exit code. */
export async function startCommand(config: Config, env: Record<string, string | undefined>, io: CommandIO): Promise<number> {
  if (hasTmdbCredentials(config)) {
    io.stderr("TMDB credentials found: running a real harvest.\n");
    const app = await createApp(config, { onEmbeddedDatabase: (url) => io.stderr(`Embedded PostgreSQL: ${redactUrl(url)}\n`) });
    try {
      return await harvestCommand(app, { omdb: true, scrape: true, resume: false }, io);
    } finally {
      await app.close();
    }
  }

  io.stderr(
    [
      "=====================================================================",
      " DEMO MODE — no TMDB_API_KEY / TMDB_ACCESS_TOKEN set.",
      " Local replay servers answer with the project's own sample data",
      " (not live TMDB/OMDb/Rotten Tomatoes/Metacritic data).",
      " Set TMDB_API_KEY and OMDB_API_KEY for a real harvest.",
      "=====================================================================",
      "",
    ].join("\n"),
  );
  const upstreams = await startReplayUpstreams(buildDemoDataset());
  try {
    const demoConfig = loadConfig({
      ...env,
      ...upstreams.env,
      // The replays are local: no need to throttle the ratings sites to 1 request/second.
      SCRAPE_REQUESTS_PER_SECOND: env.SCRAPE_REQUESTS_PER_SECOND ?? "50",
      OMDB_REQUESTS_PER_SECOND: env.OMDB_REQUESTS_PER_SECOND ?? "50",
      LOG_LEVEL: env.LOG_LEVEL ?? config.logLevel,
      HTTP_BACKOFF_BASE_MS: env.HTTP_BACKOFF_BASE_MS ?? "100",
      // Demo data never mixes with real data: its own embedded cluster, never DATABASE_URL, and so its
      // own OMDb budget bookkeeping (a real key's daily budget is not spent on replays).
      DATABASE_URL: undefined,
      EMBEDDED_PG_DIR: `${config.embeddedPostgres.dataDir}-demo`,
      EMBEDDED_PG_PORT: String(config.embeddedPostgres.port + 1),
    });
    if (config.databaseUrl) io.stderr("DATABASE_URL is set but left untouched: the demo loads its own embedded database.\n");
    const app = await createApp(demoConfig, { onEmbeddedDatabase: (url) => io.stderr(`Embedded PostgreSQL: ${redactUrl(url)}\n`) });
    try {
      const code = await harvestCommand(app, { omdb: true, scrape: true, resume: false }, io, "demo");
      const rows = await app.prisma.$queryRaw<
        {
          title: string;
          release_year: number | null;
          network: string | null;
          genres: string | null;
          tmdb_score: string | null;
          imdb_rating: string | null;
          tomatoes_critic: string | null;
          metacritic: string | null;
        }[]
      >`SELECT title, release_year, network, genres, tmdb_score::text, imdb_rating::text, tomatoes_critic::text, metacritic::text
        FROM analytics.series_ratings ORDER BY imdb_rating DESC NULLS LAST, title LIMIT ${DEMO_ROWS}`;
      io.stdout(`\nDEMO — top ${rows.length} rows of analytics.series_ratings (by IMDb rating):\n`);
      const columns = ["title", "year", "network", "TMDB", "IMDb", "RT", "MC", "genres"].map((heading) => ({ heading, maxWidth: 32 }));
      const table = rows.map((r) => [
        r.title,
        String(r.release_year ?? ""),
        r.network ?? "",
        r.tmdb_score ?? "",
        r.imdb_rating ?? "",
        r.tomatoes_critic ?? "",
        r.metacritic ?? "",
        r.genres ?? "",
      ]);
      io.stdout(`${formatTable(columns, table)}\n`);
      io.stdout(
        `\nDemo data is kept under ${demoConfig.embeddedPostgres.dataDir} (apart from real harvests under ${config.embeddedPostgres.dataDir}).\n`,
      );
      io.stdout(nextSteps(demoConfig));
      return code;
    } finally {
      await app.close();
    }
  } finally {
    await upstreams.close();
  }
}

/** What to do after the demo: the checks, the long-running service, the boards, a real harvest. */
export function nextSteps(demoConfig: Pick<Config, "embeddedPostgres">): string {
  const demoDb = `EMBEDDED_PG_DIR=${demoConfig.embeddedPostgres.dataDir} EMBEDDED_PG_PORT=${demoConfig.embeddedPostgres.port}`;
  return [
    "",
    "Next steps:",
    `  ${demoDb} npm run cli -- check     the data-quality results of this demo run (read-only)`,
    "  export TMDB_API_KEY=… OMDB_API_KEY=…  then: npm start           a real harvest (see .env.example)",
    "  npm run cli -- serve                 weekly harvests on HARVEST_SCHEDULE, /metrics, /healthz and /readyz on :9464",
    "  docker compose up -d --build         the stack with Prometheus, Alertmanager and the Grafana boards on :3000",
    "                                       (Pipeline health is the home board; docs/deploy.md, docs/runbooks.md)",
    "",
  ].join("\n");
}
