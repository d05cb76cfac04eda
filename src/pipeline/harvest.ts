/**
 * The harvest run: TMDB top-rated series → details → star schema, enriched from OMDb and the ratings sites,
 * checked by the quality suite. This module only runs the stages (src/pipeline/stages/) in order and owns
 * the run's life cycle; each stage is timed into `tv_harvester_stage_duration_seconds{stage}`:
 *   genres → listing → details → load → omdb → scrape → quality
 *
 * Every upstream answer is kept in the run's answer store (`staged_response`, written in batches), dimensions
 * are upserted and facts are unique per series × rating source × run, so a run that was interrupted (crash,
 * kill, abort signal, lost database) can be continued with `resume: true`: it re-reads what it already
 * fetched and asks the upstreams only for the rest, and ends with the same tables as an uninterrupted run.
 */
import { performance } from "node:perf_hooks";
import type { App } from "../app.js";
import { applyMigrations } from "../db/migrate.js";
import type { RatingObservation } from "../domain.js";
import { errorMessage } from "../errors.js";
import type { UpstreamStats } from "../http/client.js";
import { resumeRunRow, runRow, startRunRow, type RunOptions, type StartedRun } from "../load/harvest-run.js";
import { addCounts, insertRatingFacts } from "../load/loader.js";
import { Quarantine, type QuarantineCount } from "../load/quarantine.js";
import type { UpstreamName } from "../metrics/metrics.js";
import { AnswerStore } from "./answer-store.js";
import { acquireHarvestLock } from "./lock.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { countFacts, initialRunState, requestsBetween, toSummary, type HarvestSummary, type RunState } from "./run-state.js";
import { checkQuality } from "./stages/check-quality.js";
import type { FactWriter } from "./stages/deps.js";
import { enrichFromOmdb } from "./stages/enrich-omdb.js";
import { enrichFromSites, type SeriesToEnrich } from "./stages/enrich-sites.js";
import { fetchDetails } from "./stages/fetch-details.js";
import { listGenres, listSeries } from "./stages/list-series.js";
import { SeriesLoader } from "./stages/load.js";

export type { HarvestSummary, OmdbStageSummary, RunOutcome } from "./run-state.js";

/** Options of a harvest run. */
export interface HarvestOptions {
  /** Stop paging after this many pages of `/tv/top_rated` (TMDB's own cap is 500). */
  maxPages?: number;
  /** Enrich from OMDb (default true; skipped anyway without OMDB_API_KEY). */
  omdb?: boolean;
  /** Enrich from Rotten Tomatoes and Metacritic (default true). */
  scrape?: boolean;
  /** Continue the latest running (dead), failed or interrupted run instead of starting a new one. */
  resume?: boolean;
  /** What started the run: cli, schedule, demo, test. */
  trigger?: string;
  progress?: ProgressReporter;
  /**
   * Stops the run when aborted: no new request is started, requests and writes in flight finish, buffered
   * answers, facts and quarantine rows are written, the run row is marked `interrupted` with its counts, and
   * the summary is returned with `status: "interrupted"` (resumable with `resume: true`).
   */
  signal?: AbortSignal;
}

/** Thrown inside a run when its signal aborted between stages; ends the run as `interrupted`. */
class RunInterrupted extends Error {
  constructor() {
    super("harvest run interrupted");
    this.name = "RunInterrupted";
  }
}

/**
 * Series (or pages) in flight in a TMDB stage: the client's concurrency, which keeps its limiter busy; a
 * deeper window would only queue requests in the limiter, which an abort could not take back.
 */
const windowOf = (maxConcurrent: number) => Math.max(1, maxConcurrent);

/**
 * Runs one harvest (or resumes one). Applies pending migrations first and holds the harvest lock.
 * Returns the summary; a run that failed returns `status: "failed"` with `error` (it is not thrown), a run
 * stopped by `options.signal` returns `status: "interrupted"`.
 * @throws {HarvestLockedError} when another harvest holds the lock
 * @throws Error when migrations fail, or `resume` finds no run to resume (NothingToResumeError)
 */
export async function runHarvest(app: App, options: HarvestOptions = {}): Promise<HarvestSummary> {
  const { prisma, logger, metrics } = app;
  const progress = options.progress ?? silentProgress;
  const signal = options.signal;
  const started = performance.now();
  const migrations = await applyMigrations(app.databaseUrl);
  if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, "migrations applied");
  const lock = await acquireHarvestLock(app.databaseUrl);
  const statsBefore = clientStats(app);

  const defaults: RunOptions = { maxPages: options.maxPages ?? null, omdb: options.omdb ?? true, scrape: options.scrape ?? true };
  let run: StartedRun;
  try {
    run = options.resume
      ? await resumeRunRow(prisma, { defaults, at: app.now() })
      : await startRunRow(prisma, { trigger: options.trigger ?? "cli", options: defaults, at: app.now() });
  } catch (error) {
    await lock.release();
    throw error;
  }
  const { runId } = run;
  const row = runRow(prisma, runId, app.now);
  const log = logger.child({ runId });
  log.info({ resumed: run.resumed, options: run.options }, run.resumed ? "harvest run resumed" : "harvest run started");
  metrics.runInProgress.set(1);
  const stopHeartbeat = row.startHeartbeat(10_000);

  const state: RunState = initialRunState(run);
  const quarantine = new Quarantine({ prisma, runId, scrubber: app.scrubber, metrics, logger: log });
  let answers: AnswerStore | undefined;
  let loader: SeriesLoader | undefined;
  const facts: FactWriter = {
    async write(observations: readonly RatingObservation[]) {
      addCounts(state.rowsWritten, await insertRatingFacts(prisma, runId, observations));
      countFacts(state, observations);
    },
  };

  /** Runs one stage: records it on the run row, times it, and after it stops the run if the signal aborted. */
  const stage = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    if (signal?.aborted) throw new RunInterrupted();
    await row.enterStage(name);
    const t = performance.now();
    let result: T;
    try {
      result = await fn();
    } finally {
      const seconds = (performance.now() - t) / 1000;
      state.stageSeconds[name] = Math.round(seconds * 1000) / 1000;
      metrics.stageDuration.set({ stage: name }, seconds);
      log.info({ stage: name, seconds: state.stageSeconds[name] }, "stage finished");
    }
    // A stage's answers are written before the next one starts: what a resume can re-use.
    await answers?.flush();
    // A stage stopped by the signal returned early with partial output: the next one must not use it.
    if (signal?.aborted) throw new RunInterrupted();
    return result;
  };

  try {
    const store = await AnswerStore.open(prisma, runId, app.scrubber);
    answers = store;
    const tmdb = app.clients.tmdb;
    const base = { logger: log, progress, ...(signal ? { signal } : {}) };
    const tmdbWindow = windowOf(app.config.tmdb.maxConcurrent);

    const genres = await stage("genres", () => listGenres({ ...base, prisma, tmdb, answers: store, quarantine }));
    addCounts(state.rowsWritten, genres.rowsWritten);

    const listing = await stage("listing", () =>
      listSeries({ ...base, tmdb, answers: store, quarantine, concurrency: tmdbWindow }, { maxPages: run.options.maxPages }),
    );
    state.pages = listing.pages;
    state.seriesListed = listing.seriesIds.length;
    await row.recordCounts({ seriesListed: state.seriesListed });

    // The checked series are loaded in batches as their details arrive; only the few fields the later stages use
    // are kept (in listing order), not the full records.
    const seriesLoader = new SeriesLoader({ prisma, runId, facts, quarantine });
    loader = seriesLoader;
    const kept: SeriesToEnrich[] = [];
    const details = await stage("details", () =>
      fetchDetails(
        {
          ...base,
          tmdb,
          answers: store,
          quarantine,
          now: app.now,
          concurrency: tmdbWindow,
          watchRegions: app.config.tmdb.watchRegions,
          onSeries: (s, index) => {
            kept[index] = { id: s.id, title: s.title, originalTitle: s.originalTitle, firstAirDate: s.firstAirDate, wikidataId: s.wikidataId };
            return seriesLoader.add(s);
          },
        },
        { seriesIds: listing.seriesIds, knownGenreIds: genres.knownGenreIds },
      ),
    );

    await stage("load", async () => {
      addCounts(state.rowsWritten, await seriesLoader.finish(details.tmdbRatings));
      state.seriesLoaded = seriesLoader.loaded;
      await row.recordCounts({ seriesLoaded: state.seriesLoaded });
    });
    const loaded = kept.filter((s): s is SeriesToEnrich => s !== undefined);
    const loadedIds = loaded.map((s) => s.id);

    let omdbCriticScores: RatingObservation[] = [];
    if (!run.options.omdb) state.omdb.status = "disabled";
    else if (!app.config.omdb.apiKey) {
      state.omdb.status = "no_api_key";
      log.warn("OMDB_API_KEY is not set: skipping OMDb");
    } else {
      const omdb = await stage("omdb", () =>
        enrichFromOmdb(
          { ...base, prisma, omdb: app.clients.omdb, answers: store, quarantine, facts, metrics, now: app.now, config: app.config.omdb },
          { seriesIds: loadedIds },
        ),
      );
      state.omdb = omdb.summary;
      omdbCriticScores = omdb.criticScores;
    }

    const { wikidata, rottentomatoes, metacritic } = app.clients;
    state.enrichment = await stage("scrape", () =>
      enrichFromSites(
        {
          ...base,
          prisma,
          runId,
          clients: { wikidata, rottentomatoes, metacritic },
          answers: store,
          facts,
          metrics,
          now: app.now,
          config: app.config.scrape,
        },
        { series: loaded, enabled: run.options.scrape, omdbCriticScores },
      ),
    );
    await quarantine.flush();

    const quality = await stage("quality", () =>
      checkQuality({ prisma, metrics, logger: log, now: app.now, thresholds: app.config.quality }, { runId }),
    );
    state.quality = quality.results;
    if (quality.failed) state.status = "failed_quality";
  } catch (error) {
    if (error instanceof RunInterrupted) {
      state.status = "interrupted";
      log.warn({ stage: Object.keys(state.stageSeconds).at(-1) }, "harvest run interrupted");
    } else {
      state.status = "failed";
      state.error = app.scrubber.scrubText(errorMessage(error));
      log.error({ err: error }, "harvest run failed");
    }
  } finally {
    stopHeartbeat();
    progress.stop();
  }
  // Whatever happened, what was fetched and checked is written: a resume re-uses it.
  await loader?.drain().catch((error: unknown) => log.error({ err: error }, "could not load the last checked series"));
  await answers?.flush().catch((error: unknown) => log.error({ err: error }, "could not write the last fetched answers"));
  await quarantine.flush().catch(() => undefined);

  state.reusedAnswers = answers?.reused ?? 0;
  const counts = await quarantine.counts().catch((): QuarantineCount[] => []);
  const summary = toSummary(state, {
    finishedAt: app.now(),
    durationSeconds: (performance.now() - started) / 1000,
    quarantine: counts,
    requests: requestsBetween(statsBefore, clientStats(app)),
  });
  try {
    await row.finish({
      status: summary.status,
      at: app.now(),
      seriesLoaded: summary.seriesLoaded,
      factsWritten: summary.rowsWritten.rating_fact ?? 0,
      quarantined: summary.quarantine.rejected + summary.quarantine.schemaDrift,
      summary,
      error: summary.error ?? null,
    });
  } catch (error) {
    log.error({ err: error }, "could not record the end of the harvest run");
    if (summary.status !== "failed") {
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

/** The request counters of every client now. */
function clientStats(app: App): Map<UpstreamName, UpstreamStats> {
  return new Map(Object.values(app.clients).map((c) => [c.name, c.stats()]));
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
