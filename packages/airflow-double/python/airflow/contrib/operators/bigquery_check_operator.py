from airflow._double import make_operator
from airflow.operators.check_operator import CheckOperator, IntervalCheckOperator, ValueCheckOperator

BigQueryCheckOperator = make_operator(
    __name__, 'BigQueryCheckOperator', required=['sql'], defaults=dict(bigquery_conn_id='bigquery_default'),
    template_fields=('sql',), template_ext=('.hql', '.sql'), base=CheckOperator)
BigQueryValueCheckOperator = make_operator(
    __name__, 'BigQueryValueCheckOperator', required=['sql', 'pass_value'],
    defaults=dict(tolerance=None, bigquery_conn_id='bigquery_default'),
    template_fields=('sql',), template_ext=('.hql', '.sql'), base=ValueCheckOperator)
BigQueryIntervalCheckOperator = make_operator(
    __name__, 'BigQueryIntervalCheckOperator', required=['table', 'metrics_thresholds'],
    defaults=dict(date_filter_column='ds', days_back=-7, bigquery_conn_id='bigquery_default'),
    template_fields=('sql1', 'sql2'), template_ext=('.hql', '.sql'), base=IntervalCheckOperator)
