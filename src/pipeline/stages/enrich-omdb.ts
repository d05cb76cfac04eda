/**
 * Stage "enrich from OMDb": IMDb rating and votes (and OMDb's copies of the critics' scores) for the
 * loaded series, oldest data first, within the daily budget (https://www.omdbapi.com/, `?i=tt…`).
 * "Request limit reached!" stops OMDb for the rest of the run; OMDb failing 10 lookups in a row too.
 */
import { forEachBounded } from "../../concurrency.js";
import type { PrismaClient } from "../../db/prisma.js";
import type { RatingObservation } from "../../domain.js";
import { RequestAbortedError, UpstreamError, errorMessage } from "../../errors.js";
import type { UpstreamClient } from "../../http/client.js";
import { omdbTargetsOldestFirst, recordEnrichmentOutcomes, type EnrichmentStateRow, type OmdbTarget } from "../../load/enrichment-state.js";
import { OmdbBudget, OmdbBudgetBlocks } from "../../load/omdb-budget.js";
import type { HarvesterMetrics } from "../../metrics/metrics.js";
import { classifyOmdbAnswer, omdbAnswerSchema, omdbSeriesRequest, toOmdbRatings } from "../../sources/omdb/omdb.js";
import { primaryReason } from "../../validation/issues.js";
import { RefusedAnswerError, type AnswerStore, type FetchedAnswer } from "../answer-store.js";
import type { OmdbStageSummary } from "../run-state.js";
import type { FactWriter, QuarantineSink, StageBase } from "./deps.js";
import { validRatings } from "./ratings.js";

/** OMDb lookups failing in a row (after their retries) after which the OMDb stage stops. */
export const OMDB_MAX_CONSECUTIVE_ERRORS = 10;

/** Dependencies of {@link enrichFromOmdb}. `config` is the OMDb slice of the configuration. */
export interface EnrichOmdbDeps extends StageBase {
  prisma: PrismaClient;
  /** The harvest run the outcomes are recorded for. */
  runId: number;
  omdb: UpstreamClient;
  answers: AnswerStore;
  quarantine: QuarantineSink;
  facts: FactWriter;
  metrics: HarvesterMetrics;
  now: () => Date;
  config: { dailyBudget: number; maxConcurrent: number };
}

/**
 * Looks up the loaded series with an IMDb id; writes the IMDb facts (and OMDb's copies of the critics' scores) and
 * the outcomes per series (`enrichment_outcome`). The budget is
 * taken in blocks and what is left is given back at the end. Lookups run in a window of
 * `2 × maxConcurrent`: enough to keep the limiter busy, few enough that a quota answer stops the rest quickly.
 * @throws only on database errors; OMDb failures are counted per series
 */
export async function enrichFromOmdb(deps: EnrichOmdbDeps, input: { seriesIds: readonly number[] }): Promise<OmdbStageSummary> {
  const { quarantine, progress, logger } = deps;
  const summary: OmdbStageSummary = { status: "done", lookedUp: 0, found: 0, notFound: 0, errors: 0, skipped: 0, budgetRemaining: null };
  const budget = new OmdbBudget(deps.prisma, deps.config.dailyBudget, deps.now);
  const window = Math.max(1, deps.config.maxConcurrent * 2);
  const blocks = new OmdbBudgetBlocks(budget, Math.max(10, window));
  const targets = await omdbTargetsOldestFirst(deps.prisma, input.seriesIds);
  progress.start("enrichments", targets.length);
  let stopped = false;
  let consecutiveErrors = 0;
  const states: EnrichmentStateRow[] = [];
  const observations: RatingObservation[] = [];

  const lookUp = async (index: number): Promise<void> => {
    const target = targets[index];
    if (target === undefined) return;
    const req = omdbSeriesRequest(target.imdbId);
    // Answers kept from an earlier attempt cost no budget; the others take it in listing order.
    if (!deps.answers.has("omdb", req.key) && (stopped || !(await blocks.take(targets.length - index)))) {
      if (!stopped) summary.status = "budget_exhausted";
      stopped = true;
      summary.skipped += 1;
      return;
    }
    const state: EnrichmentStateRow = { seriesId: target.seriesId, status: "pending", detail: null, success: false };
    states.push(state);
    try {
      const answer = await deps.answers.fetch(deps.omdb, req.key, req.path, req.params, {
        acceptStatus: (s) => s === 401,
        schema: omdbAnswerSchema,
        shouldKeep: (s, json) => classifyOmdbAnswer(s, json ?? undefined).kind !== "quota_exhausted",
      });
      summary.lookedUp += 1;
      const result = readOmdbAnswer(deps, target, answer, { summary, state, observations });
      if (result.kind === "quota_exhausted") {
        if (!stopped) logger.warn({ message: result.message }, "OMDb quota exhausted: no more OMDb calls in this run");
        stopped = true;
        summary.status = "quota_exhausted";
        await budget.markLimitReached();
      }
      consecutiveErrors = 0;
    } catch (error) {
      // The run is stopping: the state stays pending (not recorded), a resume asks again.
      if (error instanceof RequestAbortedError) return;
      // One series' failure (after retries) does not fail the run; OMDb failing throughout stops the stage.
      if (error instanceof RefusedAnswerError) {
        // A body refused by its check on every attempt: schema drift with its reason, not kept (asked again on resume).
        summary.lookedUp += 1;
        summary.errors += 1;
        quarantine.drift({ endpoint: "omdb", upstreamKey: target.imdbId, reason: error.reason, issues: error.issues, payload: error.payload });
        Object.assign(state, { status: "error", detail: "response does not match its schema" });
        return;
      }
      if (!(error instanceof UpstreamError)) throw error;
      summary.errors += 1;
      consecutiveErrors += 1;
      Object.assign(state, { status: "error", detail: errorMessage(error) });
      if (consecutiveErrors >= OMDB_MAX_CONSECUTIVE_ERRORS && !stopped) {
        stopped = true;
        summary.status = "unavailable";
        logger.warn({ err: error }, "OMDb keeps failing: no more OMDb calls in this run");
      }
    } finally {
      progress.tick("enrichments");
    }
  };

  try {
    await forEachBounded(
      targets.map((_, i) => i),
      window,
      lookUp,
      deps.signal,
    );
  } finally {
    await blocks.release();
  }
  // OMDb's copies of the critics' scores too: the ratings-sites step's own scores replace them where it finds some.
  await deps.facts.write(observations);
  await recordEnrichmentOutcomes(
    deps.prisma,
    "omdb",
    states.filter((s) => s.status !== "pending"),
    deps.now(),
    deps.runId,
  );
  await quarantine.flush();
  summary.budgetRemaining = await budget.remaining();
  deps.metrics.omdbBudgetRemaining.set(summary.budgetRemaining);
  logger.info(summary, "OMDb stage finished");
  return summary;
}

/**
 * What one lookup's answer means: the summary's counts, the series' outcome and, when found, its checked ratings (the
 * quota's consequences are the caller's). Returns the classified answer.
 */
function readOmdbAnswer(
  deps: EnrichOmdbDeps,
  target: OmdbTarget,
  answer: FetchedAnswer,
  into: { summary: OmdbStageSummary; state: EnrichmentStateRow; observations: RatingObservation[] },
): ReturnType<typeof classifyOmdbAnswer> {
  const { summary, state } = into;
  const result = classifyOmdbAnswer(answer.status, answer.json, answer.text);
  switch (result.kind) {
    case "found": {
      const mapped = toOmdbRatings(target.seriesId, result.title);
      const source = { endpoint: "omdb" as const, upstreamKey: target.imdbId, payload: answer.json };
      if (mapped.issues.length > 0) deps.quarantine.reject({ ...source, reason: primaryReason(mapped.issues), issues: mapped.issues });
      deps.quarantine.flag({ ...source, issues: mapped.flags });
      into.observations.push(...validRatings(deps.quarantine, mapped.observations, source));
      summary.found += 1;
      Object.assign(state, { status: "found", success: true });
      break;
    }
    case "not_found":
      summary.notFound += 1;
      Object.assign(state, { status: "not_found", detail: result.message });
      break;
    case "quota_exhausted":
      Object.assign(state, { status: "error", detail: result.message });
      break;
    case "error":
      summary.errors += 1;
      Object.assign(state, { status: "error", detail: result.message });
      break;
    case "invalid":
      summary.errors += 1;
      deps.quarantine.drift({ endpoint: "omdb", upstreamKey: target.imdbId, issues: result.issues, payload: answer.json ?? answer.text });
      Object.assign(state, { status: "error", detail: "response does not match its schema" });
      break;
  }
  return result;
}
