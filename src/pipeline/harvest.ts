/**
 * The harvest run: TMDB top-rated series → details → star schema, enriched from OMDb and the ratings sites,
 * checked by the quality suite.
 *
 * Stages (each timed into `tv_harvester_stage_duration_seconds{stage}`):
 *   migrate → genres → listing → details → load → omdb → scrape → quality → finish
 *
 * Every upstream answer is staged in `staged_response` as it arrives, dimensions are upserted and facts are
 * unique per series × source × run, so a run that was interrupted (crash, kill, lost database) can be
 * continued with `resume: true`: it re-reads what it already fetched and asks the upstreams only for the
 * rest, and ends with the same tables as an uninterrupted run.
 */
import { performance } from "node:perf_hooks";
import type { App } from "../app.js";
import { applyMigrations } from "../db/migrate.js";
import type { RatingObservation, RatingSourceKey, RecordIssue, SeriesRecord } from "../domain.js";
import { RateLimitedError, UpstreamError, UpstreamHttpError, errorMessage } from "../errors.js";
import type { UpstreamStats } from "../http/client.js";
import type { UpstreamName } from "../metrics/metrics.js";
import { addCounts, insertRatingFacts, upsertGenres, upsertSeries, type RowCounts } from "../load/loader.js";
import { Quarantine, type QuarantineCount } from "../quality/quarantine.js";
import { checkRating, checkSeries, nonJsonBodyIssue, primaryReason } from "../quality/rules.js";
import { OmdbBudget } from "../sources/omdb/budget.js";
import { classifyOmdbAnswer, omdbSeriesRequest, toOmdbRatings } from "../sources/omdb/omdb.js";
import {
  dedupeSeriesIds,
  genreListRequest,
  lastPageToFetch,
  parseGenreList,
  parseSeriesDetails,
  parseTopRatedPage,
  parseTopRatedResult,
  seriesDetailsRequest,
  toSeriesRecord,
  toTmdbRating,
  topRatedRequest,
} from "../sources/tmdb/tmdb.js";
import type { TmdbTopRatedResult } from "../sources/tmdb/schemas.js";
import { acquireHarvestLock } from "./lock.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { StagingStore } from "./staging.js";
import { recordEnrichmentStates, type EnrichmentStateRow } from "../load/enrichment-state.js";
import { runEnrichmentStages, type EnrichmentStageResult } from "./enrichment-stages.js";
import { runQualityStage } from "./quality-stage.js";

/** Options of a harvest run. */
export interface HarvestOptions {
  /** Stop paging after this many pages of `/tv/top_rated` (TMDB's own cap is 500). */
  maxPages?: number;
  /** Enrich from OMDb (default true; skipped anyway without OMDB_API_KEY). */
  omdb?: boolean;
  /** Enrich from Rotten Tomatoes and Metacritic (default true). */
  scrape?: boolean;
  /** Continue the latest interrupted or failed run instead of starting a new one. */
  resume?: boolean;
  /** What started the run: cli, schedule, demo, test. */
  trigger?: string;
  progress?: ProgressReporter;
}

/** Final state of a run. */
export type RunOutcome = "succeeded" | "failed" | "failed_quality";

/** OMDb stage outcome for the summary. */
export interface OmdbStageSummary {
  /** `unavailable`: OMDb kept failing (10 lookups in a row), so the stage stopped early. */
  status: "done" | "disabled" | "no_api_key" | "quota_exhausted" | "budget_exhausted" | "unavailable";
  lookedUp: number;
  found: number;
  notFound: number;
  errors: number;
  /** Series not looked up because the budget or quota ran out (their older ratings keep serving). */
  skipped: number;
  budgetRemaining: number | null;
}

/** What a harvest run did; printed at the end and stored in `harvest_run.summary`. */
export interface HarvestSummary {
  runId: number;
  status: RunOutcome;
  resumed: boolean;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  pages: number;
  seriesListed: number;
  seriesLoaded: number;
  /** Rating facts written in this run, per source. */
  ratingsBySource: Partial<Record<RatingSourceKey, number>>;
  rowsWritten: RowCounts;
  quarantine: { rejected: number; flagged: number; schemaDrift: number; details: QuarantineCount[] };
  /** Requests sent per upstream during this run (answers re-read from the stage are not requests). */
  requests: Partial<Record<UpstreamName, UpstreamStats>>;
  /** Answers re-used from the stage of an earlier attempt of this run. */
  reusedFromStage: number;
  omdb: OmdbStageSummary;
  enrichment: EnrichmentStageResult["summary"] | null;
  quality: { check: string; severity: string; passed: boolean; observed: number | null; threshold: string | null }[];
  stageSeconds: Record<string, number>;
  error?: string;
}

const isoNow = (app: App) => app.now().toISOString();

/** OMDb lookups failing in a row (after their retries) after which the OMDb stage stops. */
const OMDB_MAX_CONSECUTIVE_ERRORS = 10;

/** Share of failed series detail requests above which the run is failed rather than continued. */
const MAX_DETAIL_FAILURE_RATIO = 0.05;

/**
 * Runs one harvest (or resumes one). Applies pending migrations first and holds the harvest lock.
 * Returns the summary; a run that failed returns `status: "failed"` with `error` (it is not thrown).
 * @throws {HarvestLockedError} when another harvest holds the lock
 * @throws Error when migrations fail, or `resume` finds no run to resume
 */
export async function runHarvest(app: App, options: HarvestOptions = {}): Promise<HarvestSummary> {
  const { prisma, logger, metrics } = app;
  const progress = options.progress ?? silentProgress;
  const started = performance.now();
  const migrations = await applyMigrations(app.databaseUrl);
  if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, "migrations applied");
  const lock = await acquireHarvestLock(app.databaseUrl);
  const statsBefore = new Map(Object.values(app.clients).map((c) => [c.name, c.stats()]));

  let runId = 0;
  let runStartedAt: Date;
  let resumed = false;
  const runOptions = { maxPages: options.maxPages ?? null, omdb: options.omdb ?? true, scrape: options.scrape ?? true };
  if (options.resume) {
    const candidate = await prisma.harvestRun.findFirst({ where: { status: { in: ["running", "failed"] } }, orderBy: { id: "desc" } });
    const newerDone = candidate
      ? await prisma.harvestRun.findFirst({ where: { id: { gt: candidate.id }, status: { in: ["succeeded", "failed_quality"] } } })
      : null;
    if (!candidate || newerDone) {
      await lock.release();
      throw new Error("nothing to resume: no interrupted or failed harvest run since the last completed one");
    }
    const saved = candidate.options;
    if (saved && typeof saved === "object" && !Array.isArray(saved)) {
      if (typeof saved.maxPages === "number") runOptions.maxPages = saved.maxPages;
      if (typeof saved.omdb === "boolean") runOptions.omdb = saved.omdb;
      if (typeof saved.scrape === "boolean") runOptions.scrape = saved.scrape;
    }
    await prisma.harvestRun.update({
      where: { id: candidate.id },
      data: { status: "running", error: null, finishedAt: null, heartbeatAt: app.now(), resumeCount: { increment: 1 } },
    });
    runId = candidate.id;
    runStartedAt = candidate.startedAt;
    resumed = true;
  } else {
    const run = await prisma.harvestRun.create({
      data: { trigger: options.trigger ?? "cli", options: runOptions, startedAt: app.now(), heartbeatAt: app.now() },
    });
    runId = run.id;
    runStartedAt = run.startedAt;
  }
  const log = logger.child({ runId });
  log.info({ resumed, options: runOptions }, resumed ? "harvest run resumed" : "harvest run started");
  metrics.runInProgress.set(1);
  const heartbeat = setInterval(() => {
    prisma.harvestRun.update({ where: { id: runId }, data: { heartbeatAt: app.now() } }).catch(() => undefined);
  }, 10_000);
  heartbeat.unref();

  const stageSeconds: Record<string, number> = {};
  const rowsWritten: RowCounts = {};
  const ratingsBySource: Partial<Record<RatingSourceKey, number>> = {};
  const quarantine = new Quarantine({ prisma, runId, scrubber: app.scrubber, metrics, logger: log });
  const staging = await StagingStore.open(prisma, runId, app.scrubber);
  let reused = 0;
  let pages = 0;
  let seriesListed = 0;
  let loaded: SeriesRecord[] = [];
  let omdbSummary: OmdbStageSummary = { status: "disabled", lookedUp: 0, found: 0, notFound: 0, errors: 0, skipped: 0, budgetRemaining: null };
  let enrichment: EnrichmentStageResult["summary"] | null = null;
  let quality: HarvestSummary["quality"] = [];
  let status: RunOutcome = "succeeded";
  let failure: string | undefined;

  const stage = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    await prisma.harvestRun.update({ where: { id: runId }, data: { stage: name, heartbeatAt: app.now() } });
    const t = performance.now();
    try {
      return await fn();
    } finally {
      const seconds = (performance.now() - t) / 1000;
      stageSeconds[name] = Math.round(seconds * 1000) / 1000;
      metrics.stageDuration.set({ stage: name }, seconds);
      log.info({ stage: name, seconds: stageSeconds[name] }, "stage finished");
    }
  };
  const writeFacts = async (observations: RatingObservation[]) => {
    const counts = await insertRatingFacts(prisma, runId, observations);
    addCounts(rowsWritten, counts);
    for (const o of observations) ratingsBySource[o.source] = (ratingsBySource[o.source] ?? 0) + 1;
  };
  /** Validates observations; valid ones are returned, the rest quarantined. */
  const validRatings = (
    observations: RatingObservation[],
    source: "tmdb_series" | "omdb",
    key: (o: RatingObservation) => string,
    payload: (o: RatingObservation) => unknown,
  ) => {
    const valid: RatingObservation[] = [];
    for (const o of observations) {
      const verdict = checkRating(o);
      if (verdict.ok) {
        valid.push(verdict.value);
        quarantine.flag({ source, upstreamKey: key(o), issues: verdict.flags, payload: payload(o) });
      } else {
        quarantine.reject({ source, upstreamKey: key(o), reason: primaryReason(verdict.issues), issues: verdict.issues, payload: payload(o) });
      }
    }
    return valid;
  };

  try {
    const tmdb = app.clients.tmdb;

    // Genres: TMDB's list is the reference for genre ids.
    const knownGenreIds = await stage("genres", async () => {
      const req = genreListRequest();
      const answer = await staging.fetch(tmdb, req.key, req.path, req.params);
      if (answer.fromStage) reused += 1;
      const parsed = parseGenreList(answer.json);
      if (parsed.ok) {
        addCounts(rowsWritten, await upsertGenres(prisma, parsed.value.genres));
        return new Set(parsed.value.genres.map((g) => g.id));
      }
      quarantine.drift({ source: "tmdb_genres", upstreamKey: req.key, issues: parsed.issues, payload: answer.json ?? answer.text });
      const known = await prisma.genre.findMany({ select: { id: true } });
      if (known.length === 0) throw new Error("TMDB genre list does not match its schema and no genres are known yet");
      log.warn("genre list failed its schema; validating against the genres already known");
      return new Set(known.map((g) => g.id));
    });

    // Listing: page through /tv/top_rated.
    const seriesIds = await stage("listing", async () => {
      const fetchPage = async (page: number): Promise<TmdbTopRatedResult[] | { totalPages: number; results: TmdbTopRatedResult[] } | null> => {
        const req = topRatedRequest(page);
        const answer = await staging.fetch(tmdb, req.key, req.path, req.params);
        if (answer.fromStage) reused += 1;
        progress.tick("pages");
        const envelope = parseTopRatedPage(answer.json);
        if (!envelope.ok) {
          quarantine.drift({ source: "tmdb_top_rated", upstreamKey: req.key, issues: envelope.issues, payload: answer.json ?? answer.text });
          return null;
        }
        const results: TmdbTopRatedResult[] = [];
        envelope.value.results.forEach((entry, i) => {
          const parsed = parseTopRatedResult(entry);
          if (parsed.ok) results.push(parsed.value);
          else
            quarantine.reject({
              source: "tmdb_top_rated",
              upstreamKey: `${req.key}#${i}`,
              reason: primaryReason(parsed.issues),
              issues: parsed.issues,
              payload: entry,
            });
        });
        return page === 1 ? { totalPages: envelope.value.total_pages, results } : results;
      };
      progress.start("pages", 1);
      const first = await fetchPage(1);
      if (first === null || Array.isArray(first)) throw new Error("TMDB /tv/top_rated page 1 does not match its schema; cannot list series");
      const last = lastPageToFetch(first.totalPages, runOptions.maxPages ?? undefined);
      progress.start("pages", last);
      progress.tick("pages");
      const rest = await Promise.all(Array.from({ length: Math.max(0, last - 1) }, (_, i) => fetchPage(i + 2)));
      pages = last;
      const ids = dedupeSeriesIds([first.results, ...rest.map((r) => (Array.isArray(r) ? r : []))]);
      seriesListed = ids.length;
      await prisma.harvestRun.update({ where: { id: runId }, data: { seriesListed } });
      log.info({ pages: last, totalPages: first.totalPages, series: ids.length }, "series listed");
      return ids;
    });

    // Details: /tv/{id}?append_to_response=external_ids for each series, validated.
    const tmdbRatings: RatingObservation[] = [];
    loaded = await stage("details", async () => {
      progress.start("series", seriesIds.length);
      const currentYear = app.now().getUTCFullYear();
      let failures = 0;
      const maxFailures = Math.max(10, Math.ceil(seriesIds.length * MAX_DETAIL_FAILURE_RATIO));
      const records = await Promise.all(
        seriesIds.map(async (id): Promise<SeriesRecord | null> => {
          const req = seriesDetailsRequest(id);
          let answer;
          try {
            answer = await staging.fetch(tmdb, req.key, req.path, req.params, { acceptStatus: (s) => s === 404 });
          } catch (error) {
            if (error instanceof RateLimitedError || (error instanceof UpstreamHttpError && (error.status === 401 || error.status === 403)))
              throw error;
            failures += 1;
            quarantine.reject({
              source: "tmdb_series",
              upstreamKey: req.key,
              reason: "upstream_error",
              issues: [{ path: "", message: errorMessage(error), reason: "upstream_error" }],
              payload: null,
            });
            if (failures > maxFailures) throw new Error(`too many TMDB detail requests failed (${failures}); last: ${errorMessage(error)}`);
            return null;
          } finally {
            progress.tick("series");
          }
          if (answer.fromStage) reused += 1;
          if (answer.status === 404) {
            log.info({ seriesId: id }, "series listed but its details are gone (404); skipped");
            return null;
          }
          if (answer.json === undefined) {
            const issues: RecordIssue[] = [nonJsonBodyIssue(answer.text)];
            quarantine.drift({ source: "tmdb_series", upstreamKey: req.key, issues, payload: answer.text });
            return null;
          }
          const parsed = parseSeriesDetails(answer.json);
          if (!parsed.ok) {
            quarantine.drift({ source: "tmdb_series", upstreamKey: req.key, issues: parsed.issues, payload: answer.json });
            return null;
          }
          const verdict = checkSeries(toSeriesRecord(parsed.value, { watchRegions: app.config.tmdb.watchRegions }), { knownGenreIds, currentYear });
          if (!verdict.ok) {
            quarantine.reject({
              source: "tmdb_series",
              upstreamKey: req.key,
              reason: primaryReason(verdict.issues),
              issues: verdict.issues,
              payload: answer.json,
            });
            return null;
          }
          quarantine.flag({ source: "tmdb_series", upstreamKey: req.key, issues: verdict.flags, payload: answer.json });
          const rating = toTmdbRating(parsed.value);
          if (rating)
            tmdbRatings.push(
              ...validRatings(
                [rating],
                "tmdb_series",
                () => req.key,
                () => answer.json,
              ),
            );
          return verdict.value;
        }),
      );
      return records.filter((r): r is SeriesRecord => r !== null);
    });

    // Load dimensions and TMDB facts.
    await stage("load", async () => {
      addCounts(rowsWritten, await upsertSeries(prisma, runId, loaded));
      await writeFacts(tmdbRatings);
      await quarantine.flush();
      await prisma.harvestRun.update({ where: { id: runId }, data: { seriesLoaded: loaded.length } });
    });
    const loadedIds = loaded.map((s) => s.id);

    // OMDb: IMDb rating and votes, oldest first, within the daily budget.
    const omdbCriticScores: RatingObservation[] = [];
    if (!runOptions.omdb) omdbSummary.status = "disabled";
    else if (!app.config.omdb.apiKey) {
      omdbSummary.status = "no_api_key";
      log.warn("OMDB_API_KEY is not set: skipping OMDb");
    } else {
      omdbSummary = await stage("omdb", async () => {
        const summary: OmdbStageSummary = { status: "done", lookedUp: 0, found: 0, notFound: 0, errors: 0, skipped: 0, budgetRemaining: null };
        const budget = new OmdbBudget(prisma, app.config.omdb.dailyBudget, app.now);
        const targets = await prisma.$queryRaw<{ series_id: number; imdb_id: string }[]>`
          SELECT s.series_id, s.imdb_id FROM series_dim s
          LEFT JOIN enrichment_state e ON e.series_id = s.series_id AND e.source = 'omdb'
          WHERE s.series_id = ANY(${loadedIds}::int[]) AND s.imdb_id IS NOT NULL
          ORDER BY e.last_success_at ASC NULLS FIRST, e.last_attempt_at ASC NULLS FIRST, s.series_id`;
        progress.start("enrichments", targets.length);
        let stopped = false;
        let consecutiveErrors = 0;
        const states: EnrichmentStateRow[] = [];
        const found: RatingObservation[] = [];
        const omdb = app.clients.omdb;
        const inFlight = new Set<Promise<void>>();
        for (const target of targets) {
          // Sequential budget checks keep "oldest first" true when the budget runs out mid-way;
          // requests themselves still run concurrently through the client's limiter.
          const req = omdbSeriesRequest(target.imdb_id);
          if (!staging.has("omdb", req.key)) {
            if (stopped || !(await budget.take())) {
              if (!stopped) summary.status = "budget_exhausted";
              stopped = true;
              summary.skipped += 1;
              continue;
            }
          }
          states.push({ seriesId: target.series_id, status: "pending", detail: null, success: false });
          const state = states[states.length - 1]!;
          const lookup = (async () => {
            try {
              const answer = await staging.fetch(omdb, req.key, req.path, req.params, {
                acceptStatus: (s) => s === 401,
                shouldStage: (s, json) => classifyOmdbAnswer(s, json ?? undefined).kind !== "quota_exhausted",
              });
              if (answer.fromStage) reused += 1;
              summary.lookedUp += 1;
              const result = classifyOmdbAnswer(answer.status, answer.json, answer.text);
              switch (result.kind) {
                case "found": {
                  const mapped = toOmdbRatings(target.series_id, result.title);
                  if (mapped.issues.length > 0) {
                    quarantine.reject({
                      source: "omdb",
                      upstreamKey: target.imdb_id,
                      reason: primaryReason(mapped.issues),
                      issues: mapped.issues,
                      payload: answer.json,
                    });
                  }
                  quarantine.flag({ source: "omdb", upstreamKey: target.imdb_id, issues: mapped.flags, payload: answer.json });
                  const valid = validRatings(
                    mapped.observations,
                    "omdb",
                    () => target.imdb_id,
                    () => answer.json,
                  );
                  found.push(...valid.filter((o) => o.source === "imdb"));
                  omdbCriticScores.push(...valid.filter((o) => o.source !== "imdb"));
                  summary.found += 1;
                  Object.assign(state, { status: "found", success: true });
                  break;
                }
                case "not_found":
                  summary.notFound += 1;
                  Object.assign(state, { status: "not_found", detail: result.message });
                  break;
                case "quota_exhausted":
                  if (!stopped) log.warn({ message: result.message }, "OMDb quota exhausted: no more OMDb calls in this run");
                  stopped = true;
                  summary.status = "quota_exhausted";
                  await budget.markLimitReached();
                  Object.assign(state, { status: "error", detail: result.message });
                  break;
                case "error":
                  summary.errors += 1;
                  Object.assign(state, { status: "error", detail: result.message });
                  break;
                case "invalid":
                  summary.errors += 1;
                  quarantine.drift({ source: "omdb", upstreamKey: target.imdb_id, issues: result.issues, payload: answer.json ?? answer.text });
                  Object.assign(state, { status: "error", detail: "response does not match its schema" });
                  break;
              }
              consecutiveErrors = 0;
            } catch (error) {
              // One series' failure (after retries) does not fail the run; OMDb failing throughout stops the stage.
              if (!(error instanceof UpstreamError)) throw error;
              summary.errors += 1;
              consecutiveErrors += 1;
              Object.assign(state, { status: "error", detail: errorMessage(error) });
              if (consecutiveErrors >= OMDB_MAX_CONSECUTIVE_ERRORS && !stopped) {
                stopped = true;
                summary.status = "unavailable";
                log.warn({ err: error }, "OMDb keeps failing: no more OMDb calls in this run");
              }
            } finally {
              progress.tick("enrichments");
            }
          })();
          inFlight.add(lookup);
          void lookup.then(
            () => inFlight.delete(lookup),
            () => inFlight.delete(lookup),
          );
          // A sliding window of lookups in flight: enough to keep the limiter busy, few enough that a quota
          // answer stops the rest quickly.
          if (inFlight.size >= app.config.omdb.maxConcurrent * 2) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        await writeFacts(found);
        await recordEnrichmentStates(
          prisma,
          "omdb",
          states.filter((s) => s.status !== "pending"),
          app.now(),
        );
        await quarantine.flush();
        summary.budgetRemaining = await budget.remaining();
        metrics.omdbBudgetRemaining.set(summary.budgetRemaining);
        log.info(summary, "OMDb stage finished");
        return summary;
      });
    }

    // Rotten Tomatoes and Metacritic (after OMDb); their scores take precedence over OMDb's copies.
    const enrichmentResult = await stage("scrape", () =>
      runEnrichmentStages(app, { runId, staging, series: loaded, enabled: runOptions.scrape, progress, logger: log }),
    );
    enrichment = enrichmentResult.summary;
    const scraped = new Set(enrichmentResult.observations.map((o) => `${o.seriesId}:${o.source}`));
    await writeFacts([...enrichmentResult.observations, ...omdbCriticScores.filter((o) => !scraped.has(`${o.seriesId}:${o.source}`))]);
    await quarantine.flush();

    // Post-load expectations decide whether the run's facts may reach the analytics views.
    const qualityResult = await stage("quality", () => runQualityStage(app, runId));
    quality = qualityResult.results;
    if (qualityResult.failed) status = "failed_quality";
  } catch (error) {
    status = "failed";
    failure = app.scrubber.scrubText(errorMessage(error));
    log.error({ err: error }, "harvest run failed");
    await quarantine.flush().catch(() => undefined);
  } finally {
    clearInterval(heartbeat);
    progress.stop();
  }

  const durationSeconds = (performance.now() - started) / 1000;
  const requests: Partial<Record<UpstreamName, UpstreamStats>> = {};
  for (const client of Object.values(app.clients)) {
    const now = client.stats();
    const before = statsBefore.get(client.name) ?? { requests: 0, retries: 0, throttled: 0, failures: 0 };
    const delta = {
      requests: now.requests - before.requests,
      retries: now.retries - before.retries,
      throttled: now.throttled - before.throttled,
      failures: now.failures - before.failures,
    };
    if (delta.requests > 0 || delta.failures > 0) requests[client.name] = delta;
  }
  const counts = await quarantine.counts().catch((): QuarantineCount[] => []);
  const sumKind = (kind: string) => counts.filter((c) => c.kind === kind).reduce((n, c) => n + c.count, 0);
  const summary: HarvestSummary = {
    runId,
    status,
    resumed,
    startedAt: runStartedAt.toISOString(),
    finishedAt: isoNow(app),
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
    pages,
    seriesListed,
    seriesLoaded: loaded.length,
    ratingsBySource,
    rowsWritten,
    quarantine: { rejected: sumKind("rejected"), flagged: sumKind("flagged"), schemaDrift: sumKind("schema_drift"), details: counts },
    requests,
    reusedFromStage: reused,
    omdb: omdbSummary,
    enrichment,
    quality,
    stageSeconds,
    ...(failure ? { error: failure } : {}),
  };
  try {
    await prisma.harvestRun.update({
      where: { id: runId },
      data: {
        status,
        finishedAt: app.now(),
        stage: status === "failed" ? undefined : "done",
        seriesLoaded: loaded.length,
        factsWritten: rowsWritten.rating_fact ?? 0,
        quarantined: summary.quarantine.rejected + summary.quarantine.schemaDrift,
        summary: JSON.parse(JSON.stringify(summary)),
        error: failure ?? null,
      },
    });
  } catch (error) {
    log.error({ err: error }, "could not record the end of the harvest run");
    if (status !== "failed") {
      summary.status = "failed";
      summary.error = app.scrubber.scrubText(errorMessage(error));
    }
  } finally {
    await lock.release();
  }
  recordRunMetrics(app, summary);
  log.info({ status: summary.status, durationSeconds: summary.durationSeconds, seriesLoaded: summary.seriesLoaded }, "harvest run finished");
  return summary;
}

/** Updates the run metrics at the end of a run. */
function recordRunMetrics(app: App, summary: HarvestSummary): void {
  const { metrics } = app;
  const finished = Date.parse(summary.finishedAt) / 1000;
  metrics.runInProgress.set(0);
  metrics.runsTotal.inc({ outcome: summary.status });
  metrics.lastRunTimestamp.set(finished);
  metrics.lastRunDuration.set(summary.durationSeconds);
  metrics.seriesHarvested.set(summary.seriesLoaded);
  if (summary.status === "succeeded") metrics.setLastSuccess(finished);
  metrics.lastRunRowsWritten.reset();
  for (const [table, n] of Object.entries(summary.rowsWritten)) {
    metrics.rowsWritten.inc({ table }, n);
    metrics.lastRunRowsWritten.set({ table }, n);
  }
}
