/**
 * A simulated clock for code that takes its clock and sleep from the caller (src/http/rate-control.ts,
 * src/ops/watchdog.ts): time moves only when every pending piece of work waits on a sleep, and then jumps to
 * the earliest wake-up. A test of minutes of upstream behaviour runs in milliseconds and asserts times exactly.
 */
import type { RateClock } from "../../src/http/rate-control.js";

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/** A clock whose time advances only inside {@link SimulatedClock.run}. */
export class SimulatedClock implements RateClock {
  private time: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      const sleeper: Sleeper = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Runs until `work` settles: lets every ready continuation run, then wakes the earliest sleeper (moving the
   * time to its wake-up), and again.
   * @throws when nothing sleeps and the work is not done (it waits on something outside this clock), or when
   *   the simulated time passes `limitMs`
   */
  async run<T>(work: Promise<T>, limitMs = 24 * 3600_000): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      // Every microtask queued before this macrotask (and those they queue) runs first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (settled) return work;
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers.shift();
      if (next === undefined) throw new Error("the work waits on something other than the simulated clock");
      this.time = Math.max(this.time, next.at);
      if (this.time > limitMs) throw new Error(`the work was not done after ${limitMs} simulated ms`);
      next.resolve();
    }
  }
}
