/**
 * The example's report: one self-contained HTML file (inline CSS and SVG, no script, no external resource) with
 * Hacker News score against GitHub stars for the day's linked repos, the 28-day star trend of those repos, and a table.
 */
import { addDays, dashed } from './local-run.js';
import { queryWarehouse, type Row } from './warehouse.js';

export interface ReportRow {
  readonly repo: string;
  readonly url: string;
  readonly hnScore: number;
  readonly storyId: string;
  readonly stars1: number | null;
  readonly stars7: number | null;
  readonly stars28: number | null;
  readonly forks28: number | null;
}

export interface ReportData {
  /** Data day (YYYYMMDD): the day before the run date. */
  readonly day: string;
  readonly dataset: string;
  readonly rows: readonly ReportRow[];
  /** Days (YYYYMMDD, ascending) of the trend window. */
  readonly trendDays: readonly string[];
  /** repo → stars per trend day. */
  readonly trend: ReadonlyMap<string, readonly number[]>;
  /** All repos' stars per trend day. */
  readonly totalStars: readonly number[];
}

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const quote = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** Reads what the report shows from the warehouse (after the daily run for `runDate`). */
export async function collectReportData(
  url: string,
  opts: { projectId: string; dataset: string; runDate: string },
): Promise<ReportData> {
  const day = addDays(opts.runDate, -1);
  const table = (t: string) => `\`${opts.projectId}.${opts.dataset}.${t}\``;
  const agg = await queryWarehouse(
    url,
    `SELECT github_repo, github_url, hn_score, hn_story_id, stars_last_1_day, stars_last_7_days, stars_last_28_days, forks_last_28_days
     FROM ${table('hackernews_github_agg')}
     WHERE _PARTITIONTIME = TIMESTAMP(${quote(dashed(day))})
     ORDER BY hn_score DESC, hn_story_id`,
    { projectId: opts.projectId, useLegacySql: false },
  );
  const rows: ReportRow[] = agg.rows.map((r: Row) => ({
    repo: String(r.github_repo ?? String(r.github_url ?? '').replace(/^https?:\/\/github\.com\//, '')),
    url: String(r.github_url ?? ''),
    hnScore: num(r.hn_score) ?? 0,
    storyId: String(r.hn_story_id ?? ''),
    stars1: num(r.stars_last_1_day),
    stars7: num(r.stars_last_7_days),
    stars28: num(r.stars_last_28_days),
    forks28: num(r.forks_last_28_days),
  }));
  const trendDays = Array.from({ length: 28 }, (_, i) => addDays(day, i - 27));
  const first = dashed(trendDays[0]!);
  const repos = [...new Set(rows.filter((r) => r.repo && r.stars28 !== null).map((r) => r.repo))].slice(0, 5);
  const perRepo = new Map<string, number[]>(repos.map((r) => [r, trendDays.map(() => 0)]));
  if (repos.length > 0) {
    const res = await queryWarehouse(
      url,
      `SELECT date, repo, SUM(stars) AS stars FROM ${table('github_daily_metrics')}
       WHERE _PARTITIONTIME BETWEEN TIMESTAMP(${quote(first)}) AND TIMESTAMP(${quote(dashed(day))})
         AND repo IN (${repos.map(quote).join(', ')})
       GROUP BY date, repo`,
      { projectId: opts.projectId, useLegacySql: false },
    );
    for (const r of res.rows) {
      const i = trendDays.indexOf(String(r.date));
      const series = perRepo.get(String(r.repo));
      if (i >= 0 && series) series[i] = num(r.stars) ?? 0;
    }
  }
  const totals = await queryWarehouse(
    url,
    `SELECT date, SUM(stars) AS stars FROM ${table('github_daily_metrics')}
     WHERE _PARTITIONTIME BETWEEN TIMESTAMP(${quote(first)}) AND TIMESTAMP(${quote(dashed(day))})
     GROUP BY date`,
    { projectId: opts.projectId, useLegacySql: false },
  );
  const totalStars = trendDays.map(() => 0);
  for (const r of totals.rows) {
    const i = trendDays.indexOf(String(r.date));
    if (i >= 0) totalStars[i] = num(r.stars) ?? 0;
  }
  return { day, dataset: opts.dataset, rows, trendDays, trend: perRepo, totalStars };
}

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / p) * p;
}

function axes(
  w: number,
  h: number,
  m: number,
  xMax: number,
  yMax: number,
  xLabel: string,
  yLabel: string,
  xTicks?: string[],
): string {
  const parts: string[] = [
    `<line class="axis" x1="${m}" y1="${h - m}" x2="${w - m / 2}" y2="${h - m}"/>`,
    `<line class="axis" x1="${m}" y1="${m / 2}" x2="${m}" y2="${h - m}"/>`,
    `<text class="label" x="${(w + m) / 2}" y="${h - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text class="label" x="14" y="${h / 2}" text-anchor="middle" transform="rotate(-90 14 ${h / 2})">${esc(yLabel)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = h - m - ((h - 1.5 * m) * i) / 4;
    parts.push(`<line class="grid" x1="${m}" y1="${y}" x2="${w - m / 2}" y2="${y}"/>`);
    parts.push(
      `<text class="tick" x="${m - 6}" y="${y + 4}" text-anchor="end">${Math.round((yMax * i) / 4)}</text>`,
    );
  }
  if (xTicks) {
    const step = Math.max(1, Math.ceil(xTicks.length / 7));
    xTicks.forEach((t, i) => {
      if (i % step !== 0 && i !== xTicks.length - 1) return;
      const x = m + ((w - 1.5 * m) * i) / Math.max(1, xTicks.length - 1);
      parts.push(
        `<text class="tick" x="${x}" y="${h - m + 16}" text-anchor="middle">${esc(t.slice(4, 6))}-${esc(t.slice(6))}</text>`,
      );
    });
  } else {
    for (let i = 0; i <= 4; i++) {
      const x = m + ((w - 1.5 * m) * i) / 4;
      parts.push(
        `<text class="tick" x="${x}" y="${h - m + 16}" text-anchor="middle">${Math.round((xMax * i) / 4)}</text>`,
      );
    }
  }
  return parts.join('\n');
}

/** How many of the highest-scoring points the scatter labels with their repository name. */
const LABELLED = 5;

export function scatterSvg(rows: readonly ReportRow[]): string {
  const w = 640;
  const h = 360;
  const m = 50;
  // A repository without GitHub activity in the window has NULL stars: drawn hollow on the 0 line, not as a real 0.
  const pts = rows.map((r) => ({ x: r.hnScore, y: r.stars1 ?? 0, noData: r.stars1 === null, r }));
  const xMax = niceMax(Math.max(1, ...pts.map((p) => p.x)));
  const yMax = niceMax(Math.max(1, ...pts.map((p) => p.y)));
  const at = (p: (typeof pts)[number]) => ({
    cx: m + ((w - 1.5 * m) * p.x) / xMax,
    cy: h - m - ((h - 1.5 * m) * p.y) / yMax,
  });
  const circles = pts.map((p) => {
    const { cx, cy } = at(p);
    const what = p.noData ? 'no GitHub activity' : `${p.y} stars`;
    return `<circle class="point"${p.noData ? ' data-nodata=""' : ''} cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="5"><title>${esc(p.r.repo)}: HN score ${p.x}, ${what}</title></circle>`;
  });
  // Label the top points (rows come ordered by score); right-hand labels end at the point so they stay inside.
  const seen = new Set<string>();
  const labels = [...pts]
    .sort((a, b) => b.x - a.x)
    .filter((p) => !seen.has(p.r.repo) && seen.add(p.r.repo))
    .slice(0, LABELLED)
    .map((p) => {
      const { cx, cy } = at(p);
      const right = cx > w * 0.6;
      return `<text class="point-label" x="${(cx + (right ? -8 : 8)).toFixed(1)}" y="${(cy - 8).toFixed(1)}" text-anchor="${right ? 'end' : 'start'}">${esc(p.r.repo)}</text>`;
    });
  const noData = pts.some((p) => p.noData)
    ? `<g class="legend"><circle class="legend-nodata" cx="${w - m / 2 - 150}" cy="${m / 2 - 4}" r="4"/><text class="tick" x="${w - m / 2 - 140}" y="${m / 2}">no GitHub activity (NULL)</text></g>`
    : '';
  return `<svg id="scatter" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="Hacker News score against GitHub stars">
${axes(w, h, m, xMax, yMax, 'Hacker News score', 'GitHub stars that day')}
${circles.join('\n')}
${labels.join('\n')}
${noData}
${pts.length === 0 ? `<text class="label" x="${w / 2}" y="${h / 2}" text-anchor="middle">no linked repos that day</text>` : ''}
</svg>`;
}

/** Width of the trend chart's legend column, right of the plot so it never covers a line. */
const LEGEND_W = 170;

export function trendSvg(data: Pick<ReportData, 'trendDays' | 'trend' | 'totalStars'>): string {
  const w = 640;
  const h = 360;
  const m = 50;
  const series: [string, readonly number[]][] =
    data.trend.size > 0 ? [...data.trend.entries()] : [['all repos', data.totalStars]];
  const yMax = niceMax(Math.max(1, ...series.flatMap(([, v]) => v)));
  const n = data.trendDays.length;
  const lines = series.map(([name, values], k) => {
    const points = values
      .map(
        (v, i) =>
          `${(m + ((w - 1.5 * m) * i) / Math.max(1, n - 1)).toFixed(1)},${(h - m - ((h - 1.5 * m) * v) / yMax).toFixed(1)}`,
      )
      .join(' ');
    return `<polyline class="trend" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="2" points="${points}"><title>${esc(name)}</title></polyline>`;
  });
  const legend = series.map(
    ([name], k) =>
      `<g class="legend"><rect x="${w - m / 2 + 16}" y="${m / 2 + 18 * k}" width="10" height="10" fill="${COLORS[k % COLORS.length]}"/><text class="tick" x="${w - m / 2 + 32}" y="${m / 2 + 9 + 18 * k}">${esc(name)}</text></g>`,
  );
  return `<svg id="trend" viewBox="0 0 ${w + LEGEND_W} ${h}" width="${w + LEGEND_W}" height="${h}" role="img" aria-label="GitHub stars per day, last 28 days">
${axes(w, h, m, n, yMax, 'day', 'stars per day', [...data.trendDays])}
${lines.join('\n')}
${legend.join('\n')}
</svg>`;
}

export function renderReport(data: ReportData, generatedAt: Date): string {
  const cell = (v: number | null) => (v === null ? '<td class="null">–</td>' : `<td>${v}</td>`);
  const rows = data.rows
    .map(
      (r) =>
        `<tr><td>${esc(r.repo)}</td><td>${r.hnScore}</td><td>${esc(r.storyId)}</td>${cell(r.stars1)}${cell(r.stars7)}${cell(r.stars28)}${cell(r.forks28)}</tr>`,
    )
    .join('\n');
  const day = `${data.day.slice(0, 4)}-${data.day.slice(4, 6)}-${data.day.slice(6)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hacker News × GitHub trends — ${esc(day)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.charts { display: flex; flex-wrap: wrap; gap: 2rem; } figure { margin: 0; }
svg { background: #fafafa; border: 1px solid #ddd; max-width: 100%; height: auto; }
.axis { stroke: #333; } .grid { stroke: #e5e5e5; } .tick { font-size: 11px; fill: #555; } .label { font-size: 12px; fill: #333; }
.point { fill: #ff6600; fill-opacity: 0.75; stroke: #993d00; } .point[data-nodata], .legend-nodata { fill: #fff; fill-opacity: 1; stroke: #999; }
.point-label { font-size: 11px; fill: #333; }
table { border-collapse: collapse; margin-top: 1rem; } th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; } td.null { color: #aaa; }
footer { margin-top: 2rem; font-size: 0.8rem; color: #777; }
</style>
</head>
<body>
<h1>Hacker News × GitHub trends — ${esc(day)}</h1>
<p>${data.rows.length} Hacker News stor${data.rows.length === 1 ? 'y' : 'ies'} linking a GitHub repository on ${esc(day)} (dataset <code>${esc(data.dataset)}</code>).</p>
<div class="charts">
<figure><figcaption>Hacker News score vs GitHub stars (that day) of the linked repositories</figcaption>
${scatterSvg(data.rows)}
</figure>
<figure><figcaption>Stars per day over the last 28 days${data.trend.size > 0 ? ' (top linked repositories)' : ' (all repositories)'}</figcaption>
${trendSvg(data)}
</figure>
</div>
<h2>hackernews_github_agg for ${esc(day)}</h2>
<table id="rows">
<thead><tr><th>repository</th><th>HN score</th><th>HN story</th><th>stars 1 day</th><th>stars 7 days</th><th>stars 28 days</th><th>forks 28 days</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<footer>Generated ${esc(generatedAt.toISOString())} by <code>npm start</code> (dp example) from the embedded warehouse.</footer>
</body>
</html>
`;
}
