"""Stub of the `airflow` package used by the airflow test double to execute DAG files.

Known 1.8.2 modules are real files here and only export the names 1.8.2 exports (a misspelled class raises
ImportError). Any other `airflow.*` module is fabricated by a meta path finder so DAG files importing rarer
operators still load; their classes record the kwargs they receive.
"""

import importlib.abc
import importlib.machinery
import sys

__version__ = '1.8.2'


class _FabricatedModuleLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from airflow import _double

        name = module.__name__

        def __getattr__(attr):
            if attr.startswith('__'):
                raise AttributeError(attr)
            cls = _double.fabricate_class(name, attr)
            setattr(module, attr, cls)
            return cls

        module.__getattr__ = __getattr__
        module.__path__ = []


class _FabricatingFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if not fullname.startswith('airflow.'):
            return None
        return importlib.machinery.ModuleSpec(fullname, _FabricatedModuleLoader(), is_package=True)


if not any(isinstance(f, _FabricatingFinder) for f in sys.meta_path):
    sys.meta_path.append(_FabricatingFinder())

from airflow.models import DAG  # noqa: E402
from airflow.exceptions import AirflowException  # noqa: E402,F401
from airflow import settings  # noqa: E402,F401
