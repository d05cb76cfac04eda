/**
 * Stage "list changes": the series TMDB edited since the start of the last successful weekly harvest, from
 * `/tv/changes` (https://developer.themoviedb.org/reference/changes-tv-list; windows of at most 14 days, 100 ids a page),
 * and the decision whether this run is incremental at all (src/sources/tmdb/changes.ts). A change list that cannot be
 * read (an upstream failure after its retries, a page of the wrong shape) makes the run full rather than trusting it.
 */
import { forEachBounded } from "../../concurrency.js";
import type { PrismaClient } from "../../db/prisma.js";
import { RateLimitedError, errorMessage } from "../../errors.js";
import type { UpstreamClient } from "../../http/client.js";
import { changesRequest, changesWindow, parseChangesPage, type ChangesWindow } from "../../sources/tmdb/changes.js";
import { issuesFromZod } from "../../validation/issues.js";
import type { AnswerStore } from "../answer-store.js";
import type { QuarantineSink, StageBase } from "./deps.js";

/** Dependencies of {@link listChanges}. `concurrency`: pages in flight at once. */
export interface ListChangesDeps extends StageBase {
  prisma: PrismaClient;
  tmdb: UpstreamClient;
  answers: AnswerStore;
  quarantine: QuarantineSink;
  now: () => Date;
  concurrency: number;
}

/** The run's kind: incremental with the changed series ids, or full with the reason. */
export type ChangeSet =
  | { kind: "incremental"; window: { startDate: string; endDate: string }; changedIds: Set<number>; pages: number }
  | { kind: "full"; reason: Extract<ChangesWindow, { kind: "full" }>["reason"] | "changes_unreadable" };

/**
 * The start of the latest succeeded weekly harvest before `runId` (top-up runs do not count: they fetch no details).
 */
export async function lastSuccessfulHarvestStart(prisma: PrismaClient, runId: number): Promise<Date | null> {
  const run = await prisma.harvestRun.findFirst({
    where: { status: "succeeded", trigger: { not: "topup" }, id: { lt: runId } },
    orderBy: [{ startedAt: "desc" }],
    select: { startedAt: true },
  });
  return run?.startedAt ?? null;
}

/**
 * Decides the run's kind and, when incremental, pages through `/tv/changes` for the window.
 * @throws RateLimitedError (the run cannot go on against TMDB anyway)
 */
export async function listChanges(deps: ListChangesDeps, input: { runId: number; full: boolean }): Promise<ChangeSet> {
  const window = changesWindow(await lastSuccessfulHarvestStart(deps.prisma, input.runId), deps.now(), input.full);
  if (window.kind === "full") {
    deps.logger.info({ reason: window.reason }, "full harvest: every listed series' details are fetched");
    return window;
  }
  const changedIds = new Set<number>();
  const fetchPage = async (page: number): Promise<number | null> => {
    const req = changesRequest(window, page);
    const answer = await deps.answers.fetch(deps.tmdb, req.key, req.path, req.params);
    const parsed = parseChangesPage(answer.json);
    if (!parsed.ok) {
      deps.quarantine.drift({
        endpoint: "tmdb_changes",
        upstreamKey: req.key,
        issues: issuesFromZod(parsed.error),
        payload: answer.json ?? answer.text,
      });
      return null;
    }
    for (const id of parsed.ids) changedIds.add(id);
    return parsed.totalPages;
  };
  try {
    const totalPages = await fetchPage(1);
    if (totalPages === null) return { kind: "full", reason: "changes_unreadable" };
    let unreadable = false;
    const rest = Array.from({ length: Math.max(0, totalPages - 1) }, (_, i) => i + 2);
    await forEachBounded(
      rest,
      deps.concurrency,
      async (page) => {
        if ((await fetchPage(page)) === null) unreadable = true;
      },
      deps.signal,
    );
    if (unreadable) return { kind: "full", reason: "changes_unreadable" };
    deps.logger.info({ ...window, pages: Math.max(1, totalPages), changed: changedIds.size }, "incremental harvest: TMDB change list read");
    return { kind: "incremental", window: { startDate: window.startDate, endDate: window.endDate }, changedIds, pages: Math.max(1, totalPages) };
  } catch (error) {
    if (error instanceof RateLimitedError) throw error;
    deps.logger.warn({ err: errorMessage(error) }, "TMDB change list unreadable: full harvest");
    return { kind: "full", reason: "changes_unreadable" };
  }
}
