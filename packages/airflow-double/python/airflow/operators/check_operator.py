from airflow._double import make_operator

CheckOperator = make_operator(__name__, 'CheckOperator', required=['sql'], defaults=dict(conn_id=None),
                              template_fields=('sql',), template_ext=('.hql', '.sql'))
ValueCheckOperator = make_operator(__name__, 'ValueCheckOperator', required=['sql', 'pass_value'],
                                   defaults=dict(tolerance=None, conn_id=None),
                                   template_fields=('sql',), template_ext=('.hql', '.sql'))
IntervalCheckOperator = make_operator(__name__, 'IntervalCheckOperator', required=['table', 'metrics_thresholds'],
                                      defaults=dict(date_filter_column='ds', days_back=-7, conn_id=None),
                                      template_fields=('sql1', 'sql2'), template_ext=('.hql', '.sql'))
