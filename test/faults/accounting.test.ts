/**
 * Every listed series accounted for (issue 17): listed = loaded + lost + gone + rejected in the summary, the run row
 * and the summary text, in a full run (a series gone, one lost to a failing upstream, one rejected for an id above
 * 2³¹−1) and in an incremental run (a known series whose details fail is carried forward: loaded, not lost).
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { runHarvest, type HarvestSummary } from "../../src/pipeline/harvest.js";
import { formatSummary } from "../../src/pipeline/summary.js";
import { apiOnlyDataset, tmdbDetails, tmdbKey, type ReplayDataset } from "../../src/replay/dataset.js";
import { startHarness, type Harness } from "../helpers/harness.js";

const BIG_ID = 3_000_000_000;
const [gone, lost, big] = DEMO_CATALOGUE.slice(3, 6);
if (!gone || !lost || !big) throw new Error("the demo catalogue has fewer than 6 series");

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

const pageSchema = z.looseObject({ results: z.array(z.looseObject({ id: z.number() })) });
const routeSchema = z.object({ body: z.unknown() });

/** The demo dataset whose listing gives `BIG_ID` in place of `big` (its details answer under that id). */
function datasetWithBigId(): ReplayDataset {
  const dataset = apiOnlyDataset(DEMO_CATALOGUE);
  for (const page of [1, 2]) {
    const route = routeSchema.parse(dataset.tmdb.get(tmdbKey.page(page)));
    const body = pageSchema.parse(route.body);
    if (!body.results.some((r) => r.id === big!.tmdbId)) continue;
    dataset.tmdb.set(tmdbKey.page(page), { body: { ...body, results: body.results.map((r) => (r.id === big!.tmdbId ? { ...r, id: BIG_ID } : r)) } });
  }
  dataset.tmdb.set(tmdbKey.details(BIG_ID), { body: { ...tmdbDetails(big!), id: BIG_ID } });
  return dataset;
}

async function harness(dataset: ReplayDataset): Promise<Harness> {
  const h = await startHarness(dataset, { env: { LOG_LEVEL: "silent", HTTP_MAX_RETRIES: "1" } });
  harnesses.push(h);
  return h;
}

/** The run row's counts, and the summary's, agree and add up. */
async function expectAccounted(h: Harness, summary: HarvestSummary, expected: HarvestSummary["accounting"]): Promise<void> {
  expect(summary.accounting).toEqual(expected);
  const { listed, loaded, lost: l, gone: g, rejected } = summary.accounting;
  expect(listed).toBe(loaded + l + g + rejected);
  expect(
    await h.db.query(
      `SELECT series_listed AS listed, series_loaded AS loaded, series_lost AS lost, series_gone AS gone, series_rejected AS rejected
       FROM harvest_run WHERE run_id = $1`,
      [summary.runId],
    ),
  ).toEqual([expected]);
  expect(formatSummary(summary)).toContain(`listed ${listed} = loaded ${loaded} + lost ${l} + gone ${g} + rejected ${rejected}`);
}

describe("every listed series accounted for", () => {
  it("a full run: a series gone (404), one lost (500 after its retries), one rejected (id above 2^31-1), never cast into int[]", async () => {
    const h = await harness(datasetWithBigId());
    h.upstreams.tmdb.setRoute(tmdbKey.details(gone.tmdbId), { status: 404, body: { status_code: 34 } });
    h.upstreams.tmdb.setRoute(tmdbKey.details(lost.tmdbId), { status: 500, body: { status_code: 11 } });
    const summary = await runHarvest(h.app, { maxPages: 2, scrape: false });
    expect(summary).toMatchObject({ status: "succeeded", seriesListed: 40, seriesLoaded: 37, seriesLost: 2, seriesRejected: 1, seriesGone: 1 });
    await expectAccounted(h, summary, { listed: 40, loaded: 37, lost: 1, gone: 1, rejected: 1 });
    expect(await h.db.query(`SELECT upstream_key, reason FROM quarantine WHERE kind = 'rejected' ORDER BY reason`)).toEqual([
      // Rejected at the listing: its details are never asked for.
      { upstream_key: expect.stringMatching(/^tv\/top_rated\?page=[12]#\d+$/), reason: "invalid_id" },
      { upstream_key: `tv/${lost.tmdbId}`, reason: "upstream_error" },
    ]);
  });

  it("an incremental run: known series whose details fail or are gone are carried forward, so loaded", async () => {
    const h = await harness(apiOnlyDataset(DEMO_CATALOGUE));
    let now = new Date("2026-11-23T03:00:00Z");
    const app = await h.newApp(() => now);
    await expectAccounted(h, await runHarvest(app, { maxPages: 2, scrape: false }), { listed: 40, loaded: 40, lost: 0, gone: 0, rejected: 0 });

    h.upstreams.tmdb.setRoute(tmdbKey.details(gone.tmdbId), { status: 404, body: { status_code: 34 } });
    h.upstreams.tmdb.setRoute(tmdbKey.details(lost.tmdbId), { status: 500, body: { status_code: 11 } });
    now = new Date(now.getTime() + 2 * 86_400_000);
    const second = await runHarvest(app, { maxPages: 2, scrape: false, refresh: [gone.tmdbId, lost.tmdbId] });
    expect(second).toMatchObject({ status: "succeeded", refresh: { kind: "incremental", detailsFetched: 0, carriedForward: 40 } });
    await expectAccounted(h, second, { listed: 40, loaded: 40, lost: 0, gone: 0, rejected: 0 });
  });
});
