from airflow._double import make_operator

BigQueryOperator = make_operator(
    __name__, 'BigQueryOperator', required=['bql'],
    defaults=dict(destination_dataset_table=False, write_disposition='WRITE_EMPTY', allow_large_results=False,
                  bigquery_conn_id='bigquery_default', delegate_to=None, udf_config=False, use_legacy_sql=True),
    template_fields=('bql', 'destination_dataset_table'), template_ext=('.sql',))
