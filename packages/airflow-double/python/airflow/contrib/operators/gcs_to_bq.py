from airflow._double import make_operator

GoogleCloudStorageToBigQueryOperator = make_operator(
    __name__, 'GoogleCloudStorageToBigQueryOperator',
    required=['bucket', 'source_objects', 'destination_project_dataset_table'],
    defaults=dict(schema_fields=False, schema_object=False, source_format='CSV', create_disposition='CREATE_IF_NEEDED',
                  skip_leading_rows=0, write_disposition='WRITE_EMPTY', field_delimiter=',', max_id_key=False,
                  bigquery_conn_id='bigquery_default', google_cloud_storage_conn_id='google_cloud_storage_default',
                  delegate_to=None, schema_update_options=()),
    template_fields=('bucket', 'source_objects', 'schema_object', 'destination_project_dataset_table'))
