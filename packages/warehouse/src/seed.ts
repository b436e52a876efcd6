import type { DuckDBConnection } from '@duckdb/node-api';
import { physicalName, type TableMeta } from './catalog.js';
import { invalid } from './errors.js';
import type { Warehouse, WriteHelpers } from './warehouse.js';

export interface SeedOptions {
  /** First day, YYYY-MM-DD (UTC). */
  from: string;
  /** Last day, inclusive. */
  to: string;
  /** 1 = ~2,000 GitHub events and ~300 HN items per day; events grow linearly (1000 → 2M events a day). */
  scale?: number;
  /** Changes the generated data; the same seed always yields the same rows. */
  seed?: number;
}

export interface SeedReport {
  days: string[];
  seeded: string[];
  skipped: string[];
  githubEvents: number;
  hackerNewsItems: number;
}

const GH_SCHEMA = [
  { name: 'type', type: 'STRING' },
  { name: 'public', type: 'BOOLEAN' },
  { name: 'payload', type: 'STRING' },
  {
    name: 'repo',
    type: 'RECORD',
    fields: [
      { name: 'id', type: 'INTEGER' },
      { name: 'name', type: 'STRING' },
      { name: 'url', type: 'STRING' },
    ],
  },
  ...['actor', 'org'].map((name) => ({
    name,
    type: 'RECORD',
    fields: [
      { name: 'id', type: 'INTEGER' },
      { name: 'login', type: 'STRING' },
      { name: 'gravatar_id', type: 'STRING' },
      { name: 'avatar_url', type: 'STRING' },
      { name: 'url', type: 'STRING' },
    ],
  })),
  { name: 'created_at', type: 'TIMESTAMP' },
  { name: 'id', type: 'STRING' },
  { name: 'other', type: 'STRING' },
];

const HN_SCHEMA = [
  { name: 'title', type: 'STRING' },
  { name: 'url', type: 'STRING' },
  { name: 'text', type: 'STRING' },
  { name: 'dead', type: 'BOOLEAN' },
  { name: 'by', type: 'STRING' },
  { name: 'score', type: 'INTEGER' },
  { name: 'time', type: 'INTEGER' },
  { name: 'timestamp', type: 'TIMESTAMP' },
  { name: 'type', type: 'STRING' },
  { name: 'id', type: 'INTEGER' },
  { name: 'parent', type: 'INTEGER' },
  { name: 'descendants', type: 'INTEGER' },
  { name: 'ranking', type: 'INTEGER' },
  { name: 'deleted', type: 'BOOLEAN' },
];

const DAY_MS = 86_400_000;
const MAX_DAYS = 3_700;
/** Repos that a day's Hacker News stories link to (and that then trend on GitHub for three days). */
const TRENDING_PER_DAY = 4;

function dayIndex(text: string, what: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw invalid(`${what} must be a date YYYY-MM-DD.`);
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw invalid(`${what} is not a valid date: ${text}`);
  }
  return ms / DAY_MS;
}

/** Deterministic 32-bit mixing (same input → same output, in JS; DuckDB's hash() is used for bulk rows). */
function mix(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * Creates `githubarchive.day.YYYYMMDD` and `bigquery-public-data.hacker_news.full` rows for each day in [from, to].
 * A day already present is skipped (idempotent); each day commits on its own.
 */
export async function seedWarehouse(wh: Warehouse, opts: SeedOptions): Promise<SeedReport> {
  const first = dayIndex(opts.from, 'from');
  const last = dayIndex(opts.to, 'to');
  if (last < first) throw invalid('to must not be before from.');
  if (last - first + 1 > MAX_DAYS) throw invalid(`at most ${MAX_DAYS} days can be seeded at once.`);
  const scale = opts.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 5_000)
    throw invalid('scale must be a number in (0, 5000].');
  const seed = Math.trunc(opts.seed ?? 42);
  const events = Math.max(50, Math.round(2_000 * scale));
  const hnItems = Math.max(40, Math.round(300 * Math.min(scale, 100)));
  const repos = Math.max(60, Math.round(300 * Math.sqrt(scale)));
  const report: SeedReport = { days: [], seeded: [], skipped: [], githubEvents: 0, hackerNewsItems: 0 };
  for (let d = first; d <= last; d++) {
    const iso = new Date(d * DAY_MS).toISOString().slice(0, 10);
    const tableId = iso.replace(/-/g, '');
    report.days.push(iso);
    const done = await wh.writeTransaction(async (c, h) => {
      await h.ensureDataset('githubarchive', 'day', 'GitHub Archive events, one table per day (sample data)');
      await h.ensureDataset('bigquery-public-data', 'hacker_news', 'Hacker News items (sample data)');
      let hn = h.table({ projectId: 'bigquery-public-data', datasetId: 'hacker_news', tableId: 'full' });
      hn ??= await h.createTable(
        { projectId: 'bigquery-public-data', datasetId: 'hacker_news', tableId: 'full' },
        HN_SCHEMA,
      );
      const key = { projectId: 'githubarchive', datasetId: 'day', tableId };
      if (h.table(key)) return false;
      const gh = await h.createTable(key, GH_SCHEMA);
      const trending = trendingRepos(d, seed, repos);
      await insertGithubDay(c, gh, d, seed, events, repos, trending);
      await insertHackerNewsDay(c, hn, d, seed, hnItems, repos);
      await h.afterWrite(gh);
      await h.afterWrite(hn);
      return true;
    });
    if (done) {
      report.seeded.push(iso);
      report.githubEvents += events;
      report.hackerNewsItems += hnItems;
    } else report.skipped.push(iso);
  }
  return report;
}

/** Repos linked by HN stories of days d, d-1 and d-2: they get extra stars and forks on day d. */
function trendingRepos(d: number, seed: number, repos: number): number[] {
  const out: number[] = [];
  for (let back = 0; back < 3; back++) {
    for (let k = 0; k < TRENDING_PER_DAY; k++) out.push(storyRepo(d - back, k, seed, repos));
  }
  return out;
}

function storyRepo(d: number, k: number, seed: number, repos: number): number {
  return mix(d, k, seed, 7) % repos;
}

const repoName = (r: string) => `concat('dev', (${r}) % 97, '/', 'project-', ${r})`;

async function insertGithubDay(
  c: DuckDBConnection,
  t: TableMeta,
  d: number,
  seed: number,
  n: number,
  repos: number,
  trending: number[],
): Promise<void> {
  const dayStartMicros = BigInt(d) * 86_400_000_000n;
  const trend = `[${trending.join(', ')}]`;
  const sql = `
    WITH base AS (
      SELECT i, hash(i, ${d}, ${seed}, 1) % 1000 AS h1, hash(i, ${d}, ${seed}, 2) AS h2, hash(i, ${d}, ${seed}, 3) AS h3
      FROM range(${n}) AS r(i)
    ), typed AS (
      SELECT *,
        CASE WHEN h1 < 430 THEN 'PushEvent' WHEN h1 < 640 THEN 'WatchEvent' WHEN h1 < 720 THEN 'ForkEvent'
             WHEN h1 < 800 THEN 'CreateEvent' WHEN h1 < 860 THEN 'IssuesEvent' WHEN h1 < 930 THEN 'PullRequestEvent'
             ELSE 'IssueCommentEvent' END AS type,
        CASE WHEN h1 >= 430 AND h1 < 720 AND h2 % 3 = 0 THEN ${trend}[1 + (h3 % ${trending.length})::BIGINT]
             ELSE ((h2 % ${repos}) * (h2 % ${repos}) // ${repos})::BIGINT END AS repo_ix,
        5000000 + (h3 % ${n * 2 + 100})::BIGINT AS actor_id
      FROM base
    )
    INSERT INTO ${physicalName(t.uid)} (type, public, payload, repo, actor, org, created_at, id, other)
    SELECT type, true,
      CASE type WHEN 'WatchEvent' THEN '{"action":"started"}'
                WHEN 'ForkEvent' THEN '{"forkee":{"id":' || (9000000 + i) || ',"public":true}}'
                WHEN 'PushEvent' THEN '{"size":' || (1 + h3 % 5) || ',"ref":"refs/heads/main"}'
                ELSE '{"action":"opened"}' END,
      struct_pack(id := (1000000 + repo_ix)::BIGINT, name := ${repoName('repo_ix')},
                  url := 'https://api.github.com/repos/' || ${repoName('repo_ix')}),
      struct_pack(id := actor_id, login := 'user' || actor_id, gravatar_id := '',
                  avatar_url := 'https://avatars.githubusercontent.com/u/' || actor_id || '?',
                  url := 'https://api.github.com/users/user' || actor_id),
      CASE WHEN h3 % 10 < 3 THEN struct_pack(id := (7000000 + repo_ix % 97)::BIGINT, login := 'org' || (repo_ix % 97),
                  gravatar_id := '', avatar_url := 'https://avatars.githubusercontent.com/u/' || (7000000 + repo_ix % 97) || '?',
                  url := 'https://api.github.com/orgs/org' || (repo_ix % 97)) END,
      make_timestamptz((${dayStartMicros} + (h2 % 86400000000))::BIGINT),
      CAST(${d}::BIGINT * 100000000 + i AS VARCHAR),
      NULL
    FROM typed ORDER BY h2 % 86400000000`;
  await c.run(sql);
}

/**
 * Titles of ordinary stories: mixed like the public table's (ASCII, accents and dashes, quotes and markup characters,
 * long ones). `{id}` is replaced by the item id.
 */
const TITLES = [
  'Story number {id}',
  'Ask HN: How do you keep a data pipeline honest? ({id})',
  'Naïve Bayes, revisited — a 20-minute read ({id})',
  'Why "<script>" & friends still break HTML reports ({id})',
  'The unreasonable effectiveness of boring technology in production systems, ten years on ({id})',
  'Ünïcode in URLs: a field guide ({id})',
  'Zürich meetup notes: shipping Node services… again ({id})',
  'Launch HN: a 50% faster build cache (YC W26) ({id})',
];
const titleSql = (id: string, h: string) =>
  `replace([${TITLES.map((t) => `'${t.replaceAll("'", "''")}'`).join(', ')}][1 + (${h} % ${TITLES.length})::BIGINT], '{id}', ${id}::VARCHAR)`;

/**
 * The first stories of a day, as the public table has them: the four trending repos linked in four URL forms the
 * pipeline's REGEXP_EXTRACT normalises (plain, /tree/…, #readme, ?query), a second story on the first of them (a
 * repository linked twice), then links the pipeline's LIKE filter drops (http://, www.), a profile link it keeps with a
 * NULL repository URL, and a story without URL.
 */
const SPECIAL = [
  { kind: 'trend', repo: 0, url: "'https://github.com/' || R" },
  { kind: 'trend', repo: 1, url: "'https://github.com/' || R || '/tree/main/src'" },
  { kind: 'trend', repo: 2, url: "'https://github.com/' || R || '#readme'" },
  { kind: 'trend', repo: 3, url: "'https://github.com/' || R || '?tab=readme-ov-file'" },
  { kind: 'again', repo: 0, url: "'https://github.com/' || R || '/'" },
  { kind: 'http', repo: 1, url: "'http://github.com/' || R" },
  { kind: 'www', repo: 2, url: "'https://www.github.com/' || R" },
  { kind: 'profile', repo: 3, url: "'https://github.com/' || split_part(R, '/', 1)" },
  { kind: 'nourl', repo: 0, url: 'NULL' },
] as const;

async function insertHackerNewsDay(
  c: DuckDBConnection,
  t: TableMeta,
  d: number,
  seed: number,
  n: number,
  repos: number,
): Promise<void> {
  const base = d * 10_000_000;
  const dayStartSec = d * 86_400;
  const stories = Array.from({ length: TRENDING_PER_DAY }, (_, k) => storyRepo(d, k, seed, repos));
  const linked = `[${stories.join(', ')}]`;
  const special = (pick: (x: (typeof SPECIAL)[number], i: number) => string, otherwise: string) =>
    `CASE ${SPECIAL.map((x, i) => `WHEN i = ${i} THEN ${pick(x, i)}`).join(' ')} ELSE ${otherwise} END`;
  const repoOf = (x: (typeof SPECIAL)[number]) => repoName(`${linked}[${x.repo + 1}]`);
  const sql = `
    WITH base AS (
      SELECT i, hash(i, ${d}, ${seed}, 11) AS h1, hash(i, ${d}, ${seed}, 12) AS h2 FROM range(${n}) AS r(i)
    ), items AS (
      SELECT *, ${base}::BIGINT + i AS id,
        (${dayStartSec} + (h1 % 86400))::BIGINT AS t,
        ${special(
          (x) => `'${x.kind}'`,
          `CASE WHEN i % 5 IN (0, 1) THEN (CASE WHEN h2 % 10 = 0 THEN 'gh' WHEN h2 % 50 = 1 THEN 'blog' ELSE 'web' END)
             ELSE 'comment' END`,
        )} AS kind
      FROM base
    )
    INSERT INTO ${physicalName(t.uid)} (title, url, text, dead, "by", score, "time", "timestamp", type, id, parent,
                                        descendants, ranking, deleted)
    SELECT
      CASE WHEN kind = 'comment' THEN NULL
           WHEN kind = 'trend' THEN 'Show HN: ' || ${special((x) => repoOf(x), 'NULL')}
           WHEN kind = 'again' THEN 'Ask HN: has anyone run ' || ${special((x) => repoOf(x), 'NULL')} || ' in production?'
           WHEN kind = 'nourl' THEN 'Ask HN: What are you working on? (' || id || ')'
           ELSE ${titleSql('id', 'h2')} END,
      CASE WHEN i < ${SPECIAL.length} THEN ${special((x) => x.url.replaceAll('R', repoOf(x)), 'NULL')}
           WHEN kind = 'gh' THEN 'https://github.com/' || ${repoName(`(h2 % ${repos})::BIGINT`)}
           WHEN kind = 'blog' THEN 'https://github.com/blog/' || id || '-release-notes'
           WHEN kind = 'web' THEN 'https://example' || (h2 % 40) || '.com/article/' || id
           ELSE NULL END,
      CASE WHEN kind = 'comment' THEN 'Comment text ' || id WHEN kind = 'nourl' THEN 'Tell us about it.' ELSE NULL END,
      CASE WHEN i >= ${SPECIAL.length} AND h2 % 97 = 0 THEN true ELSE NULL END,
      'hn_user' || (h1 % 5000),
      CASE WHEN kind = 'comment' THEN NULL WHEN kind IN ('trend', 'again') THEN (120 + h2 % 480)::BIGINT
           WHEN i < ${SPECIAL.length} THEN (20 + h2 % 200)::BIGINT ELSE (1 + h2 % 90)::BIGINT END,
      t,
      make_timestamptz(t * 1000000),
      CASE WHEN kind = 'comment' THEN 'comment' ELSE 'story' END,
      id,
      CASE WHEN kind = 'comment' THEN ${base}::BIGINT + (i % 5) ELSE NULL END,
      CASE WHEN kind = 'comment' THEN NULL ELSE (h2 % 60)::BIGINT END,
      CASE WHEN kind = 'comment' THEN (i % 30)::BIGINT ELSE NULL END,
      CASE WHEN i >= ${SPECIAL.length} AND h2 % 89 = 0 THEN true ELSE NULL END
    FROM items ORDER BY id`;
  await c.run(sql);
}

export type { WriteHelpers };
