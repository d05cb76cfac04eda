/**
 * Progress of a harvest run: a multi-bar (cli-progress) on a terminal with pages, series and enrichments
 * and their ETA; on anything else nothing is drawn and the structured logs tell the story.
 */
import cliProgress from "cli-progress";

/** Bars of a harvest run. */
export type ProgressBarName = "pages" | "series" | "enrichments";

/** What the pipeline reports progress to. */
export interface ProgressReporter {
  /** Starts (or resets) a bar with its total. */
  start(bar: ProgressBarName, total: number): void;
  /** Advances a bar by `n` (default 1). */
  tick(bar: ProgressBarName, n?: number): void;
  /** Removes the bars. */
  stop(): void;
}

/** A reporter that draws nothing. */
export const silentProgress: ProgressReporter = { start() {}, tick() {}, stop() {} };

/** A terminal multi-bar on `stream` (stderr), with value/total and ETA per bar. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const multibar = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: false,
      hideCursor: true,
      format: " {label} [{bar}] {value}/{total} | ETA {eta_formatted}",
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<ProgressBarName, cliProgress.SingleBar>();
  const labels: Record<ProgressBarName, string> = { pages: "pages      ", series: "series     ", enrichments: "enrichments" };
  return {
    start(bar, total) {
      const existing = bars.get(bar);
      if (existing) existing.start(total, 0, { label: labels[bar] });
      else bars.set(bar, multibar.create(total, 0, { label: labels[bar] }));
    },
    tick(bar, n = 1) {
      bars.get(bar)?.increment(n);
    },
    stop() {
      multibar.stop();
    },
  };
}
