/**
 * Record issues: how an upstream value that cannot be used is described (path, message, quarantine reason).
 * Shared by the sources (shape checks of upstream answers), the enrichers (page parsers) and the quality
 * rules, so none of them reaches into another's module. Pure.
 */
import type { z } from "zod";
import type { QuarantineReason, RecordIssue } from "../domain.js";

const QUARANTINE_REASONS: ReadonlySet<string> = new Set<QuarantineReason>([
  "invalid_json",
  "not_json",
  "empty_body",
  "schema_mismatch",
  "out_of_range",
  "not_a_number",
  "not_an_integer",
  "invalid_date",
  "invalid_id",
  "unknown_genre",
  "missing_field",
  "inconsistent",
  "upstream_error",
  "oversized_body",
]);

/** True when `value` is one of the {@link QuarantineReason} values. */
export function isQuarantineReason(value: unknown): value is QuarantineReason {
  return typeof value === "string" && QUARANTINE_REASONS.has(value);
}

/**
 * True when `text` is a calendar date `YYYY-MM-DD` that exists (`2023-02-30` and `2023-13-01` do not;
 * `2024-02-29` does).
 */
export function isValidCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one; Date.UTC handles leap years.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/**
 * Maps zod issues to {@link RecordIssue}s: `path` dotted (`genres.0.id`, empty for the root), zod's
 * message, and a reason:
 * - a custom refinement with `params: {reason}` → that reason (how the rules here say what failed);
 * - a missing required field (expected X, received undefined) → `missing_field`;
 * - a string where a number was expected, or NaN → `not_a_number`; a fraction where an integer was
 *   expected → `not_an_integer`;
 * - a number (or date) outside its bounds → `out_of_range`; an empty string where at least one character
 *   is required → `missing_field`;
 * - an invalid ISO date or datetime format → `invalid_date`; a failed pattern on a field whose name ends
 *   in `id`/`Id`/`_id` → `invalid_id`;
 * - anything else (wrong type, unknown enum value, unrecognized keys, union mismatch) → `schema_mismatch`.
 * Issues nested in a union (`invalid_union`) are reported as the union's one issue.
 */
export function issuesFromZod(error: z.ZodError): RecordIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
    reason: reasonOfZodIssue(issue),
  }));
}

function reasonOfZodIssue(issue: z.core.$ZodIssue): QuarantineReason {
  switch (issue.code) {
    case "custom": {
      const reason: unknown = issue.params?.["reason"];
      return isQuarantineReason(reason) ? reason : "schema_mismatch";
    }
    case "invalid_type": {
      const received = "input" in issue ? describeInput(issue.input) : receivedFromMessage(issue.message);
      if (received === "undefined") return "missing_field";
      if (issue.expected === "int" && received === "number") return "not_an_integer";
      if ((issue.expected === "number" || issue.expected === "int") && (received === "string" || received === "NaN")) {
        return "not_a_number";
      }
      return "schema_mismatch";
    }
    case "too_small":
    case "too_big":
      if (issue.origin === "string" && issue.code === "too_small") return "missing_field";
      if (issue.origin === "number" || issue.origin === "bigint" || issue.origin === "date") return "out_of_range";
      return "schema_mismatch";
    case "not_multiple_of":
      return "out_of_range";
    case "invalid_format": {
      if (issue.format === "date" || issue.format === "datetime") return "invalid_date";
      const field = String(issue.path[issue.path.length - 1] ?? "");
      if (issue.format === "regex" && /(^id|Id|_id|ID)$/.test(field)) return "invalid_id";
      return "schema_mismatch";
    }
    case "invalid_element":
    case "invalid_key":
    case "invalid_union":
    case "invalid_value":
    case "unrecognized_keys":
      return "schema_mismatch";
  }
}

/** zod's name for a value's type, as in its "received …" messages. */
function describeInput(input: unknown): string {
  if (input === undefined) return "undefined";
  if (input === null) return "null";
  if (typeof input === "number" && Number.isNaN(input)) return "NaN";
  if (Array.isArray(input)) return "array";
  return typeof input;
}

/** zod v4's default message says "expected X, received Y" when the issue does not carry its input. */
function receivedFromMessage(message: string): string | undefined {
  return /received (\w+)/.exec(message)?.[1];
}

/**
 * The issue for a response body that could not be used as JSON (the caller's parse gave no value):
 * - the text parses, but to a scalar or null (`null`, `"Service Unavailable"`) → `schema_mismatch`;
 * - it starts like JSON (`{`, `[`) but does not parse (a truncated body) → `invalid_json`;
 * - anything else (an HTML error page, an empty body, no body) → `not_json`.
 * The message names the first characters of the body (secrets are removed later by the quarantine).
 */
export function nonJsonBodyIssue(text: string | null | undefined): RecordIssue {
  const body = text ?? "";
  const head = JSON.stringify(truncate(body.trim(), 60));
  try {
    JSON.parse(body);
    return { path: "", message: `body is JSON but not an object: ${head}`, reason: "schema_mismatch" };
  } catch {
    if (/^\s*[[{]/.test(body)) return { path: "", message: `body is not valid JSON (truncated?): ${head}`, reason: "invalid_json" };
    return { path: "", message: body.trim() === "" ? "empty body where JSON was expected" : `body is not JSON: ${head}`, reason: "not_json" };
  }
}

/** The reason a record is quarantined under: the reason of its first issue (`schema_mismatch` if none). */
export function primaryReason(issues: readonly RecordIssue[]): QuarantineReason {
  return issues[0]?.reason ?? "schema_mismatch";
}

// ---------------------------------------------------------------------------------------------------------
// Series

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
