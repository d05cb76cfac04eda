/**
 * The Tableau workbook `tableau/tv-harvester.twb` as data: its data sources (one `analytics` view each, with the
 * columns the workbook uses), its filters, worksheets, dashboards and actions. `src/tableau/twb.ts` writes it as
 * Tableau's XML; the tests read the same description to run, for every worksheet, the SQL it stands for (its
 * fields, filters and grain) on a real database (test/tableau/).
 *
 * Filters. Genre and platform are many-valued per series (a series has several genres and streams on several
 * platforms), so a quick filter on a bridge view would fan the marks out. Every data source therefore carries the
 * series' filter keys on each row (`genre_keys` '|Crime|Drama|', `platform_keys` '|US:Netflix|'), and the
 * workbook's Genre, Platform and Region are parameters (workbook-wide, so they apply to every sheet of every
 * dashboard, across data sources) whose lists are read from `analytics.*_choices` when the workbook opens; each
 * dashboard sheet keeps the rows of a boolean calculation, `In Selection`, as a context filter. The first-air
 * year is a quick filter (a range) on every dashboard data source, applied to all its worksheets.
 *
 * Grain. Each data source has one grain (its `key`); each worksheet says what one mark is (`grain`). A measure
 * summed or averaged over rows gets each series once per mark (the tests check it on the demo database).
 */

/** Tableau's data types for the columns of a view (its PostgreSQL types: text → string, integer/bigint → integer,
 * numeric → real, boolean, date, timestamptz → datetime). */
export type TableauDatatype = "string" | "integer" | "real" | "boolean" | "date" | "datetime";

/** A column of a view as the workbook declares it. */
export interface ColumnSpec {
  name: string;
  caption: string;
  datatype: TableauDatatype;
  role: "dimension" | "measure";
}

/** A calculated field: its Tableau formula and the SQL expression over the view's columns it stands for. */
export interface CalculationSpec extends ColumnSpec {
  formula: string;
  sql: string;
}

/** How a data source's rows meet the Genre / Platform / Region parameters. */
export type SelectionKind =
  /** genre_keys and platform_keys ('|US:Netflix|'); Region only matters with a platform chosen. */
  | "keys"
  /** genre_keys; the row's own `region` and `platform` columns (a region × platform grain). */
  | "platform-columns";

/** One data source: a view of schema `analytics`, read live as the reader role. */
export interface DataSourceSpec {
  /** Tableau's data source name (`federated.<view>`). */
  name: string;
  caption: string;
  /** The view, in schema analytics. */
  view: string;
  /** The columns that make a row unique: the data source's grain. */
  key: string[];
  columns: ColumnSpec[];
  calculations: CalculationSpec[];
  /** The dashboards' parameters filter this data source (an `In Selection` calculation); none for profile-only ones. */
  selection?: SelectionKind;
  /** A first-air year quick filter applied to all worksheets of this data source. */
  yearFilter?: boolean;
}

/** Aggregations used on shelves. `none` is a dimension (a mark key); the others aggregate the rows of a mark. */
export type Aggregation = "none" | "sum" | "avg" | "min" | "max" | "countd" | "attr";

/** A field on a shelf: a column or calculation of the sheet's data source, aggregated or not. */
export interface FieldUse {
  column: string;
  agg: Aggregation;
  /** A continuous (green) dimension such as a date-time axis; measures are always continuous. */
  continuous?: boolean;
}

/** An extra categorical filter of one worksheet (with a quick filter on its dashboard). */
export interface SheetFilterSpec {
  column: string;
  /** Values kept by default; none = all. */
  values?: string[];
  /** The quick filter's mode on the dashboard. */
  mode: "checkdropdown" | "radiolist" | "dropdown";
}

/** A worksheet. */
export interface SheetSpec {
  name: string;
  /** Data source name. */
  datasource: string;
  mark: "Bar" | "Line" | "Circle" | "Text" | "Square";
  rows: FieldUse[];
  cols: FieldUse[];
  color?: FieldUse;
  /** Label / text of the marks. */
  text?: FieldUse[];
  /** Level of detail: fields that split marks without a shelf (series_id for drill-down). */
  detail?: FieldUse[];
  tooltip?: FieldUse[];
  /** What one mark is: the columns that key it (the tests check marks at this grain). */
  grain: string[];
  /** Keep the top `count` members of `column` by `by` (after the context filters). */
  top?: { column: string; count: number; by: FieldUse };
  /** Sort `column` descending by `by`. */
  sort?: { column: string; by: FieldUse };
  filters?: SheetFilterSpec[];
  /** Marks of one series: the sheet is a source of the drill-down to the Show Profile dashboard. */
  drillDown?: boolean;
  /** Shown on the Show Profile dashboard: filtered by the drill-down, not by the dashboards' parameters. */
  profile?: boolean;
}

/** A dashboard: its sheets, top to bottom, and whether it carries the Genre / Platform / Region / year filters. */
export interface DashboardSpec {
  name: string;
  sheets: string[];
  filters: boolean;
  /** A web page object (the poster) the profile's URL action loads. */
  poster?: boolean;
}

/** A workbook parameter with a list read from a view's column when the workbook opens (Tableau 2020.1+). */
export interface ParameterSpec {
  name: string;
  caption: string;
  /** Default value. */
  value: string;
  /** The data source and column the list is refreshed from. */
  source: { datasource: string; column: string };
}

/** A URL action of the profile sheet: opens a page (or loads the poster into the dashboard's web object). */
export interface UrlActionSpec {
  caption: string;
  column: string;
  toPoster?: boolean;
}

/** The whole workbook. */
export interface WorkbookSpec {
  datasources: DataSourceSpec[];
  parameters: ParameterSpec[];
  sheets: SheetSpec[];
  dashboards: DashboardSpec[];
  /** The dashboard every drill-down lands on, and the column it filters on (same name in every data source). */
  drillDown: { target: string; column: string };
  urlActions: { sheet: string; actions: UrlActionSpec[] };
}

const dim = (name: string, caption: string, datatype: TableauDatatype): ColumnSpec => ({ name, caption, datatype, role: "dimension" });
const measure = (name: string, caption: string, datatype: TableauDatatype): ColumnSpec => ({ name, caption, datatype, role: "measure" });
/** A field on a shelf. */
export const use = (column: string, agg: Aggregation = "none", continuous = false): FieldUse => ({ column, agg, continuous });

/** The parameters' names, as formulas reference them (`[Parameters].[Genre]`). */
export const PARAMETER = { genre: "Genre", platform: "Platform", region: "Region" } as const;
/** The parameters' "no restriction" value (also a row of analytics.genre_choices / platform_choices). */
export const ALL = "(All)";
/** The name of the boolean calculation each dashboard data source is filtered on. */
export const IN_SELECTION = "in_selection";

const p = (name: string) => `[Parameters].[${name}]`;
const GENRE_FORMULA = `(${p(PARAMETER.genre)} = "${ALL}" OR CONTAINS([genre_keys], "|" + ${p(PARAMETER.genre)} + "|"))`;
const SELECTION_FORMULA: Record<SelectionKind, string> = {
  keys: `${GENRE_FORMULA} AND (${p(PARAMETER.platform)} = "${ALL}" OR CONTAINS([platform_keys], "|" + ${p(PARAMETER.region)} + ":" + ${p(PARAMETER.platform)} + "|"))`,
  "platform-columns": `${GENRE_FORMULA} AND [region] = ${p(PARAMETER.region)} AND (${p(PARAMETER.platform)} = "${ALL}" OR [platform] = ${p(PARAMETER.platform)})`,
};

/** Values of the three parameters. */
export interface SelectionValues {
  genre: string;
  platform: string;
  region: string;
}

/** A SQL string literal. */
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * The SQL condition a data source's `In Selection` stands for, for given parameter values (the same test as the
 * Tableau formula: CONTAINS on the delimited keys; `(All)` keeps every row).
 */
export function selectionSql(kind: SelectionKind, values: SelectionValues): string {
  const genre = values.genre === ALL ? "true" : `strpos(genre_keys, ${lit(`|${values.genre}|`)}) > 0`;
  if (kind === "keys") {
    const platform = values.platform === ALL ? "true" : `strpos(platform_keys, ${lit(`|${values.region}:${values.platform}|`)}) > 0`;
    return `(${genre}) AND (${platform})`;
  }
  const platform = values.platform === ALL ? "true" : `platform = ${lit(values.platform)}`;
  return `(${genre}) AND region = ${lit(values.region)} AND (${platform})`;
}

function selectionCalculation(kind: SelectionKind): CalculationSpec {
  return {
    ...dim(IN_SELECTION, "In Selection", "boolean"),
    formula: SELECTION_FORMULA[kind],
    sql: "(selection)",
  };
}

/** "1,000,000+" for a lower-bound count, as the sites show banded counts. */
const votesLabel = (count: string, flag: string): CalculationSpec => ({
  ...dim("votes_label", "Votes", "string"),
  formula: `IF ISNULL([${count}]) THEN "" ELSE STR([${count}]) + IIF([${flag}], "+", "") END`,
  sql: `CASE WHEN ${count} IS NULL THEN '' ELSE ${count}::text || CASE WHEN ${flag} THEN '+' ELSE '' END END`,
});

const scoreOf = (name: string, caption: string, source: string): CalculationSpec => ({
  ...measure(name, caption, "real"),
  formula: `IF [source] = "${source}" THEN [score_normalized] END`,
  sql: `CASE WHEN source = ${lit(source)} THEN score_normalized END`,
});

const FILTER_KEYS = [dim("genre_keys", "Genre Keys", "string"), dim("platform_keys", "Platform Keys", "string")];
const SERIES = [dim("series_id", "Series Id", "integer"), dim("title", "Title", "string"), dim("release_year", "First-Air Year", "integer")];
const COUNT = [measure("vote_count", "Vote Count", "integer"), dim("vote_count_is_lower_bound", "Count Is Lower Bound", "boolean")];

const TOP = "federated.top_rated_streaming";
const GENRES = "federated.series_genre_ratings";
const TREND = "federated.trend_ratings";
const COMPARED = "federated.series_source_ratings";
const PROFILE = "federated.series_profile";
const HISTORY = "federated.rating_history";
const SEASONS = "federated.seasons";

/** The workbook. Names of sheets and dashboards are what analysts see. */
export const WORKBOOK: WorkbookSpec = {
  datasources: [
    {
      name: TOP,
      caption: "Top-Rated by Platform",
      view: "top_rated_streaming",
      key: ["region", "platform", "series_id"],
      selection: "platform-columns",
      yearFilter: true,
      columns: [
        dim("region", "Watch Region", "string"),
        dim("platform", "Platform", "string"),
        dim("offer_types", "Offer Types", "string"),
        ...SERIES,
        ...FILTER_KEYS,
        dim("ranking_source", "Ranking Source", "string"),
        measure("weighted_score", "Weighted Score (0–100)", "real"),
        measure("score_normalized", "Score (0–100)", "real"),
        ...COUNT,
        measure("rank_in_platform", "Rank in Platform", "integer"),
        dim("in_latest_listing", "In Latest Listing", "boolean"),
      ],
      calculations: [selectionCalculation("platform-columns"), votesLabel("vote_count", "vote_count_is_lower_bound")],
    },
    {
      name: GENRES,
      caption: "Ratings by Genre",
      view: "series_genre_ratings",
      key: ["series_id", "genre", "source"],
      selection: "keys",
      yearFilter: true,
      columns: [
        ...SERIES,
        dim("genre", "Genre", "string"),
        ...FILTER_KEYS,
        dim("source", "Source Key", "string"),
        dim("source_name", "Source", "string"),
        measure("score_normalized", "Score (0–100)", "real"),
        ...COUNT,
      ],
      calculations: [selectionCalculation("keys")],
    },
    {
      name: TREND,
      caption: "Rating Snapshots",
      view: "trend_ratings",
      key: ["snapshot_run_id", "series_id", "source"],
      selection: "keys",
      yearFilter: true,
      columns: [
        dim("snapshot_run_id", "Snapshot Run", "integer"),
        dim("snapshot_at", "Snapshot At", "datetime"),
        ...SERIES,
        ...FILTER_KEYS,
        dim("source", "Source Key", "string"),
        dim("source_name", "Source", "string"),
        measure("score_normalized", "Score (0–100)", "real"),
        ...COUNT,
        dim("value_at", "Value Fetched At", "datetime"),
        measure("value_age_days", "Value Age (days)", "real"),
        dim("refreshed_in_run", "Refreshed in Run", "boolean"),
      ],
      calculations: [selectionCalculation("keys")],
    },
    {
      name: COMPARED,
      caption: "Latest Ratings by Source",
      view: "series_source_ratings",
      key: ["series_id", "source"],
      selection: "keys",
      yearFilter: true,
      columns: [
        ...SERIES,
        ...FILTER_KEYS,
        dim("source", "Source Key", "string"),
        dim("source_name", "Source", "string"),
        measure("score", "Score (source scale)", "real"),
        measure("score_normalized", "Score (0–100)", "real"),
        ...COUNT,
        dim("rated_at", "Rated At", "datetime"),
        measure("weighted_score", "Weighted Score (0–100)", "real"),
        dim("in_latest_listing", "In Latest Listing", "boolean"),
      ],
      calculations: [
        selectionCalculation("keys"),
        votesLabel("vote_count", "vote_count_is_lower_bound"),
        scoreOf("imdb_score", "IMDb (0–100)", "imdb"),
        scoreOf("metascore", "Metascore (0–100)", "metacritic_critics"),
      ],
    },
    {
      name: PROFILE,
      caption: "Series Profile",
      view: "series_profile",
      key: ["series_id"],
      columns: [
        ...SERIES,
        dim("original_title", "Original Title", "string"),
        dim("status", "Status", "string"),
        dim("first_air_date", "First Air Date", "date"),
        dim("last_air_date", "Last Air Date", "date"),
        measure("number_of_seasons", "Seasons", "integer"),
        measure("number_of_episodes", "Episodes", "integer"),
        dim("genres", "Genres", "string"),
        dim("networks", "Networks", "string"),
        dim("platforms", "Platforms", "string"),
        dim("content_ratings", "Content Ratings", "string"),
        dim("creators", "Creators", "string"),
        dim("plot", "Plot", "string"),
        dim("poster_url", "Poster URL", "string"),
        dim("tmdb_url", "TMDB Page", "string"),
        dim("imdb_url", "IMDb Page", "string"),
        dim("rotten_tomatoes_url", "Rotten Tomatoes Page", "string"),
        dim("metacritic_url", "Metacritic Page", "string"),
      ],
      calculations: [],
    },
    {
      name: HISTORY,
      caption: "Rating History",
      view: "rating_history",
      key: ["series_id", "source", "run_id"],
      columns: [
        dim("series_id", "Series Id", "integer"),
        dim("title", "Title", "string"),
        dim("source", "Source Key", "string"),
        dim("source_name", "Source", "string"),
        dim("run_id", "Run", "integer"),
        dim("harvested_at", "Harvested At", "datetime"),
        measure("score", "Score (source scale)", "real"),
        measure("score_normalized", "Score (0–100)", "real"),
        ...COUNT,
      ],
      calculations: [],
    },
    {
      name: SEASONS,
      caption: "Seasons",
      view: "seasons",
      key: ["series_id", "season_number"],
      columns: [
        dim("series_id", "Series Id", "integer"),
        dim("season_number", "Season", "integer"),
        dim("season_name", "Season Name", "string"),
        dim("air_date", "Air Date", "date"),
        measure("episode_count", "Episodes", "integer"),
      ],
      calculations: [],
    },
    {
      name: "federated.genre_choices",
      caption: "Genre Choices",
      view: "genre_choices",
      key: ["genre"],
      columns: [dim("genre", "Genre", "string")],
      calculations: [],
    },
    {
      name: "federated.platform_choices",
      caption: "Platform Choices",
      view: "platform_choices",
      key: ["platform"],
      columns: [dim("platform", "Platform", "string")],
      calculations: [],
    },
    {
      name: "federated.region_choices",
      caption: "Region Choices",
      view: "region_choices",
      key: ["region"],
      columns: [dim("region", "Watch Region", "string")],
      calculations: [],
    },
  ],
  parameters: [
    { name: PARAMETER.genre, caption: "Genre", value: ALL, source: { datasource: "federated.genre_choices", column: "genre" } },
    { name: PARAMETER.platform, caption: "Platform", value: ALL, source: { datasource: "federated.platform_choices", column: "platform" } },
    { name: PARAMETER.region, caption: "Watch Region", value: "US", source: { datasource: "federated.region_choices", column: "region" } },
  ],
  sheets: [
    {
      name: "Top-Rated Series",
      datasource: TOP,
      mark: "Bar",
      rows: [use("platform"), use("title")],
      cols: [use("weighted_score", "min")],
      color: use("vote_count_is_lower_bound"),
      text: [use("votes_label", "attr")],
      detail: [use("series_id")],
      tooltip: [
        use("ranking_source", "attr"),
        use("score_normalized", "min"),
        use("vote_count", "min"),
        use("offer_types", "attr"),
        use("in_latest_listing", "attr"),
      ],
      grain: ["platform", "series_id"],
      top: { column: "series_id", count: 10, by: use("weighted_score", "min") },
      sort: { column: "title", by: use("weighted_score", "min") },
      drillDown: true,
    },
    {
      name: "Platform Summary",
      datasource: TOP,
      mark: "Bar",
      rows: [use("platform")],
      cols: [use("series_id", "countd"), use("weighted_score", "avg")],
      grain: ["platform"],
      sort: { column: "platform", by: use("weighted_score", "avg") },
    },
    {
      name: "Genre Score Distribution",
      datasource: GENRES,
      mark: "Circle",
      rows: [use("score_normalized", "avg")],
      cols: [use("genre")],
      color: use("source_name"),
      detail: [use("series_id"), use("title")],
      grain: ["genre", "source_name", "series_id"],
      filters: [{ column: "source_name", mode: "checkdropdown" }],
      drillDown: true,
    },
    {
      name: "Series per Genre",
      datasource: GENRES,
      mark: "Bar",
      rows: [use("genre")],
      cols: [use("series_id", "countd")],
      grain: ["genre"],
      sort: { column: "genre", by: use("series_id", "countd") },
    },
    {
      name: "Rating Trend",
      datasource: TREND,
      mark: "Line",
      rows: [use("score_normalized", "avg")],
      cols: [use("snapshot_at", "none", true)],
      color: use("source_name"),
      detail: [use("snapshot_run_id")],
      tooltip: [use("series_id", "countd"), use("value_age_days", "avg")],
      grain: ["snapshot_run_id", "snapshot_at", "source_name"],
    },
    {
      name: "Series Trajectories",
      datasource: TREND,
      mark: "Line",
      rows: [use("score_normalized", "avg")],
      cols: [use("snapshot_at", "none", true)],
      color: use("title"),
      detail: [use("series_id")],
      tooltip: [use("value_at", "max"), use("refreshed_in_run", "attr")],
      grain: ["snapshot_at", "title", "series_id"],
      filters: [{ column: "source_name", values: ["IMDb rating"], mode: "radiolist" }],
      drillDown: true,
    },
    {
      name: "Source Averages",
      datasource: COMPARED,
      mark: "Bar",
      rows: [use("source_name")],
      cols: [use("score_normalized", "avg")],
      tooltip: [use("series_id", "countd")],
      grain: ["source_name"],
    },
    {
      name: "IMDb vs Metascore",
      datasource: COMPARED,
      mark: "Circle",
      rows: [use("metascore", "min")],
      cols: [use("imdb_score", "min")],
      detail: [use("series_id"), use("title")],
      grain: ["series_id", "title"],
      drillDown: true,
    },
    {
      name: "Scores by Series",
      datasource: COMPARED,
      mark: "Square",
      rows: [use("title")],
      cols: [use("source_name")],
      color: use("score_normalized", "avg"),
      text: [use("score_normalized", "avg")],
      detail: [use("series_id")],
      tooltip: [use("votes_label", "attr"), use("rated_at", "max"), use("in_latest_listing", "attr")],
      grain: ["title", "series_id", "source_name"],
      drillDown: true,
    },
    {
      name: "Profile",
      datasource: PROFILE,
      mark: "Text",
      rows: [use("title"), use("release_year"), use("status"), use("content_ratings"), use("creators"), use("networks"), use("platforms")],
      cols: [],
      text: [use("number_of_seasons", "sum"), use("number_of_episodes", "sum")],
      detail: [use("series_id"), use("poster_url"), use("tmdb_url"), use("imdb_url"), use("rotten_tomatoes_url"), use("metacritic_url")],
      tooltip: [use("plot", "attr")],
      grain: ["series_id"],
      profile: true,
    },
    {
      name: "Latest Scores",
      datasource: COMPARED,
      mark: "Text",
      rows: [use("source_name")],
      cols: [],
      text: [use("score", "min"), use("score_normalized", "min"), use("votes_label", "attr"), use("rated_at", "max")],
      detail: [use("series_id")],
      grain: ["series_id", "source_name"],
      profile: true,
    },
    {
      name: "Score History",
      datasource: HISTORY,
      mark: "Line",
      rows: [use("score_normalized", "avg")],
      cols: [use("harvested_at", "none", true)],
      color: use("source_name"),
      detail: [use("series_id"), use("run_id")],
      tooltip: [use("score", "min"), use("vote_count", "min")],
      grain: ["series_id", "source_name", "run_id", "harvested_at"],
      profile: true,
    },
    {
      name: "Seasons",
      datasource: SEASONS,
      mark: "Text",
      rows: [use("season_number"), use("season_name"), use("air_date")],
      cols: [],
      text: [use("episode_count", "sum")],
      detail: [use("series_id")],
      grain: ["series_id", "season_number", "season_name", "air_date"],
      profile: true,
    },
  ],
  dashboards: [
    { name: "Top-Rated Series by Platform", sheets: ["Top-Rated Series", "Platform Summary"], filters: true },
    { name: "Rating Distribution Across Genres", sheets: ["Genre Score Distribution", "Series per Genre"], filters: true },
    { name: "Trends in Ratings Over Time", sheets: ["Rating Trend", "Series Trajectories"], filters: true },
    { name: "Multi-Source Rating Comparison", sheets: ["Source Averages", "IMDb vs Metascore", "Scores by Series"], filters: true },
    { name: "Show Profile", sheets: ["Profile", "Latest Scores", "Score History", "Seasons"], filters: false, poster: true },
  ],
  drillDown: { target: "Show Profile", column: "series_id" },
  urlActions: {
    sheet: "Profile",
    actions: [
      { caption: "Show the poster", column: "poster_url", toPoster: true },
      { caption: "Open on TMDB", column: "tmdb_url" },
      { caption: "Open on IMDb", column: "imdb_url" },
      { caption: "Open on Rotten Tomatoes", column: "rotten_tomatoes_url" },
      { caption: "Open on Metacritic", column: "metacritic_url" },
    ],
  },
};

/** The data source of a name. @throws Error when the workbook has none of that name. */
export function datasourceOf(spec: WorkbookSpec, name: string): DataSourceSpec {
  const ds = spec.datasources.find((d) => d.name === name);
  if (!ds) throw new Error(`no data source ${name}`);
  return ds;
}

/** A column or calculation of a data source. @throws Error when it declares none of that name. */
export function fieldOf(ds: DataSourceSpec, name: string): ColumnSpec | CalculationSpec {
  const field = [...ds.columns, ...ds.calculations].find((c) => c.name === name);
  if (!field) throw new Error(`${ds.name} declares no field ${name}`);
  return field;
}

/** Every field a sheet puts on a shelf, a mark property, the level of detail or the tooltip. */
export function sheetFields(sheet: SheetSpec): FieldUse[] {
  return [
    ...sheet.rows,
    ...sheet.cols,
    ...(sheet.color ? [sheet.color] : []),
    ...(sheet.text ?? []),
    ...(sheet.detail ?? []),
    ...(sheet.tooltip ?? []),
  ];
}
