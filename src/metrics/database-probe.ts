/**
 * `serve`'s watch on its database: a `SELECT 1` every `intervalMs` (default 15 s, one Prometheus scrape) sets
 * `tv_harvester_database_up` and logs once when the database goes (error) and once when it comes back (info),
 * so that a database stopped under a running `serve` is a metric, a log line and an alert
 * (TvHarvesterDatabaseDown), not only a 503 on /healthz that nobody reads.
 */
import { errorMessage } from "../errors.js";
import type { HarvesterMetrics } from "./metrics.js";

/** Dependencies of {@link DatabaseProbe}. */
export interface DatabaseProbeDeps {
  /** Resolves when the database answers (e.g. `SELECT 1`); rejects otherwise. */
  check: () => Promise<void>;
  metrics: HarvesterMetrics;
  logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** `user@host:port/database` (src/db/target.ts), for the log lines; never the password. */
  target: string;
  /** Milliseconds between probes (default 15000). */
  intervalMs?: number;
  /** A probe that takes longer fails (default 5000 ms). */
  timeoutMs?: number;
  /** Called after each successful probe (refreshes the gauges read from the database); its errors are logged at warn. */
  onUp?: () => Promise<void>;
  /** Clock in milliseconds (default Date.now), for the outage's length in the recovery line. */
  now?: () => number;
  /** Applied to error texts before they are logged (the SecretScrubber's `scrubText`). */
  scrub?: (text: string) => string;
}

/** Probes the database on a timer; see the module comment. */
export class DatabaseProbe {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private downSince: number | null = null;
  private state: boolean | null = null;

  constructor(private readonly deps: DatabaseProbeDeps) {}

  /** Last probe's answer: true up, false down, null before the first probe. */
  get up(): boolean | null {
    return this.state;
  }

  /** Starts probing: one probe now, then every `intervalMs`. */
  start(): void {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), this.deps.intervalMs ?? 15_000);
    this.timer.unref();
  }

  /** Stops the timer and waits for a probe in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One probe (skipped while one is in flight); resolves true when the database answered. */
  probe(): Promise<boolean> {
    this.running ??= this.probeOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async probeOnce(): Promise<boolean> {
    const { deps } = this;
    const now = deps.now ?? Date.now;
    const scrub = deps.scrub ?? ((t: string) => t);
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = deps.timeoutMs ?? 5000;
    try {
      await Promise.race([
        deps.check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      deps.metrics.databaseUp.set(0);
      if (this.state !== false) {
        this.downSince = now();
        deps.logger.error({ database: deps.target, err: scrub(errorMessage(error)) }, "database unreachable");
      }
      this.state = false;
      return false;
    } finally {
      clearTimeout(timer);
    }
    deps.metrics.databaseUp.set(1);
    if (this.state === false) {
      const downSeconds = this.downSince === null ? null : Math.round((now() - this.downSince) / 1000);
      deps.logger.info({ database: deps.target, downSeconds }, "database reachable again");
    }
    this.state = true;
    this.downSince = null;
    try {
      await deps.onUp?.();
    } catch (error) {
      deps.logger.warn({ err: scrub(errorMessage(error)) }, "could not refresh the gauges read from the database");
    }
    return true;
  }
}
