import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // Two cores: files run in parallel processes, each with its own database on the shared server.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The second names the tools whose absence skipped tests (Chromium, promtool, …) in one line at the end.
    reporters: ["default", "./test/helpers/missing-tools-reporter.ts"],
  },
});
