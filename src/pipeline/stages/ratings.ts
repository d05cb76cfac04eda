/**
 * The boundary check of rating observations shared by every stage that yields ratings (details, OMDb, the
 * scraped Rotten Tomatoes and Metacritic pages): one path, so a misread score quarantines one observation.
 */
import type { RatingObservation, UpstreamEndpoint } from "../../domain.js";
import type { QuarantineSink } from "./deps.js";
import { checkRating } from "../../quality/rules.js";
import { primaryReason } from "../../validation/issues.js";
import { toPostgresObservation } from "../../validation/postgres.js";

/**
 * Checks observations that came from one answer of `endpoint`: the boundary rules (`checkRating`: the
 * score within its rating source's scale, counts) and then PostgreSQL's column types (`toPostgresObservation`:
 * series id and count within `integer`). Returns the valid ones; the rest are rejected into the quarantine
 * under `upstreamKey` with `payload`, and suspicious valid ones flagged (unless `options.flag` is false).
 */
export function validRatings(
  quarantine: QuarantineSink,
  observations: readonly RatingObservation[],
  answer: { endpoint: UpstreamEndpoint; upstreamKey: string; payload: unknown },
  options: { flag?: boolean } = {},
): RatingObservation[] {
  const valid: RatingObservation[] = [];
  const { endpoint, upstreamKey, payload } = answer;
  for (const o of observations) {
    const verdict = checkRating(o);
    const safe = verdict.ok ? toPostgresObservation(verdict.value) : verdict;
    if (safe.ok) {
      valid.push(safe.value);
      if (options.flag ?? true) quarantine.flag({ endpoint, upstreamKey, issues: [...(verdict.ok ? verdict.flags : []), ...safe.flags], payload });
    } else {
      quarantine.reject({ endpoint, upstreamKey, reason: primaryReason(safe.issues), issues: safe.issues, payload });
    }
  }
  return valid;
}
