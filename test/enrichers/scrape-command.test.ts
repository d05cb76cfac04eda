import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrapeCommand } from "../../src/commands/scrape.js";
import { loadConfig } from "../../src/config.js";
import { renderMetacriticPage, SITE_ROBOTS_TXT } from "../../src/replay/sites.js";
import { type ReplayRoute, type ReplayServer, startReplayServer } from "../../src/replay/server.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/pages/${name}`, import.meta.url));
const config = loadConfig({ PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: "/nonexistent/chromium" });

async function run(opts: { site: string; url?: string; file?: string }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await scrapeCommand(opts, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), config });
  return { code, out: out.join(""), err: err.join("") };
}

describe("scrape --file", () => {
  it.each([
    ["rottentomatoes", "rt-current-breaking-bad.html", "json-ld", 96, 98],
    ["rottentomatoes", "rt-scorecard-markup-succession.html", "scorecard-markup", 93, 86],
    ["rottentomatoes", "rt-2022-score-board-the-wire.html", "score-board", 94, 96],
    ["rottentomatoes", "rt-json-ld-only-chernobyl.html", "json-ld", 95, null],
    ["metacritic", "mc-2025-breaking-bad.html", "json-ld", 87, 9.3],
    ["metacritic", "mc-nuxt-data-severance.html", "nuxt-data", 83, 8.4],
    ["metacritic", "mc-old-2017-the-leftovers.html", "metascore-w", 81, 8.6],
    ["metacritic", "mc-user-tbd-quiet-harbour.html", "json-ld", 71, null],
  ] as const)("%s %s → %s", async (site, file, strategy, critics, audience) => {
    const { code, out } = await run({ site, file: fixture(file) });
    expect(code).toBe(0);
    const report = JSON.parse(out) as { parse: { strategy: string; critics: { score: number | null }; audience: { score: number | null } } };
    expect(report.parse.strategy).toBe(strategy);
    expect(report.parse.critics.score).toBe(critics);
    expect(report.parse.audience.score).toBe(audience);
  });

  it("exit 1 when no strategy matches", async () => {
    const { code, out } = await run({ site: "rottentomatoes", file: fixture("rt-layout-changed.html") });
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ parse: { hasScores: false, strategy: null } });
  });

  it("exit 2 on bad input, with a message", async () => {
    expect(await run({ site: "imdb", file: fixture("rt-layout-changed.html") })).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown site"),
    });
    expect(await run({ site: "metacritic", file: "/nonexistent/page.html" })).toMatchObject({ code: 2, err: expect.stringContaining("cannot read") });
    expect(await run({ site: "metacritic" })).toMatchObject({ code: 2 });
    expect(await run({ site: "metacritic", url: "ftp://example.invalid/x" })).toMatchObject({ code: 2 });
  });
});

describe("scrape --url", () => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startReplayServer({
      name: "metacritic",
      routes: new Map<string, ReplayRoute>([
        ["/robots.txt", { body: SITE_ROBOTS_TXT }],
        [
          "/tv/severance/",
          {
            body: renderMetacriticPage({
              pageId: "tv/severance",
              title: "Severance",
              year: 2022,
              metascore: 83,
              criticReviews: 33,
              userScore: 8.4,
              userRatings: 2198,
              layout: "2023",
            }),
          },
        ],
        ["/search/severance", { body: "<html></html>" }],
      ]),
      notFound: () => ({ status: 404, body: "<html>Not Found</html>" }),
    });
  });
  afterAll(async () => server.close());

  it("fetches politely (robots.txt first) and prints the parse", async () => {
    const { code, out } = await run({ site: "metacritic", url: `${server.url}/tv/severance/` });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      source: { httpStatus: 200, via: "http" },
      parse: { critics: { score: 83, count: 33 }, audience: { score: 8.4, count: 2198 } },
    });
    expect(server.requests.map((r) => r.key)).toEqual(["/robots.txt", "/tv/severance/"]);
  });

  it("refuses a URL robots.txt disallows, without requesting it", async () => {
    const { code, out } = await run({ site: "metacritic", url: `${server.url}/search/severance` });
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ parse: null, error: expect.stringContaining("robots.txt") });
    expect(server.count("/search/severance")).toBe(0);
  });

  it("exit 1 on a page that does not exist", async () => {
    expect((await run({ site: "metacritic", url: `${server.url}/tv/nothing/` })).code).toBe(1);
  });
});
