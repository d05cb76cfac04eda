/**
 * The rate controller (src/http/rate-control.ts) in simulated time, against a simulated token-bucket upstream
 * (100 requests/s, bursts of 10, 429 with Retry-After 1 when empty, 50 ms latency): one forced 429 pauses the
 * upstream at once, nothing is sent during the pause, one probe goes alone, the rate ramps from half back to
 * full, and the run costs at most a few extra 429s and 1.1 × the clean run's time, in simulated seconds. And a
 * configured rate above what the upstream tolerates is learned from the 429s that follow a raise. Times are
 * exact: no wall clock is read, so a loaded machine cannot make these fail (the wall-clock figures are the
 * benchmark's, bench/).
 */
import { describe, expect, it } from "vitest";
import { RateController, type RateControlOptions } from "../../src/http/rate-control.js";
import { SimulatedClock } from "../helpers/simulated-clock.js";

const LATENCY_MS = 50;

/** A token bucket: `perSecond` tokens a second up to `burst`, one per request; empty means 429. */
class TokenBucket {
  private tokens: number;
  private at = 0;
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface Sent {
  n: number;
  sentAt: number;
  answeredAt: number;
  status: 200 | 429;
  probe: boolean;
}

/**
 * Sends `requests` requests through a controller at `rate` (20 in flight at most) to a bucket; a 429 is sent
 * again (as the HTTP client does). With `forcedAt`, that request's first answer is a 429 whatever the bucket says.
 */
async function simulate(options: {
  requests: number;
  rate: number;
  bucket: { perSecond: number; burst: number };
  forcedAt?: number;
  rateControl?: RateControlOptions;
}) {
  const clock = new SimulatedClock();
  const controller = new RateController({ requestsPerSecond: options.rate, maxConcurrent: 20, clock, ...options.rateControl });
  const bucket = new TokenBucket(options.bucket.perSecond, options.bucket.burst);
  const sent: Sent[] = [];
  let forced = false;
  const request = async (n: number) => {
    for (;;) {
      const admission = await controller.acquire();
      const sentAt = clock.now();
      // The bucket decides when the request arrives, half the latency later.
      await clock.sleep(LATENCY_MS / 2);
      const refusedOnce = n === options.forcedAt && !forced;
      if (refusedOnce) forced = true;
      const ok = bucket.take(clock.now()) && !refusedOnce;
      await clock.sleep(LATENCY_MS / 2);
      sent.push({ n, sentAt, answeredAt: clock.now(), status: ok ? 200 : 429, probe: admission.probe });
      controller.release(admission, ok ? { throttled: false } : { throttled: true, retryAfterSeconds: 1 });
      if (ok) return;
    }
  };
  await clock.run(Promise.all(Array.from({ length: options.requests }, (_, n) => request(n))));
  controller.stop();
  return {
    seconds: clock.now() / 1000,
    sent,
    throttled: sent.filter((s) => s.status === 429).length,
    pauses: controller.pauses,
    pausedSeconds: controller.pausedSeconds,
  };
}

describe("rate control against a token bucket, in simulated time", () => {
  const REQUESTS = 4000;
  const bucket = { perSecond: 100, burst: 10 };

  it("one forced 429: a pause, nothing sent during it, one probe alone, the ramp, at most a few extra 429s and 1.1 × the clean time", async () => {
    const clean = await simulate({ requests: REQUESTS, rate: 100, bucket });
    const forced = await simulate({ requests: REQUESTS, rate: 100, bucket, forcedAt: REQUESTS / 2 });

    // The clean run keeps to the bucket exactly: 4,000 requests in about 40 simulated seconds, no 429.
    expect(clean.throttled).toBe(0);
    expect(clean.pauses).toBe(0);
    expect(clean.seconds).toBeGreaterThanOrEqual(39.9);
    expect(clean.seconds).toBeLessThan(41);

    expect(forced.sent).toHaveLength(REQUESTS + forced.throttled);
    expect(forced.pauses).toBe(1);
    // The forced 429 itself, plus at most three more.
    expect(forced.throttled - 1).toBeLessThanOrEqual(clean.throttled + 3);
    expect(forced.seconds).toBeLessThanOrEqual(1.1 * clean.seconds);
    expect(forced.pausedSeconds).toBeGreaterThanOrEqual(1);

    // Nothing is sent during the pause: after the 429 came back, the next request is the probe, a second later.
    const the429 = forced.sent.find((s) => s.status === 429)!;
    const after = forced.sent.filter((s) => s.sentAt >= the429.answeredAt).sort((a, b) => a.sentAt - b.sentAt);
    const probe = after[0]!;
    expect(probe.probe).toBe(true);
    expect(probe.sentAt - the429.answeredAt).toBeGreaterThanOrEqual(1000);
    expect(forced.sent.filter((s) => s.probe)).toHaveLength(1);
    // The probe goes alone: the next request waits for its answer.
    expect(after[1]!.sentAt).toBeGreaterThanOrEqual(probe.answeredAt);

    // The ramp: requests resume at half the rate (20 ms apart) and reach the full rate (10 ms) within 1.5 s.
    const resumed = after.slice(1).map((s) => s.sentAt);
    expect(resumed[1]! - resumed[0]!).toBeGreaterThanOrEqual(20);
    const rampEnd = probe.answeredAt + 1500;
    const late = resumed.filter((t) => t > rampEnd + 100).slice(0, 20);
    for (let i = 1; i < late.length; i++) expect(late[i]! - late[i - 1]!).toBe(10);
  });

  it("a storm of 429s is one pause", async () => {
    // 200 requests at 100/s to a bucket that allows 10/s: nearly every request meets 429s, and the controller
    // pauses once per storm rather than once per 429.
    const result = await simulate({ requests: 200, rate: 100, bucket: { perSecond: 10, burst: 5 }, rateControl: { settleMs: 0 } });
    expect(result.sent.filter((s) => s.status === 200)).toHaveLength(200);
    expect(result.pauses).toBeLessThan(result.throttled);
  });
});

describe("rate control when the configured rate is more than the upstream tolerates", () => {
  it("learns a lower ceiling after a 429 that follows a raise, instead of pausing every second", async () => {
    const overLimit = (rateControl: RateControlOptions) => simulate({ requests: 200, rate: 250, bucket: { perSecond: 50, burst: 5 }, rateControl });
    const fixed = await overLimit({ settleMs: 0 });
    const learning = await overLimit({});
    expect(learning.sent.filter((s) => s.status === 200)).toHaveLength(200);
    // With the ceiling fixed at the configured rate, a pause about every second; learning it, a few.
    expect(learning.pauses).toBeLessThanOrEqual(6);
    expect(learning.pauses).toBeLessThan(fixed.pauses);
    expect(learning.seconds).toBeLessThan(fixed.seconds);
  });

  it("spaces admissions evenly at the configured rate, and never more in flight than allowed", async () => {
    const clock = new SimulatedClock();
    const controller = new RateController({ requestsPerSecond: 20, maxConcurrent: 3, clock });
    let inFlight = 0;
    let most = 0;
    const times: number[] = [];
    const one = async () => {
      const admission = await controller.acquire();
      times.push(clock.now());
      most = Math.max(most, ++inFlight);
      await clock.sleep(200);
      inFlight -= 1;
      controller.release(admission, { throttled: false });
    };
    await clock.run(Promise.all(Array.from({ length: 11 }, one)));
    expect(most).toBe(3);
    // 20 requests/s is 50 ms apart; three in flight for 200 ms each hold the later ones back a little more.
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(50);
    expect(times.slice(0, 3)).toEqual([0, 50, 100]);
  });

  it("keeps to the rate when every wake-up comes 2 ms late, without ever admitting two within half a spacing", async () => {
    const clock = new SimulatedClock();
    const lateClock = { now: () => clock.now(), sleep: (ms: number, signal?: AbortSignal) => clock.sleep(ms + 2, signal) };
    const controller = new RateController({ requestsPerSecond: 100, maxConcurrent: 50, clock: lateClock });
    const times: number[] = [];
    const one = async () => {
      const admission = await controller.acquire();
      times.push(clock.now());
      controller.release(admission, { throttled: false });
    };
    await clock.run(Promise.all(Array.from({ length: 101 }, one)));
    // 100 spacings of 10 ms: 1,000 ms, not the 1,200 ms that 2 ms of lateness per wake-up would add up to.
    expect(times.at(-1)! - times[0]!).toBeLessThanOrEqual(1010);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(5);
  });

  it("admits nothing once stopped: waiting requests are rejected", async () => {
    const clock = new SimulatedClock();
    const controller = new RateController({ requestsPerSecond: 1, maxConcurrent: 1, clock });
    const first = await controller.acquire();
    const waiting = controller.acquire();
    controller.stop();
    await expect(waiting).rejects.toThrow(/stopped/);
    expect(first.probe).toBe(false);
    await expect(controller.acquire()).rejects.toThrow(/stopped/);
  });

  it("gives up a waiting request when its signal aborts, and admits the next one in its place", async () => {
    const clock = new SimulatedClock();
    const controller = new RateController({ requestsPerSecond: 1, maxConcurrent: 1, clock });
    const first = await controller.acquire();
    const abort = new AbortController();
    const given = controller.acquire(abort.signal);
    const next = controller.acquire();
    abort.abort();
    await expect(given).rejects.toThrow(/aborted/);
    controller.release(first, { throttled: false });
    const admitted = await clock.run(next);
    // One second after the first: the spacing of 1 request/s, in simulated time.
    expect(admitted.at).toBe(1000);
  });
});
