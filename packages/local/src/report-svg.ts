/**
 * The report's three charts as inline SVG (no script): the latest day's repositories (Hacker News score against GitHub
 * stars), the history (each data day's linked stories and the stars their repositories got), and the 28-day star
 * trend. Every mark has a <title>: the browser shows it on hover.
 */
import { type Box, placeLabels } from './report-labels.js';
import {
  type DayData,
  groupByRepo,
  isoDay,
  plural,
  type RepoGroup,
  type ReportData,
} from './report-model.js';

export const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
/** Font sizes in the charts' own units. */
export const LABEL_FONT = 14;
export const TICK_FONT = 13;
/**
 * A chart is never drawn below this share of its own size (its box scrolls sideways instead, on a phone), so the
 * smallest text stays at least TICK_FONT × MIN_SCALE ≈ 10 px.
 */
export const MIN_SCALE = 0.78;

/** The axis maximum: 4 × a round step (1, 2, 2.5 or 5 × 10^k), so that the 4 grid lines carry whole, round values. */
export function niceMax(v: number): number {
  if (v <= 0) return 4;
  const raw = v / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
  return Math.max(4, step * 4);
}

const tickText = (v: number) => Number(v.toFixed(1)).toLocaleString('en-US');

interface Frame {
  readonly w: number;
  readonly h: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}
const plotW = (f: Frame) => f.w - f.left - f.right;
const plotH = (f: Frame) => f.h - f.top - f.bottom;

function yAxis(f: Frame, yMax: number, label: string, side: 'left' | 'right' = 'left'): string {
  const parts: string[] = [];
  const x = side === 'left' ? f.left : f.w - f.right;
  for (let i = 0; i <= 4; i++) {
    const y = f.h - f.bottom - (plotH(f) * i) / 4;
    if (side === 'left')
      parts.push(`<line class="grid" x1="${f.left}" y1="${y}" x2="${f.w - f.right}" y2="${y}"/>`);
    parts.push(
      `<text class="tick" x="${side === 'left' ? x - 6 : x + 6}" y="${y + 4}" text-anchor="${side === 'left' ? 'end' : 'start'}">${tickText((yMax * i) / 4)}</text>`,
    );
  }
  const lx = side === 'left' ? 16 : f.w - 8;
  const ly = f.top + plotH(f) / 2;
  parts.push(`<line class="axis" x1="${x}" y1="${f.top}" x2="${x}" y2="${f.h - f.bottom}"/>`);
  parts.push(
    `<text class="label" x="${lx}" y="${ly}" text-anchor="middle" transform="rotate(-90 ${lx} ${ly})">${esc(label)}</text>`,
  );
  return parts.join('\n');
}

function xAxisLine(f: Frame, label: string): string {
  return [
    `<line class="axis" x1="${f.left}" y1="${f.h - f.bottom}" x2="${f.w - f.right}" y2="${f.h - f.bottom}"/>`,
    `<text class="label" x="${f.left + plotW(f) / 2}" y="${f.h - 8}" text-anchor="middle">${esc(label)}</text>`,
  ].join('\n');
}

const svgOpen = (id: string, f: Frame, label: string) =>
  `<svg id="${id}" viewBox="0 0 ${f.w} ${f.h}" style="min-width: ${Math.ceil(f.w * MIN_SCALE)}px" role="img" aria-label="${esc(label)}">`;

/** How many of the latest day's repositories the scatter tries to label (highest score first). */
export const LABELLED = 8;

const groupTitle = (g: RepoGroup) => {
  const stars =
    g.stars1 === null ? 'no GitHub activity in the 28 days' : `${plural(g.stars1, 'star')} that day`;
  const stories = g.stories
    .map((s) => `\n• ${s.title ?? `story ${s.storyId}`} (${plural(s.hnScore, 'point')})`)
    .join('');
  return `${g.repo}: HN score ${g.hnScore} from ${plural(g.stories.length, 'story', 'stories')}, ${stars}${stories}`;
};

export function scatterSvg(groups: readonly RepoGroup[]): string {
  const f: Frame = { w: 720, h: 440, left: 72, right: 20, top: 20, bottom: 56 };
  // A repository without GitHub activity in the window has NULL stars: drawn hollow on the 0 line, not as a real 0.
  const pts = groups
    .filter((g) => g.repo !== '')
    .map((g) => ({ x: g.hnScore, y: g.stars1 ?? 0, noData: g.stars1 === null, g }));
  const xMax = niceMax(Math.max(1, ...pts.map((p) => p.x)));
  const yMax = niceMax(Math.max(1, ...pts.map((p) => p.y)));
  const at = (p: (typeof pts)[number]) => ({
    cx: f.left + (plotW(f) * p.x) / xMax,
    cy: f.h - f.bottom - (plotH(f) * p.y) / yMax,
  });
  const radius = (p: (typeof pts)[number]) => 5 + 2 * Math.min(3, p.g.stories.length - 1);
  const circles = pts.map((p) => {
    const { cx, cy } = at(p);
    return `<circle class="point"${p.noData ? ' data-nodata=""' : ''} data-repo="${esc(p.g.repo)}" cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="${radius(p)}"><title>${esc(groupTitle(p.g))}</title></circle>`;
  });
  const obstacles: Box[] = pts.map((p) => {
    const { cx, cy } = at(p);
    const r = radius(p);
    return { x: cx - r, y: cy - r, w: 2 * r, h: 2 * r };
  });
  const top = [...pts].sort((a, b) => b.x - a.x || a.g.repo.localeCompare(b.g.repo)).slice(0, LABELLED);
  const placed = placeLabels(
    top.map((p) => ({ ...(({ cx, cy }) => ({ x: cx, y: cy }))(at(p)), text: p.g.repo })),
    obstacles,
    { x: f.left + 2, y: f.top, w: plotW(f) - 2, h: plotH(f) },
    LABEL_FONT,
    5,
  );
  const labels = top.flatMap((p, i) => {
    const l = placed[i];
    return l
      ? [
          `<text class="point-label" x="${l.x.toFixed(1)}" y="${l.y.toFixed(1)}" text-anchor="${l.anchor}">${esc(p.g.repo)}</text>`,
        ]
      : [];
  });
  const xTicks = Array.from({ length: 5 }, (_, i) => {
    const x = f.left + (plotW(f) * i) / 4;
    return `<text class="tick" x="${x}" y="${f.h - f.bottom + 18}" text-anchor="middle">${tickText((xMax * i) / 4)}</text>`;
  });
  const noData = pts.some((p) => p.noData)
    ? `<g class="legend"><circle class="legend-nodata" cx="${f.w - f.right - 250}" cy="${f.top + 8}" r="5"/><text class="tick" x="${f.w - f.right - 240}" y="${f.top + 12}">no GitHub activity (NULL stars)</text></g>`
    : '';
  return `${svgOpen('scatter', f, 'Hacker News score against GitHub stars, one point per repository')}
${yAxis(f, yMax, 'GitHub stars that day')}
${xAxisLine(f, 'Hacker News score (all stories linking the repository)')}
${xTicks.join('\n')}
${circles.join('\n')}
${labels.join('\n')}
${noData}
${pts.length === 0 ? `<text class="label" x="${f.w / 2}" y="${f.h / 2}" text-anchor="middle">no linked repositories that day</text>` : ''}
</svg>`;
}

export interface DaySummary {
  readonly day: string;
  readonly stories: number;
  readonly repos: number;
  readonly hnScore: number;
  /** Stars the linked repositories got that day (NULL stars count as none). */
  readonly stars: number;
  readonly top: string | undefined;
}

export function summarizeDay(d: DayData): DaySummary {
  const groups = groupByRepo(d.stories).filter((g) => g.repo !== '');
  return {
    day: d.day,
    stories: d.stories.length,
    repos: groups.length,
    hnScore: d.stories.reduce((a, s) => a + s.hnScore, 0),
    stars: groups.reduce((a, g) => a + (g.stars1 ?? 0), 0),
    top: groups[0]?.repo,
  };
}

/** One bar per data day (the HN score of its GitHub-linked stories) and a line of the stars those repositories got. */
export function historySvg(days: readonly DayData[]): string {
  const f: Frame = { w: 720, h: 400, left: 72, right: 72, top: 20, bottom: 56 };
  const sums = days.map(summarizeDay);
  const scoreMax = niceMax(Math.max(1, ...sums.map((s) => s.hnScore)));
  const starMax = niceMax(Math.max(1, ...sums.map((s) => s.stars)));
  const slot = plotW(f) / Math.max(1, sums.length);
  const barW = Math.min(48, slot * 0.6);
  const cx = (i: number) => f.left + slot * (i + 0.5);
  const sy = (v: number) => f.h - f.bottom - (plotH(f) * v) / starMax;
  const every = Math.max(1, Math.ceil(sums.length / 10));
  const bars = sums.map((s, i) => {
    const h = (plotH(f) * s.hnScore) / scoreMax;
    const title = `${isoDay(s.day)}: ${plural(s.stories, 'story', 'stories')} linking ${plural(s.repos, 'repository', 'repositories')}, HN score ${s.hnScore.toLocaleString('en-US')}, ${plural(s.stars, 'star')} on them that day${s.top ? `; top: ${s.top}` : ''}`;
    const tick =
      i % every === 0 || i === sums.length - 1
        ? `<text class="tick" x="${cx(i).toFixed(1)}" y="${f.h - f.bottom + 18}" text-anchor="middle">${isoDay(s.day).slice(5)}</text>`
        : '';
    return `<rect class="bar" data-day="${s.day}" x="${(cx(i) - barW / 2).toFixed(1)}" y="${(f.h - f.bottom - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(title)}</title></rect>${tick}`;
  });
  const line = sums.map((s, i) => `${cx(i).toFixed(1)},${sy(s.stars).toFixed(1)}`).join(' ');
  const dots = sums.map(
    (s, i) =>
      `<circle class="star-dot" cx="${cx(i).toFixed(1)}" cy="${sy(s.stars).toFixed(1)}" r="4"><title>${esc(`${isoDay(s.day)}: ${plural(s.stars, 'star')}`)}</title></circle>`,
  );
  return `${svgOpen('history', f, 'Each data day: Hacker News score of stories linking GitHub, and stars on those repositories')}
${yAxis(f, scoreMax, 'HN score of linked stories')}
${yAxis(f, starMax, 'stars on linked repos', 'right')}
${xAxisLine(f, 'data day')}
${bars.join('\n')}
<polyline class="star-line" fill="none" points="${line}"/>
${dots.join('\n')}
</svg>`;
}

/** Width of the trend chart's legend column, right of the plot so it never covers a line. */
const LEGEND_W = 200;

/**
 * The star trend; `wide` is the variant drawn across the whole page on a wide screen (the page shows one of the two),
 * the other is as tall as its neighbours.
 */
export function trendSvg(data: Pick<ReportData, 'trendDays' | 'trend' | 'totalStars'>, wide = false): string {
  const f: Frame = wide
    ? { w: 1200 + LEGEND_W, h: 380, left: 72, right: 20 + LEGEND_W, top: 20, bottom: 56 }
    : { w: 720 + LEGEND_W, h: 440, left: 72, right: 20 + LEGEND_W, top: 20, bottom: 56 };
  const series: [string, readonly number[]][] =
    data.trend.size > 0 ? [...data.trend.entries()] : [['all repositories', data.totalStars]];
  const yMax = niceMax(Math.max(1, ...series.flatMap(([, v]) => v)));
  const n = data.trendDays.length;
  const x = (i: number) => f.left + (plotW(f) * i) / Math.max(1, n - 1);
  const y = (v: number) => f.h - f.bottom - (plotH(f) * v) / yMax;
  const lines = series.map(([name, values], k) => {
    const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const total = values.reduce((a, b) => a + b, 0);
    return `<polyline class="trend" fill="none" stroke="${COLORS[k % COLORS.length]}" points="${points}"><title>${esc(`${name}: ${plural(total, 'star')} in ${n} days`)}</title></polyline>`;
  });
  const every = Math.max(1, Math.ceil(n / 7));
  const ticks = data.trendDays.flatMap((d, i) =>
    i % every === 0 || i === n - 1
      ? [
          `<text class="tick" x="${x(i).toFixed(1)}" y="${f.h - f.bottom + 18}" text-anchor="middle">${isoDay(d).slice(5)}</text>`,
        ]
      : [],
  );
  const legend = series.map(
    ([name], k) =>
      `<g class="legend"><rect x="${f.w - LEGEND_W + 4}" y="${f.top + 22 * k}" width="12" height="12" fill="${COLORS[k % COLORS.length]}"/><text class="tick" x="${f.w - LEGEND_W + 22}" y="${f.top + 11 + 22 * k}">${esc(name.length > 24 ? `${name.slice(0, 23)}…` : name)}</text></g>`,
  );
  return `${svgOpen(wide ? 'trend-wide' : 'trend', f, `GitHub stars per day, last ${n} days`)}
${yAxis(f, yMax, 'stars per day')}
${xAxisLine(f, 'day')}
${ticks.join('\n')}
${lines.join('\n')}
${legend.join('\n')}
</svg>`;
}
