/**
 * Structured JSON logs (pino). Every log object and message passes through the {@link SecretScrubber}, so a
 * secret that slipped into an error message or URL is replaced by `[REDACTED]` before it is written.
 */
import { pino, type Logger, type DestinationStream } from "pino";
import type { SecretScrubber } from "./secrets.js";

/** scrubJson keeps an object an object; pino's `formatters.log` must return one (a non-object is wrapped). */
function scrubbedObject(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : { value };
}

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
        log: (object) => scrubbedObject(scrubber.scrubJson(object)),
      },
      hooks: {
        logMethod(args, method) {
          // pino's arguments are (object | message, ...format args); only the text ones can carry a secret.
          for (let i = 0; i < args.length; i++) {
            const arg = args[i];
            if (typeof arg === "string") args[i] = scrubber.scrubText(arg);
          }
          method.apply(this, args);
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
