/**
 * Due times per source, pure: when each series is due again (most overdue first), which are due now, and how far
 * behind a source is, over the stored states (`enrichment_state`, read by src/load/enrichment-state.ts). The refresh
 * policy itself (ages, jitter, back-off) is src/refresh/policy.ts; the plan that uses the due times is
 * src/pipeline/plan.ts; docs/refresh.md explains the choices.
 */
import type { RefreshCandidate } from "../load/enrichment-state.js";
import { dueAt, seriesActivity, type RefreshPolicy, type RefreshSource } from "./policy.js";

/** One series' due time for one source, and how long its value has been known (null: never). */
export interface DueSeries {
  seriesId: number;
  dueAt: Date;
  /** When the value now held was fetched; null when the source never gave one. */
  lastSuccessAt: Date | null;
}

/** Due times of `candidates` for `source`, most overdue first (earliest due time, then series id). Pure. */
export function dueTimes(candidates: readonly RefreshCandidate[], source: RefreshSource, policy: RefreshPolicy, now: Date): DueSeries[] {
  return candidates
    .map((c) => ({
      seriesId: c.seriesId,
      dueAt: dueAt(c.seriesId, source, seriesActivity({ status: c.status, lastAirDate: c.lastAirDate }, now), c.state, policy, now),
      lastSuccessAt: c.state?.lastSuccessAt ?? null,
    }))
    .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.seriesId - b.seriesId);
}

/** The series of `due` whose due time has come (≤ `now`), most overdue first. Pure. */
export function dueNow(due: readonly DueSeries[], now: Date): number[] {
  return due.filter((d) => d.dueAt.getTime() <= now.getTime()).map((d) => d.seriesId);
}

/** How far behind one source is: series due now, and the age of the oldest value held (seconds; null: none held). */
export interface OverdueStat {
  overdue: number;
  oldestValueAgeSeconds: number | null;
  /** Series never given a value by the source (not found, no IMDb id, not asked yet). */
  withoutValue: number;
}

/** The overdue count and the oldest value's age over `due`. Pure. */
export function overdueStat(due: readonly DueSeries[], now: Date): OverdueStat {
  let overdue = 0;
  let oldest: number | null = null;
  let withoutValue = 0;
  for (const d of due) {
    if (d.dueAt.getTime() <= now.getTime()) overdue += 1;
    if (d.lastSuccessAt === null) withoutValue += 1;
    else oldest = oldest === null ? d.lastSuccessAt.getTime() : Math.min(oldest, d.lastSuccessAt.getTime());
  }
  return { overdue, oldestValueAgeSeconds: oldest === null ? null : Math.round((now.getTime() - oldest) / 1000), withoutValue };
}
