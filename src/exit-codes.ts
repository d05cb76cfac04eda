/**
 * The process exit codes of `tv-harvester`, one table for schedulers (Airflow, Kubernetes, cron, systemd):
 * each code says whether running the same command again can help. Follows BSD sysexits.h where a code fits
 * (EX_TEMPFAIL = 75) and the shell's 128 + signal convention for stops by a signal.
 */
export const ExitCode = {
  /** The command did what was asked (a harvest run succeeded). */
  ok: 0,
  /** A failure that a plain retry will not fix without a person looking (a run failed for an unexpected reason). */
  failure: 1,
  /** Bad usage or configuration (unknown option, missing credentials, invalid variable): not retryable. */
  config: 2,
  /** Temporary: an upstream or the database unreachable, the harvest lock held by another run, a lost lock. Retry later. */
  tempfail: 75,
  /** Stopped by SIGINT (128 + 2); the run is `interrupted` and resumable. */
  sigint: 130,
  /** Stopped by SIGTERM (128 + 15); the run is `interrupted` and resumable. */
  sigterm: 143,
} as const;

/** One of the exit codes above. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
