"""State shared by the airflow test double's stub package (not part of Airflow's API).

The loader (airflow_double_dagbag.py) fills CONNECTIONS from the double's DB before DAG files run and reads
it back afterwards; DAG objects register themselves in CREATED_DAGS.
"""

CONNECTIONS = []  # committed connection rows: dicts with id, conn_id, conn_type, host, schema, login, password, port, extra
CONNECTIONS_CHANGED = [False]
NEXT_CONNECTION_ID = [1]
CONTEXT_DAGS = []
DB_MISSING = [False]  # initdb never ran: ORM access fails like SQLAlchemy on an empty sqlite file


class OperationalError(Exception):
    pass


OperationalError.__module__ = 'sqlalchemy.exc'


def check_db(table):
    if DB_MISSING[0]:
        raise OperationalError('(sqlite3.OperationalError) no such table: ' + table)
  # stack of DAGs entered with `with DAG(...)`


def fabricate_class(module_name, class_name):
    from airflow.models import BaseOperator

    operator_module = module_name.startswith(('airflow.operators.', 'airflow.contrib.operators.', 'airflow.sensors.',
                                              'airflow.contrib.sensors.'))
    looks_like_operator = operator_module or class_name.endswith(('Operator', 'Sensor'))
    base = BaseOperator if looks_like_operator else object
    attrs = {'__module__': module_name, '_double_fabricated': True}
    if looks_like_operator:
        attrs['template_fields'] = ()
    return type(class_name, (base,), attrs)


def make_operator(module_name, class_name, required=(), defaults=None, template_fields=(), template_ext=(),
                  base=None):
    """An operator class with the 1.8.2 signature (required args and defaults) that records its kwargs."""
    from airflow.models import BaseOperator

    attrs = {
        '__module__': module_name,
        '_required': tuple(required),
        '_defaults': dict(defaults or {}),
        'template_fields': tuple(template_fields),
        'template_ext': tuple(template_ext),
    }
    return type(class_name, (base or BaseOperator,), attrs)
