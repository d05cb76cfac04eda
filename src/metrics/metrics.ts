/**
 * Prometheus metrics of tv-harvester, on a registry of our own (never prom-client's global one).
 *
 * Naming follows Prometheus conventions: prefix `tv_harvester_`, base units (`_seconds`), `_total` for
 * counters, `_ratio` for 0–1 values. No label ever holds a series id, a title or a URL: label values come
 * from small closed sets (upstream, status class, table, source, reason, check, column, site, strategy).
 *
 * Grafana dashboards (grafana/dashboards) and alert rules (prometheus/rules) query these names.
 */
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type GaugeConfiguration,
  type MetricObjectWithValues,
  type MetricValue,
} from "prom-client";

/** Upstreams with their own HTTP client and limiter. */
export type UpstreamName = "tmdb" | "omdb" | "wikidata" | "rottentomatoes" | "metacritic";

/** The last-progress gauge's name, exported only while a harvest runs. */
const HARVEST_LAST_PROGRESS = "tv_harvester_harvest_last_progress_timestamp_seconds";

/** Latency buckets (seconds): API answers are 20 ms–2 s; the top buckets reach the 30 s default timeout. */
export const HTTP_LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];

/** Statuses a finished harvest run can report in `tv_harvester_last_run_status` (harvest_run.status). */
export type LastRunStatus = "succeeded" | "failed" | "failed_quality" | "interrupted";

/**
 * A gauge that is absent from the exposition until it is set, and again after {@link unset}. prom-client shows a
 * gauge without labels as 0 from its creation, and 0 reads as a fact ("0 series loaded", "0 OMDb requests left",
 * "fresh"): an unknown value must be no sample at all, so that alerts and boards see "no data", not a false 0.
 * Internally NaN marks "unknown" and is never exposed.
 */
export class KnownGauge<T extends string = string> extends Gauge<T> {
  private readonly unlabelled: boolean;

  constructor(configuration: GaugeConfiguration<T>) {
    super(configuration);
    this.unlabelled = (configuration.labelNames ?? []).length === 0;
    this.unset();
  }

  /** Makes every value unknown again (absent from the exposition). */
  unset(): void {
    super.reset();
    // `unlabelled` is not assigned yet when Gauge's constructor calls reset(); the constructor calls unset() again.
    if (this.unlabelled) this.set(Number.NaN);
  }

  override reset(): void {
    this.unset();
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    const metric = await super.get();
    return { ...metric, values: metric.values.filter((v) => !Number.isNaN(v.value)) };
  }
}

/** All metrics of the harvester, registered on `registry`. */
export class HarvesterMetrics {
  readonly registry: Registry;

  // Runs
  readonly runsTotal: Counter<"outcome">;
  readonly runInProgress: Gauge;
  /** Unix time the last weekly harvest run finished; absent until known (restored from the database by `serve`). */
  readonly lastRunTimestamp: KnownGauge;
  readonly lastSuccessTimestamp: KnownGauge;
  readonly lastRunDuration: KnownGauge;
  /** 1 on the series of the last weekly run's status (only that series is exposed); absent until known. */
  readonly lastRunStatus: Gauge<"status">;
  /** Runs left open by a process that is gone and closed as `abandoned` by `serve` (not failures: nothing paged). */
  readonly runsAbandoned: Counter;
  readonly stageDuration: Gauge<"stage">;
  readonly rowsWritten: Counter<"table">;
  readonly lastRunRowsWritten: Gauge<"table">;
  readonly seriesHarvested: KnownGauge;
  /** 1 while `serve` reaches its database, 0 while it does not; absent in a one-shot run. */
  readonly databaseUp: KnownGauge;
  /** Unix time of the next scheduled weekly harvest still to be done (`serve` only): see {@link setNextHarvest}. */
  readonly nextHarvest: KnownGauge;

  // HTTP
  readonly httpRequests: Counter<"upstream" | "status_class">;
  readonly httpLatency: Histogram<"upstream">;
  readonly httpRetries: Counter<"upstream">;
  readonly httpThrottled: Counter<"upstream">;
  readonly rateLimiterWait: Counter<"upstream">;
  readonly httpRateLimitPauses: Counter<"upstream">;
  readonly httpBadBody: Counter<"upstream" | "reason">;
  /** Attempts given up at their deadline (no complete answer in time, a trickling body included), per upstream. */
  readonly httpTimeouts: Counter<"upstream">;
  /** Answers refused for being larger than their upstream's cap, per upstream. */
  readonly httpOversized: Counter<"upstream">;
  /** Unix seconds of the last progress of the running harvest (absent when none runs); src/ops/watchdog.ts. */
  readonly harvestLastProgress: Gauge;
  /** 1 while the watchdog considers the running harvest stalled, else 0. */
  readonly harvestStalled: Gauge;
  /** Harvests the watchdog found stalled. */
  readonly harvestStalls: Counter;
  /** OMDb requests left today; absent when OMDb is disabled (no key) or not yet known. */
  readonly omdbBudgetRemaining: KnownGauge;
  /** 1 when an OMDb key is configured, 0 when OMDb is disabled (then there is no budget to exhaust). */
  readonly omdbEnabled: KnownGauge;
  /** 1 when OMDb answered "Request limit reached!" today (UTC) before our own budget was spent; absent when disabled. */
  readonly omdbLimitReached: KnownGauge;
  /** Catalogue series whose value from `source` (tmdb, omdb, rottentomatoes, metacritic) is due, at the end of the last run. */
  readonly overdueSeries: Gauge<"source">;
  /** Age in seconds of the oldest value held per source, at the end of the last run. */
  readonly oldestValueAge: Gauge<"source">;

  // Data quality
  readonly quarantined: Counter<"source" | "reason">;
  readonly schemaDrift: Counter<"source">;
  readonly qualityCheckPassed: Gauge<"check" | "severity">;
  readonly qualityChecks: Counter<"check" | "result">;
  readonly nullRatio: Gauge<"column">;
  readonly ratingCoverage: Gauge<"source">;
  readonly dataFreshness: KnownGauge;

  // Scrapers
  readonly scraperStrategy: Counter<"site" | "strategy">;
  readonly scraperBrowserFallback: Counter<"site">;
  readonly scraperLayoutChanges: Counter<"site">;
  readonly scraperPages: Counter<"site" | "outcome">;
  /** Values two strategies of one page read differently, per site, losing strategy and field (src/enrichers/disagreements.ts). */
  readonly scraperStrategyDisagreements: Counter<"site" | "strategy" | "field">;

  /** Unix time (seconds) of the newest successful run, for the freshness gauge; null when unknown. */
  private lastSuccessUnix: number | null = null;
  /** Computes the next harvest's Unix time (seconds) at each scrape; null: unknown. */
  private nextHarvestAt: (() => number | null) | null = null;

  /**
   * @param options.defaultMetrics also collect Node.js process metrics (long-running `serve` mode).
   * @param options.now clock in milliseconds, for the freshness gauge.
   */
  constructor(options: { defaultMetrics?: boolean; now?: () => number } = {}) {
    const registry = new Registry();
    this.registry = registry;
    const now = options.now ?? Date.now;
    const p = "tv_harvester_";
    if (options.defaultMetrics) {
      collectDefaultMetrics({ register: registry, prefix: p });
      // prom-client also registers these gauges under a `_total` name, which `promtool check metrics` rejects
      // for a non-counter; the same values stay available without the suffix (nodejs_active_handles, …).
      for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
        registry.removeSingleMetric(`${p}${name}`);
      }
    }

    this.runsTotal = new Counter({
      name: `${p}harvest_runs_total`,
      help: "Harvest runs finished, by outcome (succeeded, failed, failed_quality).",
      labelNames: ["outcome"],
      registers: [registry],
    });
    this.runInProgress = new Gauge({ name: `${p}harvest_in_progress`, help: "1 while a harvest run is in progress.", registers: [registry] });
    this.lastRunTimestamp = new KnownGauge({
      name: `${p}last_run_timestamp_seconds`,
      help: "Unix time the last harvest run finished, whatever its outcome.",
      registers: [registry],
    });
    this.lastSuccessTimestamp = new KnownGauge({
      name: `${p}last_success_timestamp_seconds`,
      help: "Unix time the last successful harvest run finished.",
      registers: [registry],
    });
    this.lastRunDuration = new KnownGauge({
      name: `${p}last_run_duration_seconds`,
      help: "Wall time of the last harvest run.",
      registers: [registry],
    });
    this.lastRunStatus = new Gauge({
      name: `${p}last_run_status`,
      help: "1 on the status of the last harvest run (succeeded, failed, failed_quality, interrupted); the other statuses are absent.",
      labelNames: ["status"],
      registers: [registry],
    });
    this.runsAbandoned = new Counter({
      name: `${p}harvest_runs_abandoned_total`,
      help: "Runs left open by a stopped process that serve closed as abandoned instead of resuming them (not failures).",
      registers: [registry],
    });
    this.databaseUp = new KnownGauge({
      name: `${p}database_up`,
      help: "1 while serve reaches its PostgreSQL database (probed every 15 s), 0 while it does not.",
      registers: [registry],
    });
    const nextHarvestAt = () => this.nextHarvestAt?.() ?? null;
    this.nextHarvest = new KnownGauge({
      name: `${p}next_harvest_timestamp_seconds`,
      help: "Unix time of the scheduled weekly harvest still to be done: the first slot of HARVEST_SCHEDULE after the last success.",
      registers: [registry],
      collect() {
        // NaN is KnownGauge's "unknown": no sample.
        this.set(nextHarvestAt() ?? Number.NaN);
      },
    });
    this.stageDuration = new Gauge({
      name: `${p}stage_duration_seconds`,
      help: "Wall time of each stage in the last harvest run.",
      labelNames: ["stage"],
      registers: [registry],
    });
    this.rowsWritten = new Counter({
      name: `${p}rows_written_total`,
      help: "Rows inserted or updated, per table.",
      labelNames: ["table"],
      registers: [registry],
    });
    this.lastRunRowsWritten = new Gauge({
      name: `${p}last_run_rows_written`,
      help: "Rows inserted or updated by the last harvest run, per table.",
      labelNames: ["table"],
      registers: [registry],
    });
    this.seriesHarvested = new KnownGauge({ name: `${p}last_run_series`, help: "Series loaded by the last harvest run.", registers: [registry] });

    this.httpRequests = new Counter({
      name: `${p}http_requests_total`,
      help: "HTTP requests sent, per upstream and status class (2xx, 3xx, not_found for 404/410, other 4xx, 5xx, error).",
      labelNames: ["upstream", "status_class"],
      registers: [registry],
    });
    this.httpLatency = new Histogram({
      name: `${p}http_request_duration_seconds`,
      help: "HTTP request latency per upstream (time on the wire, not in the limiter queue).",
      labelNames: ["upstream"],
      buckets: HTTP_LATENCY_BUCKETS,
      registers: [registry],
    });
    this.httpRetries = new Counter({
      name: `${p}http_retries_total`,
      help: "Requests retried after a 5xx, timeout or connection error, per upstream.",
      labelNames: ["upstream"],
      registers: [registry],
    });
    this.httpThrottled = new Counter({
      name: `${p}http_throttled_total`,
      help: "429 Too Many Requests answers, per upstream.",
      labelNames: ["upstream"],
      registers: [registry],
    });
    this.rateLimiterWait = new Counter({
      name: `${p}rate_limiter_wait_seconds_total`,
      help: "Seconds requests spent waiting for the rate limiter or a Retry-After, per upstream.",
      labelNames: ["upstream"],
      registers: [registry],
    });
    this.httpRateLimitPauses = new Counter({
      name: `${p}http_rate_limit_pauses_total`,
      help: "Pauses of an upstream after a 429 (one per storm, however many 429s it holds), per upstream.",
      labelNames: ["upstream"],
      registers: [registry],
    });
    this.httpBadBody = new Counter({
      name: `${p}http_bad_body_total`,
      help: "2xx answers whose body failed its check (empty_body, not_json, invalid_json, schema_mismatch), per upstream and reason; each is retried.",
      labelNames: ["upstream", "reason"],
      registers: [registry],
    });
    this.httpTimeouts = new Counter({
      name: `${p}http_timeouts_total`,
      help: "Request attempts given up at their deadline (no complete answer in time, a trickling body included), per upstream; each is retried.",
      labelNames: ["upstream"],
      registers: [registry],
    });
    this.httpOversized = new Counter({
      name: `${p}http_oversized_total`,
      help: "Answers refused for being larger than their upstream's cap (never kept, quarantined as oversized_body), per upstream.",
      labelNames: ["upstream"],
      registers: [registry],
    });
    this.harvestLastProgress = new Gauge({
      name: HARVEST_LAST_PROGRESS,
      help: "Unix time of the last progress (an answer received, a row written) of the running harvest; absent when none runs.",
      // Registered only while a harvest runs (setHarvestProgress / clearHarvestProgress): a label-less gauge
      // would otherwise read 0, which an alert on its age would take for a harvest stalled since 1970.
      registers: [],
    });
    this.harvestStalled = new Gauge({
      name: `${p}harvest_stalled`,
      help: "1 while the watchdog considers the running harvest stalled (no progress for HARVEST_STALL_SECONDS), else 0.",
      registers: [registry],
    });
    this.harvestStalls = new Counter({
      name: `${p}harvest_stalls_total`,
      help: "Harvests the watchdog found stalled (in serve, each is stopped as interrupted).",
      registers: [registry],
    });
    this.omdbBudgetRemaining = new KnownGauge({
      name: `${p}omdb_budget_remaining`,
      help: "OMDb requests left in today's (UTC) budget; absent when OMDb is disabled.",
      registers: [registry],
    });
    this.omdbEnabled = new KnownGauge({
      name: `${p}omdb_enabled`,
      help: "1 when an OMDb key is configured, 0 when the OMDb enrichment is disabled.",
      registers: [registry],
    });
    this.omdbLimitReached = new KnownGauge({
      name: `${p}omdb_limit_reached`,
      help: 'OMDb answered "Request limit reached!" today (UTC): 1, else 0. Absent when OMDb is disabled.',
      registers: [registry],
    });
    this.overdueSeries = new Gauge({
      name: `${p}overdue_series`,
      help: "Catalogue series whose value from the source is past its refresh age, at the end of the last run.",
      labelNames: ["source"],
      registers: [registry],
    });
    this.oldestValueAge = new Gauge({
      name: `${p}oldest_value_age_seconds`,
      help: "Age of the oldest value held per source (seconds), at the end of the last run.",
      labelNames: ["source"],
      registers: [registry],
    });

    this.quarantined = new Counter({
      name: `${p}quarantined_records_total`,
      help: "Records quarantined (not loaded), per source and reason.",
      labelNames: ["source", "reason"],
      registers: [registry],
    });
    this.schemaDrift = new Counter({
      name: `${p}schema_drift_total`,
      help: "Whole upstream responses that failed their schema, per source.",
      labelNames: ["source"],
      registers: [registry],
    });
    this.qualityCheckPassed = new Gauge({
      name: `${p}quality_check_passed`,
      help: "1 when the expectation passed in the last run, 0 when it failed.",
      labelNames: ["check", "severity"],
      registers: [registry],
    });
    this.qualityChecks = new Counter({
      name: `${p}quality_checks_total`,
      help: "Expectations evaluated, per check and result (passed, failed).",
      labelNames: ["check", "result"],
      registers: [registry],
    });
    this.nullRatio = new Gauge({
      name: `${p}null_ratio`,
      help: "Share of series (0–1) with a null value in a key column after the last load.",
      labelNames: ["column"],
      registers: [registry],
    });
    this.ratingCoverage = new Gauge({
      name: `${p}rating_coverage_ratio`,
      help: "Share of series (0–1) with a known rating from each source.",
      labelNames: ["source"],
      registers: [registry],
    });
    const lastSuccess = () => this.lastSuccessUnix;
    this.dataFreshness = new KnownGauge({
      name: `${p}data_freshness_seconds`,
      help: "Age of the newest successful harvest's data.",
      registers: [registry],
      collect() {
        const at = lastSuccess();
        this.set(at === null ? Number.NaN : Math.max(0, now() / 1000 - at));
      },
    });

    this.scraperStrategy = new Counter({
      name: `${p}scraper_strategy_total`,
      help: "Pages parsed, per site and the strategy that matched.",
      labelNames: ["site", "strategy"],
      registers: [registry],
    });
    this.scraperBrowserFallback = new Counter({
      name: `${p}scraper_browser_fallback_total`,
      help: "Pages fetched with the headless browser fallback, per site.",
      labelNames: ["site"],
      registers: [registry],
    });
    this.scraperLayoutChanges = new Counter({
      name: `${p}scraper_layout_changes_total`,
      help: "Existing pages on which no parsing strategy matched (a layout change), per site.",
      labelNames: ["site"],
      registers: [registry],
    });
    this.scraperPages = new Counter({
      name: `${p}scraper_pages_total`,
      help: "Ratings pages handled, per site and outcome (parsed, no_page, layout_change, error).",
      labelNames: ["site", "outcome"],
      registers: [registry],
    });
    this.scraperStrategyDisagreements = new Counter({
      name: `${p}scraper_strategy_disagreements_total`,
      help: "Values (field) that two parsing strategies of one page read differently, per site and the strategy whose value lost to a more stable one's.",
      labelNames: ["site", "strategy", "field"],
      registers: [registry],
    });
  }

  /** Sets the last run's status: its series reads 1, the other statuses are absent. */
  setLastRunStatus(status: LastRunStatus): void {
    this.lastRunStatus.reset();
    this.lastRunStatus.set({ status }, 1);
  }

  /** Gives the function that computes the next harvest's Unix time (seconds) at each scrape (`serve`). */
  setNextHarvest(at: () => number | null): void {
    this.nextHarvestAt = at;
  }

  /** Unix time (seconds) of the newest successful run, or null when there never was one. */
  lastSuccess(): number | null {
    return this.lastSuccessUnix;
  }

  /** Sets the last-progress gauge of the running harvest (Unix seconds), exporting it if it was absent. */
  setHarvestProgress(unixSeconds: number): void {
    if (this.registry.getSingleMetric(HARVEST_LAST_PROGRESS) === undefined) this.registry.registerMetric(this.harvestLastProgress);
    this.harvestLastProgress.set(unixSeconds);
  }

  /** No harvest runs: the last-progress gauge is no longer exported and the stalled gauge reads 0. */
  clearHarvestProgress(): void {
    this.registry.removeSingleMetric(HARVEST_LAST_PROGRESS);
    this.harvestStalled.set(0);
  }

  /** Records the newest successful run (Unix seconds) for the success timestamp and freshness gauges. */
  setLastSuccess(unixSeconds: number): void {
    this.lastSuccessUnix = unixSeconds;
    this.lastSuccessTimestamp.set(unixSeconds);
  }
}

/**
 * Maps an HTTP status (0 for a transport error) to its class label. 404 and 410 are `not_found`, apart from the
 * other 4xx: for the ratings sites they are the expected "this series has no page" answer (most series have
 * none), and for the APIs a series or title that does not exist; counted as errors, they would drown the real ones.
 */
export function statusClass(status: number): "2xx" | "3xx" | "4xx" | "not_found" | "5xx" | "error" {
  if (status >= 200 && status < 300) return "2xx";
  if (status >= 300 && status < 400) return "3xx";
  if (status === 404 || status === 410) return "not_found";
  if (status >= 400 && status < 500) return "4xx";
  if (status >= 500 && status < 600) return "5xx";
  return "error";
}
