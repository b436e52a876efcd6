// Report fixtures: a small hand-made day (every edge case once) and a busy week (many points, close together).
import type { ReportData, StoryRow } from '../src/index.js';

export const story = (s: Partial<StoryRow> & Pick<StoryRow, 'repo' | 'storyId' | 'hnScore'>): StoryRow => ({
  url: s.repo ? `https://github.com/${s.repo}` : '',
  title: `Show HN: ${s.repo}`,
  stars1: 10,
  stars7: 40,
  stars28: 90,
  forks28: 3,
  ...s,
});

const trendDays = Array.from({ length: 28 }, (_, i) => `202611${String(i + 1).padStart(2, '0')}`);
/** Three data days: the latest has a repository linked twice, markup in a title, one without title, a NULL repo. */
export const sample: ReportData = {
  day: '20261128',
  dataset: 'github_trends',
  days: [
    { day: '20261126', stories: [story({ repo: 'old/one', storyId: '7', hnScore: 99, stars1: 1 })] },
    { day: '20261127', stories: [] },
    {
      day: '20261128',
      stories: [
        story({ repo: 'acme/rocket', storyId: '1', hnScore: 420, stars1: 310, stars7: 900, stars28: 1200 }),
        story({
          repo: 'acme/rocket',
          storyId: '4',
          hnScore: 80,
          stars1: 310,
          stars7: 900,
          stars28: 1200,
          title: 'Ask HN: rocket in prod?',
        }),
        story({
          repo: 'acme/<script>',
          storyId: '2',
          hnScore: 120,
          stars1: 1,
          title: 'Why "<b>" & co break "reports"',
        }),
        story({
          repo: 'solo/dev',
          storyId: '3',
          hnScore: 15,
          stars1: null,
          stars7: null,
          stars28: null,
          forks28: null,
          title: null,
        }),
        story({
          repo: '',
          storyId: '5',
          hnScore: 30,
          stars1: null,
          stars7: null,
          stars28: null,
          forks28: null,
          title: 'A profile link',
        }),
      ],
    },
  ],
  trendDays,
  trend: new Map([
    ['acme/rocket', trendDays.map((_, i) => (i > 20 ? 100 + i * 10 : i))],
    ['acme/<script>', trendDays.map((_, i) => i % 5)],
  ]),
  totalStars: trendDays.map((_, i) => 1000 + i),
};

/** Seven data days of 14 repositories each, several close together on the scatter, long names, repeated links. */
export function busyWeek(): ReportData {
  const days = Array.from({ length: 7 }, (_, d) => `202611${String(22 + d).padStart(2, '0')}`);
  return {
    day: days.at(-1)!,
    dataset: 'github_trends',
    days: days.map((day, d) => ({
      day,
      stories: Array.from({ length: 16 }, (_, i) => {
        const r = i % 14; // stories 14 and 15 link repositories 0 and 1 again
        return story({
          repo:
            r % 4 === 0
              ? `an-organisation-with-a-long-name/repository-number-${r}`
              : `dev${r}/project-${r * 7}`,
          storyId: String(1000 * d + i),
          hnScore: 40 + ((r * 37 + d * 11) % 9) * 10 + (r < 3 ? 3 : 0),
          stars1: 5 + ((r * 13 + d * 5) % 6),
          title:
            i % 3 === 0
              ? `Show HN: project ${r} — “naïve” but fast & <small>`
              : `Ask HN: story ${i} of day ${d}`,
        });
      }),
    })),
    trendDays: sample.trendDays,
    trend: new Map(
      Array.from({ length: 5 }, (_, k) => [
        `dev${k}/project-${k * 7}`,
        sample.trendDays.map((_, i) => (i * (k + 1)) % 17),
      ]),
    ),
    totalStars: sample.totalStars,
  };
}
