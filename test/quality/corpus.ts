/**
 * The bad-input corpus (test/quality/corpus/): TMDB `/tv/{id}?append_to_response=external_ids` bodies and
 * OMDb `?i=tt…&type=series` bodies in the real upstream shapes, most of them broken in one way, each
 * listed in `manifest.json` with what must happen to it: the quarantine reason and kind (null for the
 * valid ones) and what must load (`series`, `tmdb`, `imdb`).
 *
 * The bodies are synthetic (series ids 900101…, IMDb ids tt7900301…); their shape follows the recordings
 * in ../shared/fixtures.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

export const CORPUS_DIR = fileURLToPath(new URL("./corpus/", import.meta.url));

/** What must load from a corpus entry. */
export const LOADABLE = z.enum(["series", "tmdb", "imdb"]);

const entrySchema = z.discriminatedUnion("source", [
  z.object({
    file: z.string(),
    source: z.literal("tmdb_series"),
    seriesId: z.number().int(),
    reason: z.string().nullable(),
    kind: z.enum(["rejected", "schema_drift", "flagged"]).optional(),
    loads: z.array(LOADABLE),
  }),
  z.object({
    file: z.string(),
    source: z.literal("omdb"),
    seriesId: z.number().int(),
    imdbId: z.string(),
    reason: z.string().nullable(),
    kind: z.enum(["rejected", "schema_drift", "flagged"]).optional(),
    loads: z.array(LOADABLE),
  }),
]);

/** One corpus entry with its body text. */
export type CorpusEntry = z.infer<typeof entrySchema> & { text: string };

/** Reads the manifest and every body. */
export function loadCorpus(): CorpusEntry[] {
  const manifest = z.array(entrySchema).parse(JSON.parse(readFileSync(`${CORPUS_DIR}manifest.json`, "utf8")));
  return manifest.map((entry) => ({ ...entry, text: readFileSync(`${CORPUS_DIR}${entry.file}`, "utf8") }));
}

/** The genre list the corpus's TMDB serves (`/genre/tv/list`): a subset of TMDB's real TV genres. */
export const CORPUS_GENRES = [
  { id: 18, name: "Drama" },
  { id: 35, name: "Comedy" },
  { id: 9648, name: "Mystery" },
  { id: 10765, name: "Sci-Fi & Fantasy" },
];

/**
 * A valid TMDB details body for the series an OMDb corpus entry belongs to (its IMDb id points at the
 * entry), built from the corpus's valid TMDB body.
 */
export function tmdbDetailsFor(seriesId: number, imdbId: string): Record<string, unknown> {
  const base = z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(`${CORPUS_DIR}tmdb/valid-complete.json`, "utf8")));
  const ext = z.record(z.string(), z.unknown()).parse(base["external_ids"]);
  return {
    ...base,
    id: seriesId,
    name: `Harbor Lights ${seriesId}`,
    original_name: `Harbor Lights ${seriesId}`,
    external_ids: { ...ext, imdb_id: imdbId, tvdb_id: 400000 + (seriesId % 100000), wikidata_id: null },
  };
}
