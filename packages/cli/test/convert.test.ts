/**
 * `dp convert` through the real bin with the real Airflow 1.8.2: every example DAG the issue lists converts and
 * `dp lint` accepts the output without a problem; bad DAG files give one `FILE:LINE` line, the documented exit code
 * and no output file. (The end-to-end comparison against a whole-DAG `airflow backfill` lives in
 * convert-e2e.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findInterpreter } from '@data-pipeline/convert';
import { findRealAirflow } from '@data-pipeline/runner/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type DpResult, limiter, runDp } from './support/dp.js';
import { EXAMPLE_DAGS } from './support/example-dags.js';

const found = findRealAirflow(process.env);
/** The example DAGs of the installed 1.8.2 source tree (scripts/install-real-airflow.sh's layout). */
const EXAMPLES = 'skip' in found ? '' : join(dirname(found.binDir), 'src', 'airflow', 'example_dags');
const skip =
  'skip' in found ? found.skip : existsSync(EXAMPLES) ? undefined : `SKIP real-Airflow tier: no ${EXAMPLES}`;
if (skip) console.warn(skip);
/** Whether the interpreter of the airflow on PATH can import `requests` (example_http_operator needs it). */
const HAS_REQUESTS =
  skip === undefined &&
  (() => {
    const interp = findInterpreter({
      ...process.env,
      PATH: `${(found as { binDir: string }).binDir}:${process.env.PATH ?? ''}`,
    });
    return (
      spawnSync(interp.command, [...interp.args, '-c', 'import requests'], { env: interp.env }).status === 0
    );
  })();

const tmp = mkdtempSync(join(tmpdir(), 'dp-convert-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const PATH = 'skip' in found ? (process.env.PATH ?? '') : `${found.binDir}:${process.env.PATH ?? ''}`;

type Done = DpResult;

function dp(args: string[], env: Record<string, string> = {}): Promise<Done> {
  return runDp(args, { cwd: tmp, env: { PATH, HOME: tmp, CI: '1', TMPDIR: tmp, ...env } });
}

/** At most two conversions at a time (each is one Python start-up of Airflow). */
const limited = limiter(2);

/** The DAGs of issue 16 and the DAG id each file holds. */
const DAGS = EXAMPLE_DAGS;

const converted = new Map<string, Promise<{ convert: Done; lint: Done; out: string }>>();
function convert(file: string): Promise<{ convert: Done; lint: Done; out: string }> {
  let p = converted.get(file);
  if (!p) {
    const out = join(tmp, `${file}.yaml`);
    p = limited(async () => {
      const c = await dp(['convert', join(EXAMPLES, `${file}.py`), '-o', out]);
      const lint =
        c.code === 0 ? await dp(['lint', out]) : { code: null, stdout: '', stderr: 'not converted' };
      return { convert: c, lint, out };
    });
    converted.set(file, p);
  }
  return p;
}
if (!skip)
  for (const f of [...Object.keys(DAGS), 'example_docker_operator', 'example_http_operator']) void convert(f);

describe.skipIf(skip !== undefined)('dp convert of Airflow 1.8.2 example DAGs', () => {
  for (const [file, dagId] of Object.entries(DAGS))
    it(`${file}: converts, one step per task, and dp lint accepts it`, { timeout: 240_000 }, async () => {
      const { convert: c, lint, out } = await convert(file);
      expect(c.stderr.split('\n').filter((l) => / error: /.test(l))).toEqual([]);
      expect(c.code).toBe(0);
      expect(lint.stdout + lint.stderr).toBe('');
      expect(lint.code).toBe(0);
      const docs = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJS());
      expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Workflow']);
      expect(docs[0].data[`${file}.py`]).toBe(readFileSync(join(EXAMPLES, `${file}.py`), 'utf8'));
      expect(docs[1].metadata.annotations['data-pipeline/airflow-dag-id']).toBe(dagId);
      const steps = docs[1].spec.templates.filter((t: { container?: unknown }) => t.container);
      expect(steps.length).toBeGreaterThan(0);
      for (const s of steps) expect(s.container.args).toContain(`--dag-id=${dagId}`);
    });

  it('example_docker_operator: 1.8.2 ships it as one docstring, so it holds no DAG → 65, nothing written', async () => {
    const { convert: c, out } = await convert('example_docker_operator');
    expect(c.stderr).toMatch(
      /example_docker_operator\.py: error: no DAG object at the top level of the file\n$/,
    );
    expect(c.code).toBe(65);
    expect(existsSync(out)).toBe(false);
  });

  it('example_http_operator: converts where Airflow has `requests`; without it, the missing module is a 78 line', async () => {
    const { convert: c, lint } = await convert('example_http_operator');
    if (HAS_REQUESTS) {
      expect(c.code).toBe(0);
      expect(lint.stdout + lint.stderr).toBe('');
    } else {
      console.warn(
        'example_http_operator: this Airflow interpreter has no `requests` module (HttpHook imports it): expecting 78',
      );
      expect(c.stderr).toMatch(/example_http_operator\.py:\d+: error: cannot import requests\n$/);
      expect(c.code).toBe(78);
    }
  });

  it('the trigger controller converts with a warning naming the TriggerDagRunOperator line', async () => {
    const { convert: c } = await convert('example_trigger_controller_dag');
    expect(c.stderr).toMatch(
      /example_trigger_controller_dag\.py:\d+: warning: task test_trigger_dagrun: TriggerDagRunOperator/,
    );
  });

  it('--explain shows each task, its depends and when; --schedule cronworkflow and cronjob lint clean', {
    timeout: 240_000,
  }, async () => {
    const file = join(EXAMPLES, 'example_branch_operator.py');
    const [explain, cw, cj] = await Promise.all([
      limited(() => dp(['convert', file, '--explain'])),
      limited(() => dp(['convert', file, '--schedule', 'cronworkflow', '-o', join(tmp, 'cw.yaml')])),
      limited(() => dp(['convert', file, '--schedule', 'cronjob', '-o', join(tmp, 'cj.yaml')])),
    ]);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/^# Generated by `dp convert example_branch_operator\.py`/);
    expect(explain.stderr).toMatch(
      /example_branch_operator\.py:\d+: branch_a \(airflow\.operators\.dummy_operator\.DummyOperator\) -> task branch-a\n {2}depends: branching\n {2}when: {4}!\('branch_a' in fromJSON/,
    );
    expect(cw.code).toBe(0);
    expect(cj.code).toBe(0);
    const lint = await dp(['lint', join(tmp, 'cw.yaml'), join(tmp, 'cj.yaml')]);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(parseAllDocuments(readFileSync(join(tmp, 'cw.yaml'), 'utf8')).map((d) => d.toJS().kind)).toEqual([
      'ConfigMap',
      'Workflow',
      'CronWorkflow',
    ]);
  });
});

describe.skipIf(skip !== undefined)(
  'dp convert: bad input → one line, the documented exit code, nothing written',
  () => {
    const bad = join(tmp, 'bad');
    mkdirSync(bad, { recursive: true });
    const write = (name: string, text: string) => {
      writeFileSync(join(bad, name), text);
      return join(bad, name);
    };
    const head =
      'from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.dummy_operator import DummyOperator\n';
    const dagLine = "dag = DAG('d', start_date=datetime(2026, 1, 1))\n";
    const cases: [string, string[], RegExp, number][] = [
      [
        'syntax error',
        [write('syntax.py', `${head}${dagLine}a = DummyOperator(task_id='a', dag=dag\n`)],
        /^bad\/syntax\.py:\d+: error: syntax error: /,
        65,
      ],
      [
        'missing module',
        [write('missing.py', `${head}import no_such_module_dp\n${dagLine}`)],
        /^bad\/missing\.py:4: error: cannot import no_such_module_dp$/,
        78,
      ],
      [
        'DAG id not found',
        [write('one.py', `${head}${dagLine}a = DummyOperator(task_id='a', dag=dag)\n`), '--dag-id', 'nope'],
        /^bad\/one\.py: error: DAG id 'nope' not found \(DAGs in the file: d\)$/,
        65,
      ],
      [
        'a cycle',
        [
          write(
            'cycle.py',
            `${head}${dagLine}a = DummyOperator(task_id='a', dag=dag)\nb = DummyOperator(task_id='b', dag=dag)\na.set_upstream(b)\nb.set_upstream(a)\n`,
          ),
        ],
        /^bad\/cycle\.py:8: error: AirflowException: Cycle detected in DAG\. Faulty task: <Task\(DummyOperator\): b>$/,
        65,
      ],
      [
        'a raising DAG file',
        [write('raises.py', `${head}${dagLine}raise ValueError('boom')\n`)],
        /^bad\/raises\.py:5: error: ValueError: boom$/,
        65,
      ],
      [
        'no DAG in the file',
        [write('nodag.py', 'x = 1\n')],
        /^bad\/nodag\.py: error: no DAG object at the top level of the file$/,
        65,
      ],
      [
        'several DAGs without --dag-id',
        [write('two.py', `${head}${dagLine}e = DAG('e', start_date=datetime(2026, 1, 1))\n`)],
        /^bad\/two\.py: error: several DAGs \(d, e\): pass --dag-id$/,
        64,
      ],
      ['no such file', [join(bad, 'nothere.py')], /^dp convert: bad\/nothere\.py: no such file$/, 64],
      [
        'bad --schedule',
        [
          write('ok.py', `${head}${dagLine}a = DummyOperator(task_id='a', dag=dag)\n`),
          '--schedule',
          'hourly',
        ],
        /^dp convert: --schedule must be none, cronworkflow or cronjob, got "hourly"$/,
        64,
      ],
      [
        'an unschedulable schedule',
        [
          write(
            'hourly.py',
            `${head}dag = DAG('d', schedule_interval='@hourly', start_date=datetime(2026, 1, 1))\na = DummyOperator(task_id='a', dag=dag)\n`,
          ),
          '--schedule',
          'cronworkflow',
        ],
        /^bad\/hourly\.py:4: error: --schedule cronworkflow: schedule_interval "@hourly": runs are not whole days/,
        65,
      ],
    ];
    for (const [name, args, line, code] of cases)
      it(name, { timeout: 240_000 }, async () => {
        const out = join(tmp, `bad-${name.replace(/\W+/g, '-')}.yaml`);
        const r = await limited(() => dp(['convert', ...args, '-o', out]));
        const lines = r.stderr.trim().split('\n');
        expect(lines[0]).toMatch(line);
        expect(lines.filter((l) => !/^dp convert: \d+ error\(s\); nothing written$/.test(l))).toHaveLength(1);
        expect(r.stderr).not.toMatch(/Traceback| {4}at /);
        expect(r.code).toBe(code);
        expect(existsSync(out)).toBe(false);
        expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp') || f.startsWith('dp-convert-'))).toEqual([]);
      });

    it('no airflow on PATH → 78 naming the installer', async () => {
      const r = await dp(['convert', join(bad, 'ok.py')], { PATH: '/usr/bin:/bin' });
      expect(r.stderr).toMatch(
        /^bad\/ok\.py: error: airflow not found on PATH: .*scripts\/install-real-airflow\.sh/,
      );
      expect(r.code).toBe(78);
    });
  },
);
