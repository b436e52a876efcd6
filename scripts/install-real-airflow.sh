#!/usr/bin/env bash
# Installs the real Apache Airflow 1.8.2 from ../shared/airflow-1.8.2 (unmodified source on Debian's Python 3.11,
# see its README) for the real-Airflow test tier and `--engine airflow` runs on this machine.
#
# usage: scripts/install-real-airflow.sh [PREFIX]
#   PREFIX defaults to $DP_REAL_AIRFLOW_PREFIX or ~/.cache/data-pipeline/airflow-1.8.2.
# Idempotent: an install that already answers `airflow version` with v1.8.2 is kept. Needs root for apt-get
# (skipped when the Debian packages are already there). Prints the `airflow` path on its last line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${DP_SHARED_DIR:-$root/../shared}/airflow-1.8.2"
prefix="${1:-${DP_REAL_AIRFLOW_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/data-pipeline/airflow-1.8.2}}"

if [ ! -f "$shared/setup.sh" ]; then
  echo "install-real-airflow: $shared/setup.sh not found (needs ../shared); real-Airflow tests will skip" >&2
  exit 69
fi
# Bytecode for the source tree: the runner sets PYTHONDONTWRITEBYTECODE, so without it every Airflow process of every
# step would compile Airflow from source again (about 2 s of CPU each). Up-to-date files are skipped.
compile() { /usr/bin/python3 -m compileall -q -j 0 "$prefix/src" >/dev/null 2>&1 || true; }
if "$prefix/bin/airflow" version 2>/dev/null | grep -q 'v1\.8\.2'; then
  compile
  echo "$prefix/bin/airflow"
  exit 0
fi
skip_apt=""
if /usr/bin/python3 -c 'import sqlalchemy, alembic, dill, croniter, dateutil, jinja2, flask, flask_caching, flask_wtf, markdown, pygments, blinker, psutil, tabulate, daemon, future, cryptography, six, googleapiclient, oauth2client, httplib2, numpy' 2>/dev/null; then
  skip_apt=1
fi
mkdir -p "$prefix"
SKIP_APT="$skip_apt" bash "$shared/setup.sh" "$prefix" --tarball "$shared/airflow-1.8.2-src-min.tar.gz" >&2
compile
echo "$prefix/bin/airflow"
