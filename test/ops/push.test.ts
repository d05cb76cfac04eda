import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { PUSH_JOB, pushHarvestMetrics } from "../../src/metrics/push.js";
import { freePort } from "../helpers/free-port.js";
import { findBinary, parseExposition, startServer, type ServerProcess } from "./processes.js";

const pushgatewayBinary = findBinary("prometheus-pushgateway");

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

describe.skipIf(!pushgatewayBinary)(`push to a real Pushgateway${pushgatewayBinary ? "" : " (skipped: prometheus-pushgateway not installed)"}`, () => {
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

  it("a failed run pushed like a success would have zeroed the timestamp (control)", async () => {
    await pushHarvestMetrics(runMetrics("succeeded", 1_700_000_000), url, { succeeded: true });
    await pushHarvestMetrics(runMetrics("failed"), url, { succeeded: true });
    expect((await groupSamples(url, "tv_harvester_last_success_timestamp_seconds")).map((s) => s.value)).toEqual([0]);
  });

  it("rejects with the gateway's status and without the URL's credentials", async () => {
    // A base path the gateway does not serve: it answers 404.
    const withCredentials = `${url.replace("http://", "http://user:hunter2@")}/not-a-gateway`;
    const error = await pushHarvestMetrics(runMetrics("succeeded", 1), withCredentials, { succeeded: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/status 40\d/);
    expect(String((error as Error).message)).not.toContain("hunter2");
  });
});
