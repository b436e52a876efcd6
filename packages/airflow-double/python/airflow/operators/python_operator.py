from airflow._double import make_operator

_DEFAULTS = dict(op_args=None, op_kwargs=None, provide_context=False, templates_dict=None, templates_exts=None)

PythonOperator = make_operator(__name__, 'PythonOperator', required=['python_callable'], defaults=_DEFAULTS,
                               template_fields=('templates_dict',))
BranchPythonOperator = make_operator(__name__, 'BranchPythonOperator', base=PythonOperator)
ShortCircuitOperator = make_operator(__name__, 'ShortCircuitOperator', base=PythonOperator)
