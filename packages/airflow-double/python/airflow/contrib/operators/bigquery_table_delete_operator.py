from airflow._double import make_operator

BigQueryTableDeleteOperator = make_operator(
    __name__, 'BigQueryTableDeleteOperator', required=['deletion_dataset_table'],
    defaults=dict(bigquery_conn_id='bigquery_default', delegate_to=None, ignore_if_missing=False))
