import { OperatorError } from '@data-pipeline/runner';
import { describe, expect, it } from 'vitest';
import {
  BigQueryJobError,
  classifyBigQueryError,
  describeBigQueryError,
  withBigQueryErrors,
} from '../src/index.js';

const api = (code: number, reason: string, message = 'x') =>
  Object.assign(new Error(message), { code, errors: [{ reason, message }] });

describe('classifyBigQueryError', () => {
  it.each([
    [api(400, 'invalidQuery', 'Syntax error: Unexpected keyword'), 'invalid-input'],
    [api(400, 'invalid'), 'invalid-input'],
    [api(409, 'duplicate'), 'invalid-input'],
    [api(401, 'authError', 'Invalid Credentials'), 'permission-denied'],
    [api(403, 'accessDenied', 'Access Denied: Project p'), 'permission-denied'],
    [api(403, 'rateLimitExceeded'), 'transient'],
    [api(403, 'quotaExceeded'), 'transient'],
    [api(403, 'responseTooLarge'), 'invalid-input'],
    [api(404, 'notFound', 'Not found: Table p:ds.t was not found in location US'), 'invalid-input'],
    [api(404, 'notFound', 'Not found: Dataset p:ds'), 'invalid-input'],
    [api(404, 'notFound', 'Not found: Project nope'), 'configuration'],
    [api(404, 'notFound', 'Not found: Job p:j'), 'configuration'],
    [Object.assign(new Error('<html>404</html>'), { code: 404 }), 'configuration'],
    [api(408, 'timeout'), 'transient'],
    [api(429, 'rateLimitExceeded'), 'transient'],
    [api(500, 'backendError'), 'transient'],
    [api(503, 'backendError'), 'transient'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'transient'],
    [Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), 'transient'],
    [
      Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
      'transient',
    ],
    [Object.assign(new Error('getaddrinfo ENOTFOUND nope'), { code: 'ENOTFOUND' }), 'configuration'],
    [new Error('Could not load the default credentials. Browse to ...'), 'configuration'],
    [new Error('MISSING_CREDENTIALS: private_key and client_email are required.'), 'configuration'],
    [new Error('The incoming JSON object does not contain a client_email field'), 'configuration'],
    [new Error('invalid_grant: Invalid JWT Signature.'), 'permission-denied'],
    [new BigQueryJobError('invalidQuery', 'Unrecognized name: foo', 'p:j'), 'invalid-input'],
    [new BigQueryJobError('notFound', 'Not found: Table p:ds.t', 'p:j'), 'invalid-input'],
    [new BigQueryJobError('accessDenied', 'Access Denied', 'p:j'), 'permission-denied'],
    [new BigQueryJobError('backendError', 'oops', 'p:j'), 'transient'],
    [new BigQueryJobError('stopped', 'cancelled', 'p:j'), 'task-failed'],
    [new OperatorError('usage', 'x'), 'usage'],
    [new Error('something else'), 'task-failed'],
  ])('%s → %s', (err, cls) => {
    expect(classifyBigQueryError(err)).toBe(cls);
  });

  it('describes in one line', () => {
    const d = describeBigQueryError(api(403, 'accessDenied', 'Access Denied:\nProject p'), 'jobs.insert');
    expect(d).toBe('jobs.insert failed: HTTP 403 accessDenied: Access Denied: Project p');
  });
});

describe('withBigQueryErrors', () => {
  it('returns what the work returns', async () => {
    await expect(withBigQueryErrors(new AbortController().signal, 'q', async () => 7)).resolves.toBe(7);
  });

  it('turns a BigQuery failure into an OperatorError naming what failed', async () => {
    const err = await withBigQueryErrors(new AbortController().signal, 'BigQuery query', async () => {
      throw api(403, 'accessDenied', 'Access Denied: Project p');
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperatorError);
    expect((err as OperatorError).exitClass).toBe('permission-denied');
    expect((err as OperatorError).message).toContain('BigQuery query failed');
  });

  it('passes an OperatorError through unchanged', async () => {
    const mine = new OperatorError('invalid-input', 'bad');
    await expect(
      withBigQueryErrors(new AbortController().signal, 'q', async () => {
        throw mine;
      }),
    ).rejects.toBe(mine);
  });

  it('lets the error through untouched once the signal has aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const raw = api(500, 'backendError');
    await expect(
      withBigQueryErrors(ac.signal, 'q', async () => {
        throw raw;
      }),
    ).rejects.toBe(raw);
  });
});
