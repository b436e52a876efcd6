_LAZY = {
    'bash_operator': ['BashOperator'],
    'python_operator': ['PythonOperator', 'BranchPythonOperator', 'ShortCircuitOperator'],
    'dummy_operator': ['DummyOperator'],
    'check_operator': ['CheckOperator', 'ValueCheckOperator', 'IntervalCheckOperator'],
}


def __getattr__(name):
    import importlib

    for module, names in _LAZY.items():
        if name in names:
            return getattr(importlib.import_module('airflow.operators.' + module), name)
    raise AttributeError(name)
