"""Drives the warehouse with google-api-python-client (the library Airflow 1.8.2's BigQueryHook uses), unchanged.

Usage: bq_client.py SCENARIO   with WAREHOUSE_URL set (and KEY_FILE for an OAuth key). Prints one JSON object: what
each call answered, or {"error": {"status", "reason", "message"}} for an HttpError, so the test asserts on data.
"""
import json
import os
import sys

import httplib2
from googleapiclient import discovery
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload

URL = os.environ["WAREHOUSE_URL"].rstrip("/")
PROJECT = os.environ.get("PROJECT", "local-project")
SCOPES = ["https://www.googleapis.com/auth/bigquery"]


def http():
    key_file = os.environ.get("KEY_FILE")
    if not key_file:
        return httplib2.Http()
    from oauth2client.service_account import ServiceAccountCredentials

    return ServiceAccountCredentials.from_json_keyfile_name(key_file, SCOPES).authorize(httplib2.Http())


def service(template="/discovery/v1/apis/{api}/{apiVersion}/rest"):
    return discovery.build(
        "bigquery", "v2", http=http(), discoveryServiceUrl=URL + template, cache_discovery=False
    )


def http_error(e):
    body = json.loads(e.content.decode("utf-8"))
    err = body.get("error", {})
    reasons = [x.get("reason") for x in err.get("errors", [])]
    return {"status": e.resp.status, "reason": reasons[0] if reasons else None, "message": err.get("message"),
            "envelope": body}


def attempt(fn):
    from oauth2client.client import HttpAccessTokenRefreshError

    try:
        return fn()
    except HttpError as e:
        return {"error": http_error(e)}
    except HttpAccessTokenRefreshError as e:
        # The token endpoint refused the grant: oauth2client reports "<error>: <error_description>" and the status.
        return {"token_error": {"status": e.status, "message": str(e)}}


def methods():
    """Every call the hook makes, plus the rest of the methods the discovery document describes."""
    bq = service()
    out = {}
    out["methods"] = sorted(
        "%s.%s" % (r, m)
        for r in ("projects", "datasets", "tables", "tabledata", "jobs", "routines")
        for m in dir(getattr(bq, r)())
        if not m.startswith("_") and not m.endswith("_next") and m not in ("close",)
    )
    out["datasets.insert"] = bq.datasets().insert(
        projectId=PROJECT, body={"datasetReference": {"projectId": PROJECT, "datasetId": "pyds"}}
    ).execute()
    out["tables.insert"] = bq.tables().insert(
        projectId=PROJECT,
        datasetId="pyds",
        body={
            "tableReference": {"projectId": PROJECT, "datasetId": "pyds", "tableId": "src"},
            "schema": {"fields": [{"name": "n", "type": "INTEGER"}, {"name": "s", "type": "STRING"}]},
        },
    ).execute()
    out["tabledata.insertAll"] = bq.tabledata().insertAll(
        projectId=PROJECT, datasetId="pyds", tableId="src",
        body={"rows": [{"json": {"n": i, "s": "row%d" % i}} for i in range(1, 6)]},
    ).execute()
    out["tables.get"] = bq.tables().get(projectId=PROJECT, datasetId="pyds", tableId="src").execute()
    job = {
        "configuration": {
            "query": {
                "query": "SELECT n * 10 AS n10, s FROM pyds.src WHERE n <= 3",
                "useLegacySql": False,
                "destinationTable": {"projectId": PROJECT, "datasetId": "pyds", "tableId": "dst"},
                "writeDisposition": "WRITE_TRUNCATE",
                "createDisposition": "CREATE_IF_NEEDED",
            }
        }
    }
    inserted = bq.jobs().insert(projectId=PROJECT, body=job).execute()
    # Twice: WRITE_TRUNCATE replaces, so the destination still has three rows.
    inserted = bq.jobs().insert(projectId=PROJECT, body=job).execute()
    out["jobs.insert"] = inserted
    job_id = inserted["jobReference"]["jobId"]
    out["jobs.get"] = bq.jobs().get(projectId=PROJECT, jobId=job_id).execute()
    out["jobs.getQueryResults"] = bq.jobs().getQueryResults(projectId=PROJECT, jobId=job_id).execute()
    out["tabledata.list"] = bq.tabledata().list(
        projectId=PROJECT, datasetId="pyds", tableId="dst", maxResults=2
    ).execute()
    out["tabledata.list.page2"] = bq.tabledata().list(
        projectId=PROJECT, datasetId="pyds", tableId="dst", maxResults=2,
        pageToken=out["tabledata.list"].get("pageToken"),
    ).execute()
    out["jobs.cancel"] = bq.jobs().cancel(projectId=PROJECT, jobId=job_id).execute()
    out["jobs.query"] = bq.jobs().query(
        projectId=PROJECT, body={"query": "SELECT COUNT(*) AS c FROM pyds.dst", "useLegacySql": False}
    ).execute()
    out["jobs.list"] = bq.jobs().list(projectId=PROJECT).execute()
    out["tables.list"] = bq.tables().list(projectId=PROJECT, datasetId="pyds").execute()
    out["datasets.list"] = bq.datasets().list(projectId=PROJECT).execute()
    out["datasets.get"] = bq.datasets().get(projectId=PROJECT, datasetId="pyds").execute()
    out["tables.patch"] = bq.tables().patch(
        projectId=PROJECT, datasetId="pyds", tableId="dst", body={"description": "from python"}
    ).execute()
    # jobs.insert with a media body: the client's multipart upload (its parts end in bare LF).
    rows = os.path.join(os.environ["TMPDIR"], "rows.csv")
    with open(rows, "w") as f:
        f.write("a,b\n1,x\n2,y\n")
    out["jobs.insert.upload"] = bq.jobs().insert(
        projectId=PROJECT,
        body={
            "configuration": {
                "load": {
                    "destinationTable": {"projectId": PROJECT, "datasetId": "pyds", "tableId": "loaded"},
                    "sourceFormat": "CSV",
                    "skipLeadingRows": 1,
                    "schema": {"fields": [{"name": "a", "type": "INTEGER"}, {"name": "b", "type": "STRING"}]},
                }
            }
        },
        media_body=MediaFileUpload(rows, mimetype="application/octet-stream", resumable=False),
    ).execute()
    out["tabledata.list.loaded"] = bq.tabledata().list(projectId=PROJECT, datasetId="pyds", tableId="loaded").execute()
    out["tables.get.missing"] = attempt(
        lambda: bq.tables().get(projectId=PROJECT, datasetId="pyds", tableId="nope").execute()
    )
    out["tables.delete"] = bq.tables().delete(projectId=PROJECT, datasetId="pyds", tableId="src").execute()
    out["datasets.delete"] = bq.datasets().delete(projectId=PROJECT, datasetId="pyds", deleteContents=True).execute()
    out["projects.list"] = bq.projects().list().execute()
    return out


def newer_path():
    """The `$discovery/rest?version=v2` document builds the same client."""
    bq = service("/$discovery/rest?version={apiVersion}")
    return {"jobs.query": bq.jobs().query(projectId=PROJECT, body={"query": "SELECT 1 AS one"}).execute()}


def query():
    """One query through the (maybe authorised) client, twice (the second reuses the access token)."""
    body = {"configuration": {"query": {"query": "SELECT 7 AS x", "useLegacySql": False}}}

    def run():
        bq = service()  # with a key: the token request comes first, with the discovery document's GET
        job_id = bq.jobs().insert(projectId=PROJECT, body=body).execute()["jobReference"]["jobId"]
        return bq.jobs().getQueryResults(projectId=PROJECT, jobId=job_id).execute()

    return attempt(run)


def faults():
    """Each call of SCENARIO_CALLS (comma-separated) in turn, errors recorded: shows which requests a fault hit."""
    bq = service()
    body = {"configuration": {"query": {"query": "SELECT 1 AS x", "useLegacySql": False}}}
    out = []
    for call in os.environ["SCENARIO_CALLS"].split(","):
        if call == "jobs.insert":
            r = attempt(lambda: bq.jobs().insert(projectId=PROJECT, body=body).execute())
        elif call == "jobs.query":
            r = attempt(lambda: bq.jobs().query(projectId=PROJECT, body=body["configuration"]["query"]).execute())
        elif call == "datasets.list":
            r = attempt(lambda: bq.datasets().list(projectId=PROJECT).execute())
        else:
            raise SystemExit("unknown call " + call)
        out.append(r)
    return out


if __name__ == "__main__":
    scenario = {"methods": methods, "newer_path": newer_path, "query": query, "faults": faults}[sys.argv[1]]
    json.dump(scenario(), sys.stdout)
