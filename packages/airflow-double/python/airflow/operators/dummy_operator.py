from airflow._double import make_operator

DummyOperator = make_operator(__name__, 'DummyOperator')
