/**
 * Which series a run fetches again, per source: the pure part (due, most overdue first, overdue counts) over the stored
 * states, and the small database-facing helpers that read the states and write the due times back. The refresh
 * policy itself (ages, jitter, back-off) is src/refresh/policy.ts; docs/refresh.md explains the choices.
 */
import type { PrismaClient } from "../db/prisma.js";
import { loadRefreshCandidates, writeDueTimes, type RefreshCandidate } from "../load/enrichment-state.js";
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

/**
 * Reads the states of `source` (for `seriesIds`, or every stored series), computes the due times with `policy`, writes
 * them to `enrichment_state.due_at` (rows that exist) and returns them most overdue first.
 */
export async function planRefresh(
  prisma: PrismaClient,
  source: RefreshSource,
  policy: RefreshPolicy,
  now: Date,
  seriesIds?: readonly number[],
): Promise<{ due: DueSeries[]; candidates: RefreshCandidate[] }> {
  const candidates = await loadRefreshCandidates(prisma, source, seriesIds);
  const due = dueTimes(candidates, source, policy, now);
  const stored = new Set(candidates.filter((c) => c.state !== null).map((c) => c.seriesId));
  await writeDueTimes(prisma, source, new Map(due.filter((d) => stored.has(d.seriesId)).map((d) => [d.seriesId, d.dueAt])));
  return { due, candidates };
}
