/**
 * robots.txt, honoured with the `robots-parser` library (Google's matching rules: longest match wins,
 * `*` and `$` wildcards, groups by product token). One fetch per site per run, cached in the gate.
 *
 * Availability follows RFC 9309 § 2.3.1: a 4xx answer (no robots.txt) allows everything; a 5xx or a
 * network failure (after the client's retries) means "unreachable" and disallows everything for this run.
 */
import { createRequire } from "node:module";
import type { Logger } from "pino";
import type { UpstreamClient } from "../http/client.js";
import { errorMessage } from "../errors.js";

/** The part of robots-parser's `Robot` we use. */
interface RobotsRules {
  isAllowed(url: string, userAgent?: string): boolean | undefined;
}

// robots-parser is CommonJS (`module.exports = fn`) and its typings declare an ES default export, which
// NodeNext cannot call; load it through `require` and check that it is the documented function.
const robotsModule: unknown = createRequire(import.meta.url)("robots-parser");
if (typeof robotsModule !== "function") throw new Error("robots-parser did not export its parser function");
const robotsParser = (url: string, contents: string): RobotsRules => {
  const rules: unknown = Reflect.apply(robotsModule, undefined, [url, contents]);
  if (!isRobotsRules(rules)) throw new Error("robots-parser returned an object without isAllowed");
  return rules;
};

function isRobotsRules(value: unknown): value is RobotsRules {
  return typeof value === "object" && value !== null && "isAllowed" in value && typeof value.isAllowed === "function";
}

/** Answers whether a path of one site may be fetched by our User-Agent. */
export interface RobotsGate {
  /** True when robots.txt allows `path` (relative to the client's base URL) for our User-Agent. */
  isAllowed(path: string): Promise<boolean>;
}

/**
 * A gate for the site behind `client`. robots.txt is fetched on the first question, through the same
 * client (so it counts against the site's rate limit), and kept for the life of the gate.
 * @param userAgent our User-Agent; its product token (before the first `/`) selects the robots group.
 */
export function createRobotsGate(client: UpstreamClient, userAgent: string, logger?: Logger): RobotsGate {
  const robotsUrl = client.describe("/robots.txt");
  let rules: Promise<(url: string) => boolean> | undefined;

  async function load(): Promise<(url: string) => boolean> {
    try {
      const response = await client.get("/robots.txt", undefined, {
        acceptStatus: (s) => s >= 400 && s < 500,
        headers: { Accept: "text/plain, */*;q=0.5" },
      });
      if (response.status >= 400) return () => true;
      const robots = robotsParser(robotsUrl, response.text);
      // isAllowed is undefined for a URL of another host: never ours, so treat it as not allowed.
      return (url) => robots.isAllowed(url, userAgent) === true;
    } catch (error) {
      logger?.warn(
        { upstream: client.name, err: errorMessage(error) },
        "robots.txt unreachable; not fetching this site's pages in this run (RFC 9309)",
      );
      return () => false;
    }
  }

  return {
    async isAllowed(path) {
      rules ??= load();
      return (await rules)(client.describe(path));
    },
  };
}
