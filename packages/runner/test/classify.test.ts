import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  DAG_SOURCE,
  type FailureEvidence,
  NOTABLE_PATTERN,
  NOTABLE_PREFILTER,
  verifySuccess,
} from '../src/index.js';

const PROGRESS_OK =
  '[2026-11-24 12:00:00,000] {jobs.py:2020} INFO - [backfill progress] | finished run 1 of 1 | tasks waiting: 0 | succeeded: 1 | kicked_off: 0 | failed: 0 | skipped: 0 | deadlocked: 0 | not ready: 0';
const DONE = '[2026-11-24 12:00:00,000] {jobs.py:2065} INFO - Backfill done. Exiting.';
const TASK_OK = '[2026-11-24 12:00:00,000] {jobs.py:2124} INFO - Task exited with return code 0';

function ev(partial: Partial<FailureEvidence>): FailureEvidence {
  return { phase: 'backfill', exitCode: 0, output: [], taskLog: [], taskLogFound: true, ...partial };
}

describe('verifySuccess', () => {
  it('needs Backfill done + succeeded ≥ 1 + a task log with return code 0', () => {
    expect(verifySuccess(ev({ output: [PROGRESS_OK, DONE], taskLog: [TASK_OK] })).ok).toBe(true);
    expect(verifySuccess(ev({ output: [DONE], taskLog: [TASK_OK] })).ok).toBe(false);
    expect(verifySuccess(ev({ output: [PROGRESS_OK, DONE], taskLog: [], taskLogFound: false })).ok).toBe(
      false,
    );
    expect(
      verifySuccess(
        ev({
          output: [PROGRESS_OK, DONE],
          taskLog: [TASK_OK, 'x {models.py:1457} ERROR - Marking task as FAILED.'],
        }),
      ).ok,
    ).toBe(false);
  });
});

describe('classifyFailure', () => {
  const failed = [
    'airflow.exceptions.AirflowException: ---------------------------------------------------',
    'Some task instances failed:',
  ];
  const operatorTraceback = [
    'Subtask: Traceback (most recent call last):',
    'Subtask: ValueError: boom',
    'Marking task as FAILED.',
  ];
  const cases: Array<[string, Partial<FailureEvidence>, string]> = [
    ['verified success', { output: [PROGRESS_OK, DONE], taskLog: [TASK_OK] }, 'success'],
    [
      'ran nothing (exit 0, no progress line)',
      { output: [DONE], taskLog: [], taskLogFound: false },
      'configuration',
    ],
    [
      'max_active_runs reached',
      {
        output: ['{jobs.py:1800} INFO - Dag d has reached maximum amount of 16 dag runs'],
        taskLogFound: false,
      },
      'configuration',
    ],
    [
      'dag missing',
      {
        exitCode: 1,
        output: [
          'airflow.exceptions.AirflowException: dag_id could not be found: d. Either the dag did not exist or it failed to parse.',
        ],
        taskLogFound: false,
      },
      'configuration',
    ],
    [
      'deadlock (plain)',
      { exitCode: 1, output: ['BackfillJob is deadlocked. These tasks have succeeded:'] },
      'task-failed',
    ],
    [
      'deadlock (future date)',
      {
        exitCode: 1,
        output: [
          "Dependencies not met for <TI>, dependency 'Execution Date' FAILED: Execution date 2099-01-01T00:00:00 is in the future (the current date is 2026-11-24T12:00:00).",
          'BackfillJob is deadlocked.',
        ],
      },
      'configuration',
    ],
    [
      'HTTP 403 in the task log',
      {
        exitCode: 1,
        output: failed,
        taskLog: [
          'Subtask: googleapiclient.errors.HttpError: <HttpError 403 when requesting https://www.googleapis.com/bigquery/v2/projects/p/jobs?alt=json returned "Access Denied: Project p">',
        ],
      },
      'permission-denied',
    ],
    [
      'HTTP 429',
      { exitCode: 1, output: failed, taskLog: ['Subtask: HttpError 429 rateLimitExceeded'] },
      'transient',
    ],
    [
      'HTTP 500',
      { exitCode: 1, output: failed, taskLog: ['Subtask: <HttpError 500 ... backendError>'] },
      'transient',
    ],
    ['sqlite locked', { exitCode: 1, output: ['sqlite3.OperationalError: database is locked'] }, 'transient'],
    [
      'invalid query',
      { exitCode: 1, output: failed, taskLog: ['Subtask: <HttpError 400 ... "Syntax error: x">'] },
      'invalid-input',
    ],
    [
      'python traceback of the operator',
      {
        exitCode: 1,
        output: failed,
        taskLog: operatorTraceback,
      },
      'task-failed',
    ],
    ['unknown non-zero exit', { exitCode: 3, output: ['whatever'] }, 'task-failed'],
  ];
  it.each(cases)('%s', (_name, partial, expected) => {
    const verdict = classifyFailure(ev(partial));
    expect(verdict.exitClass).toBe(expected);
    expect(verdict.reason).not.toMatch(/\n/);
  });

  it('quotes the most useful line in the reason', () => {
    const v = classifyFailure(
      ev({
        exitCode: 1,
        output: failed,
        taskLog: operatorTraceback,
      }),
    );
    expect(v.reason).toBe('the task failed: ValueError: boom');
  });

  // Shaped like real 1.8.2's backfill output when the DagBag cannot import the DAG file (real-Airflow tier).
  const importFailure = (frames: string[], error: string) => [
    '[2026-11-24 12:00:00,000] {models.py:267} ERROR - Failed to import: /h/dags/t.py',
    'Traceback (most recent call last):',
    '  File "/h/dags/t.py", line 74, in <module>',
    ...frames,
    error,
    'airflow.exceptions.AirflowException: dag_id could not be found: t. Either the dag did not exist or it failed to parse.',
  ];

  it('the DAG file failed to import → 78 naming the import error, not the generic dag_id line', () => {
    const v = classifyFailure(
      ev({
        exitCode: 1,
        output: importFailure(
          ['    _operator_class = getattr(importlib.import_module(_module_name), _class_name)'],
          "ModuleNotFoundError: No module named 'nope'",
        ),
      }),
    );
    expect(v).toEqual({
      exitClass: 'configuration',
      reason: "the DAG file failed to import: ModuleNotFoundError: No module named 'nope'",
    });
  });

  it('the operator constructor rejected the kwargs (traceback through the instantiation line) → 65', () => {
    const v = classifyFailure(
      ev({
        exitCode: 1,
        output: importFailure(
          [
            "    task = _operator_class(task_id=_spec['task_id'], dag=dag, **_spec['kwargs'])",
            '  File "/a/utils/decorators.py", line 82, in wrapper',
          ],
          "airflow.exceptions.AirflowException: Argument ['bash_command'] is required",
        ),
      }),
    );
    expect(v).toEqual({
      exitClass: 'invalid-input',
      reason:
        "Airflow rejected the operator kwargs: airflow.exceptions.AirflowException: Argument ['bash_command'] is required",
    });
    // The rule keys on the DAG file's own instantiation line: it must still be there.
    expect(DAG_SOURCE).toMatch(/^\w+ = _operator_class\(task_id=/m);
    // The same line in a task's own traceback (no import failure) is not a kwargs problem.
    expect(
      classifyFailure(ev({ exitCode: 1, output: ["    task = _operator_class(task_id='t')", ...failed] }))
        .exitClass,
    ).toBe('task-failed');
  });

  it('an operator verdict from classifyLog takes precedence over the shared table', () => {
    expect(
      classifyFailure(ev({ exitCode: 1, output: failed, operatorVerdict: 'invalid-input' })).exitClass,
    ).toBe('invalid-input');
  });

  it('initdb: exit 0 is fine, failures are configuration (or transient when the db is locked)', () => {
    expect(classifyFailure(ev({ phase: 'initdb', exitCode: 0 })).exitClass).toBe('success');
    expect(
      classifyFailure(ev({ phase: 'initdb', exitCode: 1, output: ['ImportError: no module x'] })),
    ).toEqual({
      exitClass: 'configuration',
      reason: 'airflow initdb failed (exit 1): ImportError: no module x',
    });
    expect(
      classifyFailure(ev({ phase: 'initdb', exitCode: 1, output: ['database is locked'] })).exitClass,
    ).toBe('transient');
  });
});

describe('NOTABLE_PREFILTER', () => {
  // One sample per alternative of every rule pattern (and the success markers): the prefilter must admit them all.
  const samples = [
    'dag_id could not be found: x',
    '{models.py:267} ERROR - Failed to import: /x.py',
    'sqlite3.OperationalError: no such table: dag',
    'AirflowException: Provide a start_date and/or end_date',
    'BackfillJob is deadlocked.',
    '<HttpError 403 when requesting>',
    '<HttpError 401 when requesting>',
    'returned "Access Denied: x"',
    '"reason": "accessDenied"',
    'PERMISSION_DENIED',
    'invalid_grant',
    'Invalid JWT Signature',
    '403 Forbidden',
    '401 Unauthorized',
    'Request had invalid authentication credentials',
    '<HttpError 429 when>',
    '<HttpError 503 when>',
    'rateLimitExceeded',
    'backendError',
    'database is locked',
    'the read operation timed out',
    'TimeoutError: x',
    'socket.timeout: x',
    'Connection reset by peer',
    'ConnectionResetError: x',
    'read ECONNRESET',
    'Temporary failure in name resolution',
    '503 Service Unavailable',
    'http.client.RemoteDisconnected: x',
    'BrokenPipeError: x',
    '<HttpError 400 when>',
    'invalidQuery',
    '"reason": "invalid"',
    'Syntax error: Unexpected',
    "The conn_id `x` isn't defined",
    'Scope should be defined when using a key file.',
    'Unrecognised extension for key file.',
    'AssertionError: INTERNAL: No default project is specified',
    'Legacy P12 key file are not supported',
    'Dag d has reached maximum amount of 16 dag runs',
    'Some task instances failed:',
    'Marking task as FAILED.',
    'Traceback (most recent call last):',
    '[backfill progress] | finished run 1 of 1',
    'Backfill done. Exiting.',
    'Task exited with return code 1',
    'ValueError: boom',
    'airflow.exceptions.AirflowException: x',
    "    task = _operator_class(task_id=_spec['task_id'], dag=dag, **_spec['kwargs'])",
  ];
  it.each(samples)('admits %j', (line) => {
    expect(NOTABLE_PATTERN.test(line)).toBe(true);
    expect(NOTABLE_PREFILTER.test(line)).toBe(true);
  });
});
