"""The Athena engine against moto's Athena: moto runs no SQL, but its query lifecycle is real
(start, state, stop, results), and results can be seeded through its static API."""

import http.server
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.test import override_settings

from dashboard.engines import EngineError
from dashboard.engines.athena import athena_run
from dashboard.reports import report_get, report_query, report_statement
from ordersite.aws import aws_client


def moto_api(path: str, body: dict) -> None:
    request = urllib.request.Request(
        settings.AWS_ENDPOINT_URL + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()


def seed_results(columns: list[tuple[str, str]], rows: list[list[str]]) -> None:
    def data(values):
        return {"Data": [{"VarCharValue": v} for v in values]}

    moto_api(
        "/moto-api/static/athena/query-results",
        {
            "region": settings.AWS_REGION,
            "results": [
                {
                    "rows": [data([name for name, _ in columns])] + [data(r) for r in rows],
                    "column_info": [
                        {"Name": name, "Label": name, "Type": kind, "Precision": 38, "Scale": 2, "Nullable": "NULLABLE"}
                        for name, kind in columns
                    ],
                }
            ],
        },
    )


@pytest.fixture
def queries_stay_running(twin):
    """moto finishes queries at once unless told otherwise; this keeps them RUNNING."""
    moto_api(
        "/moto-api/state-manager/set-transition",
        {"model_name": "athena::execution", "transition": {"progression": "manual", "times": 10**9}},
    )
    yield
    moto_api("/moto-api/state-manager/unset-transition", {"model_name": "athena::execution"})


def executions() -> list[dict]:
    athena = aws_client("athena")
    ids = athena.list_query_executions(WorkGroup=settings.ATHENA_WORKGROUP)["QueryExecutionIds"]
    return [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]


@override_settings(ATHENA_POLL_SECONDS=0.05)
def test_results_are_mapped_to_typed_columns_and_rows(twin):
    seed_results(
        [("customer", "varchar"), ("orders", "bigint"), ("revenue", "decimal"), ("day", "date")],
        [["Bob", "30", "9211.69", "2025-02-03"], ["Eve", "20", "5584.59", "2025-03-01"]],
    )
    result = athena_run(*report_statement(report_query("sales-by-customer", {}), data_version=1))
    assert result.engine == "athena"
    assert result.columns == ["customer", "orders", "revenue", "day"]
    assert [[str(v) for v in row] for row in result.rows] == [
        ["Bob", "30", "9211.69", "2025-02-03"],
        ["Eve", "20", "5584.59", "2025-03-01"],
    ]
    assert isinstance(result.rows[0][1], int)
    assert result.query_id and result.output_location.startswith(f"s3://{settings.PIPELINE_BUCKET}/enriched/")


@override_settings(ATHENA_POLL_SECONDS=0.05)
def test_an_average_is_the_exact_revenue_over_the_orders_not_athenas_six_decimal_quotient(twin):
    """Review B8-5: 20,001 orders of 500,125.01 in all. By hand: 20,001 x 25.005 = 500,125.005, so
    the average is 25.005 + 0.005 / 20,001 = 25.00500025 (just past the half cent): 25.01 under any
    rounding. Trino divides decimal(38,6) by a count to 6 places, 25.005000, which read
    as a tie rounded to the even cent gave 25.00 (DuckDB's binary quotient gave 25.01)."""
    seed_results(
        [("revenue", "decimal"), ("orders", "bigint"), ("average_order_value", "decimal"), ("customers", "bigint")],
        [["500125.01", "20001", "25.005000", "1"]],
    )
    query = report_query("kpis", {})
    result = athena_run(*report_statement(query, data_version=1))
    rows = report_get("kpis").finish(query, result.columns, result.rows)
    assert [[str(v) for v in row] for row in rows] == [["500125.01", "20001", "25.01", "1"]]


@override_settings(ATHENA_POLL_SECONDS=0.05)
def test_every_query_names_the_workgroup_and_binds_parameters_outside_the_sql(twin):
    query = report_query("kpis", {"customer": "O'Brien & Co", "statuses": "shipped,confirmed"})
    athena_run(*report_statement(query, data_version=1))
    (execution,) = executions()
    assert execution["WorkGroup"] == settings.ATHENA_WORKGROUP
    assert "O'Brien" not in execution["Query"] and "shipped" not in execution["Query"]
    assert "'O''Brien & Co'" in execution["ExecutionParameters"]
    assert "'confirmed,shipped'" in execution["ExecutionParameters"]


def test_only_a_single_select_reaches_athena(twin):
    for sql in ["DROP TABLE orders", "SELECT 1; SELECT 2", "INSERT INTO orders VALUES (1)"]:
        with pytest.raises(EngineError, match="single SELECT"):
            athena_run(sql, [])
    assert executions() == []


@override_settings(ATHENA_POLL_SECONDS=0.05)
def test_a_query_past_its_timeout_is_stopped_in_athena(queries_stay_running):
    with pytest.raises(EngineError, match="stopped after"):
        athena_run("SELECT 1", [], timeout_seconds=0.3)
    (execution,) = executions()
    assert execution["Status"]["State"] == "CANCELLED"


@override_settings(ATHENA_POLL_SECONDS=0.05)
def test_a_cancelled_task_stops_its_query_in_athena(queries_stay_running):
    # Celery cancels a task (soft time limit, revoke with a signal) by raising
    # SoftTimeLimitExceeded from a signal handler in the worker: the same happens here, once
    # the query is running in Athena.
    def soft_limit(signum, frame):
        raise SoftTimeLimitExceeded()

    def cancel_once_running():
        deadline = time.monotonic() + 30
        while not executions() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # let the start call return: the engine now waits on the running query
        os.kill(os.getpid(), signal.SIGALRM)

    previous = signal.signal(signal.SIGALRM, soft_limit)
    canceller = threading.Thread(target=cancel_once_running)
    try:
        canceller.start()
        with pytest.raises(SoftTimeLimitExceeded):
            athena_run("SELECT 1", [], timeout_seconds=60)
    finally:
        canceller.join()
        signal.signal(signal.SIGALRM, previous)
    (execution,) = executions()
    assert execution["Status"]["State"] == "CANCELLED"


class ThrottlingProxy(http.server.BaseHTTPRequestHandler):
    """In front of moto: answers the first StartQueryExecution calls the way Athena does when it
    throttles, and passes everything else through."""

    throttle = 0
    seen: list[str] = []
    upstream = ""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        action = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
        if action == "StartQueryExecution" and ThrottlingProxy.throttle > 0:
            ThrottlingProxy.throttle -= 1
            ThrottlingProxy.seen.append("throttled")
            payload = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        ThrottlingProxy.seen.append(action)
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in {"host", "content-length", "connection", "expect", "transfer-encoding"}
        }
        request = urllib.request.Request(ThrottlingProxy.upstream + self.path, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, reply, kind = response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            status, reply, kind = error.code, error.read(), error.headers.get("Content-Type", "")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def throttling_athena(twin):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ThrottlingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ThrottlingProxy.throttle, ThrottlingProxy.seen = 2, []
    ThrottlingProxy.upstream = settings.AWS_ENDPOINT_URL
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@override_settings(ATHENA_POLL_SECONDS=0.05)
def test_a_throttled_start_is_retried_with_backoff_until_it_runs(throttling_athena):
    with override_settings(AWS_ENDPOINT_URL=throttling_athena):
        result = athena_run("SELECT 1", [])
    assert ThrottlingProxy.seen[:3] == ["throttled", "throttled", "StartQueryExecution"]
    assert result.query_id and [e["QueryExecutionId"] for e in executions()] == [result.query_id]
