import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BigQueryError, errorEnvelope, toBigQueryError } from '../src/errors.js';
import {
  checkDatasetId,
  checkFieldName,
  checkProjectId,
  checkTableId,
  partitionDate,
  splitDecorator,
} from '../src/ids.js';
import { normalizeRow, normalizeTimestamp } from '../src/rows.js';
import { duckTypeOf, encodeTimestamp, normalizeSchema } from '../src/types.js';
import { duckdbSettings, Warehouse } from '../src/warehouse.js';

describe('identifiers (BigQuery rules)', () => {
  it('accepts valid names', () => {
    expect(checkProjectId('bigquery-public-data')).toBe('bigquery-public-data');
    expect(checkProjectId('example.com:my-project')).toBe('example.com:my-project');
    expect(checkDatasetId('github_trends')).toBe('github_trends');
    expect(checkTableId('20261123')).toBe('20261123');
    expect(checkTableId('my table-1 é')).toBe('my table-1 é');
    expect(checkFieldName('_private')).toBe('_private');
  });

  it.each([
    ['project', () => checkProjectId('bad project')],
    ['project quote', () => checkProjectId("p'--")],
    ['dataset dash', () => checkDatasetId('bad-ds')],
    ['dataset dot', () => checkDatasetId('a.b')],
    ['table quote', () => checkTableId('t"x')],
    ['table slash', () => checkTableId('../etc')],
    ['table leading space', () => checkTableId(' t')],
    ['field dash', () => checkFieldName('a-b')],
    ['field digit', () => checkFieldName('1a')],
    ['field reserved', () => checkFieldName('_TABLE_SUFFIX')],
  ])('rejects %s', (_name, fn) => {
    expect(fn).toThrow(BigQueryError);
  });

  it('splits and validates decorators', () => {
    expect(splitDecorator('t$20261120')).toEqual({ table: 't', decorator: '20261120' });
    expect(splitDecorator('t')).toEqual({ table: 't' });
    expect(partitionDate('20261120')).toBe('2026-11-20');
    expect(() => partitionDate('20260230')).toThrow(/decorator/);
    expect(() => partitionDate('2026112')).toThrow(/decorator/);
  });
});

describe('schemas and types', () => {
  it('normalises aliases and builds DuckDB types for nested fields', () => {
    const schema = normalizeSchema([
      { name: 'a', type: 'INT64' },
      { name: 'r', type: 'STRUCT', mode: 'REPEATED', fields: [{ name: 'ts', type: 'TIMESTAMP' }] },
    ]);
    expect(schema[0]).toEqual({ name: 'a', type: 'INTEGER', mode: 'NULLABLE' });
    expect(duckTypeOf(schema[1]!)).toBe('STRUCT("ts" TIMESTAMPTZ)[]');
  });

  it('encodes timestamps the three ways clients ask', () => {
    const micros = 1_795_136_400_123_456n;
    expect(encodeTimestamp(micros, 'int64')).toBe('1795136400123456');
    expect(encodeTimestamp(micros, 'iso')).toBe('2026-11-20T01:00:00.123456Z');
    expect(Number(encodeTimestamp(micros, 'float'))).toBeCloseTo(1795136400.123456, 5);
    expect(encodeTimestamp(1_500_000_000_000_000n, 'float')).toBe('1.5E9');
  });
});

describe('row normalisation', () => {
  const schema = normalizeSchema([
    { name: 'n', type: 'INTEGER', mode: 'REQUIRED' },
    { name: 'tags', type: 'STRING', mode: 'REPEATED' },
    { name: 'rec', type: 'RECORD', fields: [{ name: 'x', type: 'FLOAT' }] },
  ]);

  it('fills absent columns and converts values', () => {
    const r = normalizeRow(schema, { n: '7', rec: { x: '1.5' } }, false);
    expect(r).toEqual({ ok: true, value: { n: '7', tags: [], rec: { x: 1.5 } } });
  });

  it.each([
    [{ tags: [] }, /Missing required field: n/],
    [{ n: 'x' }, /Cannot convert value to integer/],
    [{ n: '9223372036854775808' }, /Cannot convert value to integer/],
    [{ n: 1, tags: 'a' }, /non-repeated|Array/],
    [{ n: 1, tags: ['a', null] }, /NULL elements/],
    [{ n: 1, nope: 1 }, /no such field: nope/],
    [{ n: 1, rec: 5 }, /record/],
  ])('rejects %j', (row, message) => {
    const r = normalizeRow(schema, row, false);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(message);
  });

  it('ignores unknown values when asked', () => {
    expect(normalizeRow(schema, { n: 1, nope: 1 }, true).ok).toBe(true);
  });

  it('accepts BigQuery timestamp forms', () => {
    expect(normalizeTimestamp('2026-11-20 10:00:00 UTC', 'f')).toBe('2026-11-20 10:00:00+00');
    expect(normalizeTimestamp('2026-11-20T10:00:00.5Z', 'f')).toBe('2026-11-20 10:00:00.5+00');
    expect(normalizeTimestamp('2026-11-20', 'f')).toBe('2026-11-20 00:00:00+00');
    expect(normalizeTimestamp(1_795_132_800.25, 'f')).toBe('2026-11-20T00:00:00.250000+00');
    expect(() => normalizeTimestamp('yesterday', 'f')).toThrow();
  });
});

describe('errors', () => {
  it('builds the REST envelope and keeps only the first line of foreign errors', () => {
    const env = errorEnvelope(new BigQueryError('notFound', 'Not found: Table p:d.t'));
    expect(env).toEqual({
      error: {
        code: 404,
        message: 'Not found: Table p:d.t',
        errors: [{ message: 'Not found: Table p:d.t', domain: 'global', reason: 'notFound' }],
        status: 'NOT_FOUND',
      },
    });
    const e = toBigQueryError(new Error('Binder Error: x\nLINE 1: SELECT'));
    expect(e.reason).toBe('invalidQuery');
    // A DuckDB message no rule words as BigQuery's: said to be unsupported here, first line only.
    expect(e.message).toBe('Query not supported by the local warehouse: x');
  });
});

describe('DuckDB settings', () => {
  it('caps memory with a data dir (spilling to <dir>/tmp), takes explicit limits and threads, rejects bad ones', () => {
    expect(duckdbSettings({ dataDir: '/d' })).toEqual({ memory_limit: '1GB', temp_directory: '/d/tmp' });
    expect(duckdbSettings({ dataDir: null })).toEqual({});
    expect(duckdbSettings({ dataDir: null }, '/private/tmp')).toEqual({ temp_directory: '/private/tmp' });
    expect(duckdbSettings({ memoryLimit: '512MB', threads: 2 })).toEqual({
      memory_limit: '512MB',
      threads: '2',
    });
    expect(() => duckdbSettings({ memoryLimit: "1GB'; DROP" })).toThrow(/memory limit must look like/);
    expect(() => duckdbSettings({ threads: 0 })).toThrow(/threads must be an integer/);
  });

  it('reach the DuckDB instance', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wh-settings-'));
    const wh = await Warehouse.open({ dataDir: dir, memoryLimit: '300MB', threads: 1 });
    try {
      const r = await wh.db.read((c) =>
        c.runAndReadAll("SELECT current_setting('memory_limit'), current_setting('threads')"),
      );
      const [limit, threads] = r.getRows()[0]!;
      expect(String(limit)).toMatch(/^(286\.1 MiB|300\.0 MB|300MB)/);
      expect(Number(threads)).toBe(1);
    } finally {
      await wh.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('spill in memory into a private folder of the warehouse, removed at close (never ./.tmp)', async () => {
    const wh = await Warehouse.open({ dataDir: null, memoryLimit: '64MB', threads: 1 });
    let spill: string;
    try {
      const r = await wh.db.read((c) => c.runAndReadAll("SELECT current_setting('temp_directory')"));
      spill = String(r.getRows()[0]![0]);
      expect(spill.startsWith(join(tmpdir(), 'dp-warehouse-'))).toBe(true);
      // a sort far above the 64MB cap must spill, and it goes there
      const sorted = await wh.db.read((c) =>
        c.runAndReadAll(
          'SELECT count(*) FROM (SELECT md5(i::VARCHAR) AS h FROM range(3000000) t(i) ORDER BY h) s',
        ),
      );
      expect(Number(sorted.getRows()[0]![0])).toBe(3000000);
      expect((await stat(spill)).isDirectory()).toBe(true); // DuckDB made it to spill, not ./.tmp
    } finally {
      await wh.close();
    }
    await expect(stat(dirname(spill))).rejects.toThrow(/ENOENT/);
  });
});
