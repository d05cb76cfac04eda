/**
 * Wikidata: which Rotten Tomatoes and Metacritic pages an item links to.
 *
 * `wbgetentities` (https://www.wikidata.org/w/api.php?action=help&modules=wbgetentities) with up to 50 ids a
 * call, `props=claims`. We read P1258 (Rotten Tomatoes ID, e.g. `tv/breaking_bad`) and P1712 (Metacritic ID,
 * e.g. `tv/breaking-bad`): statements of deprecated rank are skipped, a preferred-rank statement beats
 * normal ones, and several different values of the best rank are ambiguous (no answer: precision first).
 * Only series pages (`tv/<slug>`) are accepted; movie or season ids are ignored.
 */
import { z } from "zod";
import { SchemaMismatchError } from "../errors.js";
import type { UpstreamClient } from "../http/client.js";
import { jsonBodyCheck } from "../http/body-check.js";
import type { RatingSite } from "./types.js";

/** Maximum ids per `wbgetentities` call (the API's limit for anonymous clients). */
export const WIKIDATA_BATCH_SIZE = 50;

/** Wikidata properties of the page ids, per site. */
export const WIKIDATA_PROPERTIES: Record<RatingSite, string> = { rottentomatoes: "P1258", metacritic: "P1712" };

/** What a series page id must look like on each site: `tv/<slug>` with no season part. */
const SERIES_PAGE_ID: Record<RatingSite, RegExp> = {
  rottentomatoes: /^tv\/[a-z0-9_-]+$/i,
  metacritic: /^tv\/[a-z0-9-]+$/i,
};

const statementSchema = z.looseObject({
  rank: z.enum(["preferred", "normal", "deprecated"]),
  mainsnak: z.looseObject({
    snaktype: z.string(),
    datavalue: z.looseObject({ value: z.unknown(), type: z.string() }).optional(),
  }),
});

/** An entity; a missing item has `missing: ""` and no claims. */
const entitySchema = z.looseObject({
  id: z.string(),
  missing: z.string().optional(),
  claims: z.record(z.string(), z.array(statementSchema)).optional(),
});

/** The answer of `wbgetentities`. */
const wbgetentitiesSchema = z.looseObject({
  entities: z.record(z.string(), entitySchema),
  redirects: z.union([z.array(z.looseObject({ from: z.string(), to: z.string() })), z.looseObject({ from: z.string(), to: z.string() })]).optional(),
});

/** The API's error object (`{"error":{"code":"no-such-entity","info":"…"}}`). */
const apiErrorSchema = z.looseObject({ error: z.looseObject({ code: z.string(), info: z.string().optional() }) });

/** The body check of a `wbgetentities` request: entities, or the API's error object. */
const WIKIDATA_BODY_CHECK = jsonBodyCheck(z.union([wbgetentitiesSchema, apiErrorSchema]));

/** Page ids found on one item: `tv/<slug>` per site, or null. */
export interface WikidataPageIds {
  rottentomatoes: string | null;
  metacritic: string | null;
}

/** True for a Wikidata item id (`Q` and digits). */
export function isWikidataItemId(id: string): boolean {
  return /^Q[1-9]\d*$/.test(id);
}

/**
 * Picks the value of a string property from an item's statements: deprecated rank skipped, preferred rank
 * first; null when there is none, or when the best rank holds several different values.
 */
export function pickStatementValue(statements: readonly z.infer<typeof statementSchema>[] | undefined): string | null {
  if (!statements) return null;
  const usable = statements.filter(
    (s) => s.rank !== "deprecated" && s.mainsnak.snaktype === "value" && typeof s.mainsnak.datavalue?.value === "string",
  );
  const preferred = usable.filter((s) => s.rank === "preferred");
  const best = preferred.length > 0 ? preferred : usable;
  const values = [...new Set(best.map((s) => String(s.mainsnak.datavalue?.value).trim()))];
  return values.length === 1 ? (values[0] ?? null) : null;
}

/**
 * Maps a `wbgetentities` body to page ids per requested item id. Redirected items are answered under the
 * id that was asked for; missing items and items without ids map to nulls.
 * @throws {SchemaMismatchError} when the body is not a `wbgetentities` answer (or an API error object)
 */
export function parseWikidataEntities(body: unknown, requestedIds: readonly string[], url: string): Map<string, WikidataPageIds> {
  const apiError = apiErrorSchema.safeParse(body);
  if (apiError.success) {
    throw new SchemaMismatchError("wikidata", url, [{ path: "error", message: `${apiError.data.error.code}: ${apiError.data.error.info ?? ""}` }]);
  }
  const parsed = wbgetentitiesSchema.safeParse(body);
  if (!parsed.success) {
    throw new SchemaMismatchError(
      "wikidata",
      url,
      parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  }
  const { entities, redirects } = parsed.data;
  const redirectTo = new Map<string, string>();
  for (const r of redirects === undefined ? [] : Array.isArray(redirects) ? redirects : [redirects]) redirectTo.set(r.from, r.to);
  const result = new Map<string, WikidataPageIds>();
  for (const id of requestedIds) {
    const entity = entities[id] ?? entities[redirectTo.get(id) ?? ""];
    const ids: WikidataPageIds = { rottentomatoes: null, metacritic: null };
    if (entity?.claims) {
      for (const site of ["rottentomatoes", "metacritic"] as const) {
        const value = pickStatementValue(entity.claims[WIKIDATA_PROPERTIES[site]]);
        ids[site] = value !== null && SERIES_PAGE_ID[site].test(value) ? value : null;
      }
    }
    result.set(id, ids);
  }
  return result;
}

/**
 * Fetches the page ids of `itemIds` (duplicates and invalid ids dropped) in batches of
 * {@link WIKIDATA_BATCH_SIZE}. A batch that fails is reported through `onBatchError` and its items are
 * left out of the map (callers fall back to verified slugs), so one bad answer does not stop the stage.
 */
export async function fetchWikidataPageIds(
  client: UpstreamClient,
  itemIds: readonly string[],
  onBatchError: (error: unknown, ids: string[]) => void,
): Promise<Map<string, WikidataPageIds>> {
  const unique = [...new Set(itemIds.filter(isWikidataItemId))];
  const result = new Map<string, WikidataPageIds>();
  for (let i = 0; i < unique.length; i += WIKIDATA_BATCH_SIZE) {
    const batch = unique.slice(i, i + WIKIDATA_BATCH_SIZE);
    const params = { action: "wbgetentities", ids: batch.join("|"), props: "claims", format: "json" };
    try {
      // A refused body (HTML, truncated, wrong shape) is retried like a 5xx before the batch is given up.
      const response = await client.get("", params, { checkBody: WIKIDATA_BODY_CHECK });
      let body: unknown;
      try {
        body = JSON.parse(response.text);
      } catch {
        throw new SchemaMismatchError("wikidata", response.url, [{ path: "", message: "body is not JSON" }]);
      }
      for (const [id, ids] of parseWikidataEntities(body, batch, response.url)) result.set(id, ids);
    } catch (error) {
      onBatchError(error, batch);
    }
  }
  return result;
}
