"""Stubs of airflow.models: DAG, BaseOperator, Connection (ORM rows held by the double), Variable."""

import json
from datetime import datetime, timedelta

from airflow import _double
from airflow.exceptions import AirflowException

_DAG_DEFAULTS = dict(
    description='', schedule_interval=timedelta(days=1), start_date=None, end_date=None, full_filepath=None,
    template_searchpath=None, user_defined_macros=None, user_defined_filters=None, default_args=None,
    concurrency=16, max_active_runs=16, dagrun_timeout=None, sla_miss_callback=None, orientation='LR',
    catchup=True, params=None,
)


class DAG(object):
    def __init__(self, dag_id, *args, **kwargs):
        unknown = [k for k in kwargs if k not in _DAG_DEFAULTS]
        if unknown:
            raise TypeError("__init__() got an unexpected keyword argument '{}'".format(unknown[0]))
        names = list(_DAG_DEFAULTS)
        if len(args) > len(names):
            raise TypeError('__init__() takes at most {} positional arguments'.format(len(names) + 2))
        values = dict(_DAG_DEFAULTS)
        values.update(dict(zip(names, args)))
        values.update(kwargs)
        self.dag_id = dag_id
        self.default_args = values['default_args'] or {}
        self.params = values['params'] or {}
        self.start_date = values['start_date'] or self.default_args.get('start_date')
        self.end_date = values['end_date'] or self.default_args.get('end_date')
        self.schedule_interval = values['schedule_interval']
        self.max_active_runs = values['max_active_runs']
        self.concurrency = values['concurrency']
        self.catchup = values['catchup']
        self.description = values['description']
        self.template_searchpath = values['template_searchpath']
        self.user_defined_macros = values['user_defined_macros']
        self.user_defined_filters = values['user_defined_filters']
        self.tasks = []
        self.task_dict = {}
        self.fileloc = None

    @property
    def task_ids(self):
        return [t.task_id for t in self.tasks]

    def add_task(self, task):
        if not self.start_date and not task.start_date:
            raise AirflowException('Task is missing the start_date parameter')
        if not task.start_date:
            task.start_date = self.start_date
        if task.task_id in self.task_dict:
            import warnings

            warnings.warn(
                'The requested task could not be added to the DAG because a task with task_id {} is already '
                'in the DAG.'.format(task.task_id),
                category=PendingDeprecationWarning,
            )
            return
        self.tasks.append(task)
        self.task_dict[task.task_id] = task
        task._dag = self

    def add_tasks(self, tasks):
        for t in tasks:
            self.add_task(t)

    def get_task(self, task_id):
        if task_id in self.task_dict:
            return self.task_dict[task_id]
        raise AirflowException('Task {task_id} not found'.format(task_id=task_id))

    def has_task(self, task_id):
        return task_id in self.task_dict

    def __enter__(self):
        _double.CONTEXT_DAGS.append(self)
        return self

    def __exit__(self, *exc):
        _double.CONTEXT_DAGS.pop()

    def __repr__(self):
        return '<DAG: {}>'.format(self.dag_id)


_BASE_DEFAULTS = dict(
    owner='Airflow', email=None, email_on_retry=True, email_on_failure=True, retries=0,
    retry_delay=timedelta(seconds=300), retry_exponential_backoff=False, max_retry_delay=None, start_date=None,
    end_date=None, schedule_interval=None, depends_on_past=False, wait_for_downstream=False, dag=None,
    params=None, default_args=None, adhoc=False, priority_weight=1, queue='default', pool=None, sla=None,
    execution_timeout=None, on_failure_callback=None, on_success_callback=None, on_retry_callback=None,
    trigger_rule='all_success', resources=None, run_as_user=None,
)


class BaseOperator(object):
    """Records what the DAG file passed. Subclasses declare _required/_defaults like the 1.8.2 signatures."""

    template_fields = ()
    template_ext = ()
    ui_color = '#fff'
    _required = ()
    _defaults = {}

    def __init__(self, *args, **kwargs):
        if args:
            raise AirflowException('Use keyword arguments when initializing operators')
        explicit = dict(kwargs)
        dag = kwargs.get('dag') or (_double.CONTEXT_DAGS[-1] if _double.CONTEXT_DAGS else None)
        default_args = dict(dag.default_args) if dag is not None and dag.default_args else {}
        default_args.update(kwargs.get('default_args') or {})
        params = {}
        if dag is not None:
            params.update(dag.params or {})
        params.update(default_args.get('params') or {})
        own = dict(self._defaults)
        known = set(_BASE_DEFAULTS) | set(self._required) | set(own) | {'task_id'}
        values = dict(_BASE_DEFAULTS)
        values.update(own)
        for k, v in default_args.items():
            if k in known or getattr(self, '_double_fabricated', False):
                values[k] = v
        values.update(kwargs)
        missing = [a for a in ('task_id',) + tuple(self._required) if a not in values]
        if missing:
            raise AirflowException('Argument {0} is required'.format(missing))
        params.update(kwargs.get('params') or {})
        values['params'] = params
        for k, v in values.items():
            if k in ('dag', 'default_args'):
                continue
            setattr(self, k, v)
        self._double_explicit = {k: v for k, v in explicit.items() if k not in ('dag',)}
        self._double_values = {k: v for k, v in values.items() if k not in ('dag', 'default_args')}
        self._upstream_task_ids = []
        self._downstream_task_ids = []
        self._dag = None
        if dag is not None:
            dag.add_task(self)

    @property
    def dag(self):
        if self._dag is None:
            raise AirflowException('Operator {} has not been assigned to a DAG yet'.format(self))
        return self._dag

    @dag.setter
    def dag(self, dag):
        dag.add_task(self)

    @property
    def has_dag(self):
        return self._dag is not None

    @property
    def upstream_task_ids(self):
        return list(self._upstream_task_ids)

    @property
    def downstream_task_ids(self):
        return list(self._downstream_task_ids)

    def _set_relatives(self, task_or_task_list, upstream=False):
        tasks = task_or_task_list if isinstance(task_or_task_list, (list, tuple)) else [task_or_task_list]
        for task in tasks:
            if not isinstance(task, BaseOperator):
                raise AirflowException('Relationships can only be set between Operators; received {}'.format(
                    task.__class__.__name__))
            if upstream:
                if task.task_id not in self._upstream_task_ids:
                    self._upstream_task_ids.append(task.task_id)
                if self.task_id not in task._downstream_task_ids:
                    task._downstream_task_ids.append(self.task_id)
            else:
                if task.task_id not in self._downstream_task_ids:
                    self._downstream_task_ids.append(task.task_id)
                if self.task_id not in task._upstream_task_ids:
                    task._upstream_task_ids.append(self.task_id)

    def set_upstream(self, task_or_task_list):
        self._set_relatives(task_or_task_list, upstream=True)

    def set_downstream(self, task_or_task_list):
        self._set_relatives(task_or_task_list, upstream=False)

    def __rshift__(self, other):
        self.set_downstream(other)
        return other

    def __lshift__(self, other):
        self.set_upstream(other)
        return other

    def __rrshift__(self, other):
        self.set_upstream(other)
        return self

    def __rlshift__(self, other):
        self.set_downstream(other)
        return self

    def execute(self, context):
        raise NotImplementedError()

    def __repr__(self):
        return '<Task({self.__class__.__name__}): {self.task_id}>'.format(self=self)


class Connection(object):
    """A connection row. Changes reach the double's DB through settings.Session().commit()."""

    class _Column(object):
        def __init__(self, name):
            self.name = name

        def __get__(self, obj, owner):
            if obj is None:
                return self
            return obj.__dict__.get(self.name)

        def __eq__(self, other):
            name = self.name
            return lambda row: getattr(row, name, None) == other

        def __ne__(self, other):
            name = self.name
            return lambda row: getattr(row, name, None) != other

        __hash__ = object.__hash__

    conn_id = _Column('conn_id')
    conn_type = _Column('conn_type')
    host = _Column('host')

    def __init__(self, conn_id=None, conn_type=None, host=None, login=None, password=None, schema=None, port=None,
                 extra=None, uri=None):
        self.__dict__['conn_id'] = conn_id
        self._double_id = None
        if uri:
            raise AirflowException('the airflow test double does not parse uri= in Connection(); use the CLI')
        self.__dict__['conn_type'] = conn_type
        self.__dict__['host'] = host
        self.login = login
        self._password = password
        self.schema = schema
        self.port = port
        self._extra = extra
        self.is_encrypted = password is not None
        self.is_extra_encrypted = extra is not None

    def __setattr__(self, key, value):
        if key in ('conn_id', 'conn_type', 'host'):
            self.__dict__[key] = value
        else:
            object.__setattr__(self, key, value)

    def get_password(self):
        return self._password

    def set_password(self, value):
        self._password = value
        self.is_encrypted = value is not None

    password = property(get_password, set_password)

    def get_extra(self):
        return self._extra

    def set_extra(self, value):
        self._extra = value
        self.is_extra_encrypted = value is not None

    extra = property(get_extra, set_extra)

    @property
    def extra_dejson(self):
        if not self._extra:
            return {}
        try:
            return json.loads(self._extra)
        except Exception:
            return {}

    @classmethod
    def _from_row(cls, row):
        c = cls(conn_id=row.get('conn_id'), conn_type=row.get('conn_type'), host=row.get('host'),
                login=row.get('login'), password=row.get('password'), schema=row.get('schema'),
                port=row.get('port'), extra=row.get('extra'))
        c._double_id = row.get('id')
        return c

    def _to_row(self):
        port = self.port
        if port is not None and port != '':
            port = int(port)
        return dict(conn_id=self.conn_id, conn_type=self.conn_type, host=self.host, schema=self.schema,
                    login=self.login, password=self._password, port=port, extra=self._extra)

    def __repr__(self):
        return self.conn_id or ''


class Variable(object):
    @classmethod
    def get(cls, key, default_var=None, deserialize_json=False):
        # The double keeps no variable table: every lookup misses, as in an empty 1.8.2 database.
        if default_var is None:
            raise KeyError('Variable {} does not exist'.format(key))
        return default_var

    @classmethod
    def set(cls, key, value, serialize_json=False):
        pass


class TaskInstance(object):
    pass


class DagRun(object):
    pass


class XCom(object):
    pass


class DagBag(object):
    pass


class Pool(object):
    pass
