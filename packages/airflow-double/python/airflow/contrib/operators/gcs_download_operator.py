from airflow._double import make_operator

GoogleCloudStorageDownloadOperator = make_operator(
    __name__, 'GoogleCloudStorageDownloadOperator', required=['bucket', 'object'],
    defaults=dict(filename=False, store_to_xcom_key=False,
                  google_cloud_storage_conn_id='google_cloud_storage_default', delegate_to=None),
    template_fields=('bucket', 'object', 'filename', 'store_to_xcom_key'))
