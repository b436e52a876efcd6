import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorError, parseExecutionDate, parseInvocation, type RunConfig } from '../src/index.js';
import { sampleDefinition, tempDir } from './helpers.js';

const base = ['--task-id', 'my_task', '--execution-date', '2026-11-23', '--bql', 'SELECT 1'];

function run(argv: string[], env: Record<string, string> = {}): RunConfig {
  const inv = parseInvocation(sampleDefinition(), argv, env);
  if (inv.kind !== 'run') throw new Error(`expected a run, got ${inv.kind}`);
  return inv.config;
}

function failure(argv: string[], env: Record<string, string> = {}): OperatorError {
  try {
    parseInvocation(sampleDefinition(), argv, env);
  } catch (err) {
    if (err instanceof OperatorError) return err;
    throw err;
  }
  throw new Error('expected an OperatorError');
}

const dirs: Array<() => void> = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

/** A temp dir (removed after the test) with `k.json` holding `kwargs`, and an argv naming only that file. */
function withKwargsFile(kwargs: Record<string, unknown>): { dir: string; file: string; argv: string[] } {
  const d = tempDir();
  dirs.push(d.cleanup);
  const file = join(d.path, 'k.json');
  writeFileSync(file, JSON.stringify(kwargs));
  return {
    dir: d.path,
    file,
    argv: ['--task-id', 't', '--execution-date', '20261123', '--kwargs-file', file],
  };
}

describe('parseExecutionDate', () => {
  it('accepts YYYY-MM-DD and YYYYMMDD as naive midnight', () => {
    expect(parseExecutionDate('2026-11-23').toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(parseExecutionDate('20240229').toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
  it.each([
    '2026-11-31',
    '20230229',
    '2026-1-02',
    '2026/11/23',
    '2026-11-23T00:00:00',
    'yesterday',
    '',
    '202611230',
  ])('rejects %j with a usage error', (text) => {
    expect(() => parseExecutionDate(text)).toThrow(OperatorError);
  });
});

describe('parseInvocation', () => {
  it('parses common flags and typed kwarg flags (both --flag value and --flag=value)', () => {
    const c = run([
      ...base,
      '--use-legacy-sql=false',
      '--max-rows',
      '10',
      '--udf-config',
      '[{"resourceUri":"gs://b/f.js"}]',
      '--priority=BATCH',
      '--dag-id',
      'd1',
      '--bigquery-endpoint',
      'http://127.0.0.1:9050',
    ]);
    expect(c).toMatchObject({ taskId: 'my_task', dagId: 'd1', engine: 'airflow' });
    expect(c.kwargs).toEqual({
      bql: 'SELECT 1',
      use_legacy_sql: false,
      max_rows: 10,
      udf_config: [{ resourceUri: 'gs://b/f.js' }],
      priority: 'BATCH',
    });
    expect(c.extra['bigquery-endpoint']).toBe('http://127.0.0.1:9050');
  });

  it('defaults: dag id = task id, engine DP_ENGINE, extra flag from env, grace period 10 s', () => {
    const c = run(base, { DP_ENGINE: 'airflow', BIGQUERY_EMULATOR_HOST: 'h:1' });
    expect(c.dagId).toBe('my_task');
    expect(c.killGraceMs).toBe(10_000);
    expect(c.extra['bigquery-endpoint']).toBe('h:1');
    expect(c.connectionsDir).toBe('/etc/data-pipeline/connections');
    expect(c.connectionsDirExplicit).toBe(false);
  });

  it('flags override --kwargs-file and @file reads SQL from a file (quotes and newlines intact)', () => {
    const k = withKwargsFile({ bql: 'from file', max_rows: 3 });
    const sql = 'SELECT "a"\n"""\'b\'"""\\n ünï';
    writeFileSync(join(k.dir, 'q.sql'), sql);
    const c = run(k.argv);
    expect(c.kwargs).toMatchObject({ bql: 'from file', max_rows: 3 });
    const c2 = run([...base, '--kwargs-file', k.file, '--bql', `@${join(k.dir, 'q.sql')}`]);
    expect(c2.kwargs).toMatchObject({ bql: sql, max_rows: 3 });
    expect(run([...base.slice(0, 4), '--bql', '@@literal']).kwargs.bql).toBe('@literal');
  });

  it('refuses unknown keys in --kwargs-file (65) instead of dropping them', () => {
    const e = failure(withKwargsFile({ bql: 'x', use_legacy_sqll: false }).argv);
    expect(e.exitClass).toBe('invalid-input');
    expect(e.message).toBe('--kwargs-file: unknown kwarg(s) "use_legacy_sqll" (see --help)');
  });

  it('help and version win over everything else', () => {
    expect(parseInvocation(sampleDefinition(), ['--help', '--bogus-is-not-reached'], {}).kind).toBe('help');
  });

  it('rejects --engine native when the operator has no native implementation', () => {
    const e = failure([...base, '--engine', 'native']);
    expect(e.exitClass).toBe('usage');
    expect(e.message).toMatch(/not supported by sample-operator/);
  });
});
