/**
 * The shutdown deadline of src/commands/signals.ts: after the first SIGTERM/SIGINT the work gets `deadlineMs`
 * to stop, then `onDeadline` (default `onSecond`) ends the process; `dispose()` in time means it is never
 * called. The signals are emitted on the process object (the handlers are plain listeners); timers are faked.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { signalExitCode, trapStopSignals, type StopSignal } from "../../src/commands/signals.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("trapStopSignals with a shutdown deadline", () => {
  it("aborts at the first signal and calls onDeadline with it once the deadline has passed", () => {
    const calls: string[] = [];
    const stop = trapStopSignals({
      onFirst: (s) => calls.push(`first ${s}`),
      onSecond: (s) => calls.push(`second ${s}`),
      deadlineMs: 10_000,
      onDeadline: (s: StopSignal) => calls.push(`deadline ${s}`),
    });
    try {
      process.emit("SIGTERM", "SIGTERM");
      expect(stop.signal.aborted).toBe(true);
      expect(stop.exitCode()).toBe(signalExitCode("SIGTERM"));
      vi.advanceTimersByTime(9_999);
      expect(calls).toEqual(["first SIGTERM"]);
      vi.advanceTimersByTime(1);
      expect(calls).toEqual(["first SIGTERM", "deadline SIGTERM"]);
    } finally {
      stop.dispose();
    }
  });

  it("never calls it when the work stopped in time (dispose), and falls back to onSecond", () => {
    const calls: string[] = [];
    const handlers = { onFirst: (s: StopSignal) => calls.push(`first ${s}`), onSecond: (s: StopSignal) => calls.push(`second ${s}`) };
    const inTime = trapStopSignals({ ...handlers, deadlineMs: 5_000 });
    process.emit("SIGINT", "SIGINT");
    inTime.dispose();
    vi.advanceTimersByTime(60_000);
    expect(calls).toEqual(["first SIGINT"]);

    const late = trapStopSignals({ ...handlers, deadlineMs: 5_000 });
    try {
      process.emit("SIGINT", "SIGINT");
      vi.advanceTimersByTime(5_000);
      expect(calls).toEqual(["first SIGINT", "first SIGINT", "second SIGINT"]);
    } finally {
      late.dispose();
    }
  });
});
