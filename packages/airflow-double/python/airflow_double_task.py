"""Template renderer of the airflow test double: the `render_templates()` step of 1.8.2's `airflow run --raw`.

Reads a JSON request on stdin ({file, dag_id, task_id, dags_folder, timeout, connections, execution_date,
prev_execution_date, next_execution_date, run_id, try_number, conf}), executes the DAG file again against the stub
`airflow` package (as the real `--raw` child does), builds the template context of 1.8.2's
`TaskInstance.get_template_context()` and renders the task's `template_fields` with real Jinja2 the way
`BaseOperator.render_template` does. Writes its report to file descriptor 3:
{"rendered": {field: value}} or {"exception": {"type", "message", "frames"}} or {"double_error": text}.
Anything the DAG file prints goes to this process's stdout/stderr.
"""

import datetime
import json
import os
import sys
import traceback

from airflow_double_dagbag import SITE_PACKAGES, STUB_DIR, json_safe, load_file


def parse_naive(text):
    return None if text is None else datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%S')


class ConfigView(object):
    """`conf` in templates: the double's resolved configuration (env over file over built-in defaults)."""

    def __init__(self, sections):
        self._sections = sections

    def get(self, section, key, **kwargs):
        section, key = str(section).lower(), str(key).lower()
        value = self._sections.get(section, {}).get(key)
        if value is None:
            from airflow.exceptions import AirflowConfigException

            raise AirflowConfigException('section/key [{}/{}] not found in config'.format(section, key))
        return value

    def getboolean(self, section, key):
        value = self.get(section, key).split('#')[0].strip().lower()
        if value in ('t', 'true', '1'):
            return True
        if value in ('f', 'false', '0'):
            return False
        from airflow.exceptions import AirflowConfigException

        raise AirflowConfigException(
            'The value for configuration option "{}:{}" is not a boolean (received "{}").'.format(section, key, value))

    def getint(self, section, key):
        return int(self.get(section, key))

    def getfloat(self, section, key):
        return float(self.get(section, key))

    def has_option(self, section, key):
        return str(key).lower() in self._sections.get(str(section).lower(), {})


class TaskInstanceView(object):
    """What templates read from `ti`/`task_instance` while the task runs."""

    def __init__(self, task, execution_date, try_number, state):
        self.task = task
        self.dag_id = task.dag.dag_id
        self.task_id = task.task_id
        self.execution_date = execution_date
        self.try_number = try_number
        self.state = state
        self.hostname = os.uname()[1]
        self.pool = getattr(task, 'pool', None)
        self.queue = getattr(task, 'queue', 'default')

    def __repr__(self):
        return '<TaskInstance: {ti.dag_id}.{ti.task_id} {ti.execution_date} [{ti.state}]>'.format(ti=self)


class DagRunView(object):
    def __init__(self, dag_id, execution_date, run_id):
        self.dag_id = dag_id
        self.execution_date = execution_date
        self.run_id = run_id
        self.external_trigger = False
        self.state = 'running'

    def __repr__(self):
        return '<DagRun {dr.dag_id} @ {dr.execution_date}: {dr.run_id}, externally triggered: False>'.format(dr=self)


def variable_accessors():
    from airflow.models import Variable

    class VariableAccessor(object):
        def __init__(self):
            self.var = None

        def __getattr__(self, item):
            self.var = Variable.get(item)
            return self.var

        def __repr__(self):
            return str(self.var)

    class VariableJsonAccessor(object):
        def __init__(self):
            self.var = None

        def __getattr__(self, item):
            self.var = Variable.get(item, deserialize_json=True)
            return self.var

        def __repr__(self):
            return str(self.var)

    return {'value': VariableAccessor(), 'json': VariableJsonAccessor()}


def template_context(task, request):
    """The dict of 1.8.2's get_template_context(), built from the stub objects and the double's run data."""
    from airflow import macros

    execution_date = parse_naive(request['execution_date'])
    ds = execution_date.isoformat()[:10]
    ts = execution_date.isoformat()
    yesterday_ds = (execution_date - datetime.timedelta(1)).isoformat()[:10]
    tomorrow_ds = (execution_date + datetime.timedelta(1)).isoformat()[:10]
    ds_nodash = ds.replace('-', '')
    params = {}
    if task.dag.params:
        params.update(task.dag.params)
    if task.params:
        params.update(task.params)
    run_id = request.get('run_id')
    # A dry run has no DagRun and a TaskInstance that never started (state None).
    ti = TaskInstanceView(task, execution_date, request['try_number'], 'running' if run_id else None)
    return {
        'dag': task.dag,
        'ds': ds,
        'ds_nodash': ds_nodash,
        'ts': ts,
        'ts_nodash': ts.replace('-', '').replace(':', ''),
        'yesterday_ds': yesterday_ds,
        'yesterday_ds_nodash': yesterday_ds.replace('-', ''),
        'tomorrow_ds': tomorrow_ds,
        'tomorrow_ds_nodash': tomorrow_ds.replace('-', ''),
        'END_DATE': ds,
        'end_date': ds,
        'dag_run': DagRunView(task.dag.dag_id, execution_date, run_id) if run_id else None,
        'run_id': run_id,
        'execution_date': execution_date,
        'prev_execution_date': parse_naive(request.get('prev_execution_date')),
        'next_execution_date': parse_naive(request.get('next_execution_date')),
        'latest_date': ds,
        'macros': macros,
        'params': params,
        'tables': task.params.get('tables') if task.params else None,
        'task': task,
        'task_instance': ti,
        'ti': ti,
        'task_instance_key_str': '{}__{}__{}'.format(task.dag_id if hasattr(task, 'dag_id') else task.dag.dag_id,
                                                    task.task_id, ds_nodash),
        'conf': ConfigView(request.get('conf') or {}),
        'test_mode': False,
        'var': variable_accessors(),
    }


def render_fields(task, context):
    """TaskInstance.render_templates + BaseOperator.render_template(_from_field) of 1.8.2."""
    import jinja2
    from airflow.exceptions import AirflowException

    dag = task.dag
    searchpath = [os.path.dirname(dag.fileloc)] + list(dag.template_searchpath or [])
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(searchpath), extensions=['jinja2.ext.do'], cache_size=0)
    if dag.user_defined_macros:
        env.globals.update(dag.user_defined_macros)
        context.update(dag.user_defined_macros)
    if dag.user_defined_filters:
        env.filters.update(dag.user_defined_filters)
    exts = task.__class__.template_ext

    def render(attr, content):
        if isinstance(content, str) and any(content.endswith(ext) for ext in exts):
            return env.get_template(content).render(**context)
        if isinstance(content, str):
            return env.from_string(content).render(**context)
        if isinstance(content, (list, tuple)):
            return [render(attr, e) for e in content]
        if isinstance(content, dict):
            return {k: render('{}[{}]'.format(attr, k), v) for k, v in list(content.items())}
        raise AirflowException("Type '{}' used for parameter '{}' is not supported for templating".format(
            type(content), attr))

    rendered = {}
    for attr in task.__class__.template_fields:
        content = getattr(task, attr, None)
        if content:
            value = render(attr, content)
            setattr(task, attr, value)
            rendered[attr] = value
    return rendered


def exception_report():
    """The raised exception: qualified type, message and its frames (stub paths shown as site-packages, no carets)."""
    etype, value, tb = sys.exc_info()
    module = etype.__module__
    qualified = etype.__qualname__ if module in ('builtins', '__main__') else module + '.' + etype.__qualname__
    here = os.path.abspath(__file__)
    frames = []
    for frame in traceback.extract_tb(tb):
        if os.path.abspath(frame.filename) == here:
            continue
        frames.append('  File "{}", line {}, in {}'.format(
            frame.filename.replace(STUB_DIR, SITE_PACKAGES), frame.lineno, frame.name))
        if frame.line:
            frames.append('    ' + frame.line.strip())
    return {'type': qualified, 'message': str(value), 'frames': frames}


def main():
    request = json.loads(sys.stdin.read())
    out = os.fdopen(3, 'w', encoding='utf-8')
    try:
        import jinja2  # noqa: F401
    except ImportError:
        out.write(json.dumps({'double_error': '{} cannot import jinja2; the airflow double renders templated fields '
                                              'with real Jinja2 (install it, or set AIRFLOW_DOUBLE_PYTHON)'
                                              .format(sys.executable)}))
        out.close()
        return
    from airflow import _double

    # The DAG file runs again, as in the real `--raw` child; its connection writes are not kept (the backfill's
    # parse already made them).
    _double.CONNECTIONS[:] = request.get('connections') or []
    dags_folder = request.get('dags_folder')
    if dags_folder and dags_folder not in sys.path:
        sys.path.append(dags_folder)
    sys.dont_write_bytecode = True
    try:
        dags = [d for d in load_file(request['file'], request.get('timeout', 30)) if d.dag_id == request['dag_id']]
        if not dags:
            raise LookupError('DAG {} is gone from {}'.format(request['dag_id'], request['file']))
        dag = dags[-1]
        dag.fileloc = request['file']
        task = dag.get_task(request['task_id'])
        rendered = render_fields(task, template_context(task, request))
    except Exception:
        report = {'exception': exception_report()}
    else:
        report = {'rendered': json_safe(rendered)}
    out.write(json.dumps(report, ensure_ascii=True))
    out.close()


if __name__ == '__main__':
    main()
