"""Drives the warehouse with the real Airflow 1.8.2 BigQueryHook (unmodified source; PYTHONPATH set by the test).

Usage: airflow_hook.py setup      with AIRFLOW_HOME (initdb done) and CONNECTIONS = {"conn_id": "key file", ...}
       airflow_hook.py SCENARIO   with AIRFLOW_HOME, WAREHOUSE_URL and CONN_ID (its key's token_uri is the warehouse).
The only change from production is where `build` fetches the discovery document:
the hook calls build('bigquery', 'v2', http=...), and this passes discoveryServiceUrl as the generated DAG does.
Prints one JSON object of what the hook returned or raised.
"""
import functools
import json
import os
import sys

PROJECT = "local-project"


def setup():
    """Writes one google_cloud_platform connection per conn id, replacing any row of that id (initdb makes a
    bigquery_default of its own, and 1.8.2 picks a random row among duplicates)."""
    from airflow import settings
    from airflow.models import Connection

    session = settings.Session()
    for conn_id, key_file in json.loads(os.environ["CONNECTIONS"]).items():
        session.query(Connection).filter(Connection.conn_id == conn_id).delete()
        session.add(
            Connection(
                conn_id=conn_id,
                conn_type="google_cloud_platform",
                extra=json.dumps(
                    {
                        "extra__google_cloud_platform__project": PROJECT,
                        "extra__google_cloud_platform__key_path": key_file,
                        "extra__google_cloud_platform__scope": "https://www.googleapis.com/auth/bigquery",
                    }
                ),
            )
        )
    session.commit()
    rows = session.query(Connection).filter(Connection.conn_id.in_(json.loads(os.environ["CONNECTIONS"]))).count()
    session.close()
    return {"connections": rows}


def hook():
    import airflow.contrib.hooks.bigquery_hook as bigquery_hook

    url = os.environ["WAREHOUSE_URL"].rstrip("/")
    bigquery_hook.build = functools.partial(
        bigquery_hook.build, discoveryServiceUrl=url + "/discovery/v1/apis/{api}/{apiVersion}/rest", cache_discovery=False
    )
    return bigquery_hook.BigQueryHook(bigquery_conn_id=os.environ.get("CONN_ID", "bigquery_default"))


def error_text(fn):
    try:
        fn()
    except Exception as e:  # the hook raises HttpError or a bare Exception: what the task log shows
        return "%s: %s" % (type(e).__name__, e)
    return None


def methods():
    h = hook()
    out = {}
    h.get_service().datasets().insert(
        projectId=PROJECT, body={"datasetReference": {"projectId": PROJECT, "datasetId": "hookds"}}
    ).execute()
    cursor = h.get_conn().cursor()
    sql = "SELECT n, CONCAT('v', CAST(n AS STRING)) AS s FROM UNNEST([1, 2, 3]) AS n"
    out["run_query"] = cursor.run_query(
        sql, destination_dataset_table="hookds.t", write_disposition="WRITE_TRUNCATE", use_legacy_sql=False
    )
    # Again, WRITE_TRUNCATE: still three rows; WRITE_EMPTY then fails as BigQuery does.
    cursor.run_query(sql, destination_dataset_table="hookds.t", write_disposition="WRITE_TRUNCATE", use_legacy_sql=False)
    out["write_empty"] = error_text(
        lambda: cursor.run_query(sql, destination_dataset_table="hookds.t", use_legacy_sql=False)
    )
    out["run_with_configuration"] = cursor.run_with_configuration(
        {
            "query": {
                "query": "SELECT COUNT(*) AS c FROM [local-project:hookds.t]",
                "useLegacySql": True,
                "destinationTable": {"projectId": PROJECT, "datasetId": "hookds", "tableId": "counted"},
                "writeDisposition": "WRITE_APPEND",
            }
        }
    )
    # The PEP 249 cursor: execute (legacy SQL by default), fetchone. (1.8.2's parameter binding calls
    # dict.iteritems, which Python 3 lacks: its DAGs cannot use it, so neither does this.)
    cursor.execute("SELECT SUM(n) AS total, MAX(s) AS top FROM [local-project:hookds.t] WHERE n >= 2")
    out["fetchone"] = cursor.fetchone()
    out["fetchone_after"] = cursor.fetchone()
    out["get_tabledata"] = cursor.get_tabledata("hookds", "t", max_results=2)
    out["get_schema"] = cursor.get_schema("hookds", "t")
    out["table_exists"] = h.table_exists(PROJECT, "hookds", "t")
    out["table_missing"] = h.table_exists(PROJECT, "hookds", "nope")
    out["invalid_query"] = error_text(lambda: cursor.run_query("SELECT nope FROM [local-project:hookds.t]"))
    return out


def faults():
    """The warehouse has faults armed on jobs.insert: each run_query meets one, the last one runs."""
    cursor = hook().get_conn().cursor()
    runs = []
    for _ in range(4):
        runs.append(error_text(lambda: cursor.run_query("SELECT 1", use_legacy_sql=False)))
    return {"runs": runs}


if __name__ == "__main__":
    json.dump({"setup": setup, "methods": methods, "faults": faults}[sys.argv[1]](), sys.stdout)
