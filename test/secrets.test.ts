import { describe, expect, it } from "vitest";
import { REDACTED, SecretScrubber, redactUrl } from "../src/secrets.js";

describe("redactUrl", () => {
  it("removes TMDB and OMDb keys from query strings and passwords from URLs", () => {
    expect(redactUrl("https://api.themoviedb.org/3/tv/1?api_key=abc123&language=en")).toBe(
      `https://api.themoviedb.org/3/tv/1?api_key=${REDACTED}&language=en`,
    );
    expect(redactUrl("https://www.omdbapi.com/?i=tt1&apikey=k9")).toBe(`https://www.omdbapi.com/?i=tt1&apikey=${REDACTED}`);
    expect(redactUrl("postgresql://u:pw@h:5432/db")).not.toContain("pw@");
  });
  it("leaves URLs without credentials untouched", () => {
    expect(redactUrl("https://example.org/a?b=c")).toBe("https://example.org/a?b=c");
  });
});

describe("SecretScrubber", () => {
  const scrubber = new SecretScrubber(["supersecretkey", "tok-ABCDEFG", undefined, "ab"]);
  it("replaces secrets in text and deep in JSON, keys included", () => {
    expect(scrubber.scrubText("url ?api_key=supersecretkey&x")).toBe(`url ?api_key=${REDACTED}&x`);
    expect(scrubber.scrubJson({ a: ["Bearer tok-ABCDEFG"], tok_ABCDEFG: 1, supersecretkey: { n: 2 } })).toEqual({
      a: [`Bearer ${REDACTED}`],
      tok_ABCDEFG: 1,
      [REDACTED]: { n: 2 },
    });
  });
  it("tells whether a JSON value holds a secret anywhere, keys included", () => {
    expect(scrubber.containsSecret({ a: [{ b: "x tok-ABCDEFG y" }] })).toBe(true);
    expect(scrubber.containsSecret({ a: { supersecretkey: 1 } })).toBe(true);
    expect(scrubber.containsSecret({ a: ["tok-ABCDEF", 1, null, true], tok_ABCDEFG: "ab" })).toBe(false);
    expect(new SecretScrubber([]).containsSecret({ a: "supersecretkey" })).toBe(false);
  });
  it("ignores secrets too short to be safely redacted", () => {
    expect(scrubber.scrubText("abc")).toBe("abc");
  });
});

describe("logger", () => {
  it("logs errors as type and message, with secrets removed", async () => {
    const { Writable } = await import("node:stream");
    const { createLogger } = await import("../src/logger.js");
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) });
    const logger = createLogger({ level: "info", scrubber: new SecretScrubber(["supersecretkey"]), destination });
    logger.error({ err: new TypeError("request to ?api_key=supersecretkey failed") }, "failed with supersecretkey");
    const entry = JSON.parse(lines[0]!);
    expect(entry.err).toEqual({ type: "TypeError", message: `request to ?api_key=${REDACTED} failed` });
    expect(entry.msg).toBe(`failed with ${REDACTED}`);
  });
});
