"""Stub of airflow.macros (1.8.2): the names templates reach as `macros.*`.

The functions behave as 1.8.2's; `hive` (metastore lookups) is not provided, so `macros.hive.*` fails.
"""

import time  # noqa: F401  (exposed as macros.time)
import uuid  # noqa: F401  (exposed as macros.uuid)
from datetime import datetime, timedelta
from random import random  # noqa: F401  (exposed as macros.random)

try:
    import dateutil  # noqa: F401  (exposed as macros.dateutil when installed, as in 1.8.2's dependencies)
except ImportError:  # pragma: no cover - the double runs without third-party packages
    pass


def ds_add(ds, days):
    """`YYYY-MM-DD` plus `days` days (negative allowed), as a `YYYY-MM-DD` string."""
    parsed = datetime.strptime(ds, '%Y-%m-%d')
    if days:
        parsed = parsed + timedelta(days)
    return parsed.isoformat()[:10]


def ds_format(ds, input_format, output_format):
    """Re-formats a date string from `input_format` to `output_format`."""
    return datetime.strptime(ds, input_format).strftime(output_format)
