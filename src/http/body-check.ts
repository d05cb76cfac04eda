/**
 * Body checks for {@link RequestOptions.checkBody}: a 2xx answer is classified before anyone keeps it, so that
 * a truncated, malformed, empty or HTML body is retried like a 5xx instead of being staged as a good answer.
 */
import type { z } from "zod";
import type { BadBodyReason } from "../errors.js";
import type { HttpResponse } from "./client.js";

/** The verdict on one body: good, or refused with a reason (a metric label) and a short detail. */
export type BodyVerdict = { ok: true } | { ok: false; reason: BadBodyReason; detail: string };

/** A body check: pure, cheap, and never throws. */
export type BodyCheck = (response: HttpResponse) => BodyVerdict;

const GOOD: BodyVerdict = { ok: true };

/**
 * A check for a JSON API answer: not empty, not markup, parses as JSON, and (when `schema` is given) matches
 * it. The detail names the first zod issues (paths and messages, never values).
 */
export function jsonBodyCheck(schema?: z.ZodType): BodyCheck {
  return (response) => {
    const text = response.text.trim();
    if (text === "") return { ok: false, reason: "empty_body", detail: "empty body" };
    if (text.startsWith("<"))
      return { ok: false, reason: "not_json", detail: `markup, content-type ${response.headers["content-type"] ?? "unknown"}` };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: "invalid_json", detail: error instanceof Error ? error.message.slice(0, 120) : "does not parse" };
    }
    if (!schema) return GOOD;
    const result = schema.safeParse(value);
    if (result.success) return GOOD;
    const issues = result.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    return { ok: false, reason: "schema_mismatch", detail: issues.join("; ") };
  };
}
