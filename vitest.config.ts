import { defineConfig } from "vitest/config";
import { SlowestFirstSequencer } from "./test/helpers/slowest-first-sequencer.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // Files run in parallel processes, each with its own database on the shared server. Three on two cores: many
    // files spend their time waiting (on child processes, replays' latency, Retry-After pauses, a Prometheus
    // scrape), and a third worker fills those waits; the long files start first (test/helpers/slowest-first-sequencer.ts).
    pool: "forks",
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    sequence: { sequencer: SlowestFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The second names the tools whose absence skipped tests (Chromium, promtool, …) in one line at the end.
    reporters: ["default", "./test/helpers/missing-tools-reporter.ts"],
  },
});
