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
import type { ScrapeTarget } from "../enrichers/resolve.js";
import { errorMessage } from "../errors.js";
import type { UpstreamStats } from "../http/client.js";
import { countStoredRunRows, resumeRunRow, runRow, startRunRow, type RunOptions, type StartedRun } from "../load/harvest-run.js";
import { addCounts, insertRatingFacts } from "../load/loader.js";
import { Quarantine, type QuarantineCount } from "../load/quarantine.js";
import { readStagedResponses, StagedResponseWriter } from "../load/staged-responses.js";
import type { UpstreamName } from "../metrics/metrics.js";
import { AnswerStore, type AnswerWriter } from "./answer-store.js";
import { acquireHarvestLock, type HarvestLock } from "./lock.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { countFacts, initialRunState, requestsBetween, toSummary, type HarvestSummary, type RunState } from "./run-state.js";
import { checkQuality } from "./stages/check-quality.js";
import type { FactWriter, QuarantineSink } from "./stages/deps.js";
import { enrichFromOmdb } from "./stages/enrich-omdb.js";
import { enrichFromSites } from "./stages/enrich-sites.js";
import { fetchDetails } from "./stages/fetch-details.js";
import { listGenres, listSeries } from "./stages/list-series.js";
import { SeriesLoader } from "./stages/load.js";
import { listChanges, type ChangeSet } from "./stages/list-changes.js";
import { validRatings } from "./stages/ratings.js";
import { carryForwardSeries, seriesWithPublishedVersion } from "../load/series-carry-forward.js";
import { recordEnrichmentStates } from "../load/enrichment-state.js";
import { catalogueSeriesIds, loadScrapeTargets, refreshOverdue } from "./refresh-targets.js";
import { dueNow, planRefresh } from "../refresh/targets.js";
import type { RefreshSummary } from "./run-state.js";

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
  /** What started the run: cli, schedule, demo, test, topup. */
  trigger?: string;
  /** Fetch every listed series' details and every enrichment whatever their refresh ages (`harvest --full`). */
  full?: boolean;
  /** TMDB ids whose details and enrichments are fetched again whatever their ages (`harvest --refresh <id…>`). */
  refresh?: readonly number[];
  /**
   * An enrichment top-up (`serve` between weekly harvests; trigger "topup"): no listing and no details, only OMDb
   * (within the day's remaining budget) and the sites for the catalogue's most overdue series. Writes no series
   * versions; its facts belong to its own run.
   */
  topup?: boolean;
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

/** The run's error text when the harvest lock's connection was lost (see src/pipeline/lock.ts). */
const LOCK_LOST = "the harvest lock's database connection was lost: the run stopped (resumable with --resume)";

/**
 * Holds a write until the lock is known to be held: at once while it was never lost; after a loss, once it
 * was taken again. Never writes while another harvest may hold the lock.
 * @throws {RunInterrupted} when the lock was lost and could not be taken again
 */
async function whileLocked<T>(lock: HarvestLock, write: () => Promise<T>): Promise<T> {
  if (lock.lost.aborted && !(await lock.regained())) throw new RunInterrupted();
  return write();
}

/** Milliseconds an answer may wait before its batch is written (a SIGKILL loses at most this much). */
const ANSWER_MAX_DELAY_MS = 250;

/**
 * The answer writer of a run (`staged_response` in batches), gated by the lock: the batch timer is ours, so
 * that no batch starts after the lock was lost; rows buffered then are written only by a flush once the lock
 * is held again (a resume fetches them again otherwise).
 */
function lockedAnswerWriter(lock: HarvestLock, prisma: App["prisma"], runId: number): AnswerWriter {
  // The writer's own timer is off (longest timeout there is); full batches it still writes at once.
  const writer = new StagedResponseWriter(prisma, runId, { maxDelayMs: 2_147_483_647 });
  let timer: NodeJS.Timeout | undefined;
  const writeSoon = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      if (!lock.lost.aborted) void writer.flush().catch(() => undefined); // the failure is thrown by the next add or flush
    }, ANSWER_MAX_DELAY_MS);
    timer.unref();
  };
  return {
    async add(row) {
      if (lock.lost.aborted) await whileLocked(lock, () => writer.add(row)).catch(() => undefined);
      else {
        await writer.add(row);
        writeSoon();
      }
    },
    async flush() {
      clearTimeout(timer);
      timer = undefined;
      await whileLocked(lock, () => writer.flush());
    },
  };
}

/**
 * The run's quarantine for the stages, whose flush (its only write) is gated by the lock. Once the run stops,
 * upstream errors are not recorded: its requests were aborted (src/http/client.ts), and a resume asks again.
 */
function lockedQuarantine(lock: HarvestLock, quarantine: Quarantine, signal: AbortSignal): QuarantineSink {
  return {
    reject: (entry) => (signal.aborted && entry.reason === "upstream_error" ? undefined : quarantine.reject(entry)),
    drift: (entry) => quarantine.drift(entry),
    flag: (entry) => quarantine.flag(entry),
    flush: () => whileLocked(lock, () => quarantine.flush()),
  };
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
 *
 * When the lock's connection is lost the run stops as if aborted (`interrupted`, with `error` saying why):
 * no new request starts, the work in flight finishes, and the run's own writes after the loss (facts,
 * quarantine, answers, its row) wait until the lock was taken again; when it cannot be (another harvest
 * has it), they are not made at all and the row stays `running`, which `--resume` continues.
 *
 * The counts of the run row and summary (facts per rating source, series loaded, quarantined) are read
 * from the database at the end, so a resumed run counts the rows of every attempt.
 * @throws {HarvestLockedError} when another harvest holds the lock
 * @throws Error when migrations fail, or `resume` finds no run to resume (NothingToResumeError)
 */
export async function runHarvest(app: App, options: HarvestOptions = {}): Promise<HarvestSummary> {
  const { prisma, logger, metrics } = app;
  const progress = options.progress ?? silentProgress;
  const started = performance.now();
  const migrations = await applyMigrations(app.databaseUrl);
  if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, "migrations applied");
  const lock = await acquireHarvestLock(app.databaseUrl);
  // The run stops on its caller's signal or on the loss of the lock, whichever comes first.
  const signal = options.signal ? AbortSignal.any([options.signal, lock.lost]) : lock.lost;
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
  lock.lost.addEventListener("abort", () => log.error("the harvest lock's database connection was lost: stopping the run"), { once: true });
  log.info({ resumed: run.resumed, options: run.options }, run.resumed ? "harvest run resumed" : "harvest run started");
  metrics.runInProgress.set(1);
  const stopHeartbeat = row.startHeartbeat(10_000);
  // A run without its lock beats no more: a harvest that takes the lock may resume this very row.
  lock.lost.addEventListener("abort", stopHeartbeat, { once: true });

  const state: RunState = initialRunState(run);
  const runQuarantine = new Quarantine({ prisma, runId, scrubber: app.scrubber, metrics, logger: log });
  const quarantine = lockedQuarantine(lock, runQuarantine, signal);
  // When the run stops, its HTTP requests in flight are aborted at once (their answers are not kept).
  const untieClients = Object.values(app.clients).map((c) => c.abortOn?.(signal));
  let answers: AnswerStore | undefined;
  let loader: SeriesLoader | undefined;
  const facts: FactWriter = {
    async write(observations: readonly RatingObservation[]) {
      addCounts(state.rowsWritten, await whileLocked(lock, () => insertRatingFacts(prisma, runId, observations)));
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
    // A stage's answers are written before the next one starts: what a resume can re-use (after a lost
    // lock, only at the end of the run, once the lock is held again).
    if (lock.lost.aborted) throw new RunInterrupted();
    await answers?.flush();
    // A stage stopped by the signal returned early with partial output: the next one must not use it.
    if (signal?.aborted) throw new RunInterrupted();
    return result;
  };

  try {
    const store = AnswerStore.fromRows(runId, app.scrubber, await readStagedResponses(prisma, runId), lockedAnswerWriter(lock, prisma, runId));
    answers = store;
    const tmdb = app.clients.tmdb;
    const base = { logger: log, progress, onSeriesLost: (n: number) => (state.seriesLost += n), ...(signal ? { signal } : {}) };
    const tmdbWindow = windowOf(app.config.tmdb.maxConcurrent);

    const policy = app.config.refresh;
    const forced = new Set(options.refresh ?? []);
    const full = options.full === true;
    const topup =
      options.topup === true || (await prisma.harvestRun.findUnique({ where: { id: runId }, select: { trigger: true } }))?.trigger === "topup";
    let refresh: RefreshSummary;
    /** The run's catalogue: the series the enrichments may choose from (listed and known, or every known one). */
    let catalogue: number[];
    /** Loaded from fresh details in this run (their records are at hand for the sites). */
    let fetchedSeries: ScrapeTarget[] = [];

    if (topup) {
      catalogue = await catalogueSeriesIds(prisma);
      refresh = { kind: "topup", detailsFetched: 0, carriedForward: 0, overdue: {} };
    } else {
      const genres = await stage("genres", () => listGenres({ ...base, prisma, tmdb, answers: store, quarantine }));
      addCounts(state.rowsWritten, genres.rowsWritten);

      const listingRatings = new Map<number, RatingObservation>();
      const listing = await stage("listing", () =>
        listSeries(
          { ...base, tmdb, answers: store, quarantine, concurrency: tmdbWindow },
          { maxPages: run.options.maxPages, ratings: listingRatings },
        ),
      );
      state.pages = listing.pages;
      state.seriesListed = listing.seriesIds.length;
      await whileLocked(lock, () => row.recordCounts({ seriesListed: state.seriesListed }));

      const changes: ChangeSet = await stage("changes", () =>
        listChanges({ ...base, prisma, tmdb, answers: store, quarantine, now: app.now, concurrency: tmdbWindow }, { runId, full }),
      );
      // Details: every listed series in a full run; otherwise the new (never published), changed, overdue and forced ones.
      let detailIds: number[] = listing.seriesIds;
      let known = new Set<number>();
      if (changes.kind === "incremental") {
        known = await seriesWithPublishedVersion(prisma, listing.seriesIds);
        const { due } = await planRefresh(prisma, "tmdb", policy, app.now(), [...known]);
        const tmdbDue = new Set(dueNow(due, app.now()));
        detailIds = listing.seriesIds.filter((id) => !known.has(id) || changes.changedIds.has(id) || tmdbDue.has(id) || forced.has(id));
      }
      // The checked series are loaded in batches as their details arrive; only the fields the later stages use
      // are kept (in listing order), not the full records.
      const seriesLoader = new SeriesLoader({ prisma, runId, facts, quarantine });
      loader = seriesLoader;
      const kept: ScrapeTarget[] = [];
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
              kept[index] = {
                id: s.id,
                title: s.title,
                originalTitle: s.originalTitle,
                firstAirDate: s.firstAirDate,
                wikidataId: s.wikidataId,
                seasons: s.seasons.map((x) => ({ seasonNumber: x.seasonNumber, airDate: x.airDate })),
              };
              // A batch write of the loader waits for the lock like every other write of the run.
              return whileLocked(lock, () => seriesLoader.add(s));
            },
          },
          { seriesIds: detailIds, knownGenreIds: genres.knownGenreIds },
        ),
      );
      fetchedSeries = kept.filter((s): s is ScrapeTarget => s !== undefined);

      const loaded = new Set(fetchedSeries.map((s) => s.id));
      const carried = changes.kind === "incremental" ? listing.seriesIds.filter((id) => known.has(id) && !loaded.has(id)) : [];
      await stage("load", async () => {
        addCounts(state.rowsWritten, await whileLocked(lock, () => seriesLoader.finish(details.tmdbRatings)));
        await recordEnrichmentStates(
          prisma,
          "tmdb",
          fetchedSeries.map((s) => ({ seriesId: s.id, status: "found", detail: null, success: true })),
          app.now(),
          runId,
        );
        if (carried.length > 0) {
          // Not fetched again: the previous version goes on, with TMDB's rating of this week's listing.
          addCounts(state.rowsWritten, await carryForwardSeries(prisma, runId, carried));
          const ratings = carried.flatMap((id) => {
            const rating = listingRatings.get(id);
            return rating ? [rating] : [];
          });
          await facts.write(validRatings(quarantine, ratings, { endpoint: "tmdb_top_rated", upstreamKey: "tv/top_rated", payload: null }));
          await quarantine.flush();
        }
        await planRefresh(prisma, "tmdb", policy, app.now(), [...loaded]);
        state.seriesLoaded = seriesLoader.loaded + carried.length;
        await whileLocked(lock, () => row.recordCounts({ seriesLoaded: state.seriesLoaded }));
      });
      catalogue = [...fetchedSeries.map((s) => s.id), ...carried];
      refresh =
        changes.kind === "incremental"
          ? {
              kind: "incremental",
              changed: changes.changedIds.size,
              detailsFetched: fetchedSeries.length,
              carriedForward: carried.length,
              overdue: {},
            }
          : { kind: "full", reason: changes.reason, detailsFetched: fetchedSeries.length, carriedForward: 0, overdue: {} };
    }
    /** Ages apply in incremental and top-up runs; a full run asks every source for the whole catalogue. */
    const selective = refresh.kind !== "full";
    const dueOf = async (source: "omdb" | "rottentomatoes" | "metacritic"): Promise<number[]> => {
      const { due } = await planRefresh(prisma, source, policy, app.now(), catalogue);
      const ids = dueNow(due, app.now());
      return [...ids, ...catalogue.filter((id) => forced.has(id) && !ids.includes(id))];
    };

    let omdbCriticScores: RatingObservation[] = [];
    if (!run.options.omdb) state.omdb.status = "disabled";
    else if (!app.config.omdb.apiKey) {
      state.omdb.status = "no_api_key";
      log.warn("OMDB_API_KEY is not set: skipping OMDb");
    } else {
      const omdbIds = selective ? await dueOf("omdb") : catalogue;
      const omdb = await stage("omdb", () =>
        enrichFromOmdb(
          { ...base, prisma, runId, omdb: app.clients.omdb, answers: store, quarantine, facts, metrics, now: app.now, config: app.config.omdb },
          { seriesIds: omdbIds },
        ),
      );
      state.omdb = omdb.summary;
      omdbCriticScores = omdb.criticScores;
    }

    let siteSeries: ScrapeTarget[] = fetchedSeries;
    if (selective && run.options.scrape) {
      const siteIds = new Set([...(await dueOf("rottentomatoes")), ...(await dueOf("metacritic"))]);
      const fetched = new Map(fetchedSeries.map((s) => [s.id, s]));
      const missing = [...siteIds].filter((id) => !fetched.has(id));
      const loadedTargets = await loadScrapeTargets(prisma, missing);
      siteSeries = [
        ...[...siteIds].flatMap((id) => {
          const record = fetched.get(id);
          return record ? [record] : [];
        }),
        ...loadedTargets,
      ];
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
          quarantine,
          facts,
          metrics,
          now: app.now,
          config: app.config.scrape,
        },
        { series: siteSeries, enabled: run.options.scrape, omdbCriticScores },
      ),
    );
    refresh.overdue = await refreshOverdue(prisma, policy, app.now(), catalogue);
    state.refresh = refresh;
    for (const [source, stat] of Object.entries(refresh.overdue)) {
      metrics.overdueSeries.set({ source }, stat.overdue);
      if (stat.oldestValueAgeSeconds !== null) metrics.oldestValueAge.set({ source }, stat.oldestValueAgeSeconds);
    }
    await quarantine.flush();

    const quality = await stage("quality", () =>
      checkQuality({ prisma, metrics, logger: log, now: app.now, thresholds: app.config.quality }, { runId }),
    );
    state.quality = quality.results;
    if (quality.failed) state.status = "failed_quality";
  } catch (error) {
    if (lock.lost.aborted) {
      // Whatever the stage threw after the loss, the run stopped because of it.
      state.status = "interrupted";
      state.error = LOCK_LOST;
    } else if (error instanceof RunInterrupted) {
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
    for (const untie of untieClients) untie?.();
  }
  // A lost lock that could not be taken again: another harvest may be writing, so this one writes nothing
  // more; its row stays `running` (resumable), what was not written is fetched again by a resume.
  const mayWrite = !lock.lost.aborted || (await lock.regained());
  if (!mayWrite) {
    state.status = "interrupted";
    state.error = LOCK_LOST;
    log.error("the harvest lock is held by another session now: the end of this run is not recorded");
  }
  // Whatever happened, what was fetched and checked is written: a resume re-uses it.
  if (mayWrite) {
    await loader?.drain().catch((error: unknown) => log.error({ err: error }, "could not load the last checked series"));
    await answers?.flush().catch((error: unknown) => log.error({ err: error }, "could not write the last fetched answers"));
    await runQuarantine.flush().catch(() => undefined);
  }

  state.reusedAnswers = answers?.reused ?? 0;
  // counts() writes the quarantine buffer first: not without the lock (the returned summary then counts none).
  const counts = mayWrite ? await runQuarantine.counts().catch((): QuarantineCount[] => []) : [];
  const stored = await countStoredRunRows(prisma, runId).catch((error: unknown) => {
    log.error({ err: error }, "could not count the run's rows");
    return undefined;
  });
  const summary = toSummary(state, {
    finishedAt: app.now(),
    durationSeconds: (performance.now() - started) / 1000,
    quarantine: counts,
    requests: requestsBetween(statsBefore, clientStats(app)),
    ...(stored ? { stored } : {}),
  });
  try {
    if (mayWrite) {
      await row.finish({
        status: summary.status,
        at: app.now(),
        seriesLoaded: summary.seriesLoaded,
        factsWritten: summary.rowsWritten.rating_fact ?? 0,
        quarantined: summary.quarantine.rejected + summary.quarantine.schemaDrift,
        summary,
        error: summary.error ?? null,
      });
    }
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

/**
 * Updates the run metrics at the end of a run. A top-up run counts in `runs_total` and `rows_written_total` only; the
 * last-run, last-success, duration and series gauges stay those of the weekly harvest.
 */
function recordRunMetrics(app: App, summary: HarvestSummary): void {
  const { metrics } = app;
  const finished = Date.parse(summary.finishedAt) / 1000;
  metrics.runInProgress.set(0);
  metrics.runsTotal.inc({ outcome: summary.status });
  if (summary.refresh?.kind === "topup") {
    // A top-up is not a harvest of the catalogue: the run gauges (and the alerts on them) keep the weekly harvest's.
    for (const [table, n] of Object.entries(summary.rowsWritten)) metrics.rowsWritten.inc({ table }, n);
    return;
  }
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
