import { describe, expect, it } from 'vitest';
import { groupByRepo, overlaps, type PlacedLabel, placeLabels, plural, renderReport } from '../src/index.js';
import { sample, story } from './report-sample.js';

describe('grouping and wording', () => {
  it('groups a day by repository: once per repo (case-insensitive), scores summed, stories by score, NULL repo last', () => {
    const groups = groupByRepo([
      ...sample.days[2]!.stories,
      story({ repo: 'ACME/Rocket', storyId: '9', hnScore: 1, stars1: 310 }),
    ]);
    expect(groups.map((g) => g.repo)).toEqual(['acme/rocket', 'acme/<script>', 'solo/dev', '']);
    expect(groups[0]!.hnScore).toBe(501);
    expect(groups[0]!.stories.map((s) => s.storyId)).toEqual(['1', '4', '9']);
    expect(groups[0]!.stars1).toBe(310);
    expect(groups[2]!.stars1).toBeNull();
  });

  it('pluralises', () => {
    expect(plural(1, 'star')).toBe('1 star');
    expect(plural(0, 'star')).toBe('0 stars');
    expect(plural(1200, 'story', 'stories')).toBe('1,200 stories');
  });
});

describe('label placement', () => {
  const bounds = { x: 0, y: 0, w: 400, h: 200 };
  const dot = (x: number, y: number) => ({ x: x - 5, y: y - 5, w: 10, h: 10 });
  const noOverlap = (ls: (PlacedLabel | null)[]) => {
    const boxes = ls.filter((l): l is PlacedLabel => l !== null).map((l) => l.box);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        expect(overlaps(boxes[i]!, boxes[j]!), `${i} vs ${j}`).toBe(false);
    for (const b of boxes) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(400);
    }
  };

  it('moves a label that would collide to another side, and keeps labels off other points', () => {
    const pts = [
      { x: 100, y: 100, text: 'owner/first-repo' },
      { x: 104, y: 102, text: 'owner/second-repo' },
      { x: 160, y: 96, text: 'x/y' },
    ];
    const placed = placeLabels(
      pts,
      pts.map((p) => dot(p.x, p.y)),
      bounds,
      14,
      5,
    );
    expect(placed.every((p) => p !== null)).toBe(true);
    noOverlap(placed);
    const others = (i: number) => pts.filter((_, j) => j !== i).map((p) => dot(p.x, p.y));
    placed.forEach((l, i) => {
      for (const o of others(i)) expect(overlaps(l!.box, o)).toBe(false);
    });
  });

  it('leaves a label out rather than overlapping when a spot is crowded, and keeps labels inside the plot', () => {
    const pts = Array.from({ length: 12 }, (_, i) => ({
      x: 380,
      y: 100 + (i % 3),
      text: `crowded/repo-${i}`,
    }));
    const placed = placeLabels(pts, [], bounds, 14, 5);
    expect(placed.filter(Boolean).length).toBeGreaterThan(0);
    expect(placed.filter(Boolean).length).toBeLessThan(12);
    noOverlap(placed);
    expect(placed[0]!.anchor).toBe('end'); // near the right edge: written leftwards
  });
});

describe('report HTML', () => {
  const html = renderReport(sample, new Date(Date.UTC(2026, 10, 29)));

  it('is one self-contained file: no script, no external resource; links only to HN items and GitHub repositories', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|url\(|@import/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const h of hrefs)
      expect(h).toMatch(/^https:\/\/(news\.ycombinator\.com\/item\?id=\d+|github\.com\/[^/]+\/[^/]+)$/);
    // every absolute URL in the page is one of those links
    expect(html.match(/https?:\/\//g)).toHaveLength(hrefs.length);
  });

  it('has the story titles (escaped) linking the HN item, and each repository once, linking GitHub', () => {
    expect(html).toContain(
      '<a href="https://news.ycombinator.com/item?id=2" title="Hacker News item 2">Why &quot;&lt;b&gt;&quot; &amp; co break &quot;reports&quot;</a>',
    );
    expect(html).toContain('<a href="https://github.com/acme/%3Cscript%3E">acme/&lt;script&gt;</a>');
    expect(html).toContain('>Ask HN: rocket in prod?</a>');
    expect(html).toMatch(/<span class="untitled">story 3<\/span>/);
    expect(html).toContain('(no repository in the link)');
    const latest = html.slice(
      html.indexOf('<details open id="day-20261128">'),
      html.indexOf('</details>', html.indexOf('id="day-20261128"')),
    );
    expect(latest.match(/>acme\/rocket<\/a>/g)).toHaveLength(1);
    // the scatter: one point per repository with a name; the twice-linked one sums both stories
    expect(html.match(/<circle class="point"/g)).toHaveLength(3);
    expect(html).toMatch(
      /<circle class="point" data-repo="acme\/rocket"[^>]*><title>acme\/rocket: HN score 500 from 2 stories, 310 stars that day/,
    );
  });

  it('never writes "1 stars" or "1 stories"', () => {
    expect(html).not.toMatch(/\b1 (stars|stories|points|repositories|days)\b/);
    expect(html).toMatch(/acme\/&lt;script&gt;: HN score 120 from 1 story, 1 star that day/);
  });

  it('shows each day of the history (a bar and a section each, the latest open) and the trend', () => {
    expect([...html.matchAll(/<rect class="bar" data-day="(\d+)"/g)].map((m) => m[1])).toEqual([
      '20261126',
      '20261127',
      '20261128',
    ]);
    expect([...html.matchAll(/<details( open)? id="day-(\d+)"/g)].map((m) => `${m[2]}${m[1] ?? ''}`)).toEqual(
      ['20261128 open', '20261127', '20261126'],
    );
    expect(html).toContain('No partition, or no story linking GitHub that day.');
    const narrowTrend = html.slice(html.indexOf('<svg id="trend"'), html.indexOf('<svg id="trend-wide"'));
    expect(narrowTrend.match(/<polyline class="trend"/g)).toHaveLength(2);
    expect(html).toContain('Hacker News × GitHub trends — 2026-11-28');
    expect(html).toContain('2026-11-26 – 2026-11-28 (3 days)');
  });

  it('labels the top points without overlaps, draws a repo without GitHub data hollow, keeps the legend off the plot', () => {
    const labels = [...html.matchAll(/<text class="point-label"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(labels).toEqual(['acme/rocket', 'acme/&lt;script&gt;', 'solo/dev']);
    expect(html.match(/<circle class="point" data-nodata=""/g)).toHaveLength(1);
    expect(html).toMatch(/<circle class="legend-nodata"[^>]*\/><text[^>]*>no GitHub activity/);
    expect(html).toMatch(/solo\/dev: HN score 15 from 1 story, no GitHub activity/);
    const trend = html.slice(html.indexOf('<svg id="trend"'), html.indexOf('<svg id="trend-wide"'));
    const plotRight = Math.max(
      ...[...trend.matchAll(/<polyline[^>]* points="([^"]*)"/g)].flatMap((m) =>
        m[1]!.split(' ').map((xy) => Number(xy.split(',')[0])),
      ),
    );
    const legendX = [...trend.matchAll(/<g class="legend"><rect x="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(legendX).toHaveLength(2);
    for (const x of legendX) expect(x).toBeGreaterThan(plotRight);
  });
});
