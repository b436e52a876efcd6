from airflow._double import make_operator

BigQueryToBigQueryOperator = make_operator(
    __name__, 'BigQueryToBigQueryOperator',
    required=['source_project_dataset_tables', 'destination_project_dataset_table'],
    defaults=dict(write_disposition='WRITE_EMPTY', create_disposition='CREATE_IF_NEEDED',
                  bigquery_conn_id='bigquery_default', delegate_to=None),
    template_fields=('source_project_dataset_tables', 'destination_project_dataset_table'), template_ext=('.sql',))
