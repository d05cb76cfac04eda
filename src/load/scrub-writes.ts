/**
 * The one place text reaches the database: every statement Prisma sends (model writes, `createMany`,
 * `$executeRaw`/`$queryRaw`, inside transactions too) passes through the driver adapter, and this wrapper
 * replaces every configured secret in its parameters with `[REDACTED]` before PostgreSQL sees them. So no
 * table — kept upstream answers, quarantine, `enrichment_state.detail`, `scrape_event`, `harvest_run.error` and
 * `summary`, … — can hold a secret, whichever write path a future change adds in src/load/.
 *
 * Parameters are scrubbed, not the SQL text: every value from an upstream or an error is a parameter (Prisma
 * binds all of them; raw queries here use tagged templates). JSON values reach the adapter as their text, so a
 * secret inside a `jsonb` string is found too (the scrubber also knows each secret's JSON-escaped form).
 */
import type { PrismaPg } from "@prisma/adapter-pg";
import type { SecretScrubber } from "../secrets.js";

type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type SqlQuery = Parameters<PgAdapter["queryRaw"]>[0];

/** A statement's parameters with every secret replaced (strings, and strings inside array parameters). */
export function scrubQueryArgs(query: SqlQuery, scrubber: SecretScrubber): SqlQuery {
  return { ...query, args: query.args.map((arg) => scrubArg(arg, scrubber)) };
}

function scrubArg(arg: unknown, scrubber: SecretScrubber): unknown {
  if (typeof arg === "string") return scrubber.scrubText(arg);
  if (Array.isArray(arg)) return arg.map((item: unknown) => scrubArg(item, scrubber));
  return arg;
}

/**
 * Wraps a driver adapter factory (Prisma's `adapter` option) so that every connection it makes, and every
 * transaction of those, scrubs the parameters of each statement with `scrubber`. Everything else is passed
 * through unchanged.
 */
export function scrubbingAdapter(factory: PrismaPg, scrubber: SecretScrubber): PrismaPg {
  return passThrough(factory, {
    connect: (connect) => async () => scrubbingResult(await connect(), scrubber),
    connectToShadowDb: (connect) => async () => scrubbingResult(await connect(), scrubber),
  });
}

/** An adapter or transaction whose `queryRaw`/`executeRaw` scrub their parameters; transactions it opens too. */
function scrubbingQueryable<T extends object>(queryable: T, scrubber: SecretScrubber): T {
  return passThrough(queryable, {
    queryRaw: (run) => (query: SqlQuery) => run(scrubQueryArgs(query, scrubber)),
    executeRaw: (run) => (query: SqlQuery) => run(scrubQueryArgs(query, scrubber)),
    startTransaction:
      (start) =>
      async (...args: unknown[]) =>
        scrubbingResult(await start(...args), scrubber),
  });
}

function scrubbingResult(value: unknown, scrubber: SecretScrubber): unknown {
  return typeof value === "object" && value !== null ? scrubbingQueryable(value, scrubber) : value;
}

/** A proxy of `target` whose methods named in `overrides` are replaced (given the original, bound); the rest bound to `target`. */
function passThrough<T extends object>(target: T, overrides: Record<string, (original: (...args: unknown[]) => unknown) => unknown>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== "function") return value;
      const bound = (...args: unknown[]): unknown => Reflect.apply(value, object, args);
      const override = typeof property === "string" ? overrides[property] : undefined;
      return override ? override(bound) : bound;
    },
  });
}
