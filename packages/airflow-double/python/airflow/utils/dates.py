from datetime import datetime, timedelta


def days_ago(n, hour=0, minute=0, second=0, microsecond=0):
    today = datetime.today().replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - timedelta(days=n)
