/**
 * Dependencies of the ratings-sites step (src/enrichers/ratings-sites.ts) pointed at replay servers of Wikidata, Rotten
 * Tomatoes and Metacritic: fast clients without retries, no browser, silent logs.
 */
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import type { PrismaClient } from "../../src/db/prisma.js";
import type { RatingsSitesDeps } from "../../src/enrichers/ratings-sites.js";
import { createUpstreamClient } from "../../src/http/client.js";
import type { HarvesterMetrics, UpstreamName } from "../../src/metrics/metrics.js";
import type { ReplayServer } from "../../src/replay/server.js";

/** The stage's deps for `runId` on `servers` (keys wikidata, rottentomatoes, metacritic). */
export function siteStageDeps(
  servers: Partial<Record<"wikidata" | "rottentomatoes" | "metacritic", ReplayServer>>,
  options: { prisma: PrismaClient; runId: number; metrics: HarvesterMetrics; now: () => Date },
): RatingsSitesDeps {
  const config = loadConfig({
    ROTTEN_TOMATOES_URL: servers.rottentomatoes?.url,
    METACRITIC_URL: servers.metacritic?.url,
    WIKIDATA_API_URL: `${servers.wikidata?.url}/w/api.php`,
  });
  const client = (name: UpstreamName, baseUrl: string) =>
    createUpstreamClient({
      name,
      baseUrl,
      timeoutMs: 5000,
      requestsPerSecond: 200,
      maxConcurrent: 4,
      retry: { maxRetries: 0, backoffBaseMs: 10, backoffMaxMs: 10 },
      userAgent: config.scrape.userAgent,
      metrics: options.metrics,
    });
  return {
    prisma: options.prisma,
    runId: options.runId,
    clients: {
      wikidata: client("wikidata", config.scrape.wikidataApiUrl),
      rottentomatoes: client("rottentomatoes", config.scrape.rottenTomatoesUrl),
      metacritic: client("metacritic", config.scrape.metacriticUrl),
    },
    config: config.scrape,
    metrics: options.metrics,
    logger: pino({ level: "silent" }),
    now: options.now,
    browser: null,
  };
}
