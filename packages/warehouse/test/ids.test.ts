import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBodyIds } from '../src/body-ids.js';
import { checkDatasetId, checkJobId, checkProjectId, checkTableId, checkTableRefId } from '../src/ids.js';
import type { RunningWarehouse } from '../src/index.js';
import { parseRequestPath } from '../src/request-path.js';
import { startTestWarehouse } from './helpers.js';

/**
 * Issue 12 item 3: ids follow BigQuery's rules. Requests go out through node:http with the path exactly as written
 * here (fetch would resolve `..` and `.` before sending), so the server sees what an attacker can send.
 */

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
type Reply = { status: number; json: any };

let wh: RunningWarehouse;
const P = '/bigquery/v2/projects/local-project';

function send(method: string, path: string, body?: object): Promise<Reply> {
  const url = new URL(wh.url);
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: text === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          data += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: data ? JSON.parse(data) : undefined }),
        );
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

beforeAll(async () => {
  wh = await startTestWarehouse();
  const ok = (r: Reply) => expect(r.status, JSON.stringify(r.json)).toBe(200);
  ok(await send('POST', `${P}/datasets`, { datasetReference: { datasetId: 'full' } }));
  ok(
    await send('POST', `${P}/datasets/full/tables`, {
      tableReference: { tableId: 'items' },
      schema: { fields: [{ name: 'n', type: 'INTEGER' }] },
    }),
  );
  ok(await send('POST', `${P}/datasets/full/tables/items/insertAll`, { rows: [{ json: { n: 7 } }] }));
  ok(
    await send('POST', `${P}/jobs`, {
      jobReference: { jobId: 'kept_job' },
      configuration: { query: { query: 'SELECT 1 AS x', useLegacySql: false } },
    }),
  );
});
afterAll(async () => {
  await wh?.stop();
});

/** Everything the setup wrote is still there, unchanged. */
async function expectIntact(): Promise<void> {
  expect((await send('GET', `${P}/datasets/full`)).status).toBe(200);
  const tables = await send('GET', `${P}/datasets/full/tables`);
  expect(
    tables.json.tables.map((t: { tableReference: { tableId: string } }) => t.tableReference.tableId),
  ).toEqual(['items']);
  const rows = await send('GET', `${P}/datasets/full/tables/items/data`);
  expect(rows.json.rows).toEqual([{ f: [{ v: '7' }] }]);
  expect((await send('GET', `${P}/jobs/kept_job`)).json.status.state).toBe('DONE');
}

const overlong = 'a'.repeat(1025);

/** Bad ids as they appear in a path (raw, some percent-encoded) — each must be refused wherever an id goes. */
const BAD_SEGMENTS: [string, string][] = [
  ['..', 'dot-dot'],
  ['.', 'dot'],
  ['%2e%2e', 'encoded dot-dot'],
  ['%2E%2E', 'encoded dot-dot (upper case)'],
  ['%2e', 'encoded dot'],
  ['..%2F..', 'encoded slash traversal'],
  ['a%2Fb', 'encoded slash'],
  ['%2F', 'lone encoded slash'],
  ['a%00b', 'NUL'],
  ['%F0%9F%98%80', 'emoji'],
  ['a%E2%80%AEb', 'right-to-left override'],
  ['a*', 'wildcard'],
  ['a%20', 'trailing space'],
  [overlong, 'overlong'],
];

/** Path templates with `{}` where the id goes, one per resource and method that takes an id. */
const DATASET_PATHS: [string, string][] = [
  ['GET', `${P}/datasets/{}`],
  ['DELETE', `${P}/datasets/{}?deleteContents=true`],
  ['PATCH', `${P}/datasets/{}`],
  ['GET', `${P}/datasets/{}/tables`],
  ['GET', `${P}/datasets/{}/tables/items`],
  ['DELETE', `${P}/datasets/{}/tables/items`],
];
const TABLE_PATHS: [string, string][] = [
  ['GET', `${P}/datasets/full/tables/{}`],
  ['DELETE', `${P}/datasets/full/tables/{}?deleteContents=true`],
  ['PATCH', `${P}/datasets/full/tables/{}`],
  ['PUT', `${P}/datasets/full/tables/{}`],
  ['GET', `${P}/datasets/full/tables/{}/data`],
  ['POST', `${P}/datasets/full/tables/{}/insertAll`],
];
const JOB_PATHS: [string, string][] = [
  ['GET', `${P}/jobs/{}`],
  ['POST', `${P}/jobs/{}/cancel`],
  ['GET', `${P}/queries/{}`],
];
const PROJECT_PATHS: [string, string][] = [
  ['GET', '/bigquery/v2/projects/{}/datasets'],
  ['GET', '/bigquery/v2/projects/{}/datasets/full'],
  ['DELETE', '/bigquery/v2/projects/{}/datasets/full?deleteContents=true'],
  ['GET', '/bigquery/v2/projects/{}/jobs'],
  ['POST', '/bigquery/v2/projects/{}/queries'],
];

const bodyFor = (method: string, path: string): object | undefined => {
  if (method === 'PATCH' || method === 'PUT') return { description: 'x' };
  if (path.includes('insertAll')) return { rows: [{ json: { n: 1 } }] };
  if (path.endsWith('/queries')) return { query: 'SELECT 1' };
  return undefined;
};

/** An empty id last in the path is a trailing slash (`datasets/` is the collection), so it is left out there. */
const matrix = (paths: [string, string][], bad: [string, string][]) =>
  paths.flatMap(([method, template]) =>
    bad
      .filter(([segment]) => segment !== '' || !/\{\}(\?|$)/.test(template))
      .map(([segment, what]) => ({ method, path: template.replace('{}', segment), what })),
  );

const PATH_CASES = [
  ...matrix(DATASET_PATHS, [...BAD_SEGMENTS, ['', 'empty'], ['d%C3%A9j%C3%A0', 'non-ASCII letters']]),
  ...matrix(TABLE_PATHS, [...BAD_SEGMENTS, ['items%2420261340', 'impossible partition date']]),
  ...matrix(JOB_PATHS, [...BAD_SEGMENTS, ['', 'empty']]),
  ...matrix(PROJECT_PATHS, [
    ...BAD_SEGMENTS,
    ['', 'empty'],
    ['Local-Project', 'upper case'],
    ['abc', 'too short'],
    [`a${'b'.repeat(30)}`, 'too long'],
    ['local-project-', 'trailing hyphen'],
    ['1local-project', 'leading digit'],
  ]),
];

describe('ids in the path: refused with 400 invalid before anything resolves them', () => {
  it('covers every resource with every traversal form', () => {
    expect(PATH_CASES.length).toBeGreaterThan(250);
  });

  it.each(PATH_CASES)('$method $what → 400 ($path)', async ({ method, path }) => {
    const res = await send(method, path, bodyFor(method, path));
    expect(res.status, JSON.stringify(res.json)).toBe(400);
    expect(res.json.error.errors[0].reason).toBe('invalid');
    expect(res.json.error.status).toBe('INVALID_ARGUMENT');
    expect(res.json.error.message).not.toMatch(/\n/);
  });

  it('the dataset, its table, its rows and the job are all still there', async () => {
    await expectIntact();
  });

  it('the reported case: DELETE tables/%2e%2e?deleteContents=true leaves dataset full alone', async () => {
    const res = await send('DELETE', `${P}/datasets/full/tables/%2e%2e?deleteContents=true`);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/Invalid table ID/);
    const get = await send('GET', `${P}/datasets/full/tables/..`);
    expect(get.status).toBe(400);
    await expectIntact();
  });

  it('%2F stays inside its segment: it never reaches another route', async () => {
    // Were %2F decoded before splitting, this would be tables.get of dataset `full`, table `items`.
    const res = await send('GET', `${P}/datasets/full%2Ftables%2Fitems`);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/Invalid dataset ID/);
  });

  it('an empty segment is not dropped: datasets//tables is not datasets/tables', async () => {
    const res = await send('GET', `${P}/datasets//tables/items`);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/Invalid dataset ID ""/);
  });
});

describe('ids BigQuery accepts still work', () => {
  it('a table id with Unicode letters, marks, dashes and spaces round-trips through the path', async () => {
    const id = 'Tablé-1 größe_ü';
    const created = await send('POST', `${P}/datasets/full/tables`, {
      tableReference: { tableId: id },
      schema: { fields: [{ name: 'n', type: 'INTEGER' }] },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    const got = await send('GET', `${P}/datasets/full/tables/${encodeURIComponent(id)}`);
    expect(got.status).toBe(200);
    expect(got.json.tableReference.tableId).toBe(id);
    expect((await send('DELETE', `${P}/datasets/full/tables/${encodeURIComponent(id)}`)).status).toBe(204);
  });

  it('a partition decorator in the path is accepted on a table read', async () => {
    const res = await send('GET', `${P}/datasets/full/tables/items%2420261120`);
    expect(res.status).toBe(200);
    expect(res.json.tableReference.tableId).toBe('items');
  });

  it.each([
    'local-project',
    'bigquery-public-data',
    'githubarchive',
    'example.com:my-project',
    'a23456',
    `a${'b'.repeat(29)}`,
  ])('project %s is a valid project id', async (project) => {
    const res = await send('GET', `/bigquery/v2/projects/${project}/datasets`);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
  });

  it('a dataset id of 1024 characters and a job id of 1024 characters are accepted', async () => {
    const long = 'd'.repeat(1024);
    expect((await send('GET', `${P}/datasets/${long}`)).status).toBe(404);
    expect((await send('GET', `${P}/jobs/${'j'.repeat(1024)}`)).status).toBe(404);
  });
});

/** Ids inside request bodies get the same rules (datasetReference, tableReference, jobReference, job tables). */
describe('ids in request bodies', () => {
  const query = (extra: object) => ({ configuration: { query: { query: 'SELECT 1', ...extra } } });
  const CASES: { name: string; path: string; body: object; message: RegExp }[] = [
    {
      name: 'datasetReference.datasetId ..',
      path: `${P}/datasets`,
      body: { datasetReference: { datasetId: '..' } },
      message: /Invalid dataset ID/,
    },
    {
      name: 'datasetReference.projectId upper case',
      path: `${P}/datasets`,
      body: { datasetReference: { projectId: 'Local-Project', datasetId: 'x' } },
      message: /Invalid project ID/,
    },
    {
      name: 'tableReference.tableId ../x',
      path: `${P}/datasets/full/tables`,
      body: { tableReference: { tableId: '../x' } },
      message: /Invalid table ID/,
    },
    {
      name: 'tableReference.datasetId with a slash',
      path: `${P}/datasets/full/tables`,
      body: { tableReference: { datasetId: 'full/x', tableId: 'x' } },
      message: /Invalid dataset ID/,
    },
    {
      name: 'tableReference.tableId not a string',
      path: `${P}/datasets/full/tables`,
      body: { tableReference: { tableId: ['x'] } },
      message: /tableReference.tableId must be a string/,
    },
    {
      name: 'jobReference.jobId ..',
      path: `${P}/jobs`,
      body: { jobReference: { jobId: '..' }, ...query({}) },
      message: /Invalid job ID/,
    },
    {
      name: 'jobReference.projectId with NUL',
      path: `${P}/jobs`,
      body: { jobReference: { projectId: 'local-project\u0000', jobId: 'j1' }, ...query({}) },
      message: /Invalid project ID/,
    },
    {
      name: 'query destinationTable.tableId with a slash',
      path: `${P}/jobs`,
      body: query({ destinationTable: { datasetId: 'full', tableId: 'a/b' } }),
      message: /Invalid table ID/,
    },
    {
      name: 'query destinationTable with an impossible decorator',
      path: `${P}/jobs`,
      body: query({ destinationTable: { datasetId: 'full', tableId: 'items$20260230' } }),
      message: /partition decorator/,
    },
    {
      name: 'query defaultDataset.datasetId ..',
      path: `${P}/jobs`,
      body: query({ defaultDataset: { datasetId: '..' } }),
      message: /Invalid dataset ID/,
    },
    {
      name: 'load destinationTable.datasetId %2e%2e (never decoded in a body)',
      path: `${P}/jobs`,
      body: {
        configuration: {
          load: { sourceUris: ['file:///nope.csv'], destinationTable: { datasetId: '%2e%2e', tableId: 'x' } },
        },
      },
      message: /Invalid dataset ID/,
    },
    {
      name: 'copy sourceTables[1].tableId wildcard',
      path: `${P}/jobs`,
      body: {
        configuration: {
          copy: {
            sourceTables: [
              { datasetId: 'full', tableId: 'items' },
              { datasetId: 'full', tableId: 'it*' },
            ],
            destinationTable: { datasetId: 'full', tableId: 'copy' },
          },
        },
      },
      message: /Invalid table ID/,
    },
    {
      name: 'copy sourceTable.projectId too short',
      path: `${P}/jobs`,
      body: {
        configuration: {
          copy: {
            sourceTable: { projectId: 'abc', datasetId: 'full', tableId: 'items' },
            destinationTable: { datasetId: 'full', tableId: 'copy' },
          },
        },
      },
      message: /Invalid project ID/,
    },
    {
      name: 'extract sourceTable.tableId empty',
      path: `${P}/jobs`,
      body: {
        configuration: {
          extract: { sourceTable: { datasetId: 'full', tableId: '' }, destinationUris: ['file:///tmp/x'] },
        },
      },
      message: /Invalid table ID/,
    },
    {
      name: 'jobs.query defaultDataset.datasetId with unicode',
      path: `${P}/queries`,
      body: { query: 'SELECT 1', defaultDataset: { datasetId: 'dé' } },
      message: /Invalid dataset ID/,
    },
  ];

  it.each(CASES)('$name → 400 invalid', async ({ path, body, message }) => {
    const res = await send('POST', path, body);
    expect(res.status, JSON.stringify(res.json)).toBe(400);
    expect(res.json.error.errors[0].reason).toBe('invalid');
    expect(res.json.error.message).toMatch(message);
  });

  it('no job was created and nothing changed', async () => {
    const jobs = await send('GET', `${P}/jobs`);
    expect(jobs.json.jobs.map((j: { jobReference: { jobId: string } }) => j.jobReference.jobId)).toEqual([
      'kept_job',
    ]);
    await expectIntact();
  });

  it('row data is never walked: a row may hold anything, including fields named like references', () => {
    const body = { rows: [{ json: { tableReference: { tableId: '..' } } }] };
    expect(checkBodyIds('table', body)).toBe(body);
  });
});

describe('id rules (units)', () => {
  it('project ids: 6-30 lowercase letters, digits and hyphens, optionally domain-scoped', () => {
    for (const ok of [
      'local-project',
      'githubarchive',
      'google.com:my-proj',
      'abcdef',
      `a${'0'.repeat(29)}`,
    ]) {
      expect(checkProjectId(ok)).toBe(ok);
    }
    for (const bad of [
      'abcde',
      `a${'0'.repeat(30)}`,
      'My-project',
      '1project',
      'project-',
      'my_project',
      ':abcdef',
    ]) {
      expect(() => checkProjectId(bad), bad).toThrow(/Invalid project ID/);
    }
  });

  it('dataset ids: letters, digits and underscores, at most 1024', () => {
    expect(checkDatasetId('A_1')).toBe('A_1');
    expect(checkDatasetId('d'.repeat(1024))).toHaveLength(1024);
    for (const bad of ['', 'a-b', 'a.b', 'dé', 'd'.repeat(1025), 'a b']) {
      expect(() => checkDatasetId(bad)).toThrow(/Invalid dataset ID/);
    }
  });

  it('table ids: Unicode L/M/N/Pc/Pd/Zs, at most 1024 UTF-8 bytes, decorators only with checkTableRefId', () => {
    for (const ok of ['t', 'Tablé-1 x', '表', 'a‿b']) expect(checkTableId(ok)).toBe(ok);
    for (const bad of ['', '.', '..', 'a.b', 'a/b', 'a\u0000', 'a*', ' a', 'a$1', 'é'.repeat(513), '😀']) {
      expect(() => checkTableId(bad), JSON.stringify(bad)).toThrow(/Invalid table ID/);
    }
    for (const ok of ['t$20261120', 't$__UNPARTITIONED__', 't$__NULL__'])
      expect(checkTableRefId(ok)).toBe(ok);
    for (const bad of ['t$2026112', 't$20260230', 't$..', '..$20261120', 't$@123', 't$20261120$x']) {
      expect(() => checkTableRefId(bad), bad).toThrow(/Invalid/);
    }
  });

  it('job ids: letters, digits, underscores and dashes, at most 1024', () => {
    expect(checkJobId('job_1-a')).toBe('job_1-a');
    for (const bad of ['', 'a.b', 'a/b', 'j'.repeat(1025), 'jé'])
      expect(() => checkJobId(bad)).toThrow(/Invalid job ID/);
  });

  it('the path is split before decoding and never normalised', () => {
    expect(parseRequestPath('/bigquery/v2/projects/p/datasets/a%2Fb/tables/%2e%2e?x=1&y=%2F')).toEqual({
      upload: false,
      segments: ['projects', 'p', 'datasets', 'a/b', 'tables', '..'],
      query: { x: '1', y: '/' },
    });
    expect(parseRequestPath('/projects/p/datasets/d/tables/./../x').segments).toEqual([
      'projects',
      'p',
      'datasets',
      'd',
      'tables',
      '.',
      '..',
      'x',
    ]);
    expect(parseRequestPath('/upload/bigquery/v2/projects/p/jobs').upload).toBe(true);
    expect(parseRequestPath('/bigquery%2Fv2/projects').segments).toEqual(['bigquery/v2', 'projects']);
    expect(parseRequestPath('/projects//datasets/').segments).toEqual(['projects', '', 'datasets']);
    expect(() => parseRequestPath('/projects/%E0%A4%A')).toThrow(/Malformed percent-encoding/);
    expect(() => parseRequestPath('http://evil.example.com/projects')).toThrow(/absolute path/);
  });
});
