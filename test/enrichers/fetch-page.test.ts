import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrowserRenderer, findChromium, type PageRenderer } from "../../src/enrichers/browser.js";
import { fetchRatingsPage } from "../../src/enrichers/fetch-page.js";
import { createRobotsGate } from "../../src/enrichers/robots.js";
import { SITE_PROFILES } from "../../src/enrichers/site-profiles.js";
import { createUpstreamClient, type UpstreamClient } from "../../src/http/client.js";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { renderRottenTomatoesPage } from "../../src/replay/sites.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/server.js";

const UA = "tv-harvester-test/1.0 (+https://example.invalid)";
const scores = { title: "Breaking Bad", year: 2008, criticsScore: 96, criticsCount: 160, audienceScore: 97, audienceCount: 250000 };
const page = (pageId: string, layout: Parameters<typeof renderRottenTomatoesPage>[0]["layout"]) =>
  renderRottenTomatoesPage({ ...scores, pageId, layout });

function clientFor(server: ReplayServer, metrics?: HarvesterMetrics): UpstreamClient {
  return createUpstreamClient({
    name: "rottentomatoes",
    baseUrl: server.url,
    timeoutMs: 5000,
    requestsPerSecond: 100,
    maxConcurrent: 2,
    retry: { maxRetries: 1, backoffBaseMs: 10, backoffMaxMs: 50 },
    userAgent: UA,
    metrics,
  });
}

/** A renderer that records calls and answers from a map, standing in for Chromium. */
function fakeRenderer(pages: Record<string, { status: number; html: string }>): PageRenderer & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async render(url) {
      calls.push(new URL(url).pathname);
      const p = pages[new URL(url).pathname];
      if (!p) throw new Error(`no page for ${url}`);
      return p;
    },
    async close() {},
  };
}

describe("fetchRatingsPage", () => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startReplayServer({
      name: "rottentomatoes",
      routes: new Map<string, unknown>([
        [
          "/robots.txt",
          { body: "User-agent: *\nAllow: /tv/\nDisallow: /tv/private_show\n\nUser-agent: tv-harvester-test\nDisallow: /tv/not_for_us\n" },
        ],
        ["/tv/breaking_bad", { body: page("tv/breaking_bad", "scorecard") }],
        ["/tv/private_show", { body: page("tv/private_show", "scorecard") }],
        ["/tv/not_for_us", { body: page("tv/not_for_us", "scorecard") }],
        ["/tv/throttled", [{ status: 429, body: "slow down", headers: { "Retry-After": "1" } }, { body: page("tv/throttled", "score-board-2022") }]],
        ["/tv/challenged", { status: 403, body: "<html><body>Access denied</body></html>" }],
        ["/tv/accepted", { status: 202, body: "<html><body><script>/* challenge */</script></body></html>" }],
        ["/tv/client_rendered", { body: page("tv/client_rendered", "js-rendered") }],
        ["/tv/changed", { body: page("tv/changed", "layout-changed") }],
      ]) as never,
      notFound: () => ({ status: 404, body: "<html>Not Found</html>" }),
    });
  });
  afterAll(async () => server.close());

  const deps = (client: UpstreamClient, renderer: PageRenderer | null, metrics?: HarvesterMetrics) => ({
    client,
    robots: createRobotsGate(client, UA),
    profile: SITE_PROFILES.rottentomatoes,
    renderer,
    metrics,
  });

  it("parses a page and fetches robots.txt once per gate", async () => {
    const client = clientFor(server);
    const d = deps(client, null);
    const first = await fetchRatingsPage(d, "/tv/breaking_bad");
    await fetchRatingsPage(d, "/tv/breaking_bad");
    expect(first).toMatchObject({
      kind: "page",
      via: "http",
      status: 200,
      parse: { critics: { score: 96 }, audience: { score: 97, countIsLowerBound: true } },
    });
    expect(server.requests.filter((r) => r.key === "/robots.txt")).toHaveLength(1);
  });

  it("honours robots.txt: a disallowed page is never requested (generic and our own group)", async () => {
    const client = clientFor(server);
    const before = server.count("/tv/private_show") + server.count("/tv/not_for_us");
    // Our product token has its own group, which replaces the * group for us.
    expect(await fetchRatingsPage(deps(client, null), "/tv/not_for_us")).toMatchObject({ kind: "disallowed" });
    expect(server.count("/tv/private_show") + server.count("/tv/not_for_us")).toBe(before);
    const other = createUpstreamClient({
      name: "rottentomatoes",
      baseUrl: server.url,
      timeoutMs: 5000,
      requestsPerSecond: 100,
      maxConcurrent: 1,
      retry: { maxRetries: 0, backoffBaseMs: 10, backoffMaxMs: 10 },
      userAgent: "other-bot/2.0",
    });
    const otherDeps = { ...deps(other, null), robots: createRobotsGate(other, "other-bot/2.0") };
    expect(await fetchRatingsPage(otherDeps, "/tv/private_show")).toMatchObject({ kind: "disallowed" });
    expect(server.count("/tv/private_show")).toBe(0);
    // Our own group replaces the * group, so /tv/private_show is allowed for us.
    expect(await fetchRatingsPage(deps(client, null), "/tv/private_show")).toMatchObject({ kind: "page" });
  });

  it("waits out 429 Retry-After before asking again", async () => {
    const client = clientFor(server);
    const robots = createRobotsGate(client, UA);
    await robots.isAllowed("/tv/throttled");
    const result = await fetchRatingsPage({ client, robots, profile: SITE_PROFILES.rottentomatoes, renderer: null }, "/tv/throttled");
    expect(result).toMatchObject({ kind: "page", parse: { strategy: "score-board" } });
    expect(server.requests.filter((r) => r.key === "/tv/throttled").map((r) => r.status)).toEqual([429, 200]);
    // One pause of the site for the Retry-After (its length: test/http/http-rate-control.test.ts, in simulated time).
    expect(client.stats()).toMatchObject({ throttled: 1, pauses: 1 });
  });

  it("404 is gone; 403 and 202 without a browser are blocked", async () => {
    const client = clientFor(server);
    expect(await fetchRatingsPage(deps(client, null), "/tv/nothing_here")).toMatchObject({ kind: "gone", status: 404 });
    expect(await fetchRatingsPage(deps(client, null), "/tv/challenged")).toMatchObject({ kind: "blocked", status: 403 });
    expect(await fetchRatingsPage(deps(client, null), "/tv/accepted")).toMatchObject({ kind: "blocked", status: 202 });
  });

  it("falls back to the browser on 403, 202 and static HTML without scores, and counts it", async () => {
    const metrics = new HarvesterMetrics();
    const client = clientFor(server, metrics);
    const rendered = { status: 200, html: page("tv/x", "scorecard") };
    const renderer = fakeRenderer({ "/tv/challenged": rendered, "/tv/accepted": rendered, "/tv/client_rendered": rendered });
    for (const path of ["/tv/challenged", "/tv/accepted", "/tv/client_rendered"]) {
      expect(await fetchRatingsPage(deps(client, renderer, metrics), path)).toMatchObject({
        kind: "page",
        via: "browser",
        parse: { critics: { score: 96 } },
      });
    }
    // A page whose static HTML has scores never goes to the browser.
    await fetchRatingsPage(deps(client, renderer, metrics), "/tv/breaking_bad");
    expect(renderer.calls).toEqual(["/tv/challenged", "/tv/accepted", "/tv/client_rendered"]);
    const counted = await metrics.registry.getSingleMetricAsString("tv_harvester_scraper_browser_fallback_total");
    expect(counted).toContain('tv_harvester_scraper_browser_fallback_total{site="rottentomatoes"} 3');
  });

  it("a page that the browser cannot read either is still returned (a layout change for the caller)", async () => {
    const client = clientFor(server);
    const renderer = fakeRenderer({ "/tv/changed": { status: 200, html: page("tv/changed", "layout-changed") } });
    expect(await fetchRatingsPage(deps(client, renderer), "/tv/changed")).toMatchObject({
      kind: "page",
      via: "browser",
      parse: { hasScores: false },
    });
  });

  const chromium = findChromium(process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH);
  if (!chromium)
    console.warn(
      "SKIPPED: browser fallback against Chromium — no Chromium found (install Debian's `chromium` or set PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH)",
    );
  describe.skipIf(!chromium)(`with a real Chromium (${chromium ?? "skipped: no Chromium installed"})`, () => {
    it("renders a page whose score exists only after JavaScript runs", async () => {
      const client = clientFor(server);
      const renderer = createBrowserRenderer({ executablePath: chromium ?? "", userAgent: UA, requestsPerSecond: 10 });
      try {
        const result = await fetchRatingsPage(deps(client, renderer), "/tv/client_rendered");
        expect(result).toMatchObject({
          kind: "page",
          via: "browser",
          parse: {
            strategy: "scorecard-markup",
            critics: { score: 96, count: 160 },
            audience: { score: 97, count: 250000, countIsLowerBound: true },
          },
        });
      } finally {
        await renderer.close();
      }
    });
  });
});
