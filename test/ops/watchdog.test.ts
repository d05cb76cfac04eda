/**
 * The stalled-run watchdog (src/ops/watchdog.ts) on an injected clock: stalled at exactly `stallAfterMs` without
 * progress, counted and reported once per stall, cleared by progress; its gauges follow (the last-progress one
 * exported only while a harvest runs); and `watchHarvest` counts the clients' answers and the progress steps.
 */
import pino from "pino";
import { describe, expect, it } from "vitest";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { StallWatchdog, watchHarvest } from "../../src/ops/watchdog.js";
import { silentProgress } from "../../src/pipeline/progress.js";

async function value(metrics: HarvesterMetrics, name: string): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  return metric === undefined ? undefined : (await metric.get()).values[0]?.value;
}

describe("StallWatchdog", () => {
  it("is stalled after stallAfterMs without progress, once per stall, and no longer once the run moves", async () => {
    let now = Date.UTC(2026, 11, 4, 3, 0, 0);
    const metrics = new HarvesterMetrics();
    const stalls: number[] = [];
    const watchdog = new StallWatchdog({ stallAfterMs: 60_000, now: () => now, metrics, onStall: (s) => stalls.push(s.sinceMs) });
    expect(await value(metrics, "tv_harvester_harvest_last_progress_timestamp_seconds")).toBeUndefined();
    watchdog.start();
    expect(await value(metrics, "tv_harvester_harvest_last_progress_timestamp_seconds")).toBe(now / 1000);
    now += 59_999;
    expect(watchdog.check()).toBe(false);
    now += 1;
    expect(watchdog.check()).toBe(true);
    now += 30_000;
    expect(watchdog.check()).toBe(true);
    expect(stalls).toEqual([60_000]);
    expect(await value(metrics, "tv_harvester_harvest_stalled")).toBe(1);
    expect(await value(metrics, "tv_harvester_harvest_stalls_total")).toBe(1);

    watchdog.progress();
    expect(watchdog.isStalled).toBe(false);
    expect(await value(metrics, "tv_harvester_harvest_stalled")).toBe(0);
    expect(await value(metrics, "tv_harvester_harvest_last_progress_timestamp_seconds")).toBe(now / 1000);
    now += 60_000;
    expect(watchdog.check()).toBe(true);
    expect(stalls).toEqual([60_000, 60_000]);
    expect(await value(metrics, "tv_harvester_harvest_stalls_total")).toBe(2);

    watchdog.stop();
    expect(await value(metrics, "tv_harvester_harvest_last_progress_timestamp_seconds")).toBeUndefined();
    expect(await value(metrics, "tv_harvester_harvest_stalled")).toBe(0);
    expect(await metrics.registry.metrics()).not.toContain("tv_harvester_harvest_last_progress_timestamp_seconds");
    expect(watchdog.check()).toBe(false);
  });
});

describe("watchHarvest", () => {
  it("counts answers and progress steps, and with stopOnStall aborts the run's signal at a stall", async () => {
    let now = 1_000_000;
    const metrics = new HarvesterMetrics();
    const listeners = new Set<() => void>();
    const app = {
      metrics,
      logger: pino({ level: "silent" }),
      clients: {
        tmdb: {
          onAnswer: (l: () => void) => {
            listeners.add(l);
            return () => void listeners.delete(l);
          },
        },
      },
    };
    const stop = new AbortController();
    const result = await watchHarvest(
      app,
      { stallAfterMs: 1000, stopOnStall: true, progress: silentProgress, signal: stop.signal, now: () => now, checkEveryMs: 60_000 },
      async ({ progress, signal, watchdog }) => {
        now += 900;
        for (const l of listeners) l(); // an answer
        now += 900;
        expect(watchdog.check()).toBe(false);
        progress.tick("series");
        now += 999;
        expect(watchdog.check()).toBe(false);
        expect(signal?.aborted).toBe(false);
        now += 1;
        expect(watchdog.check()).toBe(true);
        expect(signal?.aborted).toBe(true);
        return "done";
      },
    );
    expect(result).toBe("done");
    expect(listeners.size).toBe(0);
    expect(await value(metrics, "tv_harvester_harvest_last_progress_timestamp_seconds")).toBeUndefined();
  });

  it("without stopOnStall, a stall is only reported; the caller's stop signal still stops the run", async () => {
    let now = 0;
    const metrics = new HarvesterMetrics();
    const stop = new AbortController();
    await watchHarvest(
      { metrics, logger: pino({ level: "silent" }), clients: {} },
      { stallAfterMs: 10, stopOnStall: false, progress: silentProgress, signal: stop.signal, now: () => now, checkEveryMs: 60_000 },
      async ({ signal, watchdog }) => {
        now += 10;
        expect(watchdog.check()).toBe(true);
        expect(signal?.aborted).toBe(false);
        stop.abort();
        expect(signal?.aborted).toBe(true);
      },
    );
    expect(await value(metrics, "tv_harvester_harvest_stalls_total")).toBe(1);
  });
});
