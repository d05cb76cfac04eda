/** The counts of the ratings-sites step per site and in total, for the run summary. */

/** Counts of one site, for the run summary. */
export interface SiteScrapeCounts {
  /** Series handled. */
  series: number;
  /** Page requests sent (static HTTP; robots.txt not counted). */
  pagesFetched: number;
  /** Pages on which a strategy matched. */
  pagesParsed: number;
  /** Existing pages on which no strategy matched. */
  layoutChanges: number;
  /** Pages fetched with the browser. */
  browserFallbacks: number;
  /** Series with no page on the site (override "no page", not found, or gone). */
  noPage: number;
  /** Slug pages rejected because they are another show's (title or year differ). */
  slugsRejected: number;
  /** Pages blocked (403/202 not passed) or disallowed by robots.txt. */
  blocked: number;
  /** Fetch failures (network, 5xx after retries, repeated 429, browser failure). */
  errors: number;
  /** Observations produced (scores read). */
  observations: number;
  /** Season pages asked for (fetched, or kept from an earlier attempt of the run); their requests are in `pagesFetched`. */
  seasonPages: number;
  /** Season pages on which a strategy matched. */
  seasonPagesParsed: number;
  /** Season pages refused: not a season page (a redirect to the series page), or another season's. */
  seasonPagesRejected: number;
  /** Season-grain observations produced. */
  seasonObservations: number;
  /** Parsed pages per matched strategy. */
  strategies: Record<string, number>;
}

/** The counters of {@link SiteScrapeCounts} (every field but `strategies`). */
export type SiteCounter = Exclude<keyof SiteScrapeCounts, "strategies">;

/** Counts of a site before its first series. */
export function emptyCounts(): SiteScrapeCounts {
  return {
    series: 0,
    pagesFetched: 0,
    pagesParsed: 0,
    layoutChanges: 0,
    browserFallbacks: 0,
    noPage: 0,
    slugsRejected: 0,
    blocked: 0,
    errors: 0,
    observations: 0,
    seasonPages: 0,
    seasonPagesParsed: 0,
    seasonPagesRejected: 0,
    seasonObservations: 0,
    strategies: {},
  };
}

function isCounter(key: string): key is SiteCounter {
  return key !== "strategies" && key in emptyCounts();
}

/** The sum of every counter over `sites` (the strategies are per site only). Pure. */
export function totalCounts(sites: readonly SiteScrapeCounts[]): Omit<SiteScrapeCounts, "strategies"> {
  const { strategies: _strategies, ...totals } = emptyCounts();
  for (const counts of sites) {
    for (const [key, n] of Object.entries(counts)) if (isCounter(key) && typeof n === "number") totals[key] += n;
  }
  return totals;
}
