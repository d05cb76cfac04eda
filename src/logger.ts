/**
 * Structured JSON logs (pino). Every log object and message passes through the {@link SecretScrubber}, so a
 * secret that slipped into an error message or URL is replaced by `[REDACTED]` before it is written.
 */
import { pino, type Logger, type DestinationStream } from "pino";
import type { SecretScrubber } from "./secrets.js";

export type { Logger };

/**
 * Creates the logger. `destination` defaults to stderr (stdout carries command output and the summary).
 * @param level pino level name, or "silent".
 */
export function createLogger(options: { level: string; scrubber: SecretScrubber; destination?: DestinationStream }): Logger {
  const { scrubber } = options;
  return pino(
    {
      level: options.level,
      base: { service: "tv-harvester" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubber.scrubJson(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === "string" ? scrubber.scrubText(a) : a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      // `formatters.log` runs first and turns errors into {type, message} (see SecretScrubber.scrubJson);
      // this keeps pino's default serializer from re-wrapping that object.
      serializers: {
        err: (error: unknown) => (error instanceof Error ? { type: error.name, message: scrubber.scrubText(error.message) } : error),
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
