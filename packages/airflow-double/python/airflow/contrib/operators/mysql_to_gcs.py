from airflow._double import make_operator

MySqlToGoogleCloudStorageOperator = make_operator(
    __name__, 'MySqlToGoogleCloudStorageOperator', required=['sql', 'bucket', 'filename'],
    defaults=dict(schema_filename=None, approx_max_file_size_bytes=1900000000, mysql_conn_id='mysql_default',
                  google_cloud_storage_conn_id='google_cloud_storage_default', delegate_to=None),
    template_fields=('sql', 'bucket', 'filename', 'schema_filename'), template_ext=('.sql',))
