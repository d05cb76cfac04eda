import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { PUSH_JOB, pushHarvestMetrics } from "../../src/metrics/push.js";
import { freePort } from "../helpers/free-port.js";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { findBinary, parseExposition, startServer, type ServerProcess } from "./processes.js";

const pushgatewayBinary = findBinary("prometheus-pushgateway");
const prometheusBinary = findBinary("prometheus");

/** Samples of job tv_harvester in the gateway's exposition. */
async function groupSamples(url: string, name: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return parseExposition(text).filter((s) => s.name === name && s.labels.job === PUSH_JOB);
}

function runMetrics(outcome: "succeeded" | "failed", lastSuccess?: number): HarvesterMetrics {
  const metrics = new HarvesterMetrics();
  metrics.runsTotal.inc({ outcome });
  metrics.lastRunTimestamp.set(lastSuccess ?? 2_000_000_000);
  if (lastSuccess !== undefined) metrics.setLastSuccess(lastSuccess);
  return metrics;
}

describe.skipIf(!pushgatewayBinary)(
  `push to a real Pushgateway${pushgatewayBinary ? "" : " (skipped: prometheus-pushgateway not installed)"}`,
  () => {
    let gateway: ServerProcess;
    let url: string;
    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      gateway = await startServer(pushgatewayBinary!, [`--web.listen-address=127.0.0.1:${port}`], `${url}/-/ready`);
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("PUTs a succeeded run, and a failed run's POST keeps the last success timestamp", async () => {
      const first = await pushHarvestMetrics(runMetrics("succeeded", 1_700_000_000), url, { succeeded: true });
      expect(first.method).toBe("PUT");
      expect((await groupSamples(url, "tv_harvester_last_success_timestamp_seconds")).map((s) => s.value)).toEqual([1_700_000_000]);

      const second = await pushHarvestMetrics(runMetrics("failed"), url, { succeeded: false });
      expect(second.method).toBe("POST");
      expect(second.metricNames).not.toContain("tv_harvester_last_success_timestamp_seconds");
      expect(second.metricNames).toContain("tv_harvester_harvest_runs_total");
      // The failed run's families replaced the old ones …
      const runs = await groupSamples(url, "tv_harvester_harvest_runs_total");
      expect(runs.map((s) => s.labels.outcome)).toEqual(["failed"]);
      expect((await groupSamples(url, "tv_harvester_last_run_timestamp_seconds")).map((s) => s.value)).toEqual([2_000_000_000]);
      // … but the last success is still the first run's.
      expect((await groupSamples(url, "tv_harvester_last_success_timestamp_seconds")).map((s) => s.value)).toEqual([1_700_000_000]);

      // The next success replaces the whole group (PUT): no stale failed-outcome series remain.
      await pushHarvestMetrics(runMetrics("succeeded", 1_800_000_000), url, { succeeded: true });
      expect((await groupSamples(url, "tv_harvester_harvest_runs_total")).map((s) => s.labels.outcome)).toEqual(["succeeded"]);
      expect((await groupSamples(url, "tv_harvester_last_success_timestamp_seconds")).map((s) => s.value)).toEqual([1_800_000_000]);
    });

    it("a failed run pushed like a success would have lost the timestamp (control)", async () => {
      await pushHarvestMetrics(runMetrics("succeeded", 1_700_000_000), url, { succeeded: true });
      await pushHarvestMetrics(runMetrics("failed"), url, { succeeded: true });
      // The failed run's registry has no last success (unknown: no sample, never 0), and a PUT drops the old one.
      expect((await groupSamples(url, "tv_harvester_last_success_timestamp_seconds")).map((s) => s.value)).toEqual([]);
    });

    it("rejects with the gateway's status and without the URL's credentials", async () => {
      // A base path the gateway does not serve: it answers 404.
      const withCredentials = `${url.replace("http://", "http://user:hunter2@")}/not-a-gateway`;
      const error = await pushHarvestMetrics(runMetrics("succeeded", 1), withCredentials, { succeeded: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message)).toMatch(/status 40\d/);
      expect(String((error as Error).message)).not.toContain("hunter2");
    });

    it.skipIf(!prometheusBinary)("Prometheus scrapes the gateway with prometheus.yml's pushgateway job: the pushed job label is kept", async () => {
      await pushHarvestMetrics(runMetrics("succeeded", 1_700_000_000), url, { succeeded: true });
      // The committed scrape job, pointed at this gateway, scraping every second.
      const committed = parse(readFileSync(path.resolve(import.meta.dirname, "../../prometheus/prometheus.yml"), "utf8")) as {
        scrape_configs: { job_name: string; honor_labels?: boolean; static_configs: { targets: string[] }[] }[];
      };
      const job = committed.scrape_configs.find((c) => c.job_name === "pushgateway")!;
      expect(job.honor_labels).toBe(true);
      job.static_configs = [{ targets: [url.replace("http://", "")] }];
      const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-prom-push-"));
      writeFileSync(path.join(dir, "prometheus.yml"), stringify({ global: { scrape_interval: "1s" }, scrape_configs: [job] }));
      const promPort = await freePort();
      const prometheus = await startServer(
        prometheusBinary!,
        [
          `--config.file=${path.join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${path.join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
        ],
        `http://127.0.0.1:${promPort}/-/ready`,
      );
      try {
        const query = encodeURIComponent('tv_harvester_last_success_timestamp_seconds{job="tv_harvester"}');
        let result: { metric: Record<string, string>; value: [number, string] }[] = [];
        for (let i = 0; i < 40 && result.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 250));
          const body = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${query}`)).json()) as {
            data: { result: typeof result };
          };
          result = body.data.result;
        }
        expect(result).toHaveLength(1);
        expect(result[0]!.value[1]).toBe("1700000000");
        expect(result[0]!.metric.exported_job).toBeUndefined();
      } finally {
        await prometheus.stop();
      }
    });
  },
);
