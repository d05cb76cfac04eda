/**
 * The rate controller of one upstream: which request may go on the wire, and when. A unit of its own, driven by
 * the clock and sleep its caller gives it, so that its policy can be tested in simulated time.
 *
 * - Rate: requests are spaced evenly at `requestsPerSecond` (the spacing is checked at the moment a request is
 *   admitted: a wake-up that comes late admits one request, never a burst, and later ones keep to the rate),
 *   at most `maxConcurrent` at once.
 * - 429: {@link RateController.release} with `throttled` pauses the upstream at once for `Retry-After` (at least
 *   1 s, also when it says 0): nothing queued is admitted during the pause. When it ends, one request (the
 *   probe) is admitted alone; when it is answered with anything but 429, requests resume at `rampStartFraction`
 *   of the rate and step up to the full rate within `rampMs`, in `rampSteps` steps. A 429 within `settleMs` of a
 *   raise of the rate shows that the upstream tolerates less: the rate's ceiling drops to 80 % of the rate at
 *   that moment, and creeps back up by 10 % every `creepMs` without a 429, up to `requestsPerSecond`. An isolated
 *   429 leaves the ceiling alone. A storm of 429s is one pause.
 *
 * Waiting requests are admitted in the order they asked (FIFO). Times are milliseconds of the injected clock.
 */

/** The clock of a {@link RateController}: milliseconds (any origin, never going back) and a sleep on it. */
export interface RateClock {
  now(): number;
  /** Resolves after `ms` of this clock; may resolve early (or never) once `signal` aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** How requests resume after a pause; see the module comment. */
export interface RateControlOptions {
  /** Share of `requestsPerSecond` at which requests resume after a pause, 0–1 (default 0.5). */
  rampStartFraction?: number;
  /** Time from the resumed rate to the full rate, ms (default 1500), in `rampSteps` equal steps (default 6). */
  rampMs?: number;
  rampSteps?: number;
  /** A 429 within this time (ms) of a raise of the rate lowers the rate's ceiling (default 5000). */
  settleMs?: number;
  /** The lowered ceiling rises by 10 % after every this many ms without a 429 (default 5000). */
  creepMs?: number;
}

/** Settings of a {@link RateController}. */
export interface RateControllerOptions extends RateControlOptions {
  /** Requests per second at most (spacing 1000 / rate ms). */
  requestsPerSecond: number;
  /** Requests admitted and not yet released, at most. */
  maxConcurrent: number;
  clock: RateClock;
  /** Called when a 429 starts a pause (once per storm): for the log line and the pause metric. */
  onPause?: (pause: { retryAfterSeconds: number; resumeRequestsPerSecond: number }) => void;
}

/**
 * Where the controller stands: `open` (full rate), `paused` (after a 429, nothing is admitted), `probing` (the
 * pause is over; one request tests the upstream), `ramping` (back from a fraction of the rate).
 */
export type RatePhase = "open" | "paused" | "probing" | "ramping";

/** A request admitted by {@link RateController.acquire}; hand it back to {@link RateController.release}. */
export interface Admission {
  /** True for the one request sent when a pause ended. */
  readonly probe: boolean;
  /** When it was admitted (ms, the controller's clock). */
  readonly at: number;
}

/** What came of an admitted request: a 429 with its `Retry-After` (seconds), or anything else. */
export type RequestOutcome = { throttled: true; retryAfterSeconds: number } | { throttled: false };

/** The request was given up while it waited (its signal aborted, or the controller stopped). */
export class AdmissionAbortedError extends Error {
  override readonly name = "AdmissionAbortedError";
}

interface Waiter {
  resolve(admission: Admission): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The rate controller of one upstream. See the module comment for the policy. */
export class RateController {
  /** Pauses after a 429 (one per storm). */
  pauses = 0;
  /** Seconds spent paused or probing, summed over the pauses that have ended. */
  pausedSeconds = 0;

  private readonly clock: RateClock;
  private readonly rampStartFraction: number;
  private readonly rampSteps: number;
  private readonly rampMs: number;
  private readonly settleMs: number;
  private readonly creepMs: number;
  private readonly minimumCeiling: number;
  /** The highest rate (requests/s) requests resume to: `requestsPerSecond` until the upstream shows it is too much. */
  private ceiling: number;
  /** Spacing between admissions now, ms. */
  private spacing: number;
  /** When the rate was last raised (ms): the ramp's start, its steps, a creep step. */
  private raisedAt = Number.NEGATIVE_INFINITY;
  private phase: RatePhase = "open";
  private pausedUntil = 0;
  private pauseStartedAt = 0;
  private probeTaken = false;
  /** The earliest time the next request may be admitted. */
  private nextAdmitAt = Number.NEGATIVE_INFINITY;
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  /** A wake-up of the queue is pending for this time. */
  private wakeAt: number | undefined;
  /** Aborted at stop: ends every pending sleep. */
  private readonly stopping = new AbortController();
  /** Bumped to cancel the pending phase step (end of a pause, ramp step, creep). */
  private phaseGeneration = 0;

  constructor(private readonly options: RateControllerOptions) {
    this.clock = options.clock;
    this.rampStartFraction = Math.min(1, Math.max(0.05, options.rampStartFraction ?? 0.5));
    this.rampSteps = Math.max(1, Math.round(options.rampSteps ?? 6));
    this.rampMs = Math.max(0, options.rampMs ?? 1500);
    this.settleMs = options.settleMs ?? 5000;
    this.creepMs = options.creepMs ?? 5000;
    this.ceiling = options.requestsPerSecond;
    this.minimumCeiling = options.requestsPerSecond * 0.05;
    this.spacing = this.spacingAt(1);
  }

  /** The phase now (for tests and logs). */
  get state(): { phase: RatePhase; requestsPerSecond: number; inFlight: number; waiting: number } {
    return { phase: this.phase, requestsPerSecond: 1000 / this.spacing, inFlight: this.inFlight, waiting: this.queue.length };
  }

  /**
   * Waits until the request may go on the wire: a free slot, the spacing, and no pause (or it is the probe).
   * @throws {AdmissionAbortedError} when `signal` aborts first, or the controller was stopped
   */
  acquire(signal?: AbortSignal): Promise<Admission> {
    if (this.stopping.signal.aborted) return Promise.reject(new AdmissionAbortedError("the rate controller was stopped"));
    if (signal?.aborted) return Promise.reject(new AdmissionAbortedError("the request was aborted before it was sent", { cause: signal.reason }));
    return new Promise<Admission>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new AdmissionAbortedError("the request was aborted before it was sent", { cause: signal.reason }));
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Hands back an admitted request with its outcome: a 429 pauses the upstream, the probe's answer ends the pause. */
  release(admission: Admission, outcome: RequestOutcome): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (outcome.throttled) this.pauseFor(outcome.retryAfterSeconds);
    else if (admission.probe && this.phase === "probing") this.recover();
    this.pump();
  }

  /** Rejects every waiting request and ends the pending timers; later calls of {@link acquire} are refused. */
  stop(): void {
    this.stopping.abort();
    this.phaseGeneration += 1;
    for (const waiter of this.queue.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.reject(new AdmissionAbortedError("the rate controller was stopped"));
    }
  }

  /** Spacing (ms) between admissions at a share `fraction` of the ceiling. */
  private spacingAt(fraction: number): number {
    return Math.ceil(1000 / (this.ceiling * fraction));
  }

  /** Admits what may go now, and arranges a wake-up for the rest. */
  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxConcurrent) {
      if (this.phase === "paused") return;
      let probe = false;
      if (this.phase === "probing") {
        if (this.probeTaken) return;
        probe = true;
      } else {
        const now = this.clock.now();
        if (now < this.nextAdmitAt) {
          this.wakeUpAt(this.nextAdmitAt);
          return;
        }
        // Keep to the grid of the rate: a wake-up up to half a spacing late does not push every later admission
        // back (at 100 requests/s, 1–2 ms of timer lateness per request cost 10–20 % of the rate). After a longer
        // wait (no request, or all slots busy) the grid starts again from now: never a burst.
        const late = now - this.nextAdmitAt;
        this.nextAdmitAt = (late <= this.spacing / 2 ? this.nextAdmitAt : now) + this.spacing;
      }
      if (probe) this.probeTaken = true;
      const waiter = this.queue.shift();
      if (waiter === undefined) return;
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      this.inFlight += 1;
      waiter.resolve({ probe, at: this.clock.now() });
    }
  }

  private wakeUpAt(at: number): void {
    if (this.wakeAt !== undefined && this.wakeAt <= at) return;
    this.wakeAt = at;
    void this.clock.sleep(Math.max(0, at - this.clock.now()), this.stopping.signal).then(() => {
      if (this.wakeAt !== at || this.stopping.signal.aborted) return;
      this.wakeAt = undefined;
      this.pump();
    });
  }

  /** Runs `step` after `ms`, unless another phase step was scheduled or the controller stopped meanwhile. */
  private schedulePhase(ms: number, step: () => void): void {
    const generation = ++this.phaseGeneration;
    void this.clock.sleep(Math.max(0, ms), this.stopping.signal).then(() => {
      if (generation !== this.phaseGeneration || this.stopping.signal.aborted) return;
      step();
    });
  }

  /** A 429 arrived: stop admitting at once and (re)arm the end of the pause. */
  private pauseFor(retryAfterSeconds: number): void {
    const seconds = Math.max(1, retryAfterSeconds);
    const now = this.clock.now();
    if (this.phase === "open" || this.phase === "ramping") {
      if (now - this.raisedAt < this.settleMs) this.ceiling = Math.max(this.minimumCeiling, (1000 / this.spacing) * 0.8);
      this.pauses += 1;
      this.pauseStartedAt = now;
      this.options.onPause?.({ retryAfterSeconds: seconds, resumeRequestsPerSecond: Math.round(this.ceiling * 100) / 100 });
    }
    this.phase = "paused";
    this.pausedUntil = Math.max(this.pausedUntil, now + seconds * 1000);
    this.schedulePhase(this.pausedUntil - now, () => this.endPause());
  }

  /** The pause is over: admit exactly one request, the probe. */
  private endPause(): void {
    const left = this.pausedUntil - this.clock.now();
    if (left > 0) return this.schedulePhase(left, () => this.endPause());
    this.phase = "probing";
    this.probeTaken = false;
    this.pump();
  }

  /** The probe was answered with something other than 429: resume at a fraction of the rate and ramp up. */
  private recover(): void {
    this.pausedSeconds += Math.max(0, this.clock.now() - this.pauseStartedAt) / 1000;
    this.phase = "ramping";
    this.rampTo(0);
  }

  private rampTo(step: number): void {
    if (this.phase !== "ramping") return;
    const fraction = this.rampStartFraction + ((1 - this.rampStartFraction) * step) / this.rampSteps;
    this.raisedAt = this.clock.now();
    this.spacing = this.spacingAt(fraction);
    if (step === 0) this.nextAdmitAt = this.clock.now();
    this.pump();
    if (step >= this.rampSteps || fraction >= 1) {
      this.phase = "open";
      if (this.ceiling < this.options.requestsPerSecond) this.schedulePhase(this.creepMs, () => this.creep());
      return;
    }
    this.schedulePhase(this.rampMs / this.rampSteps, () => this.rampTo(step + 1));
  }

  /** No 429 for `creepMs` under a lowered ceiling: raise it by 10 %, up to `requestsPerSecond`. */
  private creep(): void {
    if (this.phase !== "open") return;
    this.ceiling = Math.min(this.options.requestsPerSecond, this.ceiling * 1.1);
    this.raisedAt = this.clock.now();
    this.spacing = this.spacingAt(1);
    if (this.ceiling < this.options.requestsPerSecond) this.schedulePhase(this.creepMs, () => this.creep());
  }
}

/** The system's clock: `performance.now()` and a timer sleep that ends early when `signal` aborts. */
export const systemRateClock: RateClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};
