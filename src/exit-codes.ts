/**
 * The process exit codes of `tv-harvester`, one table for schedulers (Airflow, Kubernetes, cron, systemd):
 * each code says whether running the same command again can help. Follows BSD sysexits.h where a code fits
 * (EX_DATAERR = 65, EX_NOINPUT = 66, EX_TEMPFAIL = 75) and the shell's 128 + signal convention for stops by a
 * signal. docs/orchestration.md and `tv-harvester --help` print {@link EXIT_CODE_TABLE}; a test produces every
 * row of it.
 */
import { EmbeddedDatabaseError, HarvestLockedError, UpstreamError } from "./errors.js";
import { formatTable } from "./text-table.js";

export const ExitCode = {
  /** The command did what was asked (a harvest run succeeded), or there was nothing to do (the key's run had succeeded). */
  ok: 0,
  /** A failure that a plain retry will not fix without a person looking (a run failed for an unexpected reason). */
  failure: 1,
  /** Bad usage or configuration (unknown option, missing credentials, invalid variable): not retryable. */
  config: 2,
  /**
   * EX_DATAERR: the run's data failed an error-severity post-load expectation (`failed_quality`); its facts stay
   * out of the analytics views. Not retryable: the same data fails again.
   */
  quality: 65,
  /**
   * EX_NOINPUT: `harvest --step` was asked for a step whose input is missing (a step it needs has not completed
   * on the keyed run). Not retryable: the earlier step must run first.
   */
  stepOutOfOrder: 66,
  /** Temporary: an upstream or the database unreachable, the harvest lock held by another run, a lost lock. Retry later. */
  tempfail: 75,
  /** Stopped by SIGINT (128 + 2); the run is `interrupted` and resumable. */
  sigint: 130,
  /** Stopped by SIGTERM (128 + 15); the run is `interrupted` and resumable. */
  sigterm: 143,
} as const;

/** One of the exit codes above. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Codes after which running the same command again (the scheduler's retry) can succeed; the others need a person. */
export const RETRYABLE_EXIT_CODES: readonly ExitCodeValue[] = [ExitCode.tempfail, ExitCode.sigint, ExitCode.sigterm];

/** Codes a scheduler should fail at once without retrying (Kubernetes' podFailurePolicy `FailJob`, Airflow's fail-fast). */
export const NOT_RETRYABLE_EXIT_CODES: readonly ExitCodeValue[] = [ExitCode.failure, ExitCode.config, ExitCode.quality, ExitCode.stepOutOfOrder];

/** One row of the exit-code table: the code, whether a retry can help, and what it means. */
export interface ExitCodeRow {
  code: ExitCodeValue;
  name: keyof typeof ExitCode;
  retry: "no (done)" | "yes" | "no";
  meaning: string;
}

/** The table of docs/orchestration.md and `--help`, in code order. */
export const EXIT_CODE_TABLE: readonly ExitCodeRow[] = [
  { code: ExitCode.ok, name: "ok", retry: "no (done)", meaning: "succeeded; or nothing to do (the run of this --run-key had already succeeded)" },
  { code: ExitCode.failure, name: "failure", retry: "no", meaning: "the run failed for an unexpected reason (see the run's error)" },
  { code: ExitCode.config, name: "config", retry: "no", meaning: "bad usage or configuration (every problem listed on stderr)" },
  { code: ExitCode.quality, name: "quality", retry: "no", meaning: "an error-severity quality expectation failed (failed_quality)" },
  { code: ExitCode.stepOutOfOrder, name: "stepOutOfOrder", retry: "no", meaning: "--step before a step it needs has completed on the keyed run" },
  {
    code: ExitCode.tempfail,
    name: "tempfail",
    retry: "yes",
    meaning: "temporary: upstream or database unreachable, lock held by another run, lock lost (resumable)",
  },
  { code: ExitCode.sigint, name: "sigint", retry: "yes", meaning: "stopped by SIGINT; the run is interrupted and resumes with the same key" },
  { code: ExitCode.sigterm, name: "sigterm", retry: "yes", meaning: "stopped by SIGTERM (pod eviction, timeout); resumes with the same key" },
];

/** The table as plain text for `--help` (code, retry, meaning). */
export function exitCodeHelp(): string {
  const table = formatTable(
    [{ heading: "code", align: "right" }, { heading: "retry" }, { heading: "meaning" }],
    EXIT_CODE_TABLE.map((r) => [r.code, r.retry, r.meaning]),
    2,
  );
  return `Exit codes (retry = whether the scheduler should run the same command again; docs/orchestration.md):\n${table}`;
}

/** Network errors of a socket or a DNS look-up that a later attempt can get past. */
const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "EAI_AGAIN",
  // A service name that does not resolve yet (a database Service starting in Kubernetes, compose's DNS).
  "ENOTFOUND",
]);

/**
 * PostgreSQL SQLSTATEs of a database that is (for now) unreachable or refusing work: class 08 (connection
 * exception), 57P01–57P03 (shut down, crashed, starting up), 53300 (too many connections)
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html). Prisma's own codes for the same: P1001
 * (cannot reach the server), P1002 (timed out), P1017 (connection closed), P2024 (pool timeout)
 * (https://www.prisma.io/docs/orm/reference/error-reference).
 */
function isTransientDatabaseCode(code: string): boolean {
  return code.startsWith("08") || ["57P01", "57P02", "57P03", "53300", "P1001", "P1002", "P1017", "P2024"].includes(code);
}

/** The `code` property of an error-like value, when it has a string one. */
function codeOf(value: object): string | undefined {
  const code: unknown = Reflect.get(value, "code");
  return typeof code === "string" ? code : undefined;
}

/**
 * Whether `error` (or any error in its `cause` chain or an AggregateError's `errors`) is temporary: the
 * harvest lock held by another run, a retryable upstream error (5xx, timeout, connection), a network error,
 * a database that is unreachable or restarting, or an embedded PostgreSQL whose port or data directory is in use.
 */
export function isTemporary(error: unknown, depth = 0): boolean {
  if (depth > 8 || typeof error !== "object" || error === null) return false;
  if (error instanceof HarvestLockedError) return true;
  if (error instanceof UpstreamError) return error.retryable;
  if (error instanceof EmbeddedDatabaseError) return error.kind === "port_in_use" || error.kind === "data_dir_in_use";
  const code = codeOf(error);
  if (code !== undefined && (TRANSIENT_NETWORK_CODES.has(code) || isTransientDatabaseCode(code))) return true;
  const inner: unknown[] = [Reflect.get(error, "cause")];
  if (error instanceof AggregateError) {
    const errors: unknown[] = error.errors;
    inner.push(...errors);
  }
  return inner.some((e) => isTemporary(e, depth + 1));
}

/** The exit code of a command that threw `error`: {@link ExitCode.tempfail} when it is temporary, else {@link ExitCode.failure}. */
export function exitCodeOfError(error: unknown): ExitCodeValue {
  return isTemporary(error) ? ExitCode.tempfail : ExitCode.failure;
}
