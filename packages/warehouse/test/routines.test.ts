import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, raw, startTestWarehouse } from './helpers.js';

/** Issue 17 §1: persistent functions (CREATE FUNCTION dataset.fn), DROP FUNCTION and the routines REST resource. */

const P = '/bigquery/v2/projects/local-project';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wh-routines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('persistent functions', () => {
  it('are created by DDL, used from two queries, listed and read over REST, and survive a restart', async () => {
    const first = await startTestWarehouse({ dataDir: dir });
    try {
      const bq = clientFor(first.url);
      await bq.createDataset('lib');
      const [created] = await bq.createQueryJob({
        query:
          'CREATE FUNCTION lib.tax(amount FLOAT64, rate FLOAT64) RETURNS FLOAT64 AS (ROUND(amount * rate, 2))',
        useLegacySql: false,
      });
      const [meta] = await created.getMetadata();
      expect(meta.statistics.query.statementType).toBe('CREATE_FUNCTION');
      expect(meta.statistics.query.ddlOperationPerformed).toBe('CREATE');
      expect(meta.statistics.query.ddlTargetRoutine).toEqual({
        projectId: 'local-project',
        datasetId: 'lib',
        routineId: 'tax',
      });
      await bq.query({
        query: `CREATE OR REPLACE FUNCTION \`local-project.lib.label\`(s STRING) RETURNS STRING LANGUAGE js AS r"""return '<' + s + '>';"""`,
        useLegacySql: false,
      });
      const [a] = await bq.query({ query: 'SELECT lib.tax(100, 0.19) AS t', useLegacySql: false });
      expect(a).toEqual([{ t: 19 }]);
      const [b] = await bq.query({
        query:
          'SELECT lib.label(x) AS l, `local-project.lib.tax`(10, 0.5) AS t FROM UNNEST(["a", "b"]) AS x ORDER BY x',
        useLegacySql: false,
      });
      expect(b).toEqual([
        { l: '<a>', t: 5 },
        { l: '<b>', t: 5 },
      ]);
      const list = await raw(first.url, 'GET', `${P}/datasets/lib/routines`);
      expect(list.status).toBe(200);
      expect(
        list.json.routines.map(
          (r: { routineReference: { routineId: string } }) => r.routineReference.routineId,
        ),
      ).toEqual(['label', 'tax']);
      const got = await raw(first.url, 'GET', `${P}/datasets/lib/routines/tax`);
      expect(got.json).toMatchObject({
        routineReference: { projectId: 'local-project', datasetId: 'lib', routineId: 'tax' },
        routineType: 'SCALAR_FUNCTION',
        language: 'SQL',
        arguments: [
          { name: 'amount', dataType: { typeKind: 'FLOAT64' } },
          { name: 'rate', dataType: { typeKind: 'FLOAT64' } },
        ],
        returnType: { typeKind: 'FLOAT64' },
        definitionBody: 'ROUND(amount * rate, 2)',
      });
      const dup = await bq
        .query({ query: 'CREATE FUNCTION lib.tax(x FLOAT64) AS (x)', useLegacySql: false })
        .catch((e: Error) => e);
      expect(String(dup)).toMatch(/Already Exists: Routine local-project:lib.tax/);
    } finally {
      await first.stop();
    }
    const second = await startTestWarehouse({ dataDir: dir });
    try {
      const bq = clientFor(second.url);
      const [rows] = await bq.query({
        query: 'SELECT lib.tax(10, 0.1) AS t, lib.label("z") AS l',
        useLegacySql: false,
      });
      expect(rows).toEqual([{ t: 1, l: '<z>' }]);
      const [dropped] = await bq.createQueryJob({ query: 'DROP FUNCTION lib.tax', useLegacySql: false });
      expect((await dropped.getMetadata())[0].statistics.query.statementType).toBe('DROP_FUNCTION');
      const gone = await raw(second.url, 'GET', `${P}/datasets/lib/routines/tax`);
      expect(gone.status).toBe(404);
      expect(gone.json.error.errors[0].reason).toBe('notFound');
      const call = await bq
        .query({ query: 'SELECT lib.tax(1, 1)', useLegacySql: false })
        .catch((e: Error) => e);
      expect(String(call)).toMatch(/Function not found/);
      expect((await raw(second.url, 'DELETE', `${P}/datasets/lib/routines/label`)).status).toBe(204);
      expect((await raw(second.url, 'GET', `${P}/datasets/lib/routines`)).json.routines).toEqual([]);
      const again = await bq.query({ query: 'DROP FUNCTION IF EXISTS lib.tax', useLegacySql: false });
      expect(again[0]).toEqual([]);
      expect(
        (await raw(second.url, 'GET', `${P}/datasets/lib/routines/bad-id`)).json.error.errors[0].reason,
      ).toBe('invalid');
    } finally {
      await second.stop();
    }
  }, 180_000);
});
