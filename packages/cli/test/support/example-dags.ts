/**
 * The Airflow 1.8.2 example DAGs issue 16 names that need no network or Docker (files of `airflow/example_dags/`),
 * with the DAG id each file holds: what the `dp convert` tests convert, lint and run.
 */
export const EXAMPLE_DAGS: Readonly<Record<string, string>> = {
  tutorial: 'tutorial',
  example_bash_operator: 'example_bash_operator',
  example_python_operator: 'example_python_operator',
  example_branch_operator: 'example_branch_operator',
  example_branch_python_dop_operator_3: 'example_branch_dop_operator_v3',
  example_short_circuit_operator: 'example_short_circuit_operator',
  example_skip_dag: 'example_skip_dag',
  example_xcom: 'example_xcom',
  example_latest_only: 'latest_only',
  example_latest_only_with_trigger: 'latest_only_with_trigger',
  example_subdag_operator: 'example_subdag_operator',
  example_passing_params_via_test_command: 'example_passing_params_via_test_command',
  example_trigger_controller_dag: 'example_trigger_controller_dag',
  example_trigger_target_dag: 'example_trigger_target_dag',
};
