"""An engine query that fails or runs too long: that card shows the error, the other cards
render, and the Athena query is stopped instead of scanning (and billing) on.

Athena: moto keeps the real query lifecycle but runs no SQL, so a proxy in front of it plays
Athena for one report's query (it fails with Athena's reason, or keeps running); every other
call, StopQueryExecution included, reaches moto unchanged. The engine code is the production one.
(tests/dashboard/test_athena_engine.py covers the engine alone: timeout and task cancellation.)"""

import http.server
import json
import threading
import urllib.error
import urllib.request

import boto3
import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from dashboard.keys import data_version_get
from dashboard.reports import DASHBOARD, PAGE, report_query, report_statement
from ordersite.aws import aws_client
from ordersite.signals import processed_data_changed

SLOW_OR_BROKEN = "status-summary"
ATHENA_REASON = "HIVE_BAD_DATA: Error parsing field value '12,50' for field 2"


class AthenaStandIn(http.server.BaseHTTPRequestHandler):
    """Forwards to moto; for the one report's query, reports Athena's state `mode` instead of moto's."""

    upstream = ""
    target_sql = ""
    mode = ""  # "fail" | "hang"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, reply, kind = self._forward(body)
        action = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
        if action == "GetQueryExecution" and status == 200:
            payload = json.loads(reply)
            execution = payload["QueryExecution"]
            if execution["Query"].strip() == self.target_sql and execution["Status"]["State"] != "CANCELLED":
                if self.mode == "fail":
                    execution["Status"].update(State="FAILED", StateChangeReason=ATHENA_REASON)
                else:
                    execution["Status"] = {
                        "State": "RUNNING",
                        "SubmissionDateTime": execution["Status"].get("SubmissionDateTime"),
                    }
                reply = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def _forward(self, body: bytes) -> tuple[int, bytes, str]:
        skip = {"host", "content-length", "connection", "expect", "transfer-encoding"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        request = urllib.request.Request(self.upstream + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Content-Type", "")

    def log_message(self, *args):
        pass


def moto_athena():
    return boto3.client("athena", endpoint_url=settings.AWS_ENDPOINT_URL, region_name=settings.AWS_REGION)


def seed_results() -> None:
    """What Athena answers for each card, in the order the page starts their queries."""
    answers = {
        "kpis": (
            [("revenue", "decimal"), ("orders", "bigint"), ("average_order_value", "decimal"), ("customers", "bigint")],
            [["30205.10", "109", "277.11", "5"]],
        ),
        "orders-over-time": (
            [("period", "date"), ("orders", "bigint"), ("revenue", "decimal")],
            [["2025-02-01", "60", "16000.00"]],
        ),
        "sales-by-customer": (
            [("customer", "varchar"), ("other", "bigint"), ("orders", "bigint"), ("revenue", "decimal"),
             ("average_order_value", "decimal")],
            [["Bob", "0", "30", "9211.69", "307.06"]],
        ),
        SLOW_OR_BROKEN: (
            [("status", "varchar"), ("orders", "bigint"), ("revenue", "decimal")],
            [["shipped", "46", "13435.16"]],
        ),
        "breakdown": (
            [("value", "varchar"), ("other", "bigint"), ("orders", "bigint"), ("revenue", "decimal"),
             ("average_order_value", "decimal")],
            [["shipped", "0", "46", "13435.16", "292.07"]],
        ),
        "top-orders": (
            [("order_id", "varchar"), ("customer", "varchar"), ("amount", "decimal"), ("order_date", "date")],
            [["ORD-TOP-1", "Eve", "499.99", "2025-02-03"]],
        ),
        "filter-values": (
            [("dimension", "varchar"), ("value", "varchar"), ("orders", "bigint")],
            [["customer", "Bob", "30"]],
        ),
    }  # fmt: skip
    assert list(answers) == PAGE

    def data(values):
        return {"Data": [{"VarCharValue": v} for v in values]}

    results = [
        {
            "rows": [data([name for name, _ in columns])] + [data(r) for r in rows],
            "column_info": [
                {"Name": n, "Label": n, "Type": t, "Precision": 38, "Scale": 2, "Nullable": "NULLABLE"}
                for n, t in columns
            ],
        }
        for columns, rows in answers.values()
    ]
    request = urllib.request.Request(
        settings.AWS_ENDPOINT_URL + "/moto-api/static/athena/query-results",
        data=json.dumps({"region": settings.AWS_REGION, "results": results}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()


@pytest.fixture
def athena(twin):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AthenaStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    AthenaStandIn.upstream = settings.AWS_ENDPOINT_URL
    query = report_query(SLOW_OR_BROKEN, {})
    AthenaStandIn.target_sql = report_statement(query, data_version=data_version_get())[0].strip()
    seed_results()
    with override_settings(
        REPORT_ENGINE="dashboard.engines.athena.athena_run",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{server.server_address[1]}",
        ATHENA_POLL_SECONDS=0.05,
    ):
        yield AthenaStandIn
    server.shutdown()
    server.server_close()


# The timeout leaves the healthy queries (a few polls each) ample time on a busy machine.
@pytest.mark.parametrize(
    "mode, timeout, card_says",
    [
        ("fail", 60, f"Athena query failed: {ATHENA_REASON}"),
        ("hang", 3, "Athena query stopped after 3 s (REPORT_QUERY_TIMEOUT_SECONDS)"),
    ],
)
def test_a_failing_or_slow_athena_query_shows_on_its_card_the_others_render_and_the_query_is_stopped(
    client, analyst, athena, mode, timeout, card_says, settings, django_capture_on_commit_callbacks
):
    athena.mode = mode
    settings.REPORT_QUERY_TIMEOUT_SECONDS = timeout
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True) as jobs:
        client.get(reverse("dashboard:home"))
    assert len(jobs) == len(PAGE)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    page = response.content.decode()

    card = page.split(f'id="card-{SLOW_OR_BROKEN}"', 1)[1].split("</section>", 1)[0]
    assert card_says.replace("'", "&#x27;") in card and "<canvas" not in card
    errors = [c.split("</p>")[0] for c in page.split('class="message error">')[1:]]
    assert len(errors) == 1, errors
    assert 'data-kpi="revenue" data-value="30205.10">' in page and "ORD-TOP-1" in page
    assert page.count("<canvas") == 4  # over time, customers, breakdown (2); the KPIs, the table, the broken card none

    athena_api = moto_athena()
    ids = athena_api.list_query_executions(WorkGroup=settings.ATHENA_WORKGROUP)["QueryExecutionIds"]
    states = {}
    for query_id in ids:
        execution = athena_api.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        states[execution["Query"].strip()] = execution["Status"]["State"]
    assert len(states) == len(PAGE)
    assert states.pop(athena.target_sql) == "CANCELLED"  # StopQueryExecution reached Athena
    assert set(states.values()) == {"SUCCEEDED"}


def test_on_the_twin_a_corrupt_partition_file_fails_the_cards_with_its_reason_until_it_is_repaired(
    client, crawled, analyst, django_capture_on_commit_callbacks
):
    """Every report first finds each order's latest version over all months (a later export may
    have moved an order out of February), so a damaged April file fails every card, whatever the
    range, with DuckDB's reason; the page still renders, and the repaired file brings the numbers back."""
    s3, bucket = aws_client("s3"), settings.PIPELINE_BUCKET
    (april,) = s3.list_objects_v2(Bucket=bucket, Prefix=f"{settings.PROCESSED_PREFIX}order_month=2025-04/")["Contents"]
    body = s3.get_object(Bucket=bucket, Key=april["Key"])["Body"].read()
    s3.put_object(Bucket=bucket, Key=april["Key"], Body=body[:-4] + b"JUNK")  # the footer's magic bytes overwritten

    client.force_login(analyst)

    def page(**filters) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            client.get(reverse("dashboard:home"), filters)
        response = client.get(reverse("dashboard:home"), filters)
        assert response.status_code == 200
        return response.content.decode()

    everything = page()
    assert everything.count('class="message error">query failed:') == len(DASHBOARD)
    assert "data-kpi=" not in everything

    february = page(start_date="2025-02-01", end_date="2025-02-28")
    assert february.count('class="message error">query failed:') == len(DASHBOARD)

    s3.put_object(Bucket=bucket, Key=april["Key"], Body=body)
    processed_data_changed.send(sender=None, reason="reprocessed", source_keys=[])
    february = page(start_date="2025-02-01", end_date="2025-02-28")
    assert 'class="message error"' not in february
    assert 'data-kpi="orders" data-value="41">' in february and 'data-kpi="revenue" data-value="11917.41">' in february


class AccessDenied(http.server.BaseHTTPRequestHandler):
    """AWS answering a role that lost its permissions: every call is refused at once."""

    def refuse(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"__type":"AccessDeniedException","Message":"User is not authorized to perform this action"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = refuse

    def log_message(self, *args):
        pass


def test_on_the_twin_a_catalog_that_refuses_the_engine_shows_on_the_cards_instead_of_computing_forever(
    client, crawled, analyst, django_capture_on_commit_callbacks
):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AccessDenied)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client.force_login(analyst)
    try:
        with override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{server.server_address[1]}"):
            with django_capture_on_commit_callbacks(execute=True):
                client.get(reverse("dashboard:home"))
    finally:
        server.shutdown()
        server.server_close()
    response = client.get(reverse("dashboard:home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("User is not authorized to perform this action") == len(DASHBOARD)
    assert "Computing…" not in page and 'hx-trigger="every 2s"' not in page
