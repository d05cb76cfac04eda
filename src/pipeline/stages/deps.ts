/**
 * What every pipeline stage may be given. Each stage takes a small deps object of its own (built by
 * `runHarvest` from the App, or by a test from fakes) and its input, and returns its output.
 */
import type { RatingObservation } from "../../domain.js";
import type { Logger } from "../../logger.js";
import type { ProgressReporter } from "../progress.js";

/** Where a stage writes rating facts (the run's facts writer: `rating_fact` rows plus the run's counts). */
export interface FactWriter {
  /** Writes facts of the run (idempotent per series × rating source × run: a fact already there is kept). */
  write(observations: readonly RatingObservation[]): Promise<void>;
  /**
   * Writes facts that take precedence over those of the same series × rating source already written in the run (the
   * sites' own scores over OMDb's copies of them).
   */
  overwrite(observations: readonly RatingObservation[]): Promise<void>;
}

/** The part of the deps every stage has. */
export interface StageBase {
  logger: Logger;
  progress: ProgressReporter;
  /** Once aborted, the stage starts no new request; work in flight finishes and the stage returns early. */
  signal?: AbortSignal;
  /**
   * Told how many listed series (or listing entries) the stage lost: quarantined with their reason after
   * their retries, the run going on without them (the run's `seriesLost`). Series gone upstream (404) are
   * not lost.
   */
  onSeriesLost?: (count: number) => void;
}

/** The quarantine as a stage uses it (the run's {@link import("../../load/quarantine.js").Quarantine}, or a fake). */
export type QuarantineSink = Pick<import("../../load/quarantine.js").Quarantine, "reject" | "drift" | "flag" | "flush">;
