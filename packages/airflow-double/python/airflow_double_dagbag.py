"""DagBag filler of the airflow test double.

Reads a JSON request on stdin ({files, dags_folder, timeout, connections}), executes each DAG file against the stub
`airflow` package (on PYTHONPATH), and writes a JSON report to file descriptor 3 ({dags, import_errors,
connections}). File output of the DAG files themselves (print) goes to this process's stdout/stderr as in Airflow.
"""

import datetime
import hashlib
import importlib.util
import json
import math
import os
import signal
import sys
import traceback


def json_safe(value, depth=0):
    if depth > 50:
        return repr(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return {'__timedelta__': value.total_seconds()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v, depth + 1) for k, v in value.items()}
    if callable(value):
        return {'__callable__': getattr(value, '__qualname__', repr(value))}
    return repr(value)


def schedule_of(value):
    if value is None:
        return {'type': 'none'}
    if isinstance(value, datetime.timedelta):
        return {'type': 'timedelta', 'seconds': value.total_seconds()}
    if isinstance(value, str):
        return {'type': 'string', 'value': value}
    return {'type': 'unsupported', 'repr': repr(value)}


def describe_dag(dag, filepath):
    from airflow.models import BaseOperator

    tasks = []
    for task in dag.tasks:
        cls = task.__class__
        known = {k: json_safe(getattr(task, k, v)) for k, v in task._double_values.items()}
        tasks.append({
            'task_id': task.task_id,
            'operator': cls.__name__,
            'import_path': cls.__module__ + '.' + cls.__name__,
            'fabricated': bool(getattr(cls, '_double_fabricated', False)),
            'kwargs': json_safe(task._double_explicit),
            'values': known,
            'template_fields': list(cls.template_fields),
            'template_ext': list(getattr(cls, 'template_ext', ())),
            'upstream': task.upstream_task_ids,
            'downstream': task.downstream_task_ids,
            'is_base_operator': isinstance(task, BaseOperator),
        })
    return {
        'dag_id': dag.dag_id,
        'fileloc': filepath,
        'schedule': schedule_of(dag.schedule_interval),
        'start_date': json_safe(dag.start_date),
        'end_date': json_safe(dag.end_date),
        'max_active_runs': dag.max_active_runs,
        'catchup': bool(dag.catchup),
        'tasks': tasks,
    }


STUB_DIR = os.path.dirname(os.path.abspath(__file__))
SITE_PACKAGES = '/usr/local/lib/python3.6/site-packages'


def import_traceback():
    """The traceback as 1.8.2's DagBag logs it: from models.process_file down, stub paths shown as site-packages,
    without this loader's frames and without the caret lines newer Pythons add."""
    exc = traceback.TracebackException(*sys.exc_info())
    here = os.path.abspath(__file__)
    kept = [f for f in exc.stack if os.path.abspath(f.filename) != here and not f.filename.startswith('<frozen')]
    exc.stack = traceback.StackSummary.from_list(kept)
    lines = ''.join(exc.format()).splitlines()
    out = ['Traceback (most recent call last):',
           '  File "{}/airflow/models.py", line 263, in process_file'.format(SITE_PACKAGES),
           '    m = imp.load_source(mod_name, filepath)']
    for line in lines[1:] if lines and lines[0].startswith('Traceback') else lines:
        if line.strip() and set(line.strip()) <= set('^~'):
            continue
        out.append(line.replace(STUB_DIR, SITE_PACKAGES))
    return '\n'.join(out) + '\n'


def load_file(filepath, timeout):
    from airflow.exceptions import AirflowTaskTimeout
    from airflow.models import DAG

    org_mod_name = os.path.splitext(os.path.basename(filepath))[0]
    mod_name = 'unusual_prefix_' + hashlib.sha1(filepath.encode('utf-8')).hexdigest() + '_' + org_mod_name

    def on_alarm(signum, frame):
        raise AirflowTaskTimeout('Timeout, PID: {}'.format(os.getpid()))

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(max(1, int(timeout)))
    try:
        spec = importlib.util.spec_from_file_location(mod_name, filepath)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return [v for v in list(module.__dict__.values()) if isinstance(v, DAG)]


def main():
    request = json.loads(sys.stdin.read())
    out = os.fdopen(3, 'w', encoding='utf-8')
    from airflow import _double

    _double.DB_MISSING[0] = request.get('connections') is None
    _double.CONNECTIONS[:] = request.get('connections') or []
    _double.NEXT_CONNECTION_ID[0] = max([r.get('id', 0) for r in _double.CONNECTIONS] + [0]) + 1
    dags_folder = request.get('dags_folder')
    if dags_folder and dags_folder not in sys.path:
        sys.path.append(dags_folder)
    sys.dont_write_bytecode = True
    dags = {}
    import_errors = []
    for filepath in request['files']:
        try:
            found = load_file(filepath, request.get('timeout', 30))
        except Exception:  # DagBag.process_file catches Exception (SystemExit/KeyboardInterrupt escape)
            import_errors.append({'path': filepath, 'traceback': import_traceback()})
            continue
        for dag in found:
            dag.fileloc = filepath
            dags[dag.dag_id] = describe_dag(dag, filepath)
    report = {
        'dags': list(dags.values()),
        'import_errors': import_errors,
        'connections': _double.CONNECTIONS if _double.CONNECTIONS_CHANGED[0] else None,
    }
    out.write(json.dumps(report, ensure_ascii=True))
    out.close()


if __name__ == '__main__':
    main()
