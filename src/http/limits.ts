/**
 * The deadline and size cap of each upstream's answers (src/http/client.ts enforces them), and their defaults.
 * A module of its own, without I/O, so that the configuration can name the defaults.
 */
import type { UpstreamName } from "../metrics/metrics.js";

/** The deadline and size cap of one upstream's answers. */
export interface UpstreamLimits {
  /** From sending a request to the last byte of its answer, ms. */
  deadlineMs: number;
  /** Largest answer body read, bytes (after decompression). */
  maxBodyBytes: number;
}

/** The kinds of upstream with limits of their own: the two JSON APIs, Wikidata, and the ratings sites' HTML pages. */
export type UpstreamKind = "tmdb" | "omdb" | "wikidata" | "pages";

/** The kind of each upstream client. */
export const UPSTREAM_KIND: Readonly<Record<UpstreamName, UpstreamKind>> = {
  tmdb: "tmdb",
  omdb: "omdb",
  wikidata: "wikidata",
  rottentomatoes: "pages",
  metacritic: "pages",
};

const MiB = 1024 * 1024;

/**
 * Default answer caps per kind, bytes: TMDB details with their appends are 5–200 KB, OMDb answers 1–3 KB, a
 * Wikidata batch of 50 entities' claims a few MB, a ratings page 0.3–2 MB. Each cap is several times what a
 * healthy answer needs and small enough that requests in flight × cap stay inside the memory budget: a JSON answer
 * is held as text, parsed, checked and repaired on its way to the database, about 20 × its size in memory at the
 * peak (measured: a 60 MB details answer took the heap to 1.1 GB), so TMDB's 20 in flight × 1 MiB is the bound.
 */
export const DEFAULT_MAX_BODY_BYTES: Readonly<Record<UpstreamKind, number>> = {
  tmdb: 1 * MiB,
  omdb: MiB / 4,
  wikidata: 16 * MiB,
  pages: 8 * MiB,
};
