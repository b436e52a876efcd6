from airflow._double import make_operator

FileToGoogleCloudStorageOperator = make_operator(
    __name__, 'FileToGoogleCloudStorageOperator', required=['src', 'dst', 'bucket'],
    defaults=dict(google_cloud_storage_conn_id='google_cloud_storage_default', mime_type='application/octet-stream',
                  delegate_to=None))
