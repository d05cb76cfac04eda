/**
 * The demo catalogue: 50 well-known series with plausible metadata and ratings, written by the project
 * (not recorded from any upstream). The replay dataset (src/replay/dataset.ts) turns these seeds into
 * responses in the exact shapes of TMDB, OMDb, Wikidata, Rotten Tomatoes and Metacritic, so `npm start`
 * without credentials runs the real pipeline against a local replay. Values are illustrative.
 */

/** Scores of a series on the ratings sites (null: the site has no page for it). */
export interface SiteScoresSeed {
  slug: string;
  critics: number | null;
  criticsCount: number | null;
  audience: number | null;
  audienceCount: number | null;
  /** Season pages of the series on the site (the series page links them); absent: none. */
  seasons?: SeasonScoresSeed[];
}

/** One season page's scores: critics 0–100, audience on the site's scale (RT 0–100, Metacritic 0–10); null: none yet. */
export interface SeasonScoresSeed {
  seasonNumber: number;
  critics: number | null;
  criticsCount: number | null;
  audience: number | null;
  audienceCount: number | null;
}

/** One series of the replay dataset, in our own field names. */
export interface SeriesSeed {
  tmdbId: number;
  title: string;
  originalTitle: string;
  firstAirDate: string;
  lastAirDate: string | null;
  status: "Ended" | "Returning Series" | "Canceled";
  language: string;
  countries: string[];
  genreIds: number[];
  networkIds: number[];
  seasons: number;
  episodes: number;
  imdbId: string | null;
  wikidataId: string | null;
  tmdbVote: number;
  tmdbVoteCount: number;
  /** IMDb rating and votes as OMDb reports them; null: OMDb does not know the id. */
  imdb: { rating: number | null; votes: number | null } | null;
  overview: string;
  rottenTomatoes: SiteScoresSeed | null;
  metacritic: SiteScoresSeed | null;
}

/** TMDB's TV genre list (ids and English names as `/genre/tv/list` returns them). */
export const TV_GENRES: { id: number; name: string }[] = [
  { id: 10759, name: "Action & Adventure" },
  { id: 16, name: "Animation" },
  { id: 35, name: "Comedy" },
  { id: 80, name: "Crime" },
  { id: 99, name: "Documentary" },
  { id: 18, name: "Drama" },
  { id: 10751, name: "Family" },
  { id: 10762, name: "Kids" },
  { id: 9648, name: "Mystery" },
  { id: 10763, name: "News" },
  { id: 10764, name: "Reality" },
  { id: 10765, name: "Sci-Fi & Fantasy" },
  { id: 10766, name: "Soap" },
  { id: 10767, name: "Talk" },
  { id: 10768, name: "War & Politics" },
  { id: 37, name: "Western" },
];

/** Networks used by the catalogue: id → [name, origin country]. */
export const NETWORKS: Record<number, [string, string]> = {
  174: ["AMC", "US"],
  49: ["HBO", "US"],
  16: ["CBS", "US"],
  213: ["Netflix", ""],
  4: ["BBC One", "GB"],
  6: ["NBC", "US"],
  1024: ["Prime Video", ""],
  2739: ["Disney+", ""],
  2552: ["Apple TV+", ""],
  88: ["FX", "US"],
  67: ["Showtime", "US"],
  80: ["Adult Swim", "US"],
  332: ["BBC Two", "GB"],
  26: ["Channel 4", "GB"],
  1112: ["Crunchyroll", "US"],
  57: ["Nippon TV", "JP"],
  56: ["Cartoon Network", "US"],
  13: ["Nickelodeon", "US"],
  453: ["Hulu", "US"],
  19: ["FOX", "US"],
  2: ["ABC", "US"],
  614: ["Tokyo MX", "JP"],
  318: ["Starz", "US"],
};

type Row = [
  tmdbId: number,
  title: string,
  firstAir: string,
  lastAir: string | null,
  status: SeriesSeed["status"],
  lang: string,
  countries: string,
  genres: number[],
  networks: number[],
  seasons: number,
  episodes: number,
  imdbId: string | null,
  wikidataId: string | null,
  tmdbVote: number,
  tmdbCount: number,
  imdbRating: number | null,
  imdbVotes: number | null,
  overview: string,
];

const ROWS: Row[] = [
  [1396, "Breaking Bad", "2008-01-20", "2013-09-29", "Ended", "en", "US", [18, 80], [174], 5, 62, "tt0903747", "Q1079", 8.9, 15210, 9.5, 2212015, "A chemistry teacher facing a terminal diagnosis turns to making methamphetamine to provide for his family."],
  [1399, "Game of Thrones", "2011-04-17", "2019-05-19", "Ended", "en", "US", [10765, 18, 10759], [49], 8, 73, "tt0944947", "Q23572", 8.5, 25100, 9.2, 2401000, "Noble families fight for control of the Iron Throne while an ancient enemy returns from the north."],
  [87108, "Chernobyl", "2019-05-06", "2019-06-03", "Ended", "en", "US,GB", [18], [49], 1, 5, "tt7366338", "Q55685513", 8.7, 6900, 9.3, 930000, "The 1986 nuclear disaster and the people who tried to contain it."],
  [1438, "The Wire", "2002-06-02", "2008-03-09", "Ended", "en", "US", [80, 18], [49], 5, 60, "tt0306414", "Q478360", 8.6, 2300, 9.3, 380000, "Baltimore's drug trade seen through the eyes of dealers and the police who pursue them."],
  [1398, "The Sopranos", "1999-01-10", "2007-06-10", "Ended", "en", "US", [18, 80], [49], 6, 86, "tt0141842", "Q23628", 8.6, 3100, 9.2, 480000, "A New Jersey mob boss balances family life with running a criminal organisation."],
  [4613, "Band of Brothers", "2001-09-09", "2001-11-04", "Ended", "en", "US,GB", [10768, 18, 10759], [49], 1, 10, "tt0185906", "Q188573", 8.6, 4000, 9.4, 550000, "Easy Company of the 101st Airborne from training to the end of the Second World War."],
  [60059, "Better Call Saul", "2015-02-08", "2022-08-15", "Ended", "en", "US", [80, 18], [174], 6, 63, "tt3032476", "Q16845045", 8.7, 5300, 9.0, 680000, "The transformation of small-time lawyer Jimmy McGill into Saul Goodman."],
  [94605, "Arcane", "2021-11-06", "2024-11-23", "Ended", "en", "US,FR", [16, 10765, 10759, 18], [213], 2, 18, "tt11126994", "Q65250249", 8.7, 5400, 9.0, 390000, "Two sisters fight on opposite sides of a war between a utopian city and its oppressed undercity."],
  [19885, "Sherlock", "2010-07-25", "2017-01-15", "Ended", "en", "GB", [80, 18, 9648], [4], 4, 13, "tt1475582", "Q192837", 8.5, 5000, 9.1, 1000000, "A modern update finds the famous detective and his doctor partner solving crime in London."],
  [1668, "Friends", "1994-09-22", "2004-05-06", "Ended", "en", "US", [35], [6], 10, 236, "tt0108778", "Q79784", 8.4, 8600, 8.9, 1100000, "Six friends navigate work and love in Manhattan."],
  [2316, "The Office", "2005-03-24", "2013-05-16", "Ended", "en", "US", [35], [6], 9, 201, "tt0386676", "Q23831", 8.6, 4300, 9.0, 700000, "A mockumentary on the everyday lives of office employees at a paper company."],
  [66732, "Stranger Things", "2016-07-15", "2025-12-31", "Ended", "en", "US", [18, 10765, 9648], [213], 5, 42, "tt4574334", "Q21778553", 8.6, 18000, 8.7, 1400000, "A boy vanishes and a small town uncovers secret experiments and a girl with powers."],
  [67070, "Fleabag", "2016-07-21", "2019-04-08", "Ended", "en", "GB", [35, 18], [332, 1024], 2, 12, "tt5687612", "Q23013694", 8.1, 1500, 8.7, 110000, "A woman navigates life and loss in London, breaking the fourth wall."],
  [76331, "Succession", "2018-06-03", "2023-05-28", "Ended", "en", "US", [18], [49], 4, 39, "tt7660850", "Q45289419", 8.4, 2900, 8.8, 290000, "The Roy family fights for control of a global media empire."],
  [46648, "True Detective", "2014-01-12", null, "Returning Series", "en", "US", [18, 80, 9648], [49], 4, 30, "tt2356777", "Q15054424", 8.3, 3600, 8.9, 670000, "Police investigations unearth personal and professional secrets."],
  [70523, "Dark", "2017-12-01", "2020-06-27", "Ended", "de", "DE", [80, 18, 10765, 9648], [213], 3, 26, "tt5753856", "Q28859186", 8.4, 6700, 8.7, 460000, "A missing child sets four families on a hunt through time."],
  [62560, "Mr. Robot", "2015-06-24", "2019-12-22", "Ended", "en", "US", [80, 18], [6], 4, 45, "tt4158110", "Q19366232", 8.3, 4300, 8.5, 420000, "A cybersecurity engineer is recruited by an underground group of hackers."],
  [60625, "Rick and Morty", "2013-12-02", null, "Returning Series", "en", "US", [16, 35, 10765, 10759], [80], 8, 81, "tt2861424", "Q5189845", 8.7, 10000, 9.1, 620000, "A mad scientist drags his grandson on interdimensional adventures."],
  [60574, "Peaky Blinders", "2013-09-12", "2022-04-03", "Ended", "en", "GB", [18, 80], [332, 4], 6, 36, "tt2442560", "Q8017046", 8.5, 9600, 8.8, 700000, "A Birmingham gang family rises after the First World War."],
  [42009, "Black Mirror", "2011-12-04", null, "Returning Series", "en", "GB", [10765, 18, 9648], [26, 213], 7, 33, "tt2085059", "Q2078211", 8.3, 5400, 8.7, 650000, "Stand-alone stories on technology's dark side."],
  [60622, "Fargo", "2014-04-15", null, "Returning Series", "en", "US", [80, 18], [88], 5, 51, "tt2802850", "Q15811186", 8.3, 2500, 8.9, 420000, "Crime stories of deception and murder in the American Midwest."],
  [63351, "Narcos", "2015-08-28", "2017-09-01", "Ended", "en", "US", [80, 18], [213], 3, 30, "tt2707408", "Q19819155", 8.1, 2900, 8.7, 450000, "The rise of the cocaine trade in Colombia and the agents who fought it."],
  [76479, "The Boys", "2019-07-25", null, "Returning Series", "en", "US", [10765, 10759], [1024], 4, 32, "tt1190634", "Q56102331", 8.5, 10000, 8.7, 700000, "Vigilantes take on superheroes who abuse their powers."],
  [63247, "Westworld", "2016-10-02", "2022-08-14", "Canceled", "en", "US", [37, 10765], [49], 4, 36, "tt0475784", "Q20202893", 8.0, 4800, 8.5, 530000, "A futuristic theme park where hosts begin to question their reality."],
  [71446, "Money Heist", "2017-05-02", "2021-12-03", "Ended", "es", "ES", [80, 18], [213], 5, 41, "tt6468322", "Q29950297", 8.2, 18000, 8.2, 530000, "A criminal mastermind plans the biggest heist in Spanish history."],
  [65494, "The Crown", "2016-11-04", "2023-12-14", "Ended", "en", "GB", [18], [213], 6, 60, "tt4786824", "Q20995049", 8.2, 2900, 8.6, 250000, "The reign of Queen Elizabeth II, from her wedding to the present day."],
  [1400, "Seinfeld", "1989-07-05", "1998-05-14", "Ended", "en", "US", [35], [6], 9, 180, "tt0098904", "Q23733", 8.3, 2300, 8.9, 340000, "A stand-up comedian and his friends in New York, a show about nothing."],
  [1920, "Twin Peaks", "1990-04-08", "2017-09-03", "Ended", "en", "US", [18, 9648, 80], [2, 67], 3, 48, "tt0098936", "Q2085", 8.1, 1900, 8.8, 220000, "An FBI agent investigates the murder of a homecoming queen in a strange town."],
  [1429, "Attack on Titan", "2013-04-07", "2023-11-05", "Ended", "ja", "JP", [16, 10765, 10759], [1112, 57], 4, 94, "tt2560140", "Q1143125", 8.7, 6900, 9.1, 580000, "Humanity fights for survival behind walls against man-eating giants."],
  [13916, "Death Note", "2006-10-04", "2007-06-27", "Ended", "ja", "JP", [16, 9648, 10765], [57], 1, 37, "tt0877057", "Q492245", 8.6, 4100, 8.9, 420000, "A student finds a notebook that kills anyone whose name is written in it."],
  [246, "Avatar: The Last Airbender", "2005-02-21", "2008-07-19", "Ended", "en", "US", [16, 10759, 10765], [13], 3, 61, "tt0417299", "Q11572", 8.7, 4500, 9.3, 380000, "A young Avatar must master four elements to end a war."],
  [1104, "Mad Men", "2007-07-19", "2015-05-17", "Ended", "en", "US", [18], [174], 7, 92, "tt0804503", "Q223977", 8.1, 2100, 8.7, 290000, "An advertising executive in 1960s New York hides a secret past."],
  [95396, "Severance", "2022-02-17", null, "Returning Series", "en", "US", [18, 9648, 10765], [2552], 2, 19, "tt11280740", "Q105079262", 8.4, 2800, 8.7, 260000, "Employees undergo a procedure that separates work memories from personal ones."],
  [100088, "The Last of Us", "2023-01-15", null, "Returning Series", "en", "US", [18], [49], 2, 16, "tt3581920", "Q63389627", 8.6, 5600, 8.6, 560000, "A smuggler escorts a teenager across a post-pandemic United States."],
  [97546, "Ted Lasso", "2020-08-14", null, "Returning Series", "en", "US", [35, 18], [2552], 3, 34, "tt10986410", "Q96063567", 8.4, 1300, 8.8, 300000, "An American football coach is hired to manage an English football club."],
  [126308, "Shōgun", "2024-02-27", null, "Returning Series", "en", "US", [18, 10768], [88], 1, 10, "tt2788316", "Q107128327", 8.5, 1800, 8.6, 200000, "A shipwrecked English navigator is drawn into a Japanese power struggle."],
  [136315, "The Bear", "2022-06-23", null, "Returning Series", "en", "US", [18, 35], [453], 4, 38, "tt14452776", "Q112133117", 8.1, 1400, 8.5, 260000, "A young chef returns to Chicago to run his family's sandwich shop."],
  [93405, "Squid Game", "2021-09-17", "2025-06-27", "Ended", "ko", "KR", [10759, 9648, 18], [213], 3, 22, "tt10919420", "Q108107235", 7.8, 16000, 8.0, 680000, "Cash-strapped contestants play deadly children's games for a fortune."],
  [94997, "House of the Dragon", "2022-08-21", null, "Returning Series", "en", "US", [10765, 18, 10759], [49], 2, 18, "tt11198330", "Q64211173", 8.4, 4800, 8.3, 470000, "The Targaryen civil war, two centuries before Game of Thrones."],
  [456, "The Simpsons", "1989-12-17", null, "Returning Series", "en", "US", [10751, 16, 35], [19], 36, 790, "tt0096697", "Q886", 8.0, 10000, 8.7, 430000, "The satirical adventures of a working-class family in Springfield."],
  [82856, "The Mandalorian", "2019-11-12", null, "Returning Series", "en", "US", [10765, 10759, 18], [2739], 3, 24, "tt8111088", "Q58476767", 8.4, 9800, 8.6, 600000, "A lone bounty hunter in the outer reaches of the galaxy."],
  [1425, "House of Cards", "2013-02-01", "2018-11-02", "Ended", "en", "US", [18], [213], 6, 73, "tt1856010", "Q21084502", 7.6, 2600, 8.6, 530000, "A ruthless congressman manipulates his way to power in Washington."],
  [1418, "The Big Bang Theory", "2007-09-24", "2019-05-16", "Ended", "en", "US", [35], [16], 12, 279, "tt0898266", "Q8539", 7.9, 11492, 8.2, 880000, "Physicists Leonard and Sheldon find their social circle expanding when an actress moves in next door."],
  [96677, "Lupin", "2021-01-08", null, "Returning Series", "fr", "FR", [80, 18, 9648], [213], 3, 17, "tt2531336", "Q96061296", 7.8, 2500, 7.5, 140000, "A gentleman thief sets out to avenge his father, inspired by Arsène Lupin."],
  [2, "Clerks", "2000-05-31", "2001-12-27", "Canceled", "en", "US", [16, 35], [2], 1, 6, "tt0247082", null, 6.9, 140, 7.2, 10000, "The animated misadventures of two convenience store clerks."],
  [31911, "Fullmetal Alchemist: Brotherhood", "2009-04-05", "2010-07-04", "Ended", "ja", "JP", [16, 10759, 18, 10765], [57], 1, 64, "tt1355642", "Q219767", 8.7, 2100, 9.1, 220000, "Two brothers search for the Philosopher's Stone to restore their bodies."],
  [79744, "The Rookie", "2018-10-16", null, "Returning Series", "en", "US", [80, 18, 35], [2], 7, 126, "tt7587890", "Q52159398", 8.5, 2700, 8.0, 90000, "The oldest rookie in the Los Angeles Police Department."],
  [1405, "Dexter", "2006-10-01", "2013-09-22", "Ended", "en", "US", [80, 18, 9648], [67], 8, 96, "tt0773262", "Q19598", 8.2, 4400, 8.6, 780000, "A forensic analyst leads a secret life as a vigilante serial killer."],
  [1408, "House", "2004-11-16", "2012-05-21", "Ended", "en", "US", [18, 9648, 35], [19], 8, 177, "tt0412142", "Q23558", 8.6, 6400, 8.7, 500000, "A brilliant but misanthropic doctor solves medical mysteries."],
  [2734, "Law & Order: Special Victims Unit", "1999-09-20", null, "Returning Series", "en", "US", [80, 18, 9648], [6], 26, 570, "tt0203259", "Q2253", 7.9, 3900, 8.1, 140000, "Detectives of an elite squad investigate sexually based offenses."],
];

/** Ratings-site scores for part of the catalogue (the rest has no page on the site). A null user score is
 * Metacritic's "tbd" (too few ratings). */
const SITES: Record<number, { rt?: [string, number | null, number | null, number | null, number | null]; mc?: [string, number | null, number | null, number | null, number | null] }> = {
  1396: { rt: ["breaking_bad", 96, 160, 97, 250000], mc: ["breaking-bad", 87, 16, 9.3, 24426] },
  1399: { rt: ["game_of_thrones", 89, 1200, 85, 250000], mc: ["game-of-thrones", 86, 28, 8.9, 18000] },
  87108: { rt: ["chernobyl", 95, 130, 96, 25000], mc: ["chernobyl", 83, 27, 9.5, 5200] },
  1438: { rt: ["the_wire", 94, 90, 96, 50000], mc: ["the-wire", 91, 22, 9.3, 2700] },
  60059: { rt: ["better_call_saul", 97, 300, 94, 10000], mc: ["better-call-saul", 78, 37, 8.8, 4500] },
  94605: { rt: ["arcane", 100, 60, 96, 10000], mc: ["arcane", 89, 10, 9.1, 4300] },
  76331: { rt: ["succession", 94, 370, 89, 5000], mc: ["succession", 70, 35, 8.6, 1800] },
  95396: { rt: ["severance", 96, 280, 87, 5000], mc: ["severance", 83, 40, 8.6, 2100] },
  100088: { rt: ["the_last_of_us", 96, 450, 64, 10000], mc: ["the-last-of-us", 84, 46, 7.3, 9800] },
  97546: { rt: ["ted_lasso", 92, 200, 85, 5000], mc: ["ted-lasso", 71, 35, 7.9, 1400] },
  126308: { rt: ["shogun_2024", 99, 150, 92, 2500], mc: ["shogun", 85, 42, 8.8, 1900] },
  136315: { rt: ["the_bear", 97, 400, 82, 2500], mc: ["the-bear", 88, 34, null, null] },
  1425: { rt: ["house_of_cards", 84, 300, 79, 25000], mc: ["house-of-cards", 76, 25, 8.0, 1500] },
  66732: { rt: ["stranger_things", 91, 480, 87, 50000], mc: ["stranger-things", 76, 34, 8.6, 9000] },
  67070: { rt: ["fleabag", 100, 100, 93, 5000], mc: ["fleabag", 91, 15, 8.6, 900] },
  42009: { rt: ["black_mirror", 83, 350, 83, 25000] },
};

/** Season pages for a few series (season, critics, count, audience, count), so that the demo shows season scores.
 * Breaking Bad and Game of Thrones have more seasons than the default cap of season pages fetched per series. */
const SEASONS: Record<number, { rt?: [number, number | null, number | null, number | null, number | null][]; mc?: [number, number | null, number | null, number | null, number | null][] }> = {
  1396: {
    rt: [[1, 86, 42, 93, 25000], [2, 97, 38, 95, 10000], [3, 100, 44, 96, 10000], [4, 100, 52, 97, 10000], [5, 97, 100, 94, 50000]],
    mc: [[1, 74, 16, 8.7, 1900], [2, 84, 12, 9.0, 1100], [3, 89, 10, 9.2, 1200], [4, 96, 17, 9.4, 2600], [5, 99, 27, 9.6, 9800]],
  },
  1399: {
    rt: [[1, 91, 104, 96, 25000], [2, 96, 58, 96, 10000], [3, 97, 72, 95, 10000], [4, 97, 84, 97, 10000], [5, 93, 104, 90, 10000], [6, 94, 117, 85, 10000], [7, 93, 166, 81, 10000], [8, 55, 220, 30, 25000]],
  },
  95396: {
    rt: [[1, 97, 133, 89, 2500], [2, 96, 170, null, null]],
    mc: [[1, 83, 40, 8.6, 2100], [2, 85, 39, null, null]],
  },
};

function siteSeed(entry: [string, number | null, number | null, number | null, number | null] | undefined, seasons?: [number, number | null, number | null, number | null, number | null][]): SiteScoresSeed | null {
  if (!entry) return null;
  const [slug, critics, criticsCount, audience, audienceCount] = entry;
  const seed: SiteScoresSeed = { slug, critics, criticsCount, audience, audienceCount };
  if (seasons) seed.seasons = seasons.map(([seasonNumber, c, cc, a, ac]) => ({ seasonNumber, critics: c, criticsCount: cc, audience: a, audienceCount: ac }));
  return seed;
}

/** The 50 demo series, in TMDB top-rated order (best first). */
export const DEMO_CATALOGUE: SeriesSeed[] = ROWS.map((r) => {
  const [tmdbId, title, firstAir, lastAir, status, lang, countries, genres, networks, seasons, episodes, imdbId, wikidataId, tmdbVote, tmdbCount, imdbRating, imdbVotes, overview] = r;
  return {
    tmdbId,
    title,
    originalTitle: title,
    firstAirDate: firstAir,
    lastAirDate: lastAir,
    status,
    language: lang,
    countries: countries.split(","),
    genreIds: genres,
    networkIds: networks,
    seasons,
    episodes,
    imdbId,
    wikidataId,
    tmdbVote,
    tmdbVoteCount: tmdbCount,
    imdb: imdbRating === null && imdbVotes === null ? null : { rating: imdbRating, votes: imdbVotes },
    overview,
    rottenTomatoes: siteSeed(SITES[tmdbId]?.rt, SEASONS[tmdbId]?.rt),
    metacritic: siteSeed(SITES[tmdbId]?.mc, SEASONS[tmdbId]?.mc),
  };
});
