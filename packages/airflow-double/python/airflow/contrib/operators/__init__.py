_LAZY = {
    'bigquery_operator': ['BigQueryOperator'],
    'bigquery_check_operator': ['BigQueryCheckOperator', 'BigQueryValueCheckOperator',
                                'BigQueryIntervalCheckOperator'],
    'bigquery_to_gcs': ['BigQueryToCloudStorageOperator'],
    'bigquery_to_bigquery': ['BigQueryToBigQueryOperator'],
    'bigquery_table_delete_operator': ['BigQueryTableDeleteOperator'],
    'gcs_to_bq': ['GoogleCloudStorageToBigQueryOperator'],
    'gcs_download_operator': ['GoogleCloudStorageDownloadOperator'],
    'file_to_gcs': ['FileToGoogleCloudStorageOperator'],
    'mysql_to_gcs': ['MySqlToGoogleCloudStorageOperator'],
}


def __getattr__(name):
    import importlib

    for module, names in _LAZY.items():
        if name in names:
            return getattr(importlib.import_module('airflow.contrib.operators.' + module), name)
    raise AttributeError(name)
