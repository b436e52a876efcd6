import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findRealAirflow, tempDir } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate, templateContext } from '../src/index.js';

// The native renderer against REAL Airflow 1.8.2's own context: the runner's Airflow engine runs a BashOperator whose
// (templated) command prints each template below as Airflow rendered it with TaskInstance.get_template_context() —
// the exact context an operator's fields see in a step — and the same templates are rendered natively.
const OPERATOR_BIN = join(import.meta.dirname, '..', '..', 'airflow-operator', 'bin', 'airflow-operator.js');
const found = findRealAirflow(process.env);
if ('skip' in found) console.warn(found.skip);

const DAG = 'ctx_dag';
const TASK = 'ctx_task';
const DATE = '2024-03-01';

const TEMPLATES = [
  '{{ ds }}|{{ ds_nodash }}|{{ ts }}|{{ ts_nodash }}',
  '{{ yesterday_ds }}|{{ yesterday_ds_nodash }}|{{ tomorrow_ds }}|{{ tomorrow_ds_nodash }}',
  '{{ END_DATE }}|{{ end_date }}|{{ latest_date }}',
  '{{ execution_date }}|{{ ti.execution_date }}|{{ task.start_date }}|{{ dag.start_date }}',
  '{{ prev_execution_date }}|{{ next_execution_date }}',
  '{{ run_id }}|{{ task_instance_key_str }}|{{ test_mode }}',
  '{{ params }}|{{ tables }}|{{ task.params }}|{{ dag.params }}',
  '{{ task.owner }}|{{ dag.owner }}|{{ ti.try_number }}|{{ task.retries }}|{{ task.depends_on_past }}',
  '{{ task.task_id }}|{{ task.dag_id }}|{{ ti.task_id }}|{{ ti.dag_id }}|{{ dag.dag_id }}|{{ ti.state }}',
  '{{ dag.schedule_interval }}|{{ ti.task.task_id }}|{{ task.dag.dag_id }}',
  '{{ var }}',
  '{{ dag }}|{{ ti }}|{{ task_instance }}',
  '{{ dag_run }}|{{ dag_run.run_id }}|{{ dag_run.execution_date }}|{{ dag_run.external_trigger }}|{{ dag_run.conf }}',
  '{% if dag_run %}has a dag_run{% endif %}|{{ dag_run.dag_id }}',
  '{{ ds_nodash[:6] }}|{{ ds[::-1] }}|{{ "%s/%s" % (ds, ds_nodash) }}|{{ ds_nodash[-2:] }}',
  "{{ macros.ds_add(ds, -1) }}|{{ macros.ds_format(ds, '%Y-%m-%d', '%d %b %Y') }}",
  '{{ execution_date - macros.timedelta(days=1) }}|{{ macros.timedelta(hours=-1) }}',
  '{{ execution_date + macros.dateutil.relativedelta.relativedelta(months=-1, day=31) }}',
  "{{ macros.datetime.strptime(ds, '%Y-%m-%d') }}|{{ execution_date.replace(day=15) }}",
];

/** One BashOperator command that prints every rendered template on its own line, tagged with its index. */
function bashCommand(): string {
  return ["cat <<'DP_CTX_EOF'", ...TEMPLATES.map((t, i) => `DPCTX${i}=${t}`), 'DP_CTX_EOF', ''].join('\n');
}

interface StepResult {
  code: number | null;
  stdout: string;
  stderr: string;
  taskLog: string[];
}

function runStep(root: string, name: string, bash: string): Promise<StepResult> {
  const binDir = 'skip' in found ? '' : found.binDir;
  const dir = join(root, name);
  const scratch = join(dir, 'tmp');
  mkdirSync(join(dir, 'connections'), { recursive: true });
  mkdirSync(scratch);
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.GOOGLE_APPLICATION_CREDENTIALS;
  const child = spawn(
    process.execPath,
    [
      OPERATOR_BIN,
      '--task-id',
      TASK,
      '--dag-id',
      DAG,
      '--execution-date',
      DATE,
      '--connections-dir',
      join(dir, 'connections'),
      '--operator',
      'airflow.operators.bash_operator.BashOperator',
      '--kwargs',
      JSON.stringify({ bash_command: bash }),
    ],
    {
      env: { ...env, PATH: `${binDir}:${process.env.PATH}`, TMPDIR: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const taskLog = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { src?: string; msg: string })
        .filter((r) => r.src === 'task-log')
        .map((r) => r.msg);
      resolve({ code, stdout, stderr, taskLog });
    }),
  );
}

describe.skipIf('skip' in found)('native templates vs real Airflow 1.8.2 get_template_context', () => {
  let root: { path: string; cleanup: () => void };
  beforeAll(() => {
    root = tempDir('dp-real-ctx-');
  });
  afterAll(() => root?.cleanup());

  it.concurrent('every template renders natively exactly as real Airflow renders it in a runner step', async () => {
    const r = await runStep(root.path, 'context', bashCommand());
    expect(r.code, r.stderr).toBe(0);
    const ctx = templateContext(new Date(`${DATE}T00:00:00Z`), { dagId: DAG, taskId: TASK });
    const mismatches: string[] = [];
    TEMPLATES.forEach((template, i) => {
      const tag = `DPCTX${i}=`;
      const line = r.taskLog.find((l) => l.includes(tag));
      const real = line === undefined ? '<missing>' : line.slice(line.indexOf(tag) + tag.length);
      let native: string;
      try {
        native = renderTemplate(template, ctx);
      } catch (err) {
        native = `<${(err as Error).message}>`;
      }
      if (native !== real) mismatches.push(`${template}\n  airflow: ${real}\n  native:  ${native}`);
    });
    expect(mismatches.join('\n')).toBe('');
  }, 240_000);

  it.concurrent('var.value.x fails the task in real Airflow too (no Variables in a fresh database): KeyError', async () => {
    const r = await runStep(root.path, 'variable', 'echo "{{ var.value.dp_missing }}"');
    expect(r.code).toBe(1);
    expect(r.taskLog.join('\n')).toContain("KeyError: 'Variable dp_missing does not exist'");
    const ctx = templateContext(new Date(`${DATE}T00:00:00Z`), { dagId: DAG, taskId: TASK });
    expect(() => renderTemplate('echo "{{ var.value.dp_missing }}"', ctx)).toThrow(
      "KeyError: 'Variable dp_missing does not exist'",
    );
  }, 240_000);
});
