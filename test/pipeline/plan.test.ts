import { describe, expect, it } from "vitest";
import type { RatingObservation } from "../../src/domain.js";
import { planHarvest, type DueTimes, type HarvestPlan, type TopUpPlanInput, type WeeklyPlanInput } from "../../src/pipeline/plan.js";
import { REFRESH_SOURCES } from "../../src/refresh/policy.js";
import type { ChangeSet } from "../../src/pipeline/stages/list-changes.js";

const NOW = new Date("2026-12-07T03:00:00Z");
const DAY = 86_400_000;
const past = (days: number) => new Date(NOW.getTime() - days * DAY);
const future = (days: number) => new Date(NOW.getTime() + days * DAY);

/** Listed series 1…6: 1–4 published (a succeeded run loaded them), 5 and 6 new. */
const LISTING = [1, 2, 3, 4, 5, 6];
const PUBLISHED = new Set([1, 2, 3, 4]);

const rating = (seriesId: number): RatingObservation => ({
  seriesId,
  source: "tmdb",
  score: 8,
  voteCount: 100,
  voteCountIsLowerBound: false,
  grain: "series",
  method: "api",
});

/** Nothing due except what a case says: every published series fresh on every source. */
function fresh(): DueTimes {
  const all = new Map([...PUBLISHED].map((id) => [id, future(10)]));
  return { tmdb: new Map(all), omdb: new Map(all), rottentomatoes: new Map(all), metacritic: new Map(all) };
}

/** {@link fresh} with `source`'s due times of some series changed. */
function withDue(entries: Partial<Record<keyof DueTimes, [number, Date][]>>): DueTimes {
  const due = fresh();
  for (const source of REFRESH_SOURCES) due[source] = new Map([...due[source], ...(entries[source] ?? [])]);
  return due;
}

const incremental = (changed: number[] = []): ChangeSet => ({
  kind: "incremental",
  window: { startDate: "2026-11-30", endDate: "2026-12-07" },
  changedIds: new Set(changed),
  pages: 1,
});

function weekly(over: Partial<WeeklyPlanInput> = {}): WeeklyPlanInput {
  return {
    mode: "weekly",
    listing: LISTING,
    listingRatings: new Map(LISTING.map((id) => [id, rating(id)])),
    changes: incremental(),
    published: PUBLISHED,
    due: fresh(),
    forced: new Set(),
    now: NOW,
    ...over,
  };
}

function topUp(over: Partial<TopUpPlanInput> = {}): TopUpPlanInput {
  return { mode: "topup", catalogue: [1, 2, 3, 4], due: fresh(), forced: new Set(), now: NOW, ...over };
}

/** The plan without the carried series' ratings (checked on their own below). */
const shape = (plan: HarvestPlan) => {
  const { carryForwardRatings: _ratings, ...rest } = plan;
  return rest;
};

describe("planHarvest", () => {
  it.each<{ name: string; input: WeeklyPlanInput | TopUpPlanInput; plan: Omit<HarvestPlan, "carryForwardRatings"> }>([
    {
      name: "first run (nothing stored): full, every listed series everywhere",
      input: weekly({
        changes: { kind: "full", reason: "no_previous_run" },
        published: new Set(),
        due: { tmdb: new Map(), omdb: new Map(), rottentomatoes: new Map(), metacritic: new Map() },
      }),
      plan: { kind: "full", reason: "no_previous_run", details: LISTING, carryForward: [], omdb: LISTING, sites: LISTING },
    },
    {
      name: "long gap since the last success: full, whatever the ages",
      input: weekly({ changes: { kind: "full", reason: "gap_too_long" } }),
      plan: { kind: "full", reason: "gap_too_long", details: LISTING, carryForward: [], omdb: LISTING, sites: LISTING },
    },
    {
      name: "--full: full, whatever the ages",
      input: weekly({ changes: { kind: "full", reason: "forced" } }),
      plan: { kind: "full", reason: "forced", details: LISTING, carryForward: [], omdb: LISTING, sites: LISTING },
    },
    {
      name: "incremental, nothing changed or due: only the new series are fetched and enriched; the published carried",
      input: weekly(),
      plan: { kind: "incremental", changed: 0, details: [5, 6], carryForward: [1, 2, 3, 4], omdb: [5, 6], sites: [5, 6] },
    },
    {
      name: "incremental: a changed series and one overdue on TMDB are fetched again; OMDb and the sites by their own ages",
      input: weekly({
        changes: incremental([2, 99]),
        due: withDue({
          tmdb: [[3, past(1)]],
          omdb: [
            [4, past(2)],
            [1, past(5)],
          ],
          metacritic: [[2, past(1)]],
        }),
      }),
      plan: { kind: "incremental", changed: 2, details: [2, 3, 5, 6], carryForward: [1, 2, 3, 4], omdb: [1, 4, 5, 6], sites: [5, 6, 2] },
    },
    {
      name: "--refresh: a forced series is fetched and enriched again whatever its ages",
      input: weekly({ forced: new Set([4, 77]) }),
      plan: { kind: "incremental", changed: 0, details: [4, 5, 6], carryForward: [1, 2, 3, 4], omdb: [5, 6, 4], sites: [5, 6, 4] },
    },
    {
      name: "top-up: no details, nothing carried; OMDb and the sites for the catalogue's due series, most overdue first",
      input: topUp({
        due: withDue({
          omdb: [
            [3, past(1)],
            [2, past(9)],
          ],
          rottentomatoes: [[4, past(1)]],
        }),
      }),
      plan: { kind: "topup", details: [], carryForward: [], omdb: [2, 3], sites: [4] },
    },
    {
      name: "top-up with --refresh: the forced catalogue series too (not series outside the catalogue)",
      input: topUp({ forced: new Set([1, 50]) }),
      plan: { kind: "topup", details: [], carryForward: [], omdb: [1], sites: [1] },
    },
  ])("$name", ({ input, plan }) => {
    expect(shape(planHarvest(input))).toEqual(plan);
  });

  it("carries the listing's TMDB rating of each series it may carry forward, and none for a series the listing gave none", () => {
    const ratings = new Map(LISTING.filter((id) => id !== 2).map((id) => [id, rating(id)]));
    const plan = planHarvest(weekly({ listingRatings: ratings }));
    expect(plan.carryForwardRatings.map((r) => r.seriesId)).toEqual([1, 3, 4]);
    expect(planHarvest(weekly({ changes: { kind: "full", reason: "forced" } })).carryForwardRatings).toEqual([]);
  });
});
