from airflow._double import make_operator

BigQueryToCloudStorageOperator = make_operator(
    __name__, 'BigQueryToCloudStorageOperator',
    required=['source_project_dataset_table', 'destination_cloud_storage_uris'],
    defaults=dict(compression='NONE', export_format='CSV', field_delimiter=',', print_header=True,
                  bigquery_conn_id='bigquery_default', delegate_to=None),
    template_fields=('source_project_dataset_table', 'destination_cloud_storage_uris'), template_ext=('.sql',))
