/**
 * Finding a series' page on a ratings site, precision before recall: another show's score is worse than
 * none. Order (see `docs/upstreams.md`, "Finding the right page"):
 * 1. `rating_page_override` (a URL, or null for "no page") beats everything;
 * 2. the cached `rating_page` row, re-resolved only when the page stops answering (404/410);
 * 3. Wikidata's P1258 / P1712 of the series' item;
 * 4. a slug derived from the title, accepted only when the page confirms the series: same normalised title
 *    (or original title) and first year within ± 1 of the first air date.
 * This module holds the pure parts (slugs, verification, paths); the `rating_page` reads and writes are in
 * src/load/rating-pages.ts.
 */
import type { SiteProfile } from "./site-profiles.js";
import type { PageParse } from "./types.js";

/**
 * A series to find pages for. `firstAirDate` is `YYYY-MM-DD`; `wikidataId` a `Q…` id; `seasons` the seasons the
 * run loaded from the details (season pages are fetched only for those that have aired; omitted: every linked one).
 */
export interface ScrapeTarget {
  id: number;
  title: string;
  originalTitle: string;
  firstAirDate: string | null;
  wikidataId: string | null;
  seasons?: readonly { seasonNumber: number; airDate: string | null }[];
}

/** How a page was found: the `rating_page.method` column. */
export type ResolutionMethod = "wikidata" | "slug" | "override";

/**
 * A title reduced for comparison: accents removed, lower case, "&" as "and", apostrophes dropped, other
 * punctuation as spaces. "Schitt's Creek" → "schitts creek"; "Law & Order" → "law and order".
 */
export function normalizeTitle(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/['’‘`]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** A slug in the site's style: `breaking_bad` (Rotten Tomatoes) or `breaking-bad` (Metacritic); "" if none. */
export function slugify(title: string, separator: "_" | "-"): string {
  return normalizeTitle(title)
    .replace(/[^a-z0-9 ]/g, "")
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .join(separator);
}

/** The year of a `YYYY-MM-DD` date, or null. */
export function yearOf(date: string | null): number | null {
  const match = date ? /^(\d{4})-\d{2}-\d{2}/.exec(date) : null;
  return match?.[1] ? Number(match[1]) : null;
}

/**
 * Page ids to try for a series without a known page: the title's slug, then with the first air year
 * appended (the sites' way of telling same-titled shows apart), then the same for the original title.
 */
export function slugCandidates(target: ScrapeTarget, separator: "_" | "-"): string[] {
  const year = yearOf(target.firstAirDate);
  const ids: string[] = [];
  for (const title of [target.title, target.originalTitle]) {
    const slug = slugify(title, separator);
    if (!slug) continue;
    ids.push(`tv/${slug}`);
    if (year !== null) ids.push(`tv/${slug}${separator}${year}`);
  }
  return [...new Set(ids)];
}

/**
 * Whether a parsed page is this series' page: a page of kind series whose title equals the series' title or
 * original title after {@link normalizeTitle}, and whose first year is within ± 1 of the first air date.
 * Without a title, a year or a first air date there is nothing to confirm with, so the answer is no.
 */
export function confirmsSeries(parse: PageParse, target: ScrapeTarget): boolean {
  if (parse.kind !== "series" || parse.title === null || parse.firstYear === null) return false;
  const year = yearOf(target.firstAirDate);
  if (year === null || Math.abs(parse.firstYear - year) > 1) return false;
  const pageTitle = normalizeTitle(parse.title);
  return pageTitle !== "" && (pageTitle === normalizeTitle(target.title) || pageTitle === normalizeTitle(target.originalTitle));
}

/**
 * The request path of a page given as a site page id (`tv/breaking_bad`, as Wikidata holds it), a path
 * (`/tv/breaking_bad`) or an absolute URL (an override or a stored `rating_page.url`; only its path and
 * query are kept, so stored URLs keep working when the configured base URL changes, e.g. to a replay).
 */
export function pagePath(profile: SiteProfile, pageIdOrUrl: string): string {
  let path: string;
  if (/^https?:\/\//i.test(pageIdOrUrl)) {
    const url = new URL(pageIdOrUrl);
    return `${url.pathname}${url.search}`;
  }
  path = pageIdOrUrl.startsWith("/") ? pageIdOrUrl : `/${pageIdOrUrl}`;
  if (profile.trailingSlash && !path.endsWith("/")) path += "/";
  return path;
}
