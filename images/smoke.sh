#!/usr/bin/env bash
# End-to-end smoke test of an operator image, run by .github/workflows/images.yml on the built image before anything
# is pushed (and by packages/images-check against the bins and the real Airflow 1.8.2, without Docker):
#
#   bash images/smoke.sh airflow-operator  OUT -- <command that starts the operator's bin>
#   bash images/smoke.sh bigquery-operator OUT -- <command>      (needs SMOKE_ENDPOINT and a key, see below)
#
# The command is everything after `--`, e.g. `docker run --rm --read-only --tmpfs /tmp -v "$OUT:/smoke" IMAGE` or
# `node packages/airflow-operator/bin/airflow-operator.js`; the scenario's flags are appended to it. Environment:
#   SMOKE_DIR_IN     OUT as the operator sees it (e.g. /smoke when OUT is bind-mounted there; default OUT)
#   SMOKE_ENDPOINT   bigquery-operator: the BigQuery-compatible endpoint (`dp warehouse serve`), --bigquery-endpoint
#   (the key itself reaches the operator the way a pod gets it: GOOGLE_APPLICATION_CREDENTIALS in the command's env)
# Scenarios run concurrently (one real `airflow backfill` each). Per scenario OUT/<scenario>/ keeps stdout.log,
# stderr.log (the runner's JSON log, including the harvested Airflow task log) and outputs/ (exit-class, exit-code,
# operator outputs): CI uploads OUT as an artifact. Each check is one line; exit 0 when all pass, 1 otherwise,
# 64 on bad usage.
set -uo pipefail

usage() {
  echo "smoke: usage: smoke.sh airflow-operator|bigquery-operator OUT -- COMMAND..." >&2
  exit 64
}
[ $# -ge 4 ] || usage
image="$1"
out="$2"
[ "$3" = "--" ] || usage
shift 3
cmd=("$@")
in="${SMOKE_DIR_IN:-$out}"
date_flag=(--execution-date 2026-01-15)

mkdir -p "$out" || exit 1
# The operator may run as another uid (65532 in the images) and must be able to create its outputs there.
chmod 0777 "$out"

# run NAME FLAGS...: start one scenario in the background; its exit status goes to OUT/NAME/status.
run() {
  local name="$1"
  shift
  mkdir -p "$out/$name" && chmod 0777 "$out/$name"
  (
    "${cmd[@]}" "$@" --outputs-dir "$in/$name/outputs" --log-format json \
      >"$out/$name/stdout.log" 2>"$out/$name/stderr.log"
    echo $? >"$out/$name/status"
  ) &
}

failures=0
fail() {
  echo "smoke: $1" >&2
  failures=$((failures + 1))
}

# expect NAME CODE CLASS [TEXT]: exit status, the class and code files, and (when given) TEXT in the step's stdout.
expect() {
  local name="$1" code="$2" class="$3" text="${4:-}"
  local got
  got="$(cat "$out/$name/status" 2>/dev/null || echo none)"
  [ "$got" = "$code" ] || fail "$name: expected exit $code ($class), got $got (see $name/stderr.log)"
  got="$(cat "$out/$name/outputs/exit-class" 2>/dev/null || echo missing)"
  [ "$got" = "$class" ] || fail "$name: outputs/exit-class is $got, expected $class"
  got="$(cat "$out/$name/outputs/exit-code" 2>/dev/null || echo missing)"
  [ "$got" = "$code" ] || fail "$name: outputs/exit-code is $got, expected $code"
  if [ -n "$text" ] && ! grep -qF -- "$text" "$out/$name/stdout.log"; then
    fail "$name: stdout has no \"$text\" (the harvested task log)"
  fi
}

case "$image" in
airflow-operator)
  bash_op=(--engine airflow --operator airflow.operators.bash_operator.BashOperator)
  # Success: the command's output (Jinja rendered by Airflow: ds_nodash) comes back in the harvested task log.
  run bash-success "${bash_op[@]}" --task-id smoke_success "${date_flag[@]}" \
    --kwargs '{"bash_command": "echo smoke-ok-{{ ds_nodash }}"}'
  # Failure: the task exits 3, Airflow marks it failed, the step exits 1 (task-failed).
  run bash-failure "${bash_op[@]}" --task-id smoke_failure "${date_flag[@]}" \
    --kwargs '{"bash_command": "echo smoke-failing; exit 3"}'
  wait
  expect bash-success 0 success smoke-ok-20260115
  expect bash-failure 1 task-failed smoke-failing
  ;;
bigquery-operator)
  [ -n "${SMOKE_ENDPOINT:-}" ] || {
    echo "smoke: bigquery-operator needs SMOKE_ENDPOINT (the dp warehouse serve URL)" >&2
    exit 64
  }
  bq=(--engine airflow --bigquery-endpoint "$SMOKE_ENDPOINT" "${date_flag[@]}" --use-legacy-sql false)
  # Success: real BigQueryOperator → real BigQueryHook (google-api-python-client + oauth2client, JWT-bearer token
  # from the key's token_uri) → the warehouse; the job id is harvested into outputs/job-id.
  run query-success "${bq[@]}" --task-id smoke_query --bql 'SELECT 17 AS n'
  # An invalid query: BigQuery's 400 invalidQuery through the real hook → 65 (invalid-input).
  run query-invalid "${bq[@]}" --task-id smoke_invalid --bql 'SELEC 17'
  wait
  expect query-success 0 success
  expect query-invalid 65 invalid-input
  [ -s "$out/query-success/outputs/job-id" ] || fail "query-success: outputs/job-id is empty"
  ;;
*)
  usage
  ;;
esac

# No key material in anything the step printed or wrote.
if grep -rlF -- "PRIVATE KEY" "$out" >/dev/null 2>&1; then
  fail "key material (PRIVATE KEY) found in: $(grep -rlF -- "PRIVATE KEY" "$out" | tr '\n' ' ')"
fi

if [ "$failures" -gt 0 ]; then
  echo "smoke: $image: $failures check(s) failed; logs in $out" >&2
  exit 1
fi
echo "smoke: $image: all checks passed; logs in $out"
