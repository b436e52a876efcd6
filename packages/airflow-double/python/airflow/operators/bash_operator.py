from airflow._double import make_operator

BashOperator = make_operator(
    __name__, 'BashOperator', required=['bash_command'],
    defaults=dict(xcom_push=False, env=None, output_encoding='utf-8'),
    template_fields=('bash_command', 'env'), template_ext=('.sh', '.bash'))
