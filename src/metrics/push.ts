/**
 * Pushes a one-shot harvest's metrics to a Prometheus Pushgateway (prom-client's `Pushgateway`), under
 * job `tv_harvester`.
 *
 * Pushgateway semantics (https://github.com/prometheus/pushgateway#put-method, #post-method): PUT replaces
 * every metric of the grouping key; POST replaces only the metric families present in the pushed body.
 * A succeeded run is pushed with PUT (the group is exactly this run). A failed run is pushed with POST from
 * a registry without `tv_harvester_last_success_timestamp_seconds` (and the freshness gauge derived from
 * it), so the previous run's last-success value survives in the group and the "no successful harvest for
 * 8 days" alert keeps counting from the true last success.
 */
import { Pushgateway, Registry } from "prom-client";
import type { HarvesterMetrics } from "./metrics.js";

/** Job name of the pushed group; prometheus/prometheus.yml and the alert rules expect it. */
export const PUSH_JOB = "tv_harvester";

/** Metric families a failed run must not overwrite in the Pushgateway group. */
export const KEPT_ON_FAILURE = ["tv_harvester_last_success_timestamp_seconds", "tv_harvester_data_freshness_seconds"] as const;

/** What {@link pushHarvestMetrics} did: the HTTP method used and the metric families it sent. */
export interface PushResult {
  method: "PUT" | "POST";
  metricNames: string[];
}

/**
 * Pushes `metrics` to the Pushgateway at `gatewayUrl` (e.g. `http://pushgateway:9091`).
 * @param options.succeeded whether the harvest run succeeded (PUT everything) or not (POST without the
 *   last-success families).
 * @param options.timeoutMs request timeout, milliseconds (default 10000).
 * @param options.groupings labels of the grouping key besides `job` (e.g. `{ step: "details" }` for one step of a
 *   keyed run, so that the steps of a run do not replace each other's group; docs/orchestration.md).
 * @param options.without metric families left out of the push (e.g. the run gauges, from a step that did not end
 *   the run).
 * @throws Error `push failed with status N, <body>` on an HTTP error, or the socket error; the message
 *   never holds the gateway URL (which may carry basic-auth credentials).
 */
export async function pushHarvestMetrics(
  metrics: HarvesterMetrics,
  gatewayUrl: string,
  options: { succeeded: boolean; timeoutMs?: number; groupings?: Record<string, string>; without?: readonly string[] },
): Promise<PushResult> {
  const excluded = [...(options.succeeded ? [] : KEPT_ON_FAILURE), ...(options.without ?? [])];
  const registry = excluded.length === 0 ? metrics.registry : registryWithout(metrics.registry, excluded);
  const gateway = new Pushgateway(gatewayUrl, { timeout: options.timeoutMs ?? 10_000 }, registry);
  const metricNames = registry.getMetricsAsArray().map((m) => m.name);
  if (options.succeeded) {
    await gateway.push({ jobName: PUSH_JOB, ...(options.groupings ? { groupings: options.groupings } : {}) });
    return { method: "PUT", metricNames };
  }
  await gateway.pushAdd({ jobName: PUSH_JOB, ...(options.groupings ? { groupings: options.groupings } : {}) });
  return { method: "POST", metricNames };
}

/** A registry holding the same metric objects as `source` except the named families. */
export function registryWithout(source: Registry, excluded: readonly string[]): Registry {
  const registry = new Registry();
  for (const { name } of source.getMetricsAsArray()) {
    const metric = source.getSingleMetric(name);
    if (metric && !excluded.includes(name)) registry.registerMetric(metric);
  }
  return registry;
}
