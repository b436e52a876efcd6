import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFault, ROUTE_IDS, type RunningWarehouse, startWarehouse } from '../src/index.js';
import { findGooglePython, raw, runPython, startTestWarehouse } from './helpers.js';

/**
 * Issue 14 §3's failure paths need the warehouse to answer 403 accessDenied, 500 backendError and 429
 * rateLimitExceeded to a job request from a client that cannot set headers: faults armed at start (or later, in
 * tests) answer the next N matching requests with BigQuery's error envelope and status.
 */

const JOB = { configuration: { query: { query: 'SELECT 1 AS x', useLegacySql: false } } };
const P = '/bigquery/v2/projects/local-project';

describe('parseFault', () => {
  it('reads method=reason[/status][:count]', () => {
    expect(parseFault('jobs.insert=rateLimitExceeded:2', ROUTE_IDS)).toEqual({
      method: 'jobs.insert',
      reason: 'rateLimitExceeded',
      status: 429,
      remaining: 2,
    });
    expect(parseFault('jobs.get=backendError', ROUTE_IDS)).toMatchObject({ status: 500, remaining: 1 });
    expect(parseFault('*=accessDenied:*', ROUTE_IDS)).toMatchObject({
      method: '*',
      status: 403,
      remaining: Number.POSITIVE_INFINITY,
    });
    expect(parseFault('jobs.insert=rateLimitExceeded/403', ROUTE_IDS)).toMatchObject({ status: 403 });
  });

  it('names what is wrong in one line', () => {
    const cases: [string, RegExp][] = [
      ['jobs.insert', /is not method=reason\[\/status\]\[:count\], e\.g\. jobs\.insert=rateLimitExceeded:2$/],
      [
        'jobs.insrt=backendError',
        /unknown method jobs\.insrt \(one of projects\.list, .*jobs\.getQueryResults, or \*\)$/,
      ],
      [
        'jobs.insert=oops',
        /unknown reason oops \(one of accessDenied, backendError, internalError, rateLimitExceeded, quotaExceeded\)$/,
      ],
      ['jobs.insert=backendError/302', /the status must be 400-599$/],
      ['jobs.insert=backendError:0', /the count must be at least 1$/],
      ['jobs.insert=backendError:-1', /is not method=reason/],
    ];
    for (const [spec, message] of cases) {
      expect(() => parseFault(spec, ROUTE_IDS)).toThrow(message);
      try {
        parseFault(spec, ROUTE_IDS);
      } catch (e) {
        expect(String(e).split('\n')).toHaveLength(1);
      }
    }
  });

  it('fails the start before anything opens', async () => {
    await expect(startWarehouse({ port: 0, faults: ['jobs.insert=nope'] })).rejects.toThrow(
      /unknown reason nope/,
    );
  });
});

describe('faults over HTTP', () => {
  let wh: RunningWarehouse;
  beforeAll(async () => {
    wh = await startTestWarehouse({
      faults: ['jobs.insert=rateLimitExceeded:2', 'datasets.get=backendError'],
    });
  });
  afterAll(async () => {
    await wh?.stop();
  });

  it('answers the next N matching requests with the error, then runs them again', async () => {
    // Other methods are untouched.
    expect((await raw(wh.url, 'GET', `${P}/datasets`)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await raw(wh.url, 'POST', `${P}/jobs`, JOB);
      expect(r.status).toBe(429);
      expect(r.json).toEqual({
        error: {
          code: 429,
          message: expect.stringMatching(/^Exceeded rate limits: too many api requests per user per method/),
          errors: [{ message: r.json.error.message, domain: 'global', reason: 'rateLimitExceeded' }],
          status: 'RESOURCE_EXHAUSTED',
        },
      });
    }
    const ok = await raw(wh.url, 'POST', `${P}/jobs`, JOB);
    expect(ok.status).toBe(200);
    expect(ok.json.status.state).toBe('DONE');
    // The fault answers before the handler: a dataset that does not exist still gets the fault first.
    const backend = await raw(wh.url, 'GET', `${P}/datasets/nope`);
    expect(backend.status).toBe(500);
    expect(backend.json.error).toMatchObject({
      code: 500,
      status: 'INTERNAL',
      errors: [{ reason: 'backendError' }],
    });
    expect((await raw(wh.url, 'GET', `${P}/datasets/nope`)).status).toBe(404);
    expect(wh.faults?.pending()).toEqual([]);
  });

  it('can be armed on a running warehouse, with another status', async () => {
    wh.faults!.arm('jobs.query=rateLimitExceeded/403');
    const r = await raw(wh.url, 'POST', `${P}/queries`, { query: 'SELECT 1' });
    expect(r.status).toBe(403);
    expect(r.json.error).toMatchObject({
      code: 403,
      status: 'PERMISSION_DENIED',
      errors: [{ reason: 'rateLimitExceeded' }],
    });
  });

  it('is off by default', async () => {
    const plain = await startTestWarehouse();
    try {
      expect(plain.faults).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });
});

const py = findGooglePython(process.env);
if ('skip' in py) console.warn(py.skip);

describe.skipIf('skip' in py)('faults seen by google-api-python-client', () => {
  it('answers jobs.insert with 403 accessDenied, 500 backendError, 429 rateLimitExceeded, then runs it', async () => {
    const wh = await startTestWarehouse({
      faults: ['jobs.insert=accessDenied', 'jobs.insert=backendError', 'jobs.insert=rateLimitExceeded'],
    });
    try {
      const out = await runPython('python' in py ? py.python : '', 'bq_client.py', ['faults'], {
        WAREHOUSE_URL: wh.url,
        SCENARIO_CALLS: 'datasets.list,jobs.insert,jobs.insert,jobs.insert,jobs.insert',
      });
      expect(out[0].kind).toBe('bigquery#datasetList');
      expect(out[1].error).toMatchObject({
        status: 403,
        reason: 'accessDenied',
        message:
          'Access Denied: Project local-project: User does not have permission to perform this request in project local-project.',
      });
      expect(out[1].error.envelope.error.status).toBe('PERMISSION_DENIED');
      expect(out[2].error).toMatchObject({ status: 500, reason: 'backendError' });
      expect(out[3].error).toMatchObject({ status: 429, reason: 'rateLimitExceeded' });
      expect(out[4].status.state).toBe('DONE');
    } finally {
      await wh.stop();
    }
  });
});
