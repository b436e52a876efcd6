import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addDays,
  dashed,
  embeddedWarehouseAvailable,
  queryWarehouse,
  type Row,
  startEmbeddedWarehouse,
} from '@data-pipeline/local';
import { afterAll, describe, expect, it } from 'vitest';
import { type DpResult, runDp } from './support/dp.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const INIT = join(repo, 'workflows', 'bigquery_step_init_workflow.yaml');
const DAILY = join(repo, 'workflows', 'bigquery_step_workflow.yaml');
const PROJECT = 'local-project';
const R = '20261120';
const D = addDays(R, -1);

const tmp = mkdtempSync(join(tmpdir(), 'dp-pipeline-'));
const dataDir = join(tmp, 'data');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dp(args: string[]): Promise<DpResult> {
  return runDp(args, { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp, CI: '1' } });
}

async function withWarehouse<T>(fn: (q: (sql: string) => Promise<Row[]>) => Promise<T>): Promise<T> {
  const wh = await startEmbeddedWarehouse({ dataDir, projectId: PROJECT });
  try {
    return await fn(async (sql) => (await queryWarehouse(wh.url, sql, { projectId: PROJECT })).rows);
  } finally {
    await wh.stop();
  }
}

const T = (t: string) => `\`${PROJECT}.github_trends.${t}\``;

async function snapshot(): Promise<Record<string, string[]>> {
  return withWarehouse(async (q) => {
    const out: Record<string, string[]> = {};
    for (const t of ['github_daily_metrics', 'github_agg', 'hackernews_agg', 'hackernews_github_agg']) {
      const rows = await q(`SELECT *, _PARTITIONTIME AS pt FROM ${T(t)}`);
      out[t] = rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))).sort();
    }
    return out;
  });
}

async function partitions(q: (sql: string) => Promise<Row[]>): Promise<string[]> {
  const rows = await q(`#legacySQL
SELECT partition_id FROM [${PROJECT}:github_trends.github_daily_metrics$__PARTITIONS_SUMMARY__]`);
  return rows.map((r) => String(r.partition_id)).sort();
}

/** hackernews_github_agg for data day D, computed in JS from the raw sample rows (no aggregation in SQL). */
async function expectedJoin(q: (sql: string) => Promise<Row[]>) {
  const starsByDay = new Map<string, Map<string, number>>();
  for (let i = 1; i <= 28; i++) {
    const day = addDays(R, -i);
    const events = await q(
      `SELECT type, repo.name AS repo FROM \`githubarchive.day.${day}\` WHERE type = 'WatchEvent'`,
    );
    const m = new Map<string, number>();
    for (const e of events) m.set(String(e.repo), (m.get(String(e.repo)) ?? 0) + 1);
    starsByDay.set(day, m);
  }
  const stories = await q(
    "SELECT id, `by` AS submitter, url, score, timestamp FROM `bigquery-public-data.hacker_news.full` WHERE type = 'story'",
  );
  const from = Date.parse(`${dashed(D)}T00:00:00Z`);
  const to = Date.parse(`${dashed(R)}T00:00:00Z`);
  const groups = new Map<string, { id: string; url: string | null; score: number }>();
  for (const s of stories) {
    const ts = Date.parse(String(s.timestamp));
    const url = String(s.url ?? '');
    if (!(ts > from && ts < to) || !url.includes('https://github.com') || url.includes('github.com/blog/'))
      continue;
    const extracted = /(https?:\/\/github.com\/[^/]*\/[^/#?]*)/.exec(url)?.[1] ?? null;
    const key = JSON.stringify([s.submitter, s.id, extracted]);
    const g = groups.get(key) ?? { id: String(s.id), url: extracted, score: 0 };
    g.score += Number(s.score ?? 0);
    groups.set(key, g);
  }
  const sum = (repoName: string, days: string[]) => {
    const v = days.map((d) => starsByDay.get(d)?.get(repoName)).filter((x): x is number => x !== undefined);
    return v.length === 0 ? null : v.reduce((a, b) => a + b, 0);
  };
  const window28 = Array.from({ length: 28 }, (_, i) => addDays(R, -1 - i));
  const reposWithActivity = new Set([...starsByDay.values()].flatMap((m) => [...m.keys()]));
  return [...groups.values()]
    .map((g) => {
      const repoName = g.url?.replace(/^https?:\/\/github.com\//, '');
      const known = repoName !== undefined && reposWithActivity.has(repoName);
      return {
        hn_story_id: g.id,
        github_url: g.url,
        hn_score: g.score,
        stars_last_1_day: known ? sum(repoName!, [D]) : null,
        stars_last_28_days: known ? sum(repoName!, window28) : null,
      };
    })
    .sort((a, b) => a.hn_story_id.localeCompare(b.hn_story_id));
}

const ready = existsSync(INIT) && existsSync(DAILY) && (await embeddedWarehouseAvailable());
if (!ready) console.warn('pipeline e2e skipped: workflows/ or the embedded warehouse is missing');

describe.skipIf(!ready)('the example pipeline with dp run (embedded warehouse, native engine)', () => {
  it('init then daily for the same run-date: 4 tables, 40 partitions, join equals an independent computation, check passes', async () => {
    const init = await dp(['run', INIT, '-p', `run-date=${R}`, '--data-dir', dataDir]);
    expect(init.stdout + init.stderr).toMatch(/workflow bigquery-data-pipeline-init-local Succeeded/);
    expect(init.code).toBe(0);
    // No key is needed on the embedded warehouse: the Secret the workflow mounts is not worth a line there.
    expect(init.stderr).not.toMatch(/bigquery-sa-secret/);
    const daily = await dp(['run', DAILY, '-p', `run-date=${R}`, '--data-dir', dataDir]);
    expect(daily.stdout).toMatch(/^check-hn-github-agg\s+Succeeded/m);
    expect(daily.code).toBe(0);

    await withWarehouse(async (q) => {
      const tables = await q(`SELECT table_id FROM ${T('__TABLES__')}`);
      expect(tables.map((t) => t.table_id).sort()).toEqual([
        'github_agg',
        'github_daily_metrics',
        'hackernews_agg',
        'hackernews_github_agg',
      ]);
      const parts = await partitions(q);
      expect(parts).toHaveLength(40);
      expect(parts[0]).toBe(addDays(R, -40));
      expect(parts.at(-1)).toBe(D);

      const actual = (
        await q(
          `SELECT hn_story_id, github_url, hn_score, stars_last_1_day, stars_last_28_days FROM ${T('hackernews_github_agg')}
           WHERE _PARTITIONTIME = TIMESTAMP('${dashed(D)}')`,
        )
      )
        .map((r) => ({ ...r, hn_story_id: String(r.hn_story_id) }))
        .sort((a, b) => a.hn_story_id.localeCompare(b.hn_story_id));
      const expected = await expectedJoin(q);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.some((r) => r.stars_last_28_days !== null)).toBe(true);
      expect(actual).toEqual(expected);

      // The sample day has the link forms of the public table; the example SQL (REGEXP_EXTRACT and the LIKE filters,
      // as the original wrote them) keeps /tree/…, #readme and ?query links as the repository URL, keeps a profile
      // link with a NULL URL, and drops http://, www. and stories without URL.
      const raw = await q(
        `SELECT CAST(id AS STRING) AS id, url FROM \`bigquery-public-data.hacker_news.full\`
         WHERE type = 'story' AND timestamp > TIMESTAMP('${dashed(D)}') AND timestamp < TIMESTAMP('${dashed(R)}')`,
      );
      const agg = new Map(
        (
          await q(
            `SELECT CAST(story_id AS STRING) AS id, url FROM ${T('hackernews_agg')} WHERE _PARTITIONTIME = TIMESTAMP('${dashed(D)}')`,
          )
        ).map((r) => [String(r.id), r.url === null ? null : String(r.url)]),
      );
      const ids = (re: RegExp | null) =>
        raw
          .filter((r) => (re === null ? r.url === null : re.test(String(r.url ?? ''))))
          .map((r) => String(r.id));
      for (const re of [/^https:\/\/github\.com\/[^/]+\/[^/]+\/tree\//, /#readme$/, /\?tab=/]) {
        expect(ids(re), String(re)).not.toEqual([]);
        for (const id of ids(re))
          expect(agg.get(id), String(re)).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/#?]+$/);
      }
      for (const re of [/^http:\/\/github\.com\//, /^https:\/\/www\.github\.com\//, null]) {
        expect(ids(re), String(re)).not.toEqual([]);
        for (const id of ids(re)) expect(agg.has(id), String(re)).toBe(false);
      }
      const profiles = ids(/^https:\/\/github\.com\/[^/]+$/);
      expect(profiles).not.toEqual([]);
      for (const id of profiles) expect(agg.get(id)).toBeNull();
      // No sample item is later than the end of the last seeded day: with R = today, none is in the future.
      const [latest] = await q('SELECT MAX(timestamp) AS t FROM `bigquery-public-data.hacker_news.full`');
      expect(Date.parse(String(latest!.t))).toBeLessThan(Date.parse(`${dashed(R)}T00:00:00Z`));
    });
  }, 600_000);

  it('dp example (npm start) for the same run-date: init skipped, the earlier day as history, top rows, a self-contained report; run again, identical tables (idempotent)', async () => {
    // The data dir holds R-40 .. R-1 and the daily run for R, so the example skips the init, runs the daily workflow
    // for the earlier data day (history, one line) and reruns the daily workflow for R.
    const report = join(tmp, 'report', 'index.html');
    const example = () =>
      dp(['example', '--data-dir', dataDir, '--run-date', R, '--report', report, '--days', '2']);
    const r = await example();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/init skipped: .* already holds the 4 tables and the 40 days before/);
    expect(r.stderr).toMatch(/^check-hn-github-agg\s+Succeeded/m);
    expect(r.stderr.match(/^history: daily workflow for data day \S+ Succeeded/gm)).toEqual([
      `history: daily workflow for data day ${dashed(addDays(D, -1))} Succeeded`,
    ]);
    expect(r.stdout).toMatch(`Top rows of github_trends.hackernews_github_agg for ${D}:`);
    expect(r.stdout).toMatch(/^github_url\s+\| hn_score/m);
    expect(r.stdout).toContain(`Report: ${report}`);
    const html = readFileSync(report, 'utf8');
    const rows = await withWarehouse((q) =>
      q(
        `SELECT hn_story_id FROM ${T('hackernews_github_agg')} WHERE _PARTITIONTIME = TIMESTAMP('${dashed(D)}')`,
      ),
    );
    expect(rows.length).toBeGreaterThan(0);
    // One point per linked repository (a repository linked by two stories is one point), titles linked to HN.
    const repos = await withWarehouse((q) =>
      q(
        `SELECT DISTINCT LOWER(REGEXP_EXTRACT(github_url, r'github.com/(.*)$')) AS repo FROM ${T('hackernews_github_agg')}
         WHERE _PARTITIONTIME = TIMESTAMP('${dashed(D)}') AND github_url IS NOT NULL`,
      ),
    );
    expect(html.match(/<circle class="point"/g)).toHaveLength(repos.length);
    expect(repos.length).toBeLessThan(rows.length);
    expect(html).toMatch(/<a href="https:\/\/news\.ycombinator\.com\/item\?id=\d+"[^>]*>Show HN: /);
    expect(html).toMatch(/<polyline class="trend"/);
    expect(html).not.toMatch(/<script|\bsrc=|\b1 stars\b/i);
    // The report shows both data days, oldest first.
    expect([...html.matchAll(/<rect class="bar" data-day="(\d+)"/g)].map((m) => m[1])).toEqual([
      addDays(D, -1),
      D,
    ]);

    // Again: nothing is rerun but the latest day, and that rerun leaves every table as it was (idempotent).
    const before = await snapshot();
    const again = await example();
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/^history: 1 of the 1 earlier data days already processed$/m);
    expect(again.stderr).not.toMatch(/^history: daily workflow/m);
    expect(again.stderr).toMatch(/^check-hn-github-agg\s+Succeeded/m);
    expect(await snapshot()).toEqual(before);
  }, 600_000);

  it('rejects a bad --days with one line and exit 64, before anything runs', async () => {
    for (const bad of ['0', '13', 'seven', '2.5']) {
      const r = await dp(['example', '--data-dir', join(tmp, 'never'), '--days', bad]);
      expect(r.code, bad).toBe(64);
      expect(r.stderr.trim().split('\n'), bad).toHaveLength(1);
      expect(r.stderr).toMatch(/--days must be a whole number from 1 to 12/);
      expect(existsSync(join(tmp, 'never')), bad).toBe(false);
    }
  });

  it('a dp run for the next day adds one partition', async () => {
    const next = await dp(['run', DAILY, '-p', `run-date=${addDays(R, 1)}`, '--data-dir', dataDir]);
    expect(next.code).toBe(0);
    await withWarehouse(async (q) => {
      const parts = await partitions(q);
      expect(parts).toHaveLength(41);
      expect(parts.at(-1)).toBe(R);
    });
  }, 600_000);
});
