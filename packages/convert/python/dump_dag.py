"""Loads one Airflow 1.8.2 DAG file with the real Airflow and prints the DAG as one JSON document on stdout.

usage: python dump_dag.py DAG_FILE [DAG_ID]

Run by `dp convert` (packages/convert/src/loader.ts) with the interpreter of the `airflow` installation, in a
private AIRFLOW_HOME. The DAG file's own prints go to stderr; stdout carries only the JSON. Failures are JSON too:
{"error": {"kind": "syntax" | "import" | "load" | "no-dag" | "dag-id" | "several", "message": ..., "line": N}}.
"""
import datetime
import importlib.util
import json
import os
import sys
import traceback


def _seconds(value):
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return None


def _iso(value):
    return value.isoformat() if isinstance(value, datetime.datetime) else None


def _line_in(path):
    """Line of the innermost frame of the stack that belongs to `path` (the DAG file), or None."""
    frame = sys._getframe(2)
    while frame is not None:
        if os.path.abspath(frame.f_code.co_filename) == path:
            return frame.f_lineno
        frame = frame.f_back
    return None


def _fail(kind, message, line=None):
    return {"error": {"kind": kind, "message": message, "line": line}}


def _error_line(path, tb):
    line = None
    for entry in traceback.extract_tb(tb):
        if os.path.abspath(entry.filename) == path:
            line = entry.lineno
    return line


def _schedule(value):
    if value is None:
        return {"kind": "none"}
    if isinstance(value, datetime.timedelta):
        return {"kind": "timedelta", "seconds": value.total_seconds()}
    if isinstance(value, str):
        return {"kind": "cron", "expression": value}
    return {"kind": "other", "repr": repr(value)}


def _plain(value):
    """Kwargs worth showing in --explain: JSON scalars only (templates and callables stay in the DAG file)."""
    return value if isinstance(value, (str, int, float, bool)) or value is None else None


def _task(task, lines):
    mro = [c.__module__ + "." + c.__name__ for c in type(task).__mro__]
    entry = {
        "task_id": task.task_id,
        "class": type(task).__name__,
        "module": type(task).__module__,
        "mro": mro,
        "upstream": sorted(task.upstream_task_ids),
        "downstream": sorted(task.downstream_task_ids),
        "trigger_rule": task.trigger_rule,
        "retries": task.retries or 0,
        "retry_delay": _seconds(task.retry_delay),
        "retry_exponential_backoff": bool(task.retry_exponential_backoff),
        "max_retry_delay": _seconds(getattr(task, "max_retry_delay", None)),
        "execution_timeout": _seconds(task.execution_timeout),
        "pool": task.pool,
        "queue": task.queue,
        "priority_weight": task.priority_weight,
        "depends_on_past": bool(task.depends_on_past),
        "wait_for_downstream": bool(task.wait_for_downstream),
        "sla": _seconds(task.sla),
        "start_date": _iso(task.start_date),
        "end_date": _iso(task.end_date),
        "line": lines.get(id(task)),
    }
    subdag = getattr(task, "subdag", None)
    if subdag is not None and hasattr(subdag, "dag_id"):
        entry["subdag"] = subdag.dag_id
        entry["subdag_tasks"] = sorted(t.task_id for t in subdag.tasks)
    if hasattr(task, "trigger_dag_id"):
        entry["trigger_dag_id"] = _plain(task.trigger_dag_id)
    return entry


def dump(path, dag_id):
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        return _fail("load", "no such file")
    # Imported like a dags folder: the file's directory is importable.
    sys.path.insert(0, os.path.dirname(path))

    from airflow.models import BaseOperator, DAG

    lines = {}
    dag_lines = {}
    op_init = BaseOperator.__init__
    dag_init = DAG.__init__

    def op_init_recording(self, *args, **kwargs):
        if id(self) not in lines:
            lines[id(self)] = _line_in(path)
        op_init(self, *args, **kwargs)

    def dag_init_recording(self, *args, **kwargs):
        dag_lines[id(self)] = _line_in(path)
        dag_init(self, *args, **kwargs)

    BaseOperator.__init__ = op_init_recording
    DAG.__init__ = dag_init_recording
    stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        spec = importlib.util.spec_from_file_location("dp_convert_dag_module", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    except SyntaxError as e:
        return _fail("syntax", "syntax error: %s" % (e.msg,), e.lineno)
    except ImportError as e:
        return _fail("import", "cannot import %s" % (e.name or str(e),), _error_line(path, sys.exc_info()[2]))
    except Exception as e:  # the DAG file raised while being imported
        return _fail("load", "%s: %s" % (type(e).__name__, e), _error_line(path, sys.exc_info()[2]))
    finally:
        sys.stdout = stdout
        BaseOperator.__init__ = op_init
        DAG.__init__ = dag_init

    dags = [v for v in vars(module).values() if isinstance(v, DAG)]
    top = []
    for d in dags:
        if d not in top and not d.dag_id.count(".") and not getattr(d, "is_subdag", False):
            top.append(d)
    if dag_id is not None:
        matches = [d for d in dags if d.dag_id == dag_id]
        if not matches:
            known = ", ".join(sorted(d.dag_id for d in top)) or "none"
            return _fail("dag-id", "DAG id %r not found (DAGs in the file: %s)" % (dag_id, known))
        dag = matches[0]
    elif not top:
        return _fail("no-dag", "no DAG object at the top level of the file")
    elif len(top) > 1:
        return _fail("several", "several DAGs (%s): pass --dag-id" % ", ".join(sorted(d.dag_id for d in top)))
    else:
        dag = top[0]

    return {
        "dag": {
            "dag_id": dag.dag_id,
            "fileloc": path,
            "line": dag_lines.get(id(dag)),
            "schedule_interval": _schedule(dag.schedule_interval),
            "start_date": _iso(dag.start_date),
            "end_date": _iso(dag.end_date),
            "concurrency": dag.concurrency,
            "max_active_runs": dag.max_active_runs,
            "description": _plain(getattr(dag, "description", None)),
            "subdags": sorted(s.dag_id for s in dag.subdags),
            "tasks": [_task(t, lines) for t in sorted(dag.tasks, key=lambda t: t.task_id)],
        }
    }


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: dump_dag.py DAG_FILE [DAG_ID]\n")
        return 64
    result = dump(argv[1], argv[2] if len(argv) == 3 else None)
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
