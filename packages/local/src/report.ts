/**
 * The example's report: one self-contained HTML file (inline CSS and SVG; no script, no external resource, only links
 * to Hacker News items and GitHub repositories). The latest data day's repositories (each once, however many stories
 * link it) with the stories' titles, the history of the last N data days, the 28-day star trend and one table per day.
 */
import { addDays, dashed } from './local-run.js';
import {
  type DayData,
  githubUrl,
  groupByRepo,
  hnItemUrl,
  isoDay,
  plural,
  type RepoGroup,
  type ReportData,
  type StoryRow,
} from './report-model.js';
import { esc, historySvg, LABEL_FONT, scatterSvg, summarizeDay, TICK_FONT, trendSvg } from './report-svg.js';
import { queryWarehouse, type Row } from './warehouse.js';

export * from './report-labels.js';
export * from './report-model.js';
export { historySvg, niceMax, scatterSvg, summarizeDay, trendSvg } from './report-svg.js';

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const quote = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** Reads what the report shows from the warehouse: `days` data days ending the day before `runDate`. */
export async function collectReportData(
  url: string,
  opts: { projectId: string; dataset: string; runDate: string; days?: number },
): Promise<ReportData> {
  const day = addDays(opts.runDate, -1);
  const span = Math.max(1, opts.days ?? 1);
  const historyDays = Array.from({ length: span }, (_, i) => addDays(day, i - span + 1));
  const table = (t: string) => `\`${opts.projectId}.${opts.dataset}.${t}\``;
  const q = (sql: string) => queryWarehouse(url, sql, { projectId: opts.projectId, useLegacySql: false });
  const agg = await q(
    `SELECT date, github_repo, github_url, hn_score, hn_story_id, stars_last_1_day, stars_last_7_days, stars_last_28_days, forks_last_28_days
     FROM ${table('hackernews_github_agg')}
     WHERE _PARTITIONTIME BETWEEN TIMESTAMP(${quote(dashed(historyDays[0]!))}) AND TIMESTAMP(${quote(dashed(day))})
     ORDER BY hn_score DESC, hn_story_id`,
  );
  const ids = [...new Set(agg.rows.map((r) => String(r.hn_story_id ?? '')).filter((s) => /^\d+$/.test(s)))];
  const titles = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const res = await q(
      `SELECT id, title FROM \`bigquery-public-data.hacker_news.full\` WHERE id IN (${ids.slice(i, i + 500).join(', ')})`,
    );
    for (const r of res.rows)
      if (r.title !== null && r.title !== undefined) titles.set(String(r.id), String(r.title));
  }
  const byDay = new Map<string, StoryRow[]>(historyDays.map((d) => [d, []]));
  for (const r of agg.rows as Row[]) {
    const ghUrl = String(r.github_url ?? '');
    const story: StoryRow = {
      repo: String(r.github_repo ?? ghUrl.replace(/^https?:\/\/github\.com\//, '')),
      url: ghUrl,
      hnScore: num(r.hn_score) ?? 0,
      storyId: String(r.hn_story_id ?? ''),
      title: titles.get(String(r.hn_story_id ?? '')) ?? null,
      stars1: num(r.stars_last_1_day),
      stars7: num(r.stars_last_7_days),
      stars28: num(r.stars_last_28_days),
      forks28: num(r.forks_last_28_days),
    };
    byDay.get(String(r.date))?.push(story);
  }
  const days: DayData[] = historyDays.map((d) => ({ day: d, stories: byDay.get(d) ?? [] }));

  const trendDays = Array.from({ length: 28 }, (_, i) => addDays(day, i - 27));
  const first = dashed(trendDays[0]!);
  const latest = groupByRepo(days.at(-1)!.stories);
  const repos = latest
    .filter((g) => g.repo && g.stars28 !== null)
    .slice(0, 5)
    .map((g) => g.repo);
  const perRepo = new Map<string, number[]>(repos.map((r) => [r, trendDays.map(() => 0)]));
  if (repos.length > 0) {
    const res = await q(
      `SELECT date, repo, SUM(stars) AS stars FROM ${table('github_daily_metrics')}
       WHERE _PARTITIONTIME BETWEEN TIMESTAMP(${quote(first)}) AND TIMESTAMP(${quote(dashed(day))})
         AND repo IN (${repos.map(quote).join(', ')})
       GROUP BY date, repo`,
    );
    for (const r of res.rows) {
      const i = trendDays.indexOf(String(r.date));
      const series = perRepo.get(String(r.repo));
      if (i >= 0 && series) series[i] = num(r.stars) ?? 0;
    }
  }
  const totals = await q(
    `SELECT date, SUM(stars) AS stars FROM ${table('github_daily_metrics')}
     WHERE _PARTITIONTIME BETWEEN TIMESTAMP(${quote(first)}) AND TIMESTAMP(${quote(dashed(day))})
     GROUP BY date`,
  );
  const totalStars = trendDays.map(() => 0);
  for (const r of totals.rows) {
    const i = trendDays.indexOf(String(r.date));
    if (i >= 0) totalStars[i] = num(r.stars) ?? 0;
  }
  return { day, dataset: opts.dataset, days, trendDays, trend: perRepo, totalStars };
}

const cell = (v: number | null) =>
  v === null ? '<td class="null">–</td>' : `<td>${v.toLocaleString('en-US')}</td>`;

function storyLinks(g: RepoGroup): string {
  return `<ul class="stories">${g.stories
    .map(
      (s) =>
        `<li><a href="${esc(hnItemUrl(s.storyId))}" title="Hacker News item ${esc(s.storyId)}">${s.title === null ? `<span class="untitled">story ${esc(s.storyId)}</span>` : esc(s.title)}</a> <span class="score">${plural(s.hnScore, 'point')}</span></li>`,
    )
    .join('')}</ul>`;
}

function dayTable(d: DayData): string {
  const groups = groupByRepo(d.stories);
  if (groups.length === 0) return '<p class="empty">No partition, or no story linking GitHub that day.</p>';
  const rows = groups.map((g) => {
    const repo =
      g.repo === ''
        ? '<span class="untitled" title="the link names no repository (e.g. a profile page): the pipeline stores NULL">(no repository in the link)</span>'
        : `<a href="${esc(githubUrl(g.repo))}">${esc(g.repo)}</a>`;
    return `<tr><td class="repo">${repo}</td><td class="text">${storyLinks(g)}</td><td>${g.hnScore.toLocaleString('en-US')}</td>${cell(g.stars1)}${cell(g.stars7)}${cell(g.stars28)}${cell(g.forks28)}</tr>`;
  });
  return `<div class="table-wrap"><table class="day" data-day="${d.day}">
<thead><tr><th>repository</th><th class="text">Hacker News stories</th><th>HN score</th><th>stars 1 day</th><th>stars 7 days</th><th>stars 28 days</th><th>forks 28 days</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`;
}

const CSS = `
:root { color-scheme: light; --fg: #1d1d1f; --muted: #666; --line: #ddd; --accent: #ff6600; }
* { box-sizing: border-box; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 1.25rem clamp(0.75rem, 2.5vw, 2.5rem); color: var(--fg); }
h1 { font-size: clamp(1.3rem, 2.5vw, 1.8rem); margin: 0 0 0.25rem; } h2 { font-size: 1.2rem; margin: 2rem 0 0.5rem; }
.lede { color: var(--muted); margin: 0 0 1rem; }
.kpis { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 1rem 0; padding: 0; list-style: none; }
.kpis li { border: 1px solid var(--line); border-radius: 8px; padding: 0.5rem 0.9rem; flex: 1 1 9rem; max-width: 22rem; overflow-wrap: anywhere; }
.kpis b { display: block; font-size: 1.4rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 620px), 1fr)); gap: 1.5rem; }
figure { margin: 0; min-width: 0; } figcaption { font-weight: 600; margin-bottom: 0.4rem; }
.chart { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; background: #fcfcfc; }
.chart svg { display: block; width: 100%; height: auto; max-height: 70vh; }
.wide { grid-column: 1 / -1; }
#trend-wide { display: none; }
@media (min-width: 1100px) { #trend-wide { display: block; } #trend { display: none; } }
.axis { stroke: #333; } .grid { stroke: #e8e8e8; } .tick { font-size: ${TICK_FONT}px; fill: #444; } .label { font-size: 14px; fill: #222; }
.point { fill: var(--accent); fill-opacity: 0.7; stroke: #993d00; cursor: help; }
.point:hover, .bar:hover, .star-dot:hover { stroke: #000; stroke-width: 3; fill-opacity: 1; }
.point[data-nodata], .legend-nodata { fill: #fff; fill-opacity: 1; stroke: #888; }
.point-label { font-size: ${LABEL_FONT}px; fill: #111; paint-order: stroke; stroke: #fcfcfc; stroke-width: 3px; }
.bar { fill: #f4a261; cursor: help; } .star-line { stroke: #1f77b4; stroke-width: 2.5; } .star-dot { fill: #1f77b4; cursor: help; }
.trend { stroke-width: 2.5; } .trend:hover { stroke-width: 5; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: right; vertical-align: top; white-space: nowrap; }
th { background: #f6f6f6; position: sticky; top: 0; } tbody tr:hover { background: #fff6ee; }
th:first-child, td.repo, .text { text-align: left; } td.text { white-space: normal; min-width: 18rem; }
td.null { color: #aaa; } .untitled { color: var(--muted); font-style: italic; }
.stories { margin: 0; padding: 0; list-style: none; } .stories li + li { margin-top: 0.25rem; } .score { color: var(--muted); font-size: 0.85em; white-space: nowrap; }
a { color: #0b57d0; } a:visited { color: #6b3fa0; }
details { border: 1px solid var(--line); border-radius: 8px; padding: 0.4rem 0.8rem; margin: 0.5rem 0; }
summary { cursor: pointer; font-weight: 600; } summary span { font-weight: 400; color: var(--muted); }
footer { margin-top: 2rem; font-size: 0.85rem; color: var(--muted); }
@media (max-width: 640px) { body { font-size: 15px; } td.text { min-width: 14rem; } }
`;

export function renderReport(data: ReportData, generatedAt: Date): string {
  const day = isoDay(data.day);
  const latestDay = data.days.at(-1) ?? { day: data.day, stories: [] };
  const latest = groupByRepo(latestDay.stories);
  const sum = summarizeDay(latestDay);
  const withData = data.days.filter((d) => d.stories.length > 0).length;
  const span =
    data.days.length > 1 ? `${isoDay(data.days[0]!.day)} – ${day} (${plural(data.days.length, 'day')})` : day;
  const perDay = [...data.days]
    .reverse()
    .map((d, i) => {
      const s = summarizeDay(d);
      return `<details${i === 0 ? ' open' : ''} id="day-${d.day}"><summary>${isoDay(d.day)} <span>${plural(s.stories, 'story', 'stories')}, ${plural(s.repos, 'repository', 'repositories')}, HN score ${s.hnScore.toLocaleString('en-US')}, ${plural(s.stars, 'star')}</span></summary>
${dayTable(d)}
</details>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hacker News × GitHub trends — ${esc(day)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Hacker News × GitHub trends — ${esc(day)}</h1>
<p class="lede">Stories on Hacker News that link a GitHub repository, and the stars those repositories got (dataset <code>${esc(data.dataset)}</code>, ${esc(span)}; ${plural(withData, 'day')} with data). Hover a mark for details; titles link to the story on Hacker News, names to the repository.</p>
<ul class="kpis">
<li><b>${sum.stories.toLocaleString('en-US')}</b>${sum.stories === 1 ? 'story' : 'stories'} on ${esc(day)}</li>
<li><b>${sum.repos.toLocaleString('en-US')}</b>${sum.repos === 1 ? 'repository' : 'repositories'} linked</li>
<li><b>${sum.stars.toLocaleString('en-US')}</b>${sum.stars === 1 ? 'star' : 'stars'} on them that day</li>
<li><b>${sum.top ? esc(sum.top) : '–'}</b>top repository by HN score</li>
</ul>
</header>
<div class="charts">
<figure><figcaption>${esc(day)}: HN score vs GitHub stars, one point per repository (larger: several stories)</figcaption>
<div class="chart">${scatterSvg(latest)}</div>
</figure>
<figure><figcaption>Each day: HN score of the stories linking GitHub (bars) and stars on those repositories (line)</figcaption>
<div class="chart">${historySvg(data.days)}</div>
</figure>
<figure class="wide"><figcaption>Stars per day over the last ${data.trendDays.length} days${data.trend.size > 0 ? ' (top repositories of the day)' : ' (all repositories)'}</figcaption>
<div class="chart">${trendSvg(data)}${trendSvg(data, true)}</div>
</figure>
</div>
<h2>Day by day</h2>
${perDay}
<footer>Generated ${esc(generatedAt.toISOString())} by <code>npm start</code> (<code>dp example</code>) from the embedded warehouse's <code>${esc(data.dataset)}.hackernews_github_agg</code>. One self-contained file: it works offline; links lead to news.ycombinator.com and github.com.</footer>
</body>
</html>
`;
}
