import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoveryDocument, isDiscoveryTarget, METHODS, rootUrlFor } from '../src/discovery.js';
import type { RunningWarehouse } from '../src/index.js';
import { ROUTES } from '../src/server.js';
import { findGooglePython, raw, runPython, startTestWarehouse } from './helpers.js';

/**
 * Issue 14 §1: the warehouse serves a BigQuery v2 discovery document, and google-api-python-client (the library of
 * Airflow 1.8.2's BigQueryHook) builds its methods from it and drives every method the warehouse implements.
 */

/** The router's pattern as a discovery path template (`:p` → `{projectId}`...). */
const PARAM_NAMES: Record<string, string> = {
  ':p': '{projectId}',
  ':d': '{datasetId}',
  ':t': '{tableId}',
  ':j': '{jobId}',
  ':r': '{routineId}',
};
const templateOf = (pattern: string[]) => pattern.map((s) => PARAM_NAMES[s] ?? s).join('/');

describe('the discovery document', () => {
  const doc = discoveryDocument('http://127.0.0.1:9050/') as {
    rootUrl: string;
    servicePath: string;
    schemas: Record<string, unknown>;
    resources: Record<string, { methods: Record<string, Record<string, unknown>> }>;
  };

  it('describes exactly the routes the router serves, with the same method and path', () => {
    const described = METHODS.map((m) => `${m.resource}.${m.name} ${m.httpMethod} ${m.path}`).sort();
    const routed = ROUTES.map((r) => `${r.id} ${r.method} ${templateOf(r.pattern)}`).sort();
    expect(described).toEqual(routed);
    expect(routed).toContain('jobs.getQueryResults GET projects/{projectId}/queries/{jobId}');
    expect(routed).toContain('jobs.cancel POST projects/{projectId}/jobs/{jobId}/cancel');
  });

  it('gives every path parameter as required, in parameterOrder, and every $ref a schema', () => {
    for (const [resource, { methods }] of Object.entries(doc.resources)) {
      for (const [name, method] of Object.entries(methods)) {
        expect(method.id).toBe(`bigquery.${resource}.${name}`);
        const inPath = [...String(method.path).matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const params = method.parameters as Record<string, { required?: boolean; location: string }>;
        for (const p of inPath) expect(params[p!]).toMatchObject({ required: true, location: 'path' });
        expect(method.parameterOrder).toEqual(inPath);
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"(\w+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(50);
    for (const r of refs) expect(doc.schemas, r).toHaveProperty(r);
  });

  it('points at the server: rootUrl from the Host the client used, else the socket address', () => {
    expect(doc.rootUrl).toBe('http://127.0.0.1:9050/');
    expect(doc.servicePath).toBe('bigquery/v2/');
    expect(rootUrlFor('localhost:9999', '127.0.0.1', 9050)).toBe('http://localhost:9999/');
    expect(rootUrlFor('[::1]:9050', '::1', 9050)).toBe('http://[::1]:9050/');
    expect(rootUrlFor(undefined, '::ffff:127.0.0.1', 9050)).toBe('http://127.0.0.1:9050/');
    expect(rootUrlFor('evil/x@y', '127.0.0.1', 9050)).toBe('http://127.0.0.1:9050/');
  });

  it('is asked for by the old and the new path, for bigquery v2 only', () => {
    expect(isDiscoveryTarget('/discovery/v1/apis/bigquery/v2/rest')).toBe(true);
    expect(isDiscoveryTarget('/discovery/v1/apis/bigquery/v2/rest?alt=json')).toBe(true);
    expect(isDiscoveryTarget('/$discovery/rest?version=v2')).toBe(true);
    expect(isDiscoveryTarget('/$discovery/rest?version=v1')).toBe(false);
    expect(isDiscoveryTarget('/discovery/v1/apis/storage/v1/rest')).toBe(false);
    expect(isDiscoveryTarget('/discovery/v1/apis/bigquery/v2/rest/x')).toBe(false);
  });
});

const py = findGooglePython(process.env);
if ('skip' in py) console.warn(py.skip);

// One warehouse for the file (its first query warms the translator up); the python scenarios run concurrently.
let wh: RunningWarehouse;
beforeAll(async () => {
  wh = await startTestWarehouse();
});
afterAll(async () => {
  await wh?.stop();
});

describe('served', () => {
  it('answers both paths with the same document whose rootUrl is this server', async () => {
    const a = await raw(wh.url, 'GET', '/discovery/v1/apis/bigquery/v2/rest');
    const b = await raw(wh.url, 'GET', '/$discovery/rest?version=v2');
    expect(a.status).toBe(200);
    expect(a.json.rootUrl).toBe(`${wh.url}/`);
    expect(b.json).toEqual(a.json);
    const other = await raw(wh.url, 'GET', '/discovery/v1/apis/storage/v1/rest');
    expect(other.status).toBe(404);
    expect(other.json.error.errors[0].reason).toBe('notFound');
  });
});

describe.skipIf('skip' in py)('google-api-python-client 1.7 against the warehouse', () => {
  const python = 'python' in py ? py.python : '';

  it.concurrent('builds every method from the document and drives the ones the hook uses', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'wh-py-'));
    const out = await runPython(python, 'bq_client.py', ['methods'], {
      WAREHOUSE_URL: wh.url,
      TMPDIR: tmp,
    }).finally(() => rm(tmp, { recursive: true, force: true }));
    expect(out.methods).toEqual(ROUTES.map((r) => r.id).sort());
    expect(out['datasets.insert'].datasetReference).toEqual({
      projectId: 'local-project',
      datasetId: 'pyds',
    });
    expect(out['tables.get'].schema.fields.map((f: { name: string }) => f.name)).toEqual(['n', 's']);
    expect(out['tables.get'].numRows).toBe('5');
    const job = out['jobs.insert'];
    expect(job.status).toEqual({ state: 'DONE' });
    expect(job.configuration.query.writeDisposition).toBe('WRITE_TRUNCATE');
    expect(out['jobs.get'].jobReference).toEqual(job.jobReference);
    const results = out['jobs.getQueryResults'];
    expect(results.jobComplete).toBe(true);
    expect(results.totalRows).toBe('3');
    expect(results.rows).toEqual([
      { f: [{ v: '10' }, { v: 'row1' }] },
      { f: [{ v: '20' }, { v: 'row2' }] },
      { f: [{ v: '30' }, { v: 'row3' }] },
    ]);
    expect(out['tabledata.list'].rows).toHaveLength(2);
    expect(out['tabledata.list'].totalRows).toBe('3');
    expect(out['tabledata.list.page2'].rows).toEqual([{ f: [{ v: '30' }, { v: 'row3' }] }]);
    expect(out['jobs.cancel'].kind).toBe('bigquery#jobCancelResponse');
    expect(out['jobs.cancel'].job.jobReference.jobId).toBe(job.jobReference.jobId);
    expect(out['jobs.query'].rows).toEqual([{ f: [{ v: '3' }] }]);
    expect(out['tables.patch'].description).toBe('from python');
    expect(out['jobs.insert.upload'].status).toEqual({ state: 'DONE' });
    expect(out['tabledata.list.loaded'].rows).toEqual([
      { f: [{ v: '1' }, { v: 'x' }] },
      { f: [{ v: '2' }, { v: 'y' }] },
    ]);
    expect(out['tables.get.missing'].error).toMatchObject({ status: 404, reason: 'notFound' });
    expect(out['datasets.delete']).toBe('');
  });

  it.concurrent('builds from the newer $discovery path too', async () => {
    const out = await runPython(python, 'bq_client.py', ['newer_path'], { WAREHOUSE_URL: wh.url });
    expect(out['jobs.query'].rows).toEqual([{ f: [{ v: '1' }] }]);
  });

  it.concurrent('reaches the server under the name it was asked by (localhost)', async () => {
    const url = wh.url.replace('127.0.0.1', 'localhost');
    const doc = await raw(url, 'GET', '/discovery/v1/apis/bigquery/v2/rest');
    expect(doc.json.rootUrl).toBe(`${url}/`);
    const out = await runPython(python, 'bq_client.py', ['query'], { WAREHOUSE_URL: url });
    expect(out.rows).toEqual([{ f: [{ v: '7' }] }]);
  });
});
