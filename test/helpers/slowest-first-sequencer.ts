/**
 * The order in which vitest starts the test files: the known long files first (longest first), then the others in
 * vitest's own order (by the durations of its results cache, else larger files first). With a few workers, a long
 * file started last is the run's tail while the other workers idle; started first, the short files fill the gaps.
 * A fresh checkout (CI) has no results cache, hence the list. The order changes the run's wall time only, never
 * what a test checks: every file gets its own database and replays.
 */
import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The longest files of a full run on the 2-core machine, longest first (vitest's per-file durations, e.g.
 * `npx vitest run --reporter=json --outputFile=…`), except the fault suite: it goes first, beside the two
 * longest, so that it never runs beside the crash suite's four harvesting processes (its 1 s idle timeout
 * would then see answers late and retry, adding requests to the counts it compares). Keep it to the files of
 * about 10 s or more; a file renamed or removed from here only loses its head start.
 */
export const LONG_FILES: readonly string[] = [
  "test/faults/fault-suite.test.ts",
  "test/ops/topup-fortnight.test.ts",
  "test/orchestration/dag.test.ts",
  "test/e2e/signals.test.ts",
  "test/faults/crash-suite.test.ts",
  "test/ops/dashboards.test.ts",
  "test/e2e/resume.test.ts",
  "test/faults/bounded.test.ts",
  "test/pipeline/lock.test.ts",
  "test/e2e/harvest.test.ts",
  "test/pipeline/steps.test.ts",
  "test/orchestration/exit-codes.test.ts",
  "test/e2e/start.test.ts",
  "test/http/http-client.test.ts",
];

/** Starts {@link LONG_FILES} first, in their order; the rest as {@link BaseSequencer} sorts them. */
export class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONG_FILES.indexOf(path.relative(file.project.config.root, file.moduleId).split(path.sep).join("/"));
      return index === -1 ? LONG_FILES.length : index;
    };
    // Array.prototype.sort is stable: the files not listed keep the base order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
