/**
 * The plan of a harvest run, as a value: which series' details to fetch, which to carry forward from their published
 * version, and which to ask OMDb and the ratings sites for. {@link planHarvest} is pure: it reads nothing and writes
 * nothing, so every way a run can choose (full, incremental, top-up, `--full`, `--refresh`, the first run, a long gap)
 * is a case of a table test (test/pipeline/plan.test.ts). The listing step makes the plan once per run and keeps it
 * on the run row (`harvest_run.plan`), so a resumed run, or a later process running one step, applies the same plan.
 * The refresh ages are src/refresh/policy.ts; docs/refresh.md explains the choices.
 */
import { z } from "zod";
import type { RatingObservation } from "../domain.js";
import type { RefreshSource } from "../refresh/policy.js";
import type { ChangeSet } from "./stages/list-changes.js";

/** Per source, the due time of each stored series; a series without one (never stored, never asked) is due now. */
export type DueTimes = Record<RefreshSource, ReadonlyMap<number, Date>>;

/** A weekly harvest: the listing of `/tv/top_rated` and the change list decide; `changes.kind` says full or incremental. */
export interface WeeklyPlanInput {
  mode: "weekly";
  /** Listed series ids, unique, in listing order. */
  listing: readonly number[];
  /** TMDB's rating of listed series as the listing gives it (written for the series carried forward). */
  listingRatings: ReadonlyMap<number, RatingObservation>;
  changes: ChangeSet;
  /** Listed series that have a published version (a succeeded run loaded them). */
  published: ReadonlySet<number>;
  due: DueTimes;
  /** Series asked again whatever their ages (`--refresh`). */
  forced: ReadonlySet<number>;
  now: Date;
}

/** An enrichment top-up: no listing and no details; OMDb and the sites for the catalogue's overdue series. */
export interface TopUpPlanInput {
  mode: "topup";
  /** The series of the latest succeeded weekly harvest. */
  catalogue: readonly number[];
  due: DueTimes;
  forced: ReadonlySet<number>;
  now: Date;
}

const ratingSchema = z.object({
  seriesId: z.number().int(),
  source: z.literal("tmdb"),
  score: z.number(),
  voteCount: z.number().int().nullable(),
  voteCountIsLowerBound: z.boolean(),
  grain: z.literal("series"),
  method: z.literal("api"),
});

/** The shape of a plan as kept on the run row (`harvest_run.plan`), checked when read back. */
export const harvestPlanSchema = z.object({
  kind: z.enum(["full", "incremental", "topup"]),
  /** Why a weekly run is full (first run, long gap, `--full`, an unreadable change list). */
  reason: z.string().optional(),
  /** Series in TMDB's change list of the window (incremental runs). */
  changed: z.number().int().optional(),
  /** Series whose details are fetched, in listing order. */
  details: z.array(z.number().int()),
  /**
   * Listed series with a published version, in listing order: carried forward (their published version copied into
   * the run) unless their details are loaded in the run. Empty in a full run.
   */
  carryForward: z.array(z.number().int()),
  /** TMDB's listing rating of the series of `carryForward` (a fact of the run for those carried). */
  carryForwardRatings: z.array(ratingSchema),
  /** Series asked of OMDb (most overdue first); the step leaves out those the run has no version of. */
  omdb: z.array(z.number().int()),
  /** Series asked of the ratings sites (both sites), most overdue first. */
  sites: z.array(z.number().int()),
});

/** What a run fetches, carries forward and enriches. */
export type HarvestPlan = z.infer<typeof harvestPlanSchema>;

/**
 * Plans a run. Weekly and full (`changes.kind === "full"`): every listed series' details, OMDb and the sites, nothing
 * carried. Weekly and incremental: details of the new (never published), changed, overdue and forced series; the other
 * published ones carried forward; OMDb and the sites for the listed series due on them, and the forced ones. Top-up: no
 * details; OMDb and the sites for the catalogue's due and forced series. Pure.
 */
export function planHarvest(input: WeeklyPlanInput | TopUpPlanInput): HarvestPlan {
  if (input.mode === "topup") {
    return {
      kind: "topup",
      details: [],
      carryForward: [],
      carryForwardRatings: [],
      omdb: dueOrForced(input.catalogue, [input.due.omdb], input),
      sites: dueOrForced(input.catalogue, [input.due.rottentomatoes, input.due.metacritic], input),
    };
  }
  const { listing, changes } = input;
  if (changes.kind === "full") {
    const all = [...listing];
    return { kind: "full", reason: changes.reason, details: all, carryForward: [], carryForwardRatings: [], omdb: all, sites: all };
  }
  const tmdbDue = new Set(dueNow(listing, input.due.tmdb, input.now));
  const details = listing.filter((id) => !input.published.has(id) || changes.changedIds.has(id) || tmdbDue.has(id) || input.forced.has(id));
  const carryForward = listing.filter((id) => input.published.has(id));
  return {
    kind: "incremental",
    changed: changes.changedIds.size,
    details,
    carryForward,
    carryForwardRatings: carryForward.flatMap((id) => {
      const rating = input.listingRatings.get(id);
      return rating ? [{ ...rating, source: "tmdb" as const, grain: "series" as const, method: "api" as const }] : [];
    }),
    omdb: dueOrForced(listing, [input.due.omdb], input),
    sites: dueOrForced(listing, [input.due.rottentomatoes, input.due.metacritic], input),
  };
}

/** The series of `ids` due now on any of `due` (most overdue first, source by source), then the forced ones. */
function dueOrForced(ids: readonly number[], due: readonly ReadonlyMap<number, Date>[], input: { forced: ReadonlySet<number>; now: Date }): number[] {
  const chosen = new Set(due.flatMap((d) => dueNow(ids, d, input.now)));
  for (const id of ids) if (input.forced.has(id)) chosen.add(id);
  return [...chosen];
}

/** The series of `ids` whose due time has come (none stored: due now), earliest due time first, then by id. */
function dueNow(ids: readonly number[], due: ReadonlyMap<number, Date>, now: Date): number[] {
  const at = (id: number) => (due.get(id) ?? now).getTime();
  return ids.filter((id) => at(id) <= now.getTime()).sort((a, b) => at(a) - at(b) || a - b);
}
