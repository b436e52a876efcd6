import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReportData, renderReport } from '../src/index.js';

const trendDays = Array.from({ length: 28 }, (_, i) => `202611${String(i + 1).padStart(2, '0')}`);
const data: ReportData = {
  day: '20261128',
  dataset: 'github_trends',
  rows: [
    {
      repo: 'acme/rocket',
      url: 'https://github.com/acme/rocket',
      hnScore: 420,
      storyId: '1',
      stars1: 310,
      stars7: 900,
      stars28: 1200,
      forks28: 40,
    },
    {
      repo: 'acme/<script>',
      url: 'https://github.com/acme/x',
      hnScore: 120,
      storyId: '2',
      stars1: 45,
      stars7: 80,
      stars28: 95,
      forks28: 3,
    },
    {
      repo: 'solo/dev',
      url: 'https://github.com/solo/dev',
      hnScore: 15,
      storyId: '3',
      stars1: null,
      stars7: null,
      stars28: null,
      forks28: null,
    },
  ],
  trendDays,
  trend: new Map([
    ['acme/rocket', trendDays.map((_, i) => (i > 20 ? 100 + i * 10 : i))],
    ['acme/<script>', trendDays.map((_, i) => i % 5)],
  ]),
  totalStars: trendDays.map((_, i) => 1000 + i),
};

const tmp = mkdtempSync(join(tmpdir(), 'dp-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('report HTML', () => {
  const html = renderReport(data, new Date(Date.UTC(2026, 10, 29)));

  it('is self-contained: no script, no external resource, escaped text', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('acme/&lt;script&gt;');
  });

  it('draws one point per linked repo, one trend line per top repo, and the table', () => {
    expect(html.match(/<circle class="point"/g)).toHaveLength(3);
    expect(html.match(/<polyline class="trend"/g)).toHaveLength(2);
    expect(html.match(/<tr><td>/g)).toHaveLength(3);
    expect(html).toContain('Hacker News × GitHub trends — 2026-11-28');
  });

  it('labels the top points, draws a repo without GitHub data hollow (not as a real 0), keeps the legend off the plot', () => {
    expect([...html.matchAll(/<text class="point-label"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual([
      'acme/rocket',
      'acme/&lt;script&gt;',
      'solo/dev',
    ]);
    expect(html.match(/<circle class="point" data-nodata=""/g)).toHaveLength(1);
    expect(html).toMatch(/<circle class="legend-nodata"[^>]*\/><text[^>]*>no GitHub activity/);
    expect(html).toMatch(/solo\/dev: HN score 15, no GitHub activity/);
    expect(html).toMatch(/acme\/rocket: HN score 420, 310 stars/);
    const trend = html.slice(html.indexOf('<svg id="trend"'));
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

function findChromium(): string | undefined {
  for (const c of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}
const chromium = findChromium();
if (!chromium)
  console.warn('report screenshot test skipped: no chromium on PATH (Debian: apt-get install chromium)');

describe.skipIf(!chromium)('report in headless Chromium', () => {
  it('renders the chart: screenshot is non-trivial and the DOM has the SVG marks', () => {
    const file = join(tmp, 'index.html');
    writeFileSync(file, renderReport(data, new Date()));
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-dev-shm-usage',
      `--user-data-dir=${join(tmp, 'profile')}`,
    ];
    const png = join(tmp, 'shot.png');
    execFileSync(chromium!, [...flags, `--screenshot=${png}`, '--window-size=1400,1000', `file://${file}`], {
      stdio: 'ignore',
      timeout: 60_000,
    });
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(20_000);
    const dom = execFileSync(chromium!, [...flags, '--dump-dom', `file://${file}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    expect(dom.match(/<circle class="point"/g)).toHaveLength(3);
    expect(dom).toMatch(/<svg id="trend"/);
  });
});
