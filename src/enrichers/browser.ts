/**
 * The headless-browser fallback (playwright-core with the system's Chromium): for pages that answer 403 or
 * 202 (a bot challenge) or whose static HTML carries no scores because they render them with JavaScript.
 *
 * One browser per run, launched on first use and closed by {@link PageRenderer.close}. Requests are spaced
 * like the site's HTTP client (`requestsPerSecond`), identify themselves with our User-Agent, and skip
 * images, media and fonts.
 */
import { existsSync } from "node:fs";
import Bottleneck from "bottleneck";
import type { Logger } from "pino";
import type { Browser } from "playwright-core";

/** The Chromium used when `PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH` is unset (Debian's `chromium` package). */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/** Launch flags for a container without a sandbox or GPU, and without Chromium's own background traffic. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

/** A rendered page: the main document's HTTP status (0 when unknown) and the DOM serialised after scripts ran. */
export interface RenderedPage {
  status: number;
  html: string;
}

/** Renders pages in a browser. Injectable so tests can replace the browser. */
export interface PageRenderer {
  /**
   * Loads `url`, waits up to a few seconds for `readySelector` to appear, and returns the DOM.
   * @throws when the browser cannot be launched or the navigation fails (timeout, connection refused)
   */
  render(url: string, readySelector: string): Promise<RenderedPage>;
  /** Closes the browser if it was launched. */
  close(): Promise<void>;
}

/** The Chromium executable to use (`configured`, else {@link DEFAULT_CHROMIUM_PATH}), or null if it does not exist. */
export function findChromium(configured: string | undefined): string | null {
  const path = configured ?? DEFAULT_CHROMIUM_PATH;
  return existsSync(path) ? path : null;
}

/** Options of {@link createBrowserRenderer}. Times in milliseconds. */
export interface BrowserRendererOptions {
  executablePath: string;
  userAgent: string;
  /** Pages per second, as for the site's HTTP client. */
  requestsPerSecond: number;
  /** Navigation timeout (default 30 000). */
  timeoutMs?: number;
  /** How long to wait for the scores to appear after the load event (default 5 000). */
  readyTimeoutMs?: number;
  logger?: Logger;
}

/** Creates a renderer; Chromium is launched on the first {@link PageRenderer.render}. */
export function createBrowserRenderer(options: BrowserRendererOptions): PageRenderer {
  const limiter = new Bottleneck({ maxConcurrent: 2, minTime: Math.ceil(1000 / options.requestsPerSecond) });
  let browser: Promise<Browser> | undefined;

  async function render(url: string, readySelector: string): Promise<RenderedPage> {
    // playwright-core (~90 MB resident) is loaded on the first page that needs the browser, not at start-up.
    browser ??= import("playwright-core").then(({ chromium }) =>
      chromium.launch({ executablePath: options.executablePath, args: CHROMIUM_ARGS, headless: true }),
    );
    const b = await browser;
    return limiter.schedule(async () => {
      const context = await b.newContext({ userAgent: options.userAgent, javaScriptEnabled: true });
      try {
        await context.route("**/*", (route) =>
          ["image", "media", "font"].includes(route.request().resourceType()) ? route.abort() : route.continue(),
        );
        const page = await context.newPage();
        const response = await page.goto(url, { waitUntil: "load", timeout: options.timeoutMs ?? 30_000 });
        await page.waitForSelector(readySelector, { state: "attached", timeout: options.readyTimeoutMs ?? 5_000 }).catch(() => {
          options.logger?.debug({ url }, "browser: scores did not appear before the timeout");
        });
        return { status: response?.status() ?? 0, html: await page.content() };
      } finally {
        await context.close();
      }
    });
  }

  return {
    render,
    async close() {
      await limiter.stop({ dropWaitingJobs: true });
      if (browser) {
        const b = await browser.catch(() => undefined);
        browser = undefined;
        await b?.close();
      }
    },
  };
}
