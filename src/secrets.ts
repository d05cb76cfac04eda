/**
 * Keeping secrets out of logs, errors, metrics and stored payloads.
 *
 * Two layers: credential query parameters are removed from every URL by name, and any known secret value
 * (API keys, tokens, passwords from the configuration) is replaced wherever it appears in text or JSON.
 */

/** Query parameters that carry credentials in the upstreams we talk to (TMDB `api_key`, OMDb `apikey`). */
const SECRET_PARAMS = new Set(["api_key", "apikey", "access_token", "token", "key", "password"]);

export const REDACTED = "[REDACTED]";

/**
 * Returns `url` with credential query parameters replaced by `[REDACTED]`. Accepts absolute or relative URLs;
 * returns the input unchanged when it cannot be parsed.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url, "http://relative.invalid");
    let changed = false;
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAMS.has(name.toLowerCase())) {
        parsed.searchParams.set(name, REDACTED);
        changed = true;
      }
    }
    if (parsed.password) {
      parsed.password = REDACTED;
      changed = true;
    }
    if (!changed) return url;
    const text = parsed.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
    return text.startsWith("http://relative.invalid") ? text.slice("http://relative.invalid".length) : text;
  } catch {
    return url;
  }
}

/**
 * Replaces secret values wherever they occur. Built once from the configuration; secrets shorter than
 * 4 characters are ignored (they would redact ordinary text).
 */
export class SecretScrubber {
  private readonly secrets: string[];
  constructor(secrets: (string | undefined | null)[]) {
    const values = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
    // A secret also travels encoded: percent-encoded in an echoed URL (a password with `@` or `/`), and
    // JSON-escaped in a jsonb parameter's text (one with `"` or `\`). Each form is replaced.
    const forms = values.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]);
    this.secrets = [...new Set(forms)].sort((a, b) => b.length - a.length);
  }

  /** Text with every secret replaced by `[REDACTED]`. */
  scrubText(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    }
    return out;
  }

  /**
   * Whether any string of a JSON value (keys included) contains a secret. Walks the value without copying it, so
   * that a clean answer (nearly all of them) can be kept as it is instead of as a {@link scrubJson} copy.
   */
  containsSecret(value: unknown): boolean {
    if (this.secrets.length === 0) return false;
    if (typeof value === "string") return this.secrets.some((secret) => value.includes(secret));
    if (Array.isArray(value)) return value.some((v) => this.containsSecret(v));
    if (value !== null && typeof value === "object") {
      // for…in rather than Object.entries: no array per object on a path taken for every answer.
      for (const k in value) if (Object.hasOwn(value, k) && (this.containsSecret(k) || this.containsSecret(Reflect.get(value, k)))) return true;
    }
    return false;
  }

  /**
   * A deep copy of a JSON value with secrets removed from every string (keys included). An `Error` becomes
   * `{type, message}` (its other properties, e.g. an HTTP library's request config, are dropped).
   */
  scrubJson(value: unknown): unknown {
    if (typeof value === "string") return this.scrubText(value);
    if (value instanceof Error) return { type: value.name, message: this.scrubText(value.message) };
    if (Array.isArray(value)) return value.map((v) => this.scrubJson(v));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.scrubText(k)] = this.scrubJson(v);
      return out;
    }
    return value;
  }
}
