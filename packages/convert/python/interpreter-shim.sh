#!/bin/sh
# Takes the place of the interpreter an `airflow` wrapper script execs ("$AIRFLOW_PYTHON" <airflow script> ARGS):
# drops the airflow script and runs the real interpreter on ARGS (dp convert's dump_dag.py) with the wrapper's env.
shift
exec "$DP_CONVERT_PYTHON" "$@"
