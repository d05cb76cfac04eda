/**
 * SIGINT / SIGTERM for the commands that run a harvest (`harvest`, `start`, `serve`): the first signal asks
 * the work to stop (an AbortSignal: the HTTP requests in flight are aborted at once, no new work is taken, the
 * database writes in flight finish, the run is marked `interrupted`), a second one ends the process at once, and
 * so does the shutdown deadline (`SHUTDOWN_DEADLINE_SECONDS`, default 10 s, well inside a container's grace
 * period) when the writes take longer: whatever an upstream or the database is doing, the process is gone in
 * time and a resume continues the run. The exit code after a signal is 128 + its number (130 for SIGINT, 143
 * for SIGTERM), as shells report a process ended by a signal.
 */
import { constants } from "node:os";

/** The signals we handle. */
export type StopSignal = "SIGINT" | "SIGTERM";

/** Handlers installed by {@link trapStopSignals}; `dispose()` removes them. */
export interface StopSignals {
  /** Aborts at the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  received(): StopSignal | undefined;
  /** 128 + the first signal's number (130 SIGINT, 143 SIGTERM), or undefined when none came. */
  exitCode(): number | undefined;
  dispose(): void;
}

/** 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** What {@link trapStopSignals} calls. */
export interface StopHandlers {
  /** Called once, at the first signal (e.g. to stop the progress bar and say what happens). */
  onFirst(signal: StopSignal): void;
  /** Called at the second signal; it should end the process at once (see src/commands/io.ts). */
  onSecond(signal: StopSignal): void;
  /**
   * How long after the first signal the work may take to stop, ms; then `onDeadline` (default `onSecond`) is
   * called with the first signal. Omitted: no deadline.
   */
  deadlineMs?: number;
  /** Called when the deadline passed before `dispose()`; it should end the process at once. */
  onDeadline?(signal: StopSignal): void;
}

/** Installs SIGINT and SIGTERM handlers for the duration of one piece of work. */
export function trapStopSignals(handlers: StopHandlers): StopSignals {
  const controller = new AbortController();
  let first: StopSignal | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (signal: StopSignal) => {
    if (first === undefined) {
      first = signal;
      handlers.onFirst(signal);
      if (handlers.deadlineMs !== undefined) {
        deadline = setTimeout(() => (handlers.onDeadline ?? handlers.onSecond)(signal), handlers.deadlineMs);
      }
      controller.abort(new Error(`stopped by ${signal}`));
    } else {
      handlers.onSecond(signal);
    }
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return {
    signal: controller.signal,
    received: () => first,
    exitCode: () => (first === undefined ? undefined : signalExitCode(first)),
    dispose() {
      clearTimeout(deadline);
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    },
  };
}
