import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES } from '@data-pipeline/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'airflow-operator.js');
const MARKER = 'SECRET-MARKER-7f3a9c';

let root: string;
let scratch: string; // TMPDIR of the runs: must stay empty
let files: Record<string, string>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'airflow-operator-bad-'));
  scratch = join(root, 'tmp');
  mkdirSync(scratch);
  const put = (name: string, content: string) => {
    const p = join(root, name);
    writeFileSync(p, content);
    return p;
  };
  const badConns = join(root, 'conns-bad');
  mkdirSync(badConns);
  writeFileSync(join(badConns, 'my_conn'), `this is not a uri ${MARKER}`);
  const noTypeConns = join(root, 'conns-notype');
  mkdirSync(noTypeConns);
  writeFileSync(join(noTypeConns, 'my_conn'), JSON.stringify({ host: 'h', password: MARKER }));
  const badNameConns = join(root, 'conns-badname');
  mkdirSync(badNameConns);
  writeFileSync(join(badNameConns, 'bad name'), 'http://h');
  files = {
    invalidJson: put('invalid.json', '{"operator": '),
    arrayJson: put('array.json', '[1, 2]'),
    badOperatorFile: put('bad-op.json', JSON.stringify({ operator: 'lowercase.class' })),
    keyNotJson: put('key-not-json.json', `-----BEGIN PRIVATE KEY-----\n${MARKER}\n`),
    keyNoProject: put(
      'key-no-project.json',
      JSON.stringify({ type: 'service_account', private_key: MARKER }),
    ),
    keyWrongExt: put('key.p12', JSON.stringify({ project_id: 'p', private_key: MARKER })),
    keyGood: put('key-good.json', JSON.stringify({ project_id: 'p', private_key: MARKER })),
    aFile: put('a-file', 'x'),
    dagFile: put('dag.py', 'from airflow import DAG\n'),
    badConns,
    noTypeConns,
    badNameConns,
    emptyDir: join(root, 'empty-dir'),
  };
  mkdirSync(files.emptyDir as string);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const OK = [
  '--task-id',
  't1',
  '--execution-date',
  '2026-11-23',
  '--operator',
  'airflow.operators.dummy_operator.DummyOperator',
];
const f = (name: string) => files[name] as string;
/** DAG-file mode (`--dag-file`): everything but the file itself is valid. */
const DAG_FILE = () => [
  '--task-id',
  't1',
  '--dag-id',
  'd1',
  '--execution-date',
  '2026-11-23',
  '--dag-file',
  f('dagFile'),
];

type Case = [
  name: string,
  argv: () => string[],
  env: () => Record<string, string>,
  code: number,
  pattern: RegExp,
];

const cases: Case[] = [
  ['no arguments', () => [], () => ({}), EXIT_CODES.usage, /missing required flag --task-id/],
  ['unknown flag', () => [...OK, '--nope', 'x'], () => ({}), EXIT_CODES.usage, /unknown flag --nope/],
  [
    'positional argument',
    () => [...OK, 'stray'],
    () => ({}),
    EXIT_CODES.usage,
    /unexpected argument "stray"/,
  ],
  [
    'task id with a space',
    () => ['--task-id', 'a b', ...OK.slice(2)],
    () => ({}),
    EXIT_CODES.usage,
    /--task-id "a b"/,
  ],
  [
    'task id with a path',
    () => ['--task-id', '../etc', ...OK.slice(2)],
    () => ({}),
    EXIT_CODES.usage,
    /--task-id/,
  ],
  ['dag id with a slash', () => [...OK, '--dag-id', 'a/b'], () => ({}), EXIT_CODES.usage, /--dag-id "a\/b"/],
  [
    'missing execution date',
    () => ['--task-id', 't1', '--operator', 'a.B'],
    () => ({}),
    EXIT_CODES.usage,
    /--execution-date/,
  ],
  [
    'impossible date',
    () => [...OK, '--execution-date', '2026-02-30'],
    () => ({}),
    EXIT_CODES.usage,
    /no such calendar date/,
  ],
  [
    'date in another format',
    () => [...OK, '--execution-date', '23/11/2026'],
    () => ({}),
    EXIT_CODES.usage,
    /YYYY-MM-DD or YYYYMMDD/,
  ],
  [
    'flag without value',
    () => [...OK, '--execution-date'],
    () => ({}),
    EXIT_CODES.usage,
    /--execution-date needs a value/,
  ],
  [
    'missing operator',
    () => OK.slice(0, 4),
    () => ({}),
    EXIT_CODES.usage,
    /missing required flag --operator/,
  ],
  [
    'operator not a class',
    () => [...OK, '--operator', 'os.system'],
    () => ({}),
    EXIT_CODES.usage,
    /--operator: expected a Python import path/,
  ],
  [
    'operator with shell chars',
    () => [...OK, '--operator', 'a.B;rm -rf /'],
    () => ({}),
    EXIT_CODES.usage,
    /--operator/,
  ],
  [
    'kwargs not JSON',
    () => [...OK, '--kwargs', '{nope'],
    () => ({}),
    EXIT_CODES.usage,
    /--kwargs: expected JSON text/,
  ],
  ['kwargs an array', () => [...OK, '--kwargs', '[1,2]'], () => ({}), EXIT_CODES.usage, /--kwargs: .*record/],
  [
    'kwargs sets task_id',
    () => [...OK, '--kwargs', '{"task_id":"x"}'],
    () => ({}),
    EXIT_CODES.usage,
    /must not set task_id/,
  ],
  [
    'kwargs file missing',
    () => [...OK, '--kwargs-file', '/nonexistent/k.json'],
    () => ({}),
    EXIT_CODES.usage,
    /cannot read \(ENOENT\)/,
  ],
  [
    'kwargs file invalid JSON',
    () => [...OK, '--kwargs-file', f('invalidJson')],
    () => ({}),
    EXIT_CODES['invalid-input'],
    /not valid JSON/,
  ],
  [
    'kwargs file an array',
    () => [...OK, '--kwargs-file', f('arrayJson')],
    () => ({}),
    EXIT_CODES['invalid-input'],
    /must hold a JSON object/,
  ],
  [
    'kwargs file with a bad operator',
    () => ['--task-id', 't1', '--execution-date', '20261123', '--kwargs-file', f('badOperatorFile')],
    () => ({}),
    EXIT_CODES['invalid-input'],
    /kwarg operator: expected a Python import path|--operator: expected/,
  ],
  [
    'engine native unsupported',
    () => [...OK, '--engine', 'native'],
    () => ({}),
    EXIT_CODES.usage,
    /not supported by airflow-operator/,
  ],
  ['engine unknown', () => [...OK, '--engine', 'spark'], () => ({}), EXIT_CODES.usage, /--engine "spark"/],
  ['DP_ENGINE unknown', () => OK, () => ({ DP_ENGINE: 'x' }), EXIT_CODES.usage, /--engine "x"/],
  [
    'negative grace period',
    () => [...OK, '--kill-grace-period=-1'],
    () => ({}),
    EXIT_CODES.usage,
    /--kill-grace-period/,
  ],
  [
    'log format unknown',
    () => [...OK, '--log-format', 'xml'],
    () => ({}),
    EXIT_CODES.usage,
    /--log-format "xml"/,
  ],
  [
    'outputs dir is a file',
    () => [...OK, '--outputs-dir', f('aFile')],
    () => ({}),
    EXIT_CODES.usage,
    /not a directory/,
  ],
  [
    'explicit connections dir missing',
    () => [...OK, '--connections-dir', '/nonexistent/c'],
    () => ({}),
    EXIT_CODES.configuration,
    /cannot read \(ENOENT\)/,
  ],
  [
    'connection file not a URI',
    () => [...OK, '--connections-dir', f('badConns')],
    () => ({}),
    EXIT_CODES.configuration,
    /must hold an Airflow URI/,
  ],
  [
    'connection JSON without conn_type',
    () => [...OK, '--connections-dir', f('noTypeConns')],
    () => ({}),
    EXIT_CODES.configuration,
    /"conn_type" is required/,
  ],
  [
    'connection file name not a conn_id',
    () => [...OK, '--connections-dir', f('badNameConns')],
    () => ({}),
    EXIT_CODES.configuration,
    /must be a conn_id/,
  ],
  [
    'key file missing',
    () => OK,
    () => ({ GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' }),
    EXIT_CODES.configuration,
    /cannot read \(ENOENT\)/,
  ],
  [
    'key file not JSON',
    () => OK,
    () => ({ GOOGLE_APPLICATION_CREDENTIALS: f('keyNotJson') }),
    EXIT_CODES.configuration,
    /not a JSON service-account key/,
  ],
  [
    'key file without project',
    () => OK,
    () => ({ GOOGLE_APPLICATION_CREDENTIALS: f('keyNoProject') }),
    EXIT_CODES.configuration,
    /no project_id/,
  ],
  [
    'key file not .json',
    () => OK,
    () => ({ GOOGLE_APPLICATION_CREDENTIALS: f('keyWrongExt') }),
    EXIT_CODES.configuration,
    /ends in \.json/,
  ],
  [
    'key file is a directory',
    () => OK,
    () => ({ GOOGLE_APPLICATION_CREDENTIALS: f('emptyDir') }),
    EXIT_CODES.configuration,
    /not a file|\.json/,
  ],
  [
    'airflow not on PATH',
    () => OK,
    () => ({ GOOGLE_APPLICATION_CREDENTIALS: f('keyGood') }),
    EXIT_CODES.configuration,
    /`airflow` \(Apache Airflow 1\.8\.2\) was not found on PATH; install it with scripts\/install-real-airflow\.sh .*`pip install apache-airflow==1\.8\.2`/,
  ],
  [
    'DAG file with --operator',
    () => [...DAG_FILE(), '--operator', 'airflow.operators.dummy_operator.DummyOperator'],
    () => ({}),
    EXIT_CODES.usage,
    /--dag-file cannot be combined with --operator/,
  ],
  [
    'DAG file with --kwargs',
    () => [...DAG_FILE(), '--kwargs', '{}'],
    () => ({}),
    EXIT_CODES.usage,
    /--dag-file cannot be combined with --kwargs/,
  ],
  [
    'DAG file with --kwargs-file',
    () => [...DAG_FILE(), '--kwargs-file', f('arrayJson')],
    () => ({}),
    EXIT_CODES.usage,
    /--dag-file cannot be combined with --kwargs-file/,
  ],
  [
    'DAG file without --dag-id',
    () => ['--task-id', 't1', '--execution-date', '2026-11-23', '--dag-file', f('dagFile')],
    () => ({}),
    EXIT_CODES.usage,
    /missing required flag --dag-id \(with --dag-file\)/,
  ],
  [
    'DAG file with --engine native',
    () => [...DAG_FILE(), '--engine', 'native'],
    () => ({}),
    EXIT_CODES.usage,
    /--engine native: not supported/,
  ],
  [
    'DAG file missing',
    () => [...DAG_FILE(), '--dag-file', join(root, 'no-such-dag.py')],
    () => ({}),
    EXIT_CODES.configuration,
    /--dag-file ".*no-such-dag\.py": cannot read \(ENOENT\)/,
  ],
  [
    'DAG file is a directory',
    () => [...DAG_FILE(), '--dag-file', f('emptyDir')],
    () => ({}),
    EXIT_CODES.configuration,
    /--dag-file ".*empty-dir": not a file/,
  ],
  [
    '--xcom-in without --dag-file',
    () => [...OK, '--xcom-in', '[]'],
    () => ({}),
    EXIT_CODES.usage,
    /--xcom-in needs --dag-file/,
  ],
  [
    '--xcom-in not JSON',
    () => [...DAG_FILE(), '--xcom-in', '[]', '--xcom-in', `{not json ${MARKER}`],
    () => ({}),
    EXIT_CODES['invalid-input'],
    /--xcom-in #2: not JSON/,
  ],
  [
    '--xcom-in rows without a pickle',
    () => [...DAG_FILE(), '--xcom-in', JSON.stringify([{ task_id: 'a', key: 'k', value: MARKER }])],
    () => ({}),
    EXIT_CODES['invalid-input'],
    /--xcom-in #1: not the xcom output of a DAG-file step \(.* at 0\.pickle\)/,
  ],
  [
    '--try-number negative',
    () => [...DAG_FILE(), '--try-number=-1'],
    () => ({}),
    EXIT_CODES.usage,
    /--try-number "-1": expected a whole number/,
  ],
];

describe('bad-input matrix: one clear line, the documented exit code, nothing left behind', () => {
  it('has at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s', (_name, argv, env, code, pattern) => {
    const outputs = join(root, `out-${Math.random().toString(36).slice(2)}`);
    const args = argv();
    const withOutputs = args.includes('--outputs-dir') ? args : [...args, '--outputs-dir', outputs];
    const r = spawnSync(process.execPath, [BIN, ...withOutputs], {
      env: { PATH: '/nonexistent-bin', TMPDIR: scratch, HOME: root, ...env() },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status, r.stderr).toBe(code);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^airflow-operator: /);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(r.stderr + r.stdout).not.toContain(MARKER);
    expect(readdirSync(scratch)).toEqual([]);
    if (!args.includes('--outputs-dir')) {
      const written = readdirSync(outputs).sort();
      // DAG-file mode writes its outputs' defaults too (no state, nothing skipped, no XCom).
      if (args.includes('--dag-file')) {
        expect(written).toEqual(['exit-class', 'exit-code', 'skipped', 'state', 'triggered', 'xcom']);
        expect(readFileSync(join(outputs, 'state'), 'utf8')).toBe('none');
        expect(readFileSync(join(outputs, 'skipped'), 'utf8')).toBe('[]');
        expect(readFileSync(join(outputs, 'xcom'), 'utf8')).toBe('[]');
        expect(readFileSync(join(outputs, 'triggered'), 'utf8')).toBe('[]');
      } else {
        expect(written).toEqual(['exit-class', 'exit-code']);
      }
    }
  });
});
