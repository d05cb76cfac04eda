/**
 * Reporting what two parsing strategies of one page read differently (src/enrichers/parse-common.ts finds it):
 * each disagreement counted in `tv_harvester_scraper_strategy_disagreements_total{site, strategy, field}` (the
 * strategy whose value lost to a more stable one), and the page flagged in the quarantine (kind `flagged`, reason
 * `inconsistent`): the value of the more stable strategy is loaded, so the finding is a warning that a layout
 * shifted a value without removing it, not a rejection.
 */
import type { HarvesterMetrics } from "../metrics/metrics.js";
import type { Quarantine } from "../load/quarantine.js";
import type { PageParse, RatingSite } from "./types.js";

/** What {@link reportDisagreements} needs: the metrics, and the run's quarantine (absent: counted only). */
export interface DisagreementDeps {
  metrics: Pick<HarvesterMetrics, "scraperStrategyDisagreements">;
  quarantine?: Pick<Quarantine, "flag"> | undefined;
}

/** The quarantine's upstream key of a page: its path (`/tv/breaking_bad`), or the URL when it is not one. */
function pageKey(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/**
 * Counts and flags the disagreements of one parsed page of `seriesId` at `url` (absolute). Returns how many there
 * were. Buffered in the quarantine like its other findings (written at its next flush).
 */
export function reportDisagreements(deps: DisagreementDeps, site: RatingSite, seriesId: number, url: string, parse: PageParse): number {
  const found = parse.disagreements ?? [];
  if (found.length === 0) return 0;
  for (const d of found) deps.metrics.scraperStrategyDisagreements.inc({ site, strategy: d.other.strategy, field: d.field });
  deps.quarantine?.flag({
    endpoint: site,
    upstreamKey: pageKey(url),
    issues: found.map((d) => ({
      path: d.field,
      reason: "inconsistent",
      message:
        `${d.other.strategy} read ${d.other.value}${d.other.lowerBound ? "+" : ""}, ` +
        `${d.kept.strategy} read ${d.kept.value}${d.kept.lowerBound ? "+" : ""} (kept: the more stable strategy)`,
    })),
    payload: { seriesId, url, kind: parse.kind, disagreements: found },
  });
  return found.length;
}
