/**
 * Starts one replay server per upstream (TMDB, OMDb, Wikidata, Rotten Tomatoes, Metacritic) for a
 * {@link ReplayDataset}, and gives the environment that points the harvester at them.
 */
import { OMDB_UNAUTHORIZED, TMDB_UNAUTHORIZED, tmdbChangesAnswer, type ReplayDataset } from "./dataset.js";
import { startReplayServer, type ReplayServer, type ReplayServerOptions } from "./server.js";

/** The running replay upstreams. */
export interface ReplayUpstreams {
  tmdb: ReplayServer;
  omdb: ReplayServer;
  wikidata: ReplayServer;
  rottentomatoes: ReplayServer;
  metacritic: ReplayServer;
  /** Environment variables pointing the harvester at these servers (URLs and credentials). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Options: the credentials the fake upstreams accept, latency and rate limits. */
export interface ReplayUpstreamOptions {
  tmdbApiKey?: string;
  omdbApiKey?: string;
  latencyMs?: number;
  tmdbRateLimit?: ReplayServerOptions["rateLimit"];
  omdbRateLimit?: ReplayServerOptions["rateLimit"];
}

/** Starts the five replay servers on 127.0.0.1 (ephemeral ports). */
export async function startReplayUpstreams(dataset: ReplayDataset, options: ReplayUpstreamOptions = {}): Promise<ReplayUpstreams> {
  const tmdbApiKey = options.tmdbApiKey ?? "replay-tmdb-key";
  const omdbApiKey = options.omdbApiKey ?? "replay-omdb-key";
  const latencyMs = options.latencyMs;
  const [tmdb, omdb, wikidata, rottentomatoes, metacritic] = await Promise.all([
    startReplayServer({
      name: "tmdb",
      routes: dataset.tmdb,
      auth: { param: "api_key", values: [tmdbApiKey], unauthorized: TMDB_UNAUTHORIZED },
      ignoreParams: ["language"],
      latencyMs,
      rateLimit: options.tmdbRateLimit,
      // `/tv/changes` answers for any window from `dataset.tmdbChanges`; other unknown routes get TMDB's 404.
      notFound: (key) =>
        tmdbChangesAnswer(key, dataset.tmdbChanges ?? []) ?? {
          status: 404,
          body: { status_code: 34, status_message: "The resource you requested could not be found.", success: false },
        },
    }),
    startReplayServer({
      name: "omdb",
      routes: dataset.omdb,
      auth: { param: "apikey", values: [omdbApiKey], unauthorized: OMDB_UNAUTHORIZED },
      ignoreParams: ["r"],
      latencyMs,
      rateLimit: options.omdbRateLimit,
      notFound: () => ({ body: { Response: "False", Error: "Error getting data." } }),
    }),
    startReplayServer({ name: "wikidata", routes: dataset.wikidata, latencyMs, notFound: () => ({ body: { entities: {} } }) }),
    startReplayServer({
      name: "rottentomatoes",
      routes: dataset.rottentomatoes,
      latencyMs,
      notFound: () => ({ status: 404, body: "<html><body>Not Found</body></html>" }),
    }),
    startReplayServer({
      name: "metacritic",
      routes: dataset.metacritic,
      latencyMs,
      notFound: () => ({ status: 404, body: "<html><body>Page not found</body></html>" }),
    }),
  ]);
  return {
    tmdb,
    omdb,
    wikidata,
    rottentomatoes,
    metacritic,
    env: {
      TMDB_API_URL: `${tmdb.url}/3`,
      TMDB_API_KEY: tmdbApiKey,
      OMDB_API_URL: omdb.url,
      OMDB_API_KEY: omdbApiKey,
      WIKIDATA_API_URL: `${wikidata.url}/w/api.php`,
      ROTTEN_TOMATOES_URL: rottentomatoes.url,
      METACRITIC_URL: metacritic.url,
    },
    close: async () => {
      await Promise.all([tmdb, omdb, wikidata, rottentomatoes, metacritic].map((s) => s.close()));
    },
  };
}
