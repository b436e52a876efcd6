/** What the example's report shows, and the grouping of a day's stories by the repository they link. */

/** One row of hackernews_github_agg (one Hacker News story linking GitHub), with the story's title. */
export interface StoryRow {
  /** owner/name, or '' when the link names no repository (e.g. a profile page: the pipeline's url is NULL). */
  readonly repo: string;
  /** The normalised repository URL the pipeline joined on ('' when none). */
  readonly url: string;
  readonly hnScore: number;
  readonly storyId: string;
  readonly title: string | null;
  readonly stars1: number | null;
  readonly stars7: number | null;
  readonly stars28: number | null;
  readonly forks28: number | null;
}

export interface DayData {
  /** Data day, YYYYMMDD. */
  readonly day: string;
  /** That day's partition of hackernews_github_agg, highest score first. */
  readonly stories: readonly StoryRow[];
}

export interface ReportData {
  /** The latest data day (YYYYMMDD): the day before the run date. */
  readonly day: string;
  readonly dataset: string;
  /** The history, oldest first; the last entry is `day`. A day without a partition has no stories. */
  readonly days: readonly DayData[];
  /** Days (YYYYMMDD, ascending) of the 28-day star trend window ending at `day`. */
  readonly trendDays: readonly string[];
  /** repo → stars per trend day, for the latest day's top repositories. */
  readonly trend: ReadonlyMap<string, readonly number[]>;
  /** All repos' stars per trend day. */
  readonly totalStars: readonly number[];
}

/** A repository as one day's stories link it: each repository once, however many stories point at it. */
export interface RepoGroup {
  /** owner/name; '' for the stories whose link names no repository. */
  readonly repo: string;
  readonly url: string;
  /** Highest score first. */
  readonly stories: readonly StoryRow[];
  /** Sum of the stories' scores. */
  readonly hnScore: number;
  /** The repository's GitHub numbers (the same on every story row of the day; null: no activity in the window). */
  readonly stars1: number | null;
  readonly stars7: number | null;
  readonly stars28: number | null;
  readonly forks28: number | null;
}

export function groupByRepo(stories: readonly StoryRow[]): RepoGroup[] {
  const groups = new Map<string, StoryRow[]>();
  for (const s of stories) {
    const key = s.repo.toLowerCase();
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.values()]
    .map((list) => {
      const sorted = [...list].sort((a, b) => b.hnScore - a.hnScore || a.storyId.localeCompare(b.storyId));
      const first = <K extends 'stars1' | 'stars7' | 'stars28' | 'forks28'>(k: K) =>
        sorted.find((s) => s[k] !== null)?.[k] ?? null;
      return {
        repo: sorted[0]!.repo,
        url: sorted.find((s) => s.url)?.url ?? '',
        stories: sorted,
        hnScore: sorted.reduce((a, s) => a + s.hnScore, 0),
        stars1: first('stars1'),
        stars7: first('stars7'),
        stars28: first('stars28'),
        forks28: first('forks28'),
      };
    })
    .sort(
      (a, b) =>
        (a.repo === '' ? 1 : 0) - (b.repo === '' ? 1 : 0) ||
        b.hnScore - a.hnScore ||
        a.repo.localeCompare(b.repo),
    );
}

/** `1 star`, `2 stars`, `1 story`, `3 stories`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** YYYYMMDD → YYYY-MM-DD. */
export const isoDay = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** A Hacker News item's page. */
export const hnItemUrl = (storyId: string) =>
  `https://news.ycombinator.com/item?id=${encodeURIComponent(storyId)}`;

/** The GitHub page of owner/name (built from the name, so only github.com links ever reach the page). */
export const githubUrl = (repo: string) =>
  `https://github.com/${repo
    .split('/')
    .map((p) => encodeURIComponent(p))
    .join('/')}`;
