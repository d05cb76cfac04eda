/**
 * `tv-harvester scrape --site rottentomatoes|metacritic (--url U | --file page.html)`: parses one ratings
 * page and prints as JSON what the page is (`kind`: series, season, film, other, unknown — only series and season
 * pages give a series' facts), each score and count with the strategy that read it, a series page's per-season
 * scores and the values two strategies read differently — the tool for diagnosing a broken scraper. `--file` touches no network; `--url` fetches politely (robots.txt, our User-Agent, the site's
 * rate limit, the browser fallback when the site challenges us or the static HTML has no scores).
 *
 * Exit codes: 0 parsed (a strategy matched), 1 no strategy matched or the page could not be fetched,
 * 2 bad input (unknown site, missing file, not an http(s) URL).
 */
import { readFile } from "node:fs/promises";
import type { Config } from "../config.js";
import { errorMessage } from "../errors.js";
import { createUpstreamClient } from "../http/client.js";
import { createBrowserRenderer, findChromium } from "../enrichers/browser.js";
import { fetchRatingsPage } from "../enrichers/fetch-page.js";
import { createRobotsGate } from "../enrichers/robots.js";
import { SITE_PROFILES } from "../enrichers/site-profiles.js";
import type { PageParse, RatingSite } from "../enrichers/types.js";

/** Options of the command, as the CLI parsed them. */
export interface ScrapeCommandOptions {
  site: string;
  url?: string;
  file?: string;
}

/** What the command prints (one JSON document on stdout). */
export interface ScrapeReport {
  site: RatingSite;
  source: { file: string } | { url: string; httpStatus: number | null; via: "http" | "browser" | null };
  parse: PageParse | null;
  /** Why nothing was parsed (fetch failure, robots.txt), when so. */
  error?: string;
}

const isSite = (site: string): site is RatingSite => site === "rottentomatoes" || site === "metacritic";

/**
 * Runs the command. Returns the exit code; writes the JSON report to `io.stdout` and problems to
 * `io.stderr` (stdout when absent).
 */
export async function scrapeCommand(
  opts: ScrapeCommandOptions,
  io: { stdout: (s: string) => void; stderr?: (s: string) => void; config: Config },
): Promise<number> {
  const stderr = io.stderr ?? io.stdout;
  if (!isSite(opts.site)) {
    stderr(`scrape: unknown site "${opts.site}"; use rottentomatoes or metacritic\n`);
    return 2;
  }
  if ((opts.url === undefined) === (opts.file === undefined)) {
    stderr("scrape: give exactly one of --url or --file\n");
    return 2;
  }
  const profile = SITE_PROFILES[opts.site];
  const print = (report: ScrapeReport) => io.stdout(`${JSON.stringify(report, null, 2)}\n`);

  if (opts.file !== undefined) {
    let html: string;
    try {
      html = await readFile(opts.file, "utf8");
    } catch (error) {
      stderr(`scrape: cannot read ${opts.file}: ${errorMessage(error)}\n`);
      return 2;
    }
    const parse = profile.parse(html);
    print({ site: opts.site, source: { file: opts.file }, parse });
    return parse.hasScores ? 0 : 1;
  }

  let target: URL;
  try {
    target = new URL(opts.url ?? "");
    if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    stderr(`scrape: --url must be an absolute http(s) URL, got "${opts.url ?? ""}"\n`);
    return 2;
  }
  const { config } = io;
  const client = createUpstreamClient({
    name: opts.site,
    baseUrl: target.origin,
    timeoutMs: config.http.timeoutMs,
    requestsPerSecond: config.scrape.requestsPerSecond,
    maxConcurrent: 1,
    retry: { maxRetries: Math.min(config.http.maxRetries, 2), backoffBaseMs: config.http.backoffBaseMs, backoffMaxMs: config.http.backoffMaxMs },
    userAgent: config.scrape.userAgent,
  });
  const chromium = findChromium(config.scrape.chromiumExecutablePath);
  const renderer =
    chromium === null
      ? null
      : createBrowserRenderer({ executablePath: chromium, userAgent: config.scrape.userAgent, requestsPerSecond: config.scrape.requestsPerSecond });
  try {
    const path = `${target.pathname}${target.search}`;
    const result = await fetchRatingsPage({ client, robots: createRobotsGate(client, config.scrape.userAgent), profile, renderer }, path);
    if (result.kind === "page") {
      print({ site: opts.site, source: { url: result.url, httpStatus: result.status, via: result.via }, parse: result.parse });
      return result.parse.hasScores ? 0 : 1;
    }
    const error =
      result.kind === "disallowed"
        ? "robots.txt disallows this URL for our User-Agent"
        : result.kind === "gone"
          ? `the page answered HTTP ${result.status}`
          : result.detail;
    print({ site: opts.site, source: { url: result.url, httpStatus: "status" in result ? result.status : null, via: null }, parse: null, error });
    return 1;
  } finally {
    await renderer?.close();
    await client.stop();
  }
}
