class AirflowException(Exception):
    pass


class AirflowConfigException(AirflowException):
    pass


class AirflowSensorTimeout(AirflowException):
    pass


class AirflowTaskTimeout(AirflowException):
    pass


class AirflowSkipException(AirflowException):
    pass
