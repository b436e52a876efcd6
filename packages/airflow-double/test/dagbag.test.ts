import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectDagFiles, fillDagBag, resolvePython } from '../src/dagbag.js';
import { Io } from '../src/io.js';
import { parseDoubleOptions } from '../src/options.js';
import { cleanupHomes, makeHome, writeContractDag } from './helpers.js';

afterAll(cleanupHomes);

const sink = () => {
  const chunks: string[] = [];
  const write = (c: string | Uint8Array): boolean => {
    chunks.push(String(c));
    return true;
  };
  return { chunks, write, once: () => undefined };
};

async function fill(files: string[], dagsFolder: string, connections: null | [] = []) {
  const out = sink();
  const err = sink();
  const report = await fillDagBag({
    files,
    dagsFolder,
    timeoutSeconds: 5,
    connections,
    env: process.env,
    python: parseDoubleOptions({}).python,
    io: new Io(out, err, undefined, 1),
  });
  return { report, stdout: out.chunks.join(''), stderr: err.chunks.join('') };
}

const NASTY = [
  'SELECT """ \'\'\' "\\" \\n\\\\ {{ ds }} %s %(x)s',
  "'); import os; os.system('touch /tmp/pwned'); ('",
  'line1\nline2\r\nline3\ttab\u0000nul',
  '☃ 𝄞 \u202e rtl ‮ \ud800 lone surrogate',
  '#standardSQL\nSELECT `a`.`b` FROM `p.d.t$20180110`',
];

describe('DagBag filler (python3 + stub airflow package)', () => {
  it('executes the runner-shaped DAG file and reports nasty kwargs exactly', async () => {
    const home = makeHome();
    const kwargs = {
      bql: NASTY.join('\n'),
      destination_dataset_table: 'p:d.t$20180110',
      use_legacy_sql: false,
      udf_config: [{ resourceUri: 'gs://b/x.js' }, { inlineCode: NASTY[1] }],
      write_disposition: 'WRITE_TRUNCATE',
      allow_large_results: true,
    };
    writeContractDag(home, { kwargs });
    const files = collectDagFiles(join(home, 'dags'));
    expect(files).toEqual([join(home, 'dags', 'my_dag.py')]);
    const { report } = await fill(files, join(home, 'dags'));
    expect(report.import_errors).toEqual([]);
    const dag = report.dags[0]!;
    expect(dag.dag_id).toBe('my_dag');
    expect(dag.schedule).toEqual({ type: 'string', value: '@once' });
    expect(dag.start_date).toBe('2018-01-10T00:00:00');
    const task = dag.tasks[0]!;
    expect(task.import_path).toBe('airflow.contrib.operators.bigquery_operator.BigQueryOperator');
    expect(task.fabricated).toBe(false);
    expect(task.kwargs).toEqual({ task_id: 'my_task', ...kwargs });
    expect(task.values.bigquery_conn_id).toBe('bigquery_default');
    expect(task.values.owner).toBe('data-pipeline');
    expect(task.template_fields).toEqual(['bql', 'destination_dataset_table']);
    expect(report.connections?.map((c) => c.conn_id)).toEqual(['bigquery_default']);
  });

  it('fabricates unknown operator modules, keeps known ones strict, records dependencies', async () => {
    const home = makeHome();
    const file = join(home, 'dags', 'multi.py');
    writeFileSync(
      file,
      [
        'from datetime import datetime, timedelta',
        'from airflow import DAG',
        'from airflow.operators.dummy_operator import DummyOperator',
        'from airflow.contrib.operators.some_new_operator import SomeNewOperator',
        'with DAG("multi", start_date=datetime(2018, 1, 1), schedule_interval=timedelta(hours=6)) as dag:',
        '    a = DummyOperator(task_id="a")',
        '    b = SomeNewOperator(task_id="b", anything={"k": [1, 2.5, None]})',
        '    c = DummyOperator(task_id="c")',
        '    a >> [b, c]',
        'other = DAG("other", schedule_interval=None, start_date=datetime(2018, 1, 1))',
      ].join('\n'),
    );
    const bad = join(home, 'dags', 'bad.py');
    writeFileSync(
      bad,
      'from airflow import DAG\nfrom airflow.operators.python_operator import PythonOperatorr\n',
    );
    const missing = join(home, 'dags', 'noargs.py');
    writeFileSync(
      missing,
      'from datetime import datetime\nfrom airflow import DAG\nfrom airflow.contrib.operators.bigquery_operator import BigQueryOperator\nd = DAG("x", start_date=datetime(2018,1,1))\nBigQueryOperator(task_id="t", dag=d)\n',
    );
    const { report } = await fill([file, bad, missing], join(home, 'dags'));
    const multi = report.dags.find((d) => d.dag_id === 'multi')!;
    expect(multi.schedule).toEqual({ type: 'timedelta', seconds: 21600 });
    expect(multi.tasks.map((t) => [t.task_id, t.upstream, t.downstream])).toEqual([
      ['a', [], ['b', 'c']],
      ['b', ['a'], []],
      ['c', ['a'], []],
    ]);
    expect(multi.tasks[1]).toMatchObject({ fabricated: true, kwargs: { anything: { k: [1, 2.5, null] } } });
    expect(report.dags.find((d) => d.dag_id === 'other')?.schedule).toEqual({ type: 'none' });
    const errors = Object.fromEntries(report.import_errors.map((e) => [e.path, e.traceback]));
    expect(errors[bad]).toMatch(/ImportError: cannot import name 'PythonOperatorr'/);
    expect(errors[missing]).toMatch(/airflow\.exceptions\.AirflowException: Argument \['bql'\] is required/);
  });

  it('ORM access before initdb is an OperationalError inside the DAG file', async () => {
    const home = makeHome();
    writeContractDag(home);
    const { report } = await fill([join(home, 'dags', 'my_dag.py')], join(home, 'dags'), null);
    expect(report.import_errors[0]?.traceback).toMatch(
      /sqlalchemy\.exc\.OperationalError: \(sqlite3\.OperationalError\) no such table: connection/,
    );
  });

  it('skips files without DAG/airflow and honours .airflowignore', () => {
    const home = makeHome();
    const dags = join(home, 'dags');
    writeFileSync(join(dags, 'a.py'), '# DAG airflow');
    writeFileSync(join(dags, 'b.py'), '# nothing here');
    writeFileSync(join(dags, 'c.txt'), '# DAG airflow');
    writeFileSync(join(dags, 'skip_me.py'), '# DAG airflow');
    writeFileSync(join(dags, '.airflowignore'), 'skip_');
    expect(collectDagFiles(dags)).toEqual([join(dags, 'a.py')]);
    expect(collectDagFiles(join(dags, 'nope'))).toEqual([]);
  });

  it('looks python3 up on PATH but skips shim folders', () => {
    expect(resolvePython('/x/python3', {})).toBe('/x/python3');
    expect(resolvePython('python3', { PATH: '/nonexistent/shims:/nonexistent' })).toBe('python3');
  });
});
