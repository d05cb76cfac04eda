/**
 * Test harness: replay upstreams + a fresh test database + an App pointed at both, with logs captured.
 */
import { Writable } from "node:stream";
import { createApp, type App } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config.js";
import type { ReplayDataset } from "../../src/replay/dataset.js";
import { startReplayUpstreams, type ReplayUpstreamOptions, type ReplayUpstreams } from "../../src/replay/upstreams.js";
import { createTestDatabase, type TestDatabase } from "./db.js";

/** Everything a pipeline test needs. */
export interface Harness {
  upstreams: ReplayUpstreams;
  db: TestDatabase;
  config: Config;
  app: App;
  /** Every log line written so far (JSON text). */
  logs: string[];
  /** Builds another App on the same database and upstreams (e.g. a second harvest process), optionally with a clock. */
  newApp(now?: () => Date): Promise<App>;
  close(): Promise<void>;
}

/** Starts replay servers for `dataset`, a migrated test database and an App (fast backoff, debug logs). */
export async function startHarness(
  dataset: ReplayDataset,
  options: { env?: Record<string, string>; upstreams?: ReplayUpstreamOptions; db?: TestDatabase } = {},
): Promise<Harness> {
  const upstreams = await startReplayUpstreams(dataset, options.upstreams);
  const db = options.db ?? (await createTestDatabase());
  const config = loadConfig({
    DATABASE_URL: db.url,
    ...upstreams.env,
    HTTP_BACKOFF_BASE_MS: "20",
    HTTP_BACKOFF_MAX_MS: "200",
    SCRAPE_REQUESTS_PER_SECOND: "200",
    TMDB_REQUESTS_PER_SECOND: "500",
    OMDB_REQUESTS_PER_SECOND: "500",
    LOG_LEVEL: "debug",
    ...options.env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      cb();
    },
  });
  const apps: App[] = [];
  const newApp = async (now?: () => Date) => {
    const app = await createApp(config, { logDestination: destination, now });
    apps.push(app);
    return app;
  };
  const app = await newApp();
  return {
    upstreams,
    db,
    config,
    app,
    logs,
    newApp,
    async close() {
      for (const a of apps) await a.close();
      await upstreams.close();
      await db.drop();
    },
  };
}
