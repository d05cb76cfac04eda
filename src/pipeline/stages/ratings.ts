/**
 * The boundary check of rating observations shared by the stages that read ratings (details, OMDb).
 */
import type { RatingObservation, UpstreamEndpoint } from "../../domain.js";
import type { QuarantineSink } from "./deps.js";
import { checkRating } from "../../quality/rules.js";
import { primaryReason } from "../../validation/issues.js";

/**
 * Checks observations that came from one answer of `endpoint`: returns the valid ones; the rest are
 * rejected into the quarantine under `upstreamKey` with `payload`, and suspicious valid ones flagged.
 */
export function validRatings(
  quarantine: QuarantineSink,
  observations: readonly RatingObservation[],
  answer: { endpoint: UpstreamEndpoint; upstreamKey: string; payload: unknown },
): RatingObservation[] {
  const valid: RatingObservation[] = [];
  const { endpoint, upstreamKey, payload } = answer;
  for (const o of observations) {
    const verdict = checkRating(o);
    if (verdict.ok) {
      valid.push(verdict.value);
      quarantine.flag({ endpoint, upstreamKey, issues: verdict.flags, payload });
    } else {
      quarantine.reject({ endpoint, upstreamKey, reason: primaryReason(verdict.issues), issues: verdict.issues, payload });
    }
  }
  return valid;
}
