import { defineConfig } from "vitest/config";
import { SlowestFirstSequencer } from "./test/helpers/slowest-first-sequencer.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // Files run in three worker processes, each file with its own database on the shared server; the long files
    // start first (test/helpers/slowest-first-sequencer.ts). Three on two cores: many files spend their time
    // waiting (on child processes, Retry-After pauses, deadlines, a Prometheus scrape), and a third worker fills
    // those waits. A worker runs its files one after the other and keeps the modules it imported (isolate: false):
    // a fresh process per file spent more CPU loading Prisma's engine, vitest and the project's modules than most
    // files spend testing. Nothing of a file's leaks into the next: every file creates its own App, databases,
    // servers and registries, and restores what it changes (fake timers, signal handlers). minForks = maxForks:
    // with fewer, tinypool may end an idle worker while vitest recycles it, and the run ends on an unhandled
    // "Terminating worker thread" (exit 1, global teardown skipped, PostgreSQL left running).
    pool: "forks",
    poolOptions: { forks: { maxForks: 3, minForks: 3, isolate: false } },
    sequence: { sequencer: SlowestFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The second names the tools whose absence skipped tests (Chromium, promtool, …) in one line at the end.
    reporters: ["default", "./test/helpers/missing-tools-reporter.ts"],
  },
});
