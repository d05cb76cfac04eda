/**
 * Naming the database a process talks to, and saying why it cannot be reached, without the password: for
 * error messages, log lines and `/readyz`.
 */
import { ExitCode } from "../exit-codes.js";

/** Where a PostgreSQL URL points: host, port, database and user (never the password). */
export interface DatabaseTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** `user@host:port/database`, for messages. */
  text: string;
}

/** The target of `url` (a postgres:// or postgresql:// URL); defaults as libpq's (localhost, 5432, the user's name). */
export function databaseTarget(url: string): DatabaseTarget {
  try {
    const parsed = new URL(url);
    const user = decodeURIComponent(parsed.username) || "postgres";
    const host = (parsed.hostname || parsed.searchParams.get("host") || "localhost").replace(/^\[|\]$/g, "");
    const port = Number(parsed.port || 5432);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || user;
    return { host, port, database, user, text: `${user}@${host}:${port}/${database}` };
  } catch {
    return { host: "?", port: 0, database: "?", user: "?", text: "(an unparsable DATABASE_URL)" };
  }
}

/** Why a database could not be used, and what a scheduler should do about it. */
export interface DatabaseProblem {
  /** One line naming the database (never the password) and what to check. */
  message: string;
  /** `tempfail` (75) when a retry later can help (down, unreachable, starting); `config` (2) when the URL itself is wrong. */
  exitCode: typeof ExitCode.tempfail | typeof ExitCode.config;
}

/** Connection-level error codes of node-postgres / Node's sockets / PostgreSQL (SQLSTATE) that this module classifies. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "EPIPE", "57P01", "57P03"]);
const CONFIG_CODES: Record<string, string> = {
  "28P01": "password authentication failed: check the user and password in DATABASE_URL",
  "28000": "the server refused this user: check the user in DATABASE_URL and the server's pg_hba.conf",
  "3D000": "the database does not exist: check the database name in DATABASE_URL (or create it)",
  ENOTFOUND: "the host name does not resolve: check the host in DATABASE_URL",
};

/** Codes found on `error` and its `cause` chain (node-postgres sets `code`; Prisma's adapter wraps it). */
function errorCodes(error: unknown): { codes: string[]; text: string } {
  const codes: string[] = [];
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    if (typeof current !== "object") {
      texts.push(String(current));
      break;
    }
    const code: unknown = Reflect.get(current, "code");
    if (typeof code === "string") codes.push(code);
    const originalCode: unknown = Reflect.get(current, "originalCode");
    if (typeof originalCode === "string") codes.push(originalCode);
    const message: unknown = Reflect.get(current, "message");
    if (typeof message === "string") texts.push(message);
    if (current instanceof AggregateError) current = current.errors[0];
    else current = Reflect.get(current, "cause");
  }
  const text = texts.join(" ");
  // Prisma's driver adapter reports some of them only in words.
  if (/password authentication failed/i.test(text)) codes.push("28P01");
  if (/database "[^"]*" does not exist/i.test(text)) codes.push("3D000");
  if (/ECONNREFUSED|connection refused/i.test(text)) codes.push("ECONNREFUSED");
  if (/ENOTFOUND|getaddrinfo/i.test(text)) codes.push("ENOTFOUND");
  if (/Connection terminated|timeout expired|ETIMEDOUT/i.test(text)) codes.push("ETIMEDOUT");
  return { codes, text };
}

/**
 * Classifies `error` as a problem reaching the database at `url`, or returns null when it is something else
 * (a query error, a bug). The message names `user@host:port/database`, never the password.
 */
export function databaseProblem(error: unknown, url: string): DatabaseProblem | null {
  const target = databaseTarget(url);
  const { codes } = errorCodes(error);
  for (const code of codes) {
    const advice = CONFIG_CODES[code];
    if (advice) return { message: `cannot use the database ${target.text}: ${advice} (DATABASE_URL)`, exitCode: ExitCode.config };
  }
  const unreachable = codes.find((c) => UNREACHABLE_CODES.has(c));
  if (unreachable) {
    return {
      message: `cannot reach the database ${target.text} (${unreachable}): is PostgreSQL running and reachable from here? (DATABASE_URL) Retry later.`,
      exitCode: ExitCode.tempfail,
    };
  }
  return null;
}
