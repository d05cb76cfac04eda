/**
 * SIGINT / SIGTERM for the commands that run a harvest (`harvest`, `start`, `serve`): the first signal asks
 * the work to stop (an AbortSignal: no new work is taken, in-flight writes finish, the run is marked
 * `interrupted`), a second one ends the process at once. The exit code after a signal is 128 + its number
 * (130 for SIGINT, 143 for SIGTERM), as shells report a process ended by a signal.
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

/**
 * Installs SIGINT and SIGTERM handlers for the duration of one piece of work.
 * @param handlers.onFirst called once, at the first signal (e.g. to stop the progress bar and say what happens)
 * @param handlers.onSecond called at the second signal; it should end the process at once (see src/commands/io.ts)
 */
export function trapStopSignals(handlers: { onFirst(signal: StopSignal): void; onSecond(signal: StopSignal): void }): StopSignals {
  const controller = new AbortController();
  let first: StopSignal | undefined;
  const onSignal = (signal: StopSignal) => {
    if (first === undefined) {
      first = signal;
      handlers.onFirst(signal);
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
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    },
  };
}
