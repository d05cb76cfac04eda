/**
 * Fetching one ratings page politely: robots.txt first, then the site's HTTP client (its limiter,
 * User-Agent, 429/Retry-After gate and retries), then the browser fallback when the site answers 403 or
 * 202 (a bot challenge) or its static HTML carries no scores.
 */
import type { Logger } from "pino";
import { RequestAbortedError, errorMessage } from "../errors.js";
import type { UpstreamClient } from "../http/client.js";
import type { HarvesterMetrics } from "../metrics/metrics.js";
import type { PageRenderer } from "./browser.js";
import type { RobotsGate } from "./robots.js";
import type { SiteProfile } from "./site-profiles.js";
import { parseSeasonLinks, parseSeasonNumber } from "./seasons.js";
import type { PageParse, SeasonLink } from "./types.js";

/**
 * What fetching a page gave:
 * - `page`: the page exists (HTTP 200); `parse.hasScores` false means no strategy matched.
 * - `gone`: 404 or 410, the page does not exist (any more).
 * - `blocked`: 403 / 202 / 401 / 451 that the browser fallback could not get past (or no browser).
 * - `disallowed`: robots.txt disallows the path for our User-Agent; nothing was requested.
 * - `error`: transport failure, 5xx after retries, repeated 429, or a browser failure.
 * `via` says whether the HTML came from the HTTP client or the browser; `url` is absolute.
 * A `page` of kind series carries the season pages it links (`seasonLinks`), one of kind season the season its
 * URL names (`seasonNumber`), so that results kept without their HTML (`harvest --resume`) still say so; both
 * are absent in results kept by an earlier version.
 */
export type PageFetchResult =
  | {
      kind: "page";
      url: string;
      status: number;
      via: "http" | "browser";
      html: string;
      parse: PageParse;
      seasonLinks?: SeasonLink[];
      seasonNumber?: number | null;
    }
  | { kind: "gone"; url: string; status: number }
  | { kind: "blocked"; url: string; status: number; detail: string }
  | { kind: "disallowed"; url: string }
  | { kind: "error"; url: string; detail: string };

/** Dependencies of {@link fetchRatingsPage}. `renderer` null: no browser fallback available. */
export interface PageFetchDeps {
  client: UpstreamClient;
  robots: RobotsGate;
  profile: SiteProfile;
  renderer: PageRenderer | null;
  metrics?: HarvesterMetrics;
  logger?: Logger;
  /** Called once per page fetched with the browser (for `scrape_event` rows). */
  onBrowserFallback?: (url: string, reason: string) => void | Promise<void>;
}

/** Statuses a ratings page may answer that are returned to us rather than thrown. */
const PAGE_STATUSES = new Set([401, 403, 404, 410, 451]);
const CHALLENGE_STATUSES = new Set([202, 401, 403, 451]);

/**
 * Fetches and parses the page at `path` (relative to the site's base URL), with the season links of a series page
 * and the season number of a season page.
 * Never throws for upstream trouble: failures are returned as `error` / `blocked` results.
 * @throws {RequestAbortedError} the run is stopping (the request was aborted or refused)
 */
export async function fetchRatingsPage(deps: PageFetchDeps, path: string): Promise<PageFetchResult> {
  const result = await fetchAndParse(deps, path);
  if (result.kind !== "page") return result;
  if (result.parse.kind === "series") return { ...result, seasonLinks: parseSeasonLinks(deps.profile.site, result.html) };
  if (result.parse.kind === "season") return { ...result, seasonNumber: parseSeasonNumber(deps.profile.site, result.html) };
  return result;
}

async function fetchAndParse(deps: PageFetchDeps, path: string): Promise<PageFetchResult> {
  const { client, profile, renderer } = deps;
  const url = client.describe(path);
  if (!(await deps.robots.isAllowed(path))) return { kind: "disallowed", url };

  let status: number;
  let html: string;
  try {
    const response = await client.get(path, undefined, {
      acceptStatus: (s) => PAGE_STATUSES.has(s),
      headers: { Accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5" },
    });
    status = response.status;
    html = response.text;
  } catch (error) {
    // A request aborted because the run stops is no answer of the site's: nothing is recorded, a resume asks again.
    if (error instanceof RequestAbortedError) throw error;
    return { kind: "error", url, detail: errorMessage(error) };
  }
  if (status === 404 || status === 410) return { kind: "gone", url, status };

  const challenged = CHALLENGE_STATUSES.has(status);
  const parse = challenged ? null : profile.parse(html);
  if (parse?.hasScores) return { kind: "page", url, status, via: "http", html, parse };

  const reason = challenged ? `HTTP ${status}` : "no scores in the static HTML";
  if (!renderer) {
    if (challenged) return { kind: "blocked", url, status, detail: `${reason}; no browser available for the fallback` };
    return { kind: "page", url, status, via: "http", html, parse: parse ?? profile.parse(html) };
  }

  deps.logger?.info({ site: profile.site, url, reason }, "fetching the page with the browser");
  deps.metrics?.scraperBrowserFallback.inc({ site: profile.site });
  await deps.onBrowserFallback?.(url, reason);
  let rendered: { status: number; html: string };
  try {
    rendered = await renderer.render(url, profile.readySelector);
  } catch (error) {
    return { kind: "error", url, detail: `browser fallback failed: ${errorMessage(error)}` };
  }
  if (rendered.status === 404 || rendered.status === 410) return { kind: "gone", url, status: rendered.status };
  if (CHALLENGE_STATUSES.has(rendered.status))
    return { kind: "blocked", url, status: rendered.status, detail: `${reason}; the browser got HTTP ${rendered.status} too` };
  const renderedParse = profile.parse(rendered.html);
  if (!renderedParse.hasScores && challenged) {
    // The browser got a page, but not one we understand, after a challenge: report it as blocked rather
    // than as a layout change of the real page.
    return { kind: "blocked", url, status, detail: `${reason}; the browser's page carried no scores either` };
  }
  return { kind: "page", url, status: rendered.status || status, via: "browser", html: rendered.html, parse: renderedParse };
}
